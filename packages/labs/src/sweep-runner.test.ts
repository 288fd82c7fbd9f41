import { ManualClock } from '@convlab/classroom';
import { describe, expect, it } from 'vitest';
import { OcclusionParamsSchema } from './occlusion.lab';
import { SERVER, type SweepResult } from './sweep';
import { SweepRunner, type ShardDealt, type SweepComputePurpose, type SweepJob, type SweepRecord, type SweepRun } from './sweep-runner';

/** 10×10 input, 2-pixel windows, stride 2 → 25 positions in 5 shards of 5; a shard is late after 10 s. */
const params = OcclusionParamsSchema.parse({ model: 'm', image: { kind: 'sample', id: 'photos/a.png' }, window: 2, stride: 2, shardSize: 5, shardTimeoutSeconds: 10 });
const BASELINE = 0.9;
/** The "model": the probability with a window at (x, y). */
const truth = (m: { x: number; y: number }) => 0.1 + (m.x * 10 + m.y) / 200;
const truthOf = (job: SweepJob) => job.params.masks.map((m) => truth(m as { x: number; y: number }));

/** A fake world: the compute port answers from `truth` (a check only when released), storage is a Map. */
function world(opts: { holdChecks?: boolean } = {}) {
  const clock = new ManualClock(0);
  const jobs: Array<{ purpose: SweepComputePurpose; job: SweepJob; cancelled: boolean; release(): void }> = [];
  const saved = new Map<string, SweepRecord>();
  const shards: Array<[string, ShardDealt]> = [];
  const finished: SweepResult[] = [];
  const failed: string[] = [];
  let progress = 0;
  let seed = 7;
  const runner = new SweepRunner({
    clock,
    random: () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646,
    compute: {
      run(_sweep: SweepRun, job, purpose) {
        let release!: () => void;
        const entry = { purpose, job, cancelled: false, release: () => release() };
        const result = new Promise<{ probabilities: number[]; baseline: number } | null>((resolve) => {
          release = () => resolve(entry.cancelled ? null : { probabilities: truthOf(job), baseline: BASELINE });
        });
        jobs.push(entry);
        if (!(opts.holdChecks && purpose === 'check')) queueMicrotask(release);
        return { result, cancel: () => ((entry.cancelled = true), release()) };
      },
    },
    store: {
      save: async (r) => void saved.set(r.id, JSON.parse(JSON.stringify(r))),
      remove: async (id) => void saved.delete(id),
    },
    events: {
      shard: (p, d) => void shards.push([p, d]),
      progress: () => void progress++,
      finished: async (_s, r) => void finished.push(r),
      failed: (_s, m) => void failed.push(m),
    },
  });
  return { clock, runner, jobs, saved, shards, finished, failed, progress: () => progress };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const mine = (w: ReturnType<typeof world>, who: string) => w.shards.filter(([p]) => p === who).map(([, d]) => d);

describe('SweepRunner', () => {
  it('spot-checks students, rejects a forged shard and baseline, recomputes the cheat’s other shards', async () => {
    const w = world();
    const { sweep, dealt } = w.runner.start({ sessionId: 's', stepId: 'st', params, classIndex: 3, inputSize: [10, 10], participants: ['ana', 'bo'] });
    expect(Object.fromEntries(dealt)).toEqual({ ana: [0, 2, 4], bo: [1, 3] });
    expect(w.shards).toHaveLength(0); // sent once saved, on the clock's next turn
    await settle();
    expect(w.saved.has(sweep.id)).toBe(true);
    w.clock.advance(0);
    expect(mine(w, 'ana').map((d) => d.shard.index)).toEqual([0, 2, 4]);
    expect(mine(w, 'ana')[1]!.deadline).toBe(20_000);

    // Ana is honest (within 2e-3, as WebGL would be); her baseline is not taken.
    const honest = (d: ShardDealt) => truthOf(d.job).map((p, i) => p + (i % 2 ? 0.0015 : -0.0015));
    const a0 = await w.runner.result(sweep.id, 'ana', 0, honest(mine(w, 'ana')[0]!), 0.9015);
    expect(a0).toEqual({ accepted: true });
    // Acknowledged only once saved: a crash right after the ack keeps the answer.
    expect(w.saved.get(sweep.id)!.coordinator.states[0]).toMatchObject({ status: 'done', by: 'ana' });
    const check = w.jobs.find((j) => j.purpose === 'check')!;
    expect(check.job.params.masks).toHaveLength(3);
    expect(sweep.baseline).toBe(BASELINE);
    expect(w.runner.get(sweep.id)!.coordinator.state(0)).toMatchObject({ status: 'done', by: 'ana' });

    // Bo forges one position of his first shard: refused, recomputed, his second shard too.
    const forged = truthOf(mine(w, 'bo')[0]!.job);
    forged[0] = 0.99;
    forged[1] = 0.99;
    forged[2] = 0.99;
    forged[3] = 0.99;
    forged[4] = 0.99;
    expect(await w.runner.result(sweep.id, 'bo', 1, forged)).toEqual({ accepted: false, reason: 'failed-check' });
    expect(await w.runner.result(sweep.id, 'bo', 3, truthOf(mine(w, 'bo')[1]!.job))).toEqual({ accepted: false, reason: 'untrusted' });
    // A forged baseline alone fails too.
    const ana2 = mine(w, 'ana')[1]!;
    expect(await w.runner.result(sweep.id, 'ana', 2, truthOf(ana2.job), 0.5)).toEqual({ accepted: false, reason: 'failed-check' });
    await settle();
    expect(w.finished).toHaveLength(1);
    const result = w.finished[0]!;
    expect(result.baseline).toBe(BASELINE);
    expect(result.shards.map((s) => s.by)).toEqual([SERVER, SERVER, SERVER, SERVER, SERVER]);
    result.probabilities.forEach((p, i) => expect(p).toBeCloseTo(truth({ x: (i % 5) * 2, y: Math.floor(i / 5) * 2 }), 6));
    expect(w.saved.size).toBe(0); // forgotten once stored
    expect(w.clock.pending).toBe(0);
  });

  it('takes a shard over at its deadline on the injected clock; a late answer still counts', async () => {
    const w = world();
    const { sweep, saved } = w.runner.start({ sessionId: 's', stepId: 'st', params: { ...params, shardSize: 25 }, classIndex: 3, inputSize: [10, 10], participants: ['ana'] });
    await saved;
    await settle();
    w.clock.advance(0);
    expect(w.jobs).toHaveLength(0);
    w.clock.advance(9_999);
    expect(w.jobs).toHaveLength(0);
    w.clock.advance(1);
    expect(w.jobs.map((j) => j.purpose)).toEqual(['takeover']);
    // Ana answers before the server's job is back: her (checked) answer wins, the server's job is cancelled.
    const answer = w.runner.result(sweep.id, 'ana', 0, truthOf(mine(w, 'ana')[0]!.job));
    expect(w.jobs[0]!.cancelled).toBe(true);
    expect(await answer).toEqual({ accepted: true });
    await settle();
    expect(w.finished[0]!.shards).toEqual([{ index: 0, by: 'ana' }]);
  });

  it('resumes a saved sweep after a restart: pending checks rerun, late shards accepted, done once', async () => {
    const w = world({ holdChecks: true });
    const { sweep } = w.runner.start({ sessionId: 's', stepId: 'st', params, classIndex: 3, inputSize: [10, 10], participants: ['ana', 'bo'] });
    await settle();
    w.clock.advance(0);
    const pending = w.runner.result(sweep.id, 'ana', 0, truthOf(mine(w, 'ana')[0]!.job));
    await settle();
    await w.runner.close(); // the server stops: the check never came back
    expect(await pending).toMatchObject({ accepted: false });
    const records = [...w.saved.values()];
    expect(records).toHaveLength(1);
    expect(records[0]!.coordinator.states[0]).toMatchObject({ status: 'checking', by: 'ana' });

    const w2 = world();
    w2.clock.advance(5_000);
    const [resumed] = w2.runner.resume(records);
    await settle();
    expect(resumed!.coordinator.state(0)).toMatchObject({ status: 'done', by: 'ana' });
    // Late answers of shards dealt before the restart are accepted.
    for (const d of mine(w, 'ana').slice(1)) expect(await w2.runner.result(sweep.id, 'ana', d.shard.index, truthOf(d.job))).toEqual({ accepted: true });
    for (const d of mine(w, 'bo')) expect(await w2.runner.result(sweep.id, 'bo', d.shard.index, truthOf(d.job))).toEqual({ accepted: true });
    await settle();
    expect(w2.finished).toHaveLength(1);
    expect(w2.finished[0]!.shards.map((s) => s.by)).toEqual(['ana', 'bo', 'ana', 'bo', 'ana']);
    expect(w2.saved.size).toBe(0);
    expect(await w2.runner.result(sweep.id, 'ana', 0, [0.1, 0.1, 0.1, 0.1, 0.1])).toEqual({ accepted: false, reason: 'the sweep is over' });
  });

  it('fails the sweep when the server cannot compute a shard', async () => {
    const w = world();
    const broken = new SweepRunner({
      clock: w.clock,
      compute: { run: () => ({ result: Promise.reject(new Error('no model')), cancel() {} }) },
      store: { save: async () => {}, remove: async () => {} },
      events: { shard() {}, progress() {}, finished: async () => {}, failed: (_s, m) => void w.failed.push(m) },
    });
    broken.start({ sessionId: 's', stepId: 'st', params, classIndex: 3, inputSize: [10, 10], participants: [] });
    await settle();
    w.clock.advance(0);
    await settle();
    expect(w.failed[0]).toMatch(/could not compute shard 0: no model/);
    expect(broken.list()).toEqual([]);
  });
});
