import { describe, expect, it } from 'vitest';
import { occlusionLab } from './occlusion.lab';
import {
  SERVER,
  SweepCoordinator,
  SweepError,
  SweepResultSchema,
  planSweep,
  shardJob,
  shardMasks,
  shardPositions,
  SPOT_CHECK_POSITIONS,
  spotCheckJob,
  spotCheckOffsets,
  spotCheckPasses,
  sweepDrops,
  sweepPixelMap,
  sweepResult,
} from './sweep';

const T = 10_000;
const probs = (n: number, v = 0.5) => new Array<number>(n).fill(v);

describe('planSweep', () => {
  it('places the windows like the sliding-window job and splits them into shards', () => {
    const plan = planSweep([224, 224], 48, 16, 16);
    expect(plan.rows).toBe(12); // (224 - 48) / 16 + 1
    expect(plan.cols).toBe(12);
    expect(plan.shards).toHaveLength(9);
    expect(plan.shards.reduce((n, s) => n + s.count, 0)).toBe(144);
    expect(plan.shards.at(-1)).toEqual({ index: 8, start: 128, count: 16 });

    const odd = planSweep([10, 7], 4, 3, 4); // rows 3, cols 2 → 6 positions → shards 4 + 2
    expect(odd.shards.map((s) => s.count)).toEqual([4, 2]);
    expect(shardPositions(odd, odd.shards[1]!)).toEqual([
      { index: 4, row: 2, col: 0, y: 6, x: 0 },
      { index: 5, row: 2, col: 1, y: 6, x: 3 },
    ]);
    expect(shardMasks(odd, odd.shards[0]!)[1]).toEqual({ kind: 'rect', x: 3, y: 0, width: 4, height: 4 });
  });

  it('refuses impossible sweeps with a clear message', () => {
    expect(() => planSweep([32, 32], 48, 16, 16)).toThrow(/does not fit/);
    expect(() => planSweep([224, 224], 8, 1, 16)).toThrow(/at most 4096/);
    expect(() => planSweep([224, 224], 48, 0, 16)).toThrow(/stride/);
    expect(() => planSweep([224, 224], 48, 16, 1.5)).toThrow(/shardSize/);
  });

  it('builds one occlusion-masks job per shard with the fixed target class', () => {
    const plan = planSweep([224, 224], 64, 32, 8);
    const params = occlusionLab.params.parse({ image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, fill: 'zero' }) as never;
    const job = shardJob(params, plan, plan.shards[0]!, 285);
    expect(job).toMatchObject({ kind: 'occlusion-masks', model: 'mobilenet_v1_0.75_224', params: { fill: 'zero', classIndex: 285 } });
    expect(job.params.masks).toHaveLength(8);
  });
});

describe('SweepCoordinator', () => {

  it('deals shards round-robin with staggered deadlines', () => {
    const plan = planSweep([10, 10], 2, 2, 5); // 25 positions → 5 shards
    const c = new SweepCoordinator(plan, T);
    const dealt = c.start(['ana', 'bo', 'ana'], 0);
    expect(Object.fromEntries(dealt)).toEqual({ ana: [0, 2, 4], bo: [1, 3] });
    expect(c.state(0)).toEqual({ status: 'assigned', to: 'ana', deadline: T });
    expect(c.state(2)).toEqual({ status: 'assigned', to: 'ana', deadline: 2 * T });
    expect(c.state(4)).toEqual({ status: 'assigned', to: 'ana', deadline: 3 * T });
    expect(c.state(3)).toEqual({ status: 'assigned', to: 'bo', deadline: 2 * T });
    expect(c.nextDeadline()).toBe(T);
    expect(() => c.start(['cy'], 0)).toThrow(SweepError);
  });

  it('merges results into the grid and completes', () => {
    const plan = planSweep([6, 6], 2, 2, 4); // 9 positions → shards 4, 4, 1
    const c = new SweepCoordinator(plan, T);
    c.start(['ana', 'bo'], 0);
    expect(c.complete(0, 'ana', [0.1, 0.2, 0.3, 0.4], 5)).toEqual({ accepted: true, cancelServerJob: false, complete: false, check: true });
    // A student's answer waits for its spot check before it enters the grid.
    expect(Number.isNaN(c.grid[0]!)).toBe(true);
    expect(c.checking()).toEqual([0]);
    expect(c.verified(0, true, 5)).toEqual({ taken: [], complete: false });
    expect(c.complete(1, 'bo', probs(4, 0.6), 6).accepted).toBe(true);
    c.verified(1, true, 6);
    expect(Array.from(c.grid.slice(0, 4))).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect(Number.isNaN(c.grid[8]!)).toBe(true);
    expect(c.progress()).toEqual({ total: 3, done: 2, byStudents: 2, byServer: 0, assigned: 1, server: 0 });
    expect(c.complete(2, 'ana', [1], 7)).toEqual({ accepted: true, cancelServerJob: false, complete: false, check: true });
    expect(c.verified(2, true, 7)).toEqual({ taken: [], complete: true });
    expect(c.isComplete()).toBe(true);
    expect(c.snapshot()).toMatchObject({ rows: 3, cols: 3, done: 3, total: 3 });
    expect(c.snapshot().probabilities).toHaveLength(9);
  });

  it('refuses malformed results, duplicates and shards dealt to someone else', () => {
    const plan = planSweep([6, 6], 2, 2, 4);
    const c = new SweepCoordinator(plan, T);
    c.start(['ana', 'bo'], 0);
    expect(() => c.complete(0, 'ana', [0.1], 1)).toThrow(/4 positions/);
    expect(() => c.complete(0, 'ana', [0.1, 0.2, 2, 0.3], 1)).toThrow(/\[0, 1\]/);
    expect(() => c.complete(0, 'ana', [0.1, 0.2, Number.NaN, 0.3], 1)).toThrow(/\[0, 1\]/);
    expect(() => c.complete(9, 'ana', [], 1)).toThrow(/no shard 9/);
    expect(c.complete(0, 'bo', probs(4), 1)).toEqual({ accepted: false, reason: 'not-assigned' });
    expect(c.complete(0, 'ana', probs(4), 1).accepted).toBe(true);
    expect(c.complete(0, 'ana', probs(4, 0.9), 2)).toEqual({ accepted: false, reason: 'duplicate' });
    c.verified(0, true, 2);
    expect(c.complete(0, 'ana', probs(4, 0.9), 2)).toEqual({ accepted: false, reason: 'duplicate' });
    expect(c.grid[0]).toBe(0.5);
  });

  it('takes over shards not back in time; the late student may still deliver (the server job is cancelled)', () => {
    const plan = planSweep([10, 10], 2, 2, 5); // 5 shards
    const c = new SweepCoordinator(plan, T);
    c.start(['ana', 'bo'], 0); // ana: 0, 2, 4 (due T, 2T, 3T); bo: 1, 3 (due T, 2T)
    c.complete(0, 'ana', probs(5), T - 1);
    c.verified(0, true, T - 1);
    expect(c.expire(T - 1)).toEqual([]);
    expect(c.expire(T)).toEqual([1]); // bo's first shard is late
    expect(c.state(1)).toEqual({ status: 'server', since: T, from: 'bo' });
    expect(c.serverQueue()).toEqual([1]);
    expect(c.assignedTo('bo')).toEqual([3]);
    // bo delivers after all: first result wins, the server's job can stop.
    expect(c.complete(1, 'bo', probs(5), T + 5)).toEqual({ accepted: true, cancelServerJob: true, complete: false, check: true });
    expect(c.serverQueue()).toEqual([]);
    c.verified(1, true, T + 5);
    // Nobody else may deliver a taken-over shard of bo's…
    expect(c.expire(2 * T)).toEqual([2, 3]);
    expect(c.complete(3, 'ana', probs(5), 2 * T + 1)).toEqual({ accepted: false, reason: 'not-assigned' });
    // …but the server may, and then bo's copy is a duplicate.
    expect(c.complete(3, SERVER, probs(5, 0.7), 2 * T + 2)).toEqual({ accepted: true, cancelServerJob: false, complete: false, check: false });
    expect(c.complete(3, 'bo', probs(5), 2 * T + 3)).toEqual({ accepted: false, reason: 'duplicate' });
    expect(c.progress()).toMatchObject({ done: 3, byServer: 1, byStudents: 2, server: 1, assigned: 1 });
  });

  it('hands a leaving student’s shards to the server at once (a tab closed halfway)', () => {
    const plan = planSweep([10, 10], 2, 2, 5);
    const c = new SweepCoordinator(plan, T);
    c.start(['ana', 'bo'], 0);
    c.complete(1, 'bo', probs(5), 10);
    c.verified(1, true, 10);
    expect(c.leave('bo', 20)).toEqual([3]);
    expect(c.assignedTo('bo')).toEqual([]);
    expect(c.leave('bo', 21)).toEqual([]);
    for (const i of c.serverQueue()) c.complete(i, SERVER, probs(5, 0.25), 30);
    for (const i of c.assignedTo('ana')) {
      c.complete(i, 'ana', probs(5, 0.75), 40);
      c.verified(i, true, 40);
    }
    expect(c.isComplete()).toBe(true);
    const stored = sweepResult(c, 780, 0.9);
    expect(SweepResultSchema.safeParse(stored).success).toBe(true);
    expect(stored.shards).toEqual([
      { index: 0, by: 'ana' },
      { index: 1, by: 'bo' },
      { index: 2, by: 'ana' },
      { index: 3, by: SERVER },
      { index: 4, by: 'ana' },
    ]);
    expect(occlusionLab.result.safeParse(stored).success).toBe(true);
  });

  it('gives every shard to the server when nobody is there, and refuses an unfinished result', () => {
    const plan = planSweep([6, 6], 2, 2, 4);
    const c = new SweepCoordinator(plan, T);
    expect(c.start([], 0).size).toBe(0);
    expect(c.serverQueue()).toEqual([0, 1, 2]);
    expect(c.nextDeadline()).toBeNull();
    expect(() => sweepResult(c, 1, 0.5)).toThrow(/not complete/);
    expect(() => new SweepCoordinator(plan, 0)).toThrow(/timeoutMs/);
  });
});

describe('spot checks', () => {
  it('picks distinct positions of a shard, all of a small one', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 20; i++) {
      const offsets = spotCheckOffsets(16, random);
      expect(offsets).toHaveLength(SPOT_CHECK_POSITIONS);
      expect(new Set(offsets).size).toBe(3);
      expect(offsets.every((k) => k >= 0 && k < 16)).toBe(true);
    }
    expect(spotCheckOffsets(2, random)).toEqual([0, 1]);
    const plan = planSweep([10, 10], 2, 2, 5);
    const job = spotCheckJob({ model: 'm', image: { kind: 'sample', id: 'photos/a.png' }, fill: 'grey' }, plan, plan.shards[1]!, 7, [0, 4]);
    expect(job.params.masks).toEqual([shardMasks(plan, plan.shards[1]!)[0], shardMasks(plan, plan.shards[1]!)[4]]);
  });

  it('accepts answers within the tolerance, refuses a forged position or baseline', () => {
    const server = { probabilities: [0.5, 0.2], baseline: 0.9 };
    expect(spotCheckPasses({ probabilities: [0.5019, 0.3, 0.1981], baseline: null }, [0, 2], server)).toBe(true);
    expect(spotCheckPasses({ probabilities: [0.5019, 0.3, 0.1981], baseline: 0.901 }, [0, 2], server)).toBe(true);
    expect(spotCheckPasses({ probabilities: [0.5025, 0.3, 0.2], baseline: null }, [0, 2], server)).toBe(false);
    expect(spotCheckPasses({ probabilities: [0.5, 0.3, 0.2], baseline: 0.5 }, [0, 2], server)).toBe(false);
  });

  it('distrusts a student whose answer fails: all their shards go to the server, merged ones leave the grid', () => {
    const plan = planSweep([10, 10], 2, 2, 5); // 5 shards; ana 0, 2, 4; bo 1, 3
    const c = new SweepCoordinator(plan, T);
    c.start(['ana', 'bo'], 0);
    c.complete(0, 'ana', probs(5, 0.1), 1);
    c.verified(0, true, 1);
    c.complete(1, 'bo', probs(5, 0.2), 1);
    c.complete(2, 'ana', probs(5, 0.3), 2);
    expect(c.verified(2, false, 3)).toEqual({ taken: [0, 2, 4], complete: false });
    expect(Number.isNaN(c.grid[0]!)).toBe(true);
    expect(c.isUntrusted('ana')).toBe(true);
    expect(c.serverQueue()).toEqual([0, 2, 4]);
    expect(c.complete(4, 'ana', probs(5), 4)).toEqual({ accepted: false, reason: 'untrusted' });
    // bo's answer is unaffected; the server's results need no check.
    c.verified(1, true, 4);
    for (const i of c.serverQueue()) expect(c.complete(i, SERVER, probs(5, 0.6), 5)).toMatchObject({ accepted: true, check: false });
    expect(c.assignedTo('bo')).toEqual([3]);
  });

  it('resumes from its JSON as it was', () => {
    const plan = planSweep([10, 10], 2, 2, 5);
    const c = new SweepCoordinator(plan, T);
    c.start(['ana', 'bo'], 0);
    c.complete(0, 'ana', probs(5, 0.1), 1);
    c.verified(0, true, 1);
    c.complete(1, 'bo', probs(5, 0.2), 2, 0.9);
    c.expire(2 * T);
    const json = JSON.parse(JSON.stringify(c.toJSON()));
    const r = SweepCoordinator.restore(plan, T, json);
    expect(r.snapshot()).toEqual(c.snapshot());
    expect(r.state(1)).toEqual({ status: 'checking', by: 'bo', probabilities: probs(5, 0.2), baseline: 0.9 });
    expect(r.checking()).toEqual([1]);
    expect(r.serverQueue()).toEqual(c.serverQueue());
    expect(() => SweepCoordinator.restore(planSweep([6, 6], 2, 2, 4), T, json)).toThrow(SweepError);
  });
});

describe('sweep heatmaps', () => {
  it('turns probabilities into drops per position and per pixel', () => {
    const plan = planSweep([4, 4], 2, 2, 4); // 2×2 windows, no overlap
    const grid = new Float32Array([0.5, 0.25, Number.NaN, 1]);
    expect(Array.from(sweepDrops(grid, 0.75)).map((v) => (Number.isNaN(v) ? null : v))).toEqual([0.25, 0.5, null, -0.25]);
    const px = sweepPixelMap(plan, grid, 0.75);
    expect(px[0]).toBeCloseTo(0.25);
    expect(px[3]).toBeCloseTo(0.5);
    expect(Number.isNaN(px[8]!)).toBe(true);
    expect(px[15]).toBeCloseTo(-0.25);

    const overlap = planSweep([3, 3], 2, 1, 4); // 4 windows overlapping at the centre
    const centre = sweepPixelMap(overlap, new Float32Array([0.1, 0.2, 0.3, 0.4]), 1)[4]!;
    expect(centre).toBeCloseTo(1 - 0.25, 6);
  });

  it('covers every pixel when the stride does not divide (size − window): the last windows sit flush with the edges', () => {
    // 10 − 4 = 6 rows and 9 − 4 = 5 columns of slack at stride 4: windows at y 0, 4, 6 and x 0, 4, 5.
    const plan = planSweep([10, 9], 4, 4, 100);
    expect([plan.rows, plan.cols]).toEqual([3, 3]);
    const last = shardPositions(plan, plan.shards[0]!).at(-1)!;
    expect(last).toMatchObject({ row: 2, col: 2, y: 6, x: 5 });
    const px = sweepPixelMap(plan, new Float32Array(9).fill(0.5), 1);
    expect(px.some((v) => Number.isNaN(v))).toBe(false);
  });
});
