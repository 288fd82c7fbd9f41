import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from './batcher';

/** A manual timer: tests decide when "maxWait" has passed. */
function manualTimers() {
  const timers = new Map<number, () => void>();
  let id = 0;
  return {
    setTimer: (fn: () => void) => {
      timers.set(++id, fn);
      return id;
    },
    clearTimer: (h: unknown) => void timers.delete(h as number),
    fireAll: () => {
      const fns = [...timers.values()];
      timers.clear();
      fns.forEach((f) => f());
    },
    get count() {
      return timers.size;
    },
  };
}

type Req = { rows: number[] };

function makeBatcher(maxBatch: number, timers = manualTimers()) {
  const runs: Array<{ key: string; rows: number[][] }> = [];
  // "Forward pass": doubles every row value; results are split back per request.
  const b = new DynamicBatcher<Req, number[]>(
    (key, reqs) => {
      runs.push({ key, rows: reqs.map((r) => r.rows) });
      return reqs.map((r) => r.rows.map((v) => v * 2));
    },
    (r) => r.rows.length,
    { maxBatch, maxWaitMs: 5, setTimer: timers.setTimer, clearTimer: timers.clearTimer },
  );
  return { b, runs, timers };
}

describe('DynamicBatcher', () => {
  it('gathers requests of several jobs until the batch is full and splits results back', async () => {
    const { b, runs } = makeBatcher(4);
    const p1 = b.submit('m', { rows: [1, 2] }, 'job1');
    const p2 = b.submit('m', { rows: [3] }, 'job2');
    expect(runs).toHaveLength(0);
    const p3 = b.submit('m', { rows: [4] }, 'job3');
    const [r1, r2, r3] = await Promise.all([p1, p2, p3]);
    expect(runs).toEqual([{ key: 'm', rows: [[1, 2], [3], [4]] }]);
    expect(r1.value).toEqual([2, 4]);
    expect(r2.value).toEqual([6]);
    expect(r3.value).toEqual([8]);
    expect(r1.batch).toEqual({ rows: 4, requests: 3, tags: 3 });
    expect(b.stats).toMatchObject({ batches: 1, requests: 3, rows: 4, sharedBatches: 1 });
  });

  it('runs a partial batch when the wait expires, and keeps models apart', async () => {
    const { b, runs, timers } = makeBatcher(8);
    const pa = b.submit('a', { rows: [1] }, 'j1');
    const pb = b.submit('b', { rows: [2] }, 'j2');
    expect(runs).toHaveLength(0);
    expect(timers.count).toBe(2);
    timers.fireAll();
    await Promise.all([pa, pb]);
    expect(runs.map((r) => r.key).sort()).toEqual(['a', 'b']);
    expect(runs.every((r) => r.rows.length === 1)).toBe(true);
  });

  it('sends the gathered batch off before a request that would overflow it', async () => {
    const { b, runs, timers } = makeBatcher(4);
    const p1 = b.submit('m', { rows: [1, 2, 3] }, 'j1');
    const p2 = b.submit('m', { rows: [4, 5] }, 'j2');
    await p1;
    expect(runs).toEqual([{ key: 'm', rows: [[1, 2, 3]] }]);
    timers.fireAll();
    expect((await p2).value).toEqual([8, 10]);
  });

  it('with maxBatch 1 every request runs alone, at once', async () => {
    const { b, runs, timers } = makeBatcher(1);
    await Promise.all([b.submit('m', { rows: [1] }), b.submit('m', { rows: [2] })]);
    expect(runs).toHaveLength(2);
    expect(timers.count).toBe(0);
  });

  it('runs at once, without waiting, when every job that could join is already in the batch', async () => {
    const timers = manualTimers();
    let active = 2;
    const runs: number[][][] = [];
    const b = new DynamicBatcher<Req, number[]>(
      (_key, reqs) => {
        runs.push(reqs.map((r) => r.rows));
        return reqs.map((r) => r.rows);
      },
      (r) => r.rows.length,
      { maxBatch: 8, maxWaitMs: 5, setTimer: timers.setTimer, clearTimer: timers.clearTimer, contributors: () => active },
    );
    const p1 = b.submit('m', { rows: [1] }, 'j1');
    // A second request of the same job does not count as company.
    const p1b = b.submit('m', { rows: [2] }, 'j1');
    expect(runs).toHaveLength(0);
    const p2 = b.submit('m', { rows: [3] }, 'j2');
    await Promise.all([p1, p1b, p2]);
    expect(runs).toEqual([[[1], [2], [3]]]);
    // A job alone on its worker never waits for company.
    active = 1;
    await b.submit('m', { rows: [4] }, 'j3');
    expect(runs).toHaveLength(2);
    expect(timers.count).toBe(0);
  });

  it('runs each batch in its own event-loop turn, so messages get in between the batches of a busy job', async () => {
    const order: string[] = [];
    const b = new DynamicBatcher<Req, number[]>(
      (_key, reqs) => {
        order.push('batch');
        return reqs.map((r) => r.rows);
      },
      (r) => r.rows.length,
      { maxBatch: 1, maxWaitMs: 0 },
    );
    const job = (async () => {
      for (let i = 0; i < 3; i++) await b.submit('m', { rows: [i] }, 'j');
    })();
    setImmediate(() => order.push('message'));
    await job;
    expect(order).toEqual(['batch', 'message', 'batch', 'batch']);
  });

  it('a failing batch rejects every request in it', async () => {
    const b = new DynamicBatcher<Req, number[]>(
      () => {
        throw new Error('out of memory');
      },
      (r) => r.rows.length,
      { maxBatch: 2, maxWaitMs: 1 },
    );
    const results = await Promise.allSettled([b.submit('m', { rows: [1] }), b.submit('m', { rows: [2] })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
