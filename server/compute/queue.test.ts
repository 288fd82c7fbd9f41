import { describe, expect, it } from 'vitest';
import { isComputeError } from '@convlab/protocol';
import { FairQueue, PRIORITY } from './queue';

function drain<T>(q: FairQueue<T>): string[] {
  const out: string[] = [];
  for (let e = q.next(); e; e = q.next()) out.push(e.id);
  return out;
}

function errorOf(fn: () => unknown): { code?: string; position?: number; message?: string } {
  try {
    fn();
  } catch (e) {
    if (isComputeError(e)) return { code: e.code, position: e.position, message: e.message };
    throw e;
  }
  throw new Error('expected a ComputeError');
}

describe('FairQueue', () => {
  it('serves owners round-robin and each owner FIFO', () => {
    const q = new FairQueue<null>({ maxPerOwner: 10, maxTotal: 100 });
    for (const id of ['a1', 'a2', 'a3', 'a4']) q.enqueue({ id, owner: 'a', payload: null });
    for (const id of ['b1', 'b2']) q.enqueue({ id, owner: 'b', payload: null });
    q.enqueue({ id: 'c1', owner: 'c', payload: null });
    expect(q.order().map((e) => e.id)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    expect(drain(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    expect(q.size).toBe(0);
  });

  it('puts a newcomer last in the current round, not ahead of owners already waiting', () => {
    const q = new FairQueue<null>({ maxPerOwner: 10, maxTotal: 100 });
    for (const id of ['a1', 'a2', 'a3']) q.enqueue({ id, owner: 'a', payload: null });
    for (const id of ['b1', 'b2']) q.enqueue({ id, owner: 'b', payload: null });
    expect(q.next()?.id).toBe('a1');
    // c arrives after a was served: b (waiting) goes first, then c, then a again.
    expect(q.enqueue({ id: 'c1', owner: 'c', payload: null })).toBe(1);
    expect(drain(q)).toEqual(['b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('an owner who empties and returns rejoins at the end of the round', () => {
    const q = new FairQueue<null>({ maxPerOwner: 10, maxTotal: 100 });
    q.enqueue({ id: 'a1', owner: 'a', payload: null });
    q.enqueue({ id: 'b1', owner: 'b', payload: null });
    q.enqueue({ id: 'b2', owner: 'b', payload: null });
    q.enqueue({ id: 'c1', owner: 'c', payload: null });
    expect(q.next()?.id).toBe('a1');
    q.enqueue({ id: 'a2', owner: 'a', payload: null });
    expect(drain(q)).toEqual(['b1', 'c1', 'a2', 'b2']);
  });

  it('serves the instructor level first, round-robin within each level', () => {
    const q = new FairQueue<null>({ maxPerOwner: 10, maxTotal: 100 });
    q.enqueue({ id: 's1', owner: 's', payload: null });
    q.enqueue({ id: 't1', owner: 't', payload: null });
    q.enqueue({ id: 'i1', owner: 'i', priority: PRIORITY.instructor, payload: null });
    q.enqueue({ id: 'i2', owner: 'i', priority: PRIORITY.instructor, payload: null });
    expect(q.position('i2')).toBe(1);
    expect(q.position('s1')).toBe(2);
    expect(drain(q)).toEqual(['i1', 'i2', 's1', 't1']);
  });

  it('caps jobs per owner and in total, answering SERVER_BUSY with the position', () => {
    const q = new FairQueue<null>({ maxPerOwner: 2, maxTotal: 3 });
    q.enqueue({ id: 'a1', owner: 'a', payload: null });
    q.enqueue({ id: 'a2', owner: 'a', payload: null });
    expect(errorOf(() => q.enqueue({ id: 'a3', owner: 'a', payload: null })).code).toBe('TOO_MANY_JOBS');
    q.enqueue({ id: 'b1', owner: 'b', payload: null });
    const busy = errorOf(() => q.enqueue({ id: 'c1', owner: 'c', payload: null }));
    expect(busy).toMatchObject({ code: 'SERVER_BUSY', position: 3 });
    expect(busy.message).toMatch(/server busy, position 4/);
    // Serving one frees a place.
    q.next();
    // b1 waited already; c1 comes before a's second job.
    expect(q.enqueue({ id: 'c1', owner: 'c', payload: null })).toBe(1);
    expect(drain(q)).toEqual(['b1', 'c1', 'a2']);
  });

  it('cancels waiting jobs and keeps the rotation intact', () => {
    const q = new FairQueue<null>({ maxPerOwner: 10, maxTotal: 100 });
    for (const [id, owner] of [['a1', 'a'], ['b1', 'b'], ['c1', 'c'], ['a2', 'a'], ['c2', 'c']]) q.enqueue({ id, owner, payload: null });
    expect(q.next()?.id).toBe('a1');
    expect(q.remove('b1')).toBe(true);
    expect(q.remove('b1')).toBe(false);
    expect(q.remove('a1')).toBe(false); // already started: not the queue's to cancel
    expect(drain(q)).toEqual(['c1', 'a2', 'c2']);
  });

  it('expires jobs that waited past the limit, by the injected clock', () => {
    let now = 1000;
    const q = new FairQueue<null>({ maxPerOwner: 10, maxTotal: 100, maxWaitMs: 500, clock: () => now });
    q.enqueue({ id: 'a1', owner: 'a', payload: null });
    now = 1300;
    q.enqueue({ id: 'b1', owner: 'b', payload: null });
    now = 1499;
    expect(q.expire()).toEqual([]);
    now = 1500;
    expect(q.expire().map((e) => e.id)).toEqual(['a1']);
    now = 1800;
    expect(q.expire().map((e) => e.id)).toEqual(['b1']);
    expect(q.size).toBe(0);
  });

  it('next(accept) skips owners whose head job cannot run now without losing their turn order', () => {
    const q = new FairQueue<{ heavy: boolean }>({ maxPerOwner: 10, maxTotal: 100 });
    q.enqueue({ id: 'a1', owner: 'a', payload: { heavy: true } });
    q.enqueue({ id: 'b1', owner: 'b', payload: { heavy: false } });
    expect(q.next((e) => !e.payload.heavy)?.id).toBe('b1');
    expect(q.next()?.id).toBe('a1');
  });

  it('30 students with 3 jobs each: every round serves each student once, in arrival order', () => {
    const q = new FairQueue<null>({ maxPerOwner: 5, maxTotal: 1000 });
    for (let j = 0; j < 3; j++) for (let s = 0; s < 30; s++) q.enqueue({ id: `s${s}-j${j}`, owner: `s${s}`, payload: null });
    const served = drain(q);
    for (let round = 0; round < 3; round++) {
      expect(served.slice(round * 30, round * 30 + 30)).toEqual(Array.from({ length: 30 }, (_, s) => `s${s}-j${round}`));
    }
  });
});
