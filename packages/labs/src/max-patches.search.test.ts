/**
 * The class max-patch search on the real engine (MobileNet v1 0.25, wasm, ImageNet samples): the merged top 9 per
 * channel equals one machine's `patches` job over the same images, with students answering, one leaving mid-way and
 * the server taking over; forged answers (a value raised, a winner left out) fail the check.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ManualClock } from '@convlab/classroom';
import { runJob, forwardRows, type RunnerContext } from '@convlab/engine';
import { preprocessImage, type Model } from '@convlab/nets';
import { decodeImageFile, loadModelSpec, pathExists } from '@convlab/nets/node';
import { useBackend } from '@convlab/nets/testing/backends';
import { JobSpecSchema, type ImageRef, type JobSpec } from '@convlab/protocol';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaxPatchParamsSchema, type MaxPatchResult } from './max-patches.lab';
import {
  MaxPatchCoordinator,
  MaxPatchRunner,
  claimsToVerify,
  judgeMaxPatchAnswer,
  planMaxPatchSearch,
  type MaxPatchJob,
  type MaxPatchShardDealt,
  type PatchesComputation,
  type ShardPatch,
} from './max-patches.search';
import { SERVER, SweepError } from './shard-ledger';

const SHARED = path.resolve(__dirname, '../../../../shared');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = pathExists(path.join(SHARED, 'models', MODEL)) && pathExists(path.join(SHARED, 'images/imagenet-samples'));
const LAYER = 'conv_pw_3_relu';
const CHANNELS = [0, 5, 11];

describe('max-patch answers (pure)', () => {
  const plan = planMaxPatchSearch(
    Array.from({ length: 12 }, (_, i): ImageRef => ({ kind: 'sample', id: `photos/${i}.png` })),
    [3],
    6,
  );
  const box: [number, number, number, number] = [0, 0, 2, 2];
  const claim = (index: number, value: number): ShardPatch => ({ channel: 3, index, value, y: 0, x: 0, box });
  // The server's best value of image i is 10 − i in shard 0's images.
  const server = (offsets: number[]): PatchesComputation => ({ entries: offsets.map((o, i) => ({ channel: 3, index: i, value: 10 - o, y: 1, x: 1, box })) });

  it('refuses answers of the wrong size, twice the same image, or outside the shard', () => {
    const c = new MaxPatchCoordinator(plan, 1000);
    c.start(['ana'], 0);
    expect(() => c.record(0, 'ana', { entries: [claim(0, 10)] }, 0)).toThrow(SweepError);
    expect(() => c.record(0, 'ana', { entries: [0, 1, 2, 3, 4, 4].map((i) => claim(i, 10 - i)) }, 0)).toThrow(/twice/);
    expect(() => c.record(0, 'ana', { entries: [0, 1, 2, 3, 4, 6].map((i) => claim(i, 10 - i)) }, 0)).toThrow(/6 images/);
    expect(c.record(0, 'ana', { entries: [0, 1, 2, 3, 4, 5].map((i) => claim(i, 10 - i)) }, 0)).toMatchObject({ accepted: true, check: true });
  });

  it('takes the server’s values and positions; a raised value or a left-out winner fails', () => {
    const offsets = [0, 1, 2, 3, 4, 5];
    const honest = { entries: offsets.map((i) => claim(i, 10 - i + 1e-4)) };
    const ok = judgeMaxPatchAnswer(honest, [3], offsets, [2], server(offsets));
    expect(ok.passed).toBe(true);
    expect(ok.checked.entries.map((e) => [e.value, e.y])).toEqual(offsets.map((i) => [10 - i, 1]));
    const raised = { entries: offsets.map((i) => claim(i, i === 4 ? 7 : 10 - i)) };
    expect(judgeMaxPatchAnswer(raised, [3], offsets, [2], server(offsets)).passed).toBe(false);
    // Image 2 (value 8) left out, image 6 (value 4) named instead: caught when image 2 is fully recomputed.
    const leftOut = { entries: [0, 1, 3, 4, 5, 6].map((i) => claim(i, 10 - i)) };
    const checkedAt = [0, 1, 2, 3, 4, 5, 6];
    expect(judgeMaxPatchAnswer(leftOut, [3], checkedAt, [2], server(checkedAt)).passed).toBe(false);
    expect(judgeMaxPatchAnswer(leftOut, [3], checkedAt, [0], server(checkedAt)).passed).toBe(true);
    // Only claims that could still enter the top 9 are recomputed: the bar is the ninth merged value so far.
    const claims = { entries: [claim(0, 9.5), claim(1, 5), claim(2, 4.9995), claim(3, 1)] };
    expect(claimsToVerify(claims, () => 5).map((e) => e.index)).toEqual([0, 1, 2]);
    expect(claimsToVerify(claims, () => -Infinity)).toHaveLength(4);
    // An unverified claim still counts for the left-out check at its claimed value, and is not merged.
    const partly = judgeMaxPatchAnswer(leftOut, [3], checkedAt, [0], server(checkedAt), leftOut.entries.slice(0, 2));
    expect(partly).toMatchObject({ passed: true });
    expect(partly.checked.entries.map((e) => e.index)).toEqual([0, 1]);
    // Ties go to the earlier image: with every value equal, leaving image 0 out for image 6 is caught too.
    const flat = (o: number[]): PatchesComputation => ({ entries: o.map((_, i) => ({ channel: 3, index: i, value: 6, y: 0, x: 0, box })) });
    const tied = { entries: [1, 2, 3, 4, 5, 6].map((i) => claim(i, 6)) };
    expect(judgeMaxPatchAnswer(tied, [3], [0, 1, 2, 3, 4, 5, 6], [0], flat([0, 1, 2, 3, 4, 5, 6])).passed).toBe(false);
  });
});

describe.skipIf(!HAVE_DATA)('class max-patch search on the engine (wasm, MobileNet v1 0.25)', () => {
  let model: Model;
  const inputs = new Map<string, tf.Tensor4D>();
  // 30 images: shards of 12, 12 and 6 (the last has fewer than 9 images).
  const images: ImageRef[] = readdirSync(path.join(SHARED, 'images/imagenet-samples'))
    .sort()
    .slice(0, 30)
    .map((f) => ({ kind: 'sample', id: `imagenet-samples/${f}` }));
  const params = MaxPatchParamsSchema.parse({ model: MODEL, layers: [LAYER], layer: LAYER, channels: CHANNELS, imageCount: 30, shardSize: 12, shardTimeoutSeconds: 10 });

  beforeAll(async () => {
    await useBackend('wasm');
    model = (await loadModelSpec(MODEL, { modelsDir: path.join(SHARED, 'models') })).model;
    for (const ref of images) {
      const pixels = await decodeImageFile(path.join(SHARED, 'images', ref.kind === 'sample' ? ref.id : ''));
      inputs.set(ref.kind === 'sample' ? ref.id : '', preprocessImage(pixels, model.meta));
      pixels.dispose();
    }
  }, 120_000);

  /** Runs a job in process, as a compute worker (or a browser's worker) does. */
  async function compute(job: MaxPatchJob | JobSpec): Promise<PatchesComputation> {
    const ctx: RunnerContext = {
      model: async () => model,
      input: async (ref) => tf.clone(inputs.get(ref.kind === 'sample' ? ref.id : '')!),
      forward: async (m, req) => ({ rows: await forwardRows(m, req.input, req.taps), batched: false }),
      rowsPerRequest: 8,
      signal: new AbortController().signal,
      onProgress: () => {},
    };
    return (await runJob(JobSpecSchema.parse(job) as JobSpec, ctx)).data as PatchesComputation;
  }

  function world(random: () => number) {
    const clock = new ManualClock(0);
    const dealt: Array<[string, MaxPatchShardDealt]> = [];
    const finished: MaxPatchResult[] = [];
    const purposes: string[] = [];
    const runner = new MaxPatchRunner({
      clock,
      random,
      newId: () => `patches-${dealt.length}`,
      compute: {
        run(_run, job, purpose) {
          purposes.push(purpose);
          return { result: compute(job), cancel: () => {} };
        },
      },
      store: { save: async () => {}, remove: async () => {} },
      events: { shard: (p, d) => void dealt.push([p, d]), progress: () => {}, finished: async (_r, res) => void finished.push(res), failed: (_r, m) => expect.fail(m) },
    });
    return { clock, dealt, finished, purposes, runner };
  }
  const settle = async (clock: ManualClock) => {
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 0));
      clock.advance(0);
    }
  };

  it('students and the server together give exactly one machine’s top 9 per channel', async () => {
    const single = await compute({ kind: 'patches', model: MODEL, params: { layer: LAYER, channels: CHANNELS, k: 9, images, crops: false } } as JobSpec);
    const w = world(() => 0.5);
    const { search } = w.runner.start({ sessionId: 's', stepId: 'mp', params, images, inputSize: [224, 224], participants: ['ana', 'bo'] });
    await settle(w.clock);
    const mine = (who: string) => w.dealt.filter(([p]) => p === who).map(([, d]) => d);
    expect(mine('ana').map((d) => d.shard.index)).toEqual([0, 2]);
    expect(mine('bo').map((d) => d.shard.index)).toEqual([1]);
    // Ana answers both of hers; Bo leaves before answering: the server takes his shard over.
    for (const d of mine('ana')) expect(await w.runner.result(search.id, 'ana', d.shard.index, (await compute(d.job)).entries)).toEqual({ accepted: true });
    w.runner.leave('bo');
    while (w.finished.length === 0) await settle(w.clock);
    const [result] = w.finished;
    expect(result!.shards.map((s) => s.by)).toEqual(['ana', SERVER, 'ana']);
    expect(w.purposes.filter((p) => p === 'check')).toHaveLength(2);
    for (const [j, channel] of CHANNELS.entries()) {
      const expected = single.entries.filter((e) => e.channel === channel);
      expect(expected).toHaveLength(9);
      expect(result!.channels[j]!.channel).toBe(channel);
      expect(result!.channels[j]!.top.map((e) => [e.index, e.value, e.y, e.x, e.box])).toEqual(expected.map((e) => [e.index, e.value, e.y, e.x, e.box]));
    }
  }, 180_000);

  /**
   * A `random` whose first shuffle of `n` places puts place `t` first (the one image a 5 % check of a small shard
   * recomputes in full): Fisher–Yates from the end keeps every place except that `t` swaps with place 0.
   */
  function fullyChecking(t: number, n: number): () => number {
    let call = 0;
    return () => (call < n - 1 && n - 1 - call++ === t ? 0 : 0.9999);
  }

  it('refuses a shard that leaves out a winner or raises a value, and recomputes both', async () => {
    const first = await compute({ kind: 'patches', model: MODEL, params: { layer: LAYER, channels: CHANNELS, k: 12, images: images.slice(0, 12), crops: false } } as JobSpec);
    // A channel whose strongest image clearly beats its 10th (not one saturated by ReLU6 everywhere).
    const channel = CHANNELS.find((c) => {
      const r = first.entries.filter((e) => e.channel === c);
      return r[0]!.value > r[9]!.value + 0.05;
    })!;
    expect(channel).toBeDefined();
    const ranked = first.entries.filter((e) => e.channel === channel);
    const best = ranked[0]!.index;
    const w = world(fullyChecking(best, 12));
    const { search } = w.runner.start({ sessionId: 's', stepId: 'mp', params, images, inputSize: [224, 224], participants: ['eve', 'mal'] });
    await settle(w.clock);
    const shard = (i: number) => w.dealt.find(([, d]) => d.shard.index === i)![1];
    // Eve leaves the channel's strongest image of shard 0 out and names its 10th instead.
    const honest = (await compute(shard(0).job)).entries;
    const omitted = [...honest.filter((e) => !(e.channel === channel && e.index === best)), ranked[9]!];
    expect(await w.runner.result(search.id, 'eve', 0, omitted)).toEqual({ accepted: false, reason: 'failed-check' });
    // Mal raises one value of shard 1.
    const raised = (await compute(shard(1).job)).entries.map((e, i) => (i === 4 ? { ...e, value: e.value * 1.01 + 0.01 } : e));
    expect(await w.runner.result(search.id, 'mal', 1, raised)).toEqual({ accepted: false, reason: 'failed-check' });
    while (w.finished.length === 0) await settle(w.clock);
    expect(w.finished[0]!.shards.every((s) => s.by === SERVER)).toBe(true);
  }, 180_000);
});
