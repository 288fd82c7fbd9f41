/**
 * The job runner in-process (no workers) on MobileNet v1 0.25 and the Node wasm backend: its batched occlusion
 * equals vis' own occlusion functions, rows of different jobs share batches without changing results, and no
 * tensors leak.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage, receptiveFieldBox, type Model } from '@convlab/nets';
import { greyValue, netsClassifier, netsLayerActivation, netsReceptiveField, occludeMasks, occludeSlidingWindow, strongestInChannel } from '@convlab/vis';
import { decodeImageFile, loadModelSpec, pathExists } from '@convlab/nets/node';
import { useBackend } from '@convlab/nets/testing/backends';
import { JobSpecSchema, encodeBitmapMask, type ImageRef, type JobResultData, type JobSpec } from '@convlab/protocol';
import { DynamicBatcher } from './batcher';
import { forwardRows, runJob, type ForwardRequest, type ForwardRows, type RunnerContext } from './job-runner';

const SHARED = path.resolve(__dirname, '../../../../shared');
const HAVE_DATA = pathExists(path.join(SHARED, 'models/mobilenet_v1_0.25_224'));
const MODEL = 'mobilenet_v1_0.25_224';
const CAT: ImageRef = { kind: 'sample', id: 'photos/skimage_chelsea.png' };

describe.skipIf(!HAVE_DATA)('job runner (wasm, MobileNet v1 0.25)', () => {
  let model: Model;
  let input: tf.Tensor4D;

  beforeAll(async () => {
    await useBackend('wasm');
    model = (await loadModelSpec(MODEL, { modelsDir: path.join(SHARED, 'models') })).model;
    const pixels = await decodeImageFile(path.join(SHARED, 'images', CAT.kind === 'sample' ? CAT.id : ''));
    input = preprocessImage(pixels, model.meta);
    pixels.dispose();
    // The executor builds its per-model constants (folded batch norms) on first use: not a leak.
    await forwardRows(model, input);
  });

  function context(forward: RunnerContext['forward'], rowsPerRequest: number, progress: number[] = []): RunnerContext {
    return {
      model: async () => model,
      input: async () => tf.clone(input),
      forward,
      rowsPerRequest,
      signal: new AbortController().signal,
      onProgress: (p) => progress.push(p.step),
    };
  }
  const direct: RunnerContext['forward'] = async (m, req) => ({ rows: await forwardRows(m, req.input, req.taps), batched: false });
  const spec = (s: unknown) => JobSpecSchema.parse(s) as JobSpec;

  it('sliding-window occlusion equals vis occludeSlidingWindow, in chunks of 4 rows', async () => {
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const out = await runJob(spec({ kind: 'occlusion', model: MODEL, image: CAT, params: { window: 112, stride: 56, fill: 'grey' } }), context(direct, 4, progress));
    expect(tf.memory().numTensors).toBe(before);
    const ref = await occludeSlidingWindow(netsClassifier(model), input, { window: 112, stride: 56, fill: 'grey', greyValue: greyValue(model.meta.preprocessing) });
    const data = out.data as { classIndex: number; baseline: number; rows: number; probabilities: Float32Array; topClass: Int32Array };
    expect(data.classIndex).toBe(ref.classIndex);
    expect(data.rows).toBe(ref.grid.rows);
    expect(data.baseline).toBeCloseTo(ref.baseline, 5);
    expect(Array.from(data.topClass)).toEqual(Array.from(ref.topClass));
    for (let i = 0; i < ref.probabilities.length; i++) expect(data.probabilities[i]).toBeCloseTo(ref.probabilities[i], 5);
    expect(progress).toEqual([4, 8, 9]);
  });

  it('sliding-window occlusion with incremental passes equals the batched full passes, without leaks', async () => {
    const s = spec({ kind: 'occlusion', model: MODEL, image: CAT, params: { window: 56, stride: 28, fill: 'noise', seed: 3 } });
    const full = await runJob(s, context(direct, 8));
    let forwards = 0;
    const counting: RunnerContext['forward'] = async (m, req) => {
      forwards++;
      return direct(m, req);
    };
    const progress: number[] = [];
    // The first incremental run builds per-model constants (as the executor does on first use): not a leak.
    await runJob(s, { ...context(counting, 8), incremental: true });
    const before = tf.memory().numTensors;
    const inc = await runJob(s, { ...context(counting, 8, progress), incremental: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(forwards).toBe(0); // vis' cost model takes the incremental path for this window on wasm (not for 112)
    const a = full.data as { classIndex: number; baseline: number; probabilities: Float32Array; topClass: Int32Array };
    const b = inc.data as typeof a;
    expect(b.classIndex).toBe(a.classIndex);
    expect(b.baseline).toBeCloseTo(a.baseline, 5);
    expect(Array.from(b.topClass)).toEqual(Array.from(a.topClass));
    for (let i = 0; i < a.probabilities.length; i++) expect(b.probabilities[i]).toBeCloseTo(a.probabilities[i], 4);
    expect(progress.at(-1)).toBe(49);
  });

  it('mask occlusion equals vis occludeMasks', async () => {
    const masks = [
      { kind: 'rect' as const, y: 40, x: 40, height: 120, width: 120 },
      { kind: 'polygon' as const, points: [[0, 0], [224, 0], [0, 224]] as Array<[number, number]> },
    ];
    const out = await runJob(spec({ kind: 'occlusion-masks', model: MODEL, image: CAT, params: { masks, classIndex: 285 } }), context(direct, 32));
    const ref = await occludeMasks(netsClassifier(model), input, masks, { classIndex: 285 });
    const data = out.data as { probabilities: number[]; baseline: number };
    expect(data.baseline).toBeCloseTo(ref.baseline, 5);
    data.probabilities.forEach((p, i) => expect(p).toBeCloseTo(ref.probabilities[i], 5));
  });

  it('a brush mask (run-length bitmap on a coarser grid) occludes the same pixels as the rectangle it paints', async () => {
    // A 56×56 brush grid over the 224×224 input: cells 10..39 are pixels 40..159, the rectangle below.
    const cells = new Uint8Array(56 * 56);
    for (let y = 10; y < 40; y++) cells.fill(1, y * 56 + 10, y * 56 + 40);
    const brush = encodeBitmapMask(cells, 56, 56);
    const rect = { kind: 'rect' as const, y: 40, x: 40, height: 120, width: 120 };
    const out = await runJob(spec({ kind: 'occlusion-masks', model: MODEL, image: CAT, params: { masks: [brush, rect], classIndex: 285 } }), context(direct, 32));
    const [fromBrush, fromRect] = (out.data as { probabilities: number[] }).probabilities;
    expect(fromBrush).toBeCloseTo(fromRect!, 6);
  });

  it('jobs running together share batches and get the same results as alone', async () => {
    const batcher = new DynamicBatcher<ForwardRequest, ForwardRows>(
      async (_k, reqs) => {
        const x = tf.concat(reqs.map((r) => r.input)) as tf.Tensor4D;
        const all = await forwardRows(model, x);
        x.dispose();
        let row = 0;
        return reqs.map((r) => {
          const n = r.input.shape[0];
          const probabilities = all.probabilities.slice(row * all.classes, (row + n) * all.classes);
          row += n;
          return { probabilities, classes: all.classes, taps: {} };
        });
      },
      (r) => r.input.shape[0],
      { maxBatch: 16, maxWaitMs: 5 },
    );
    let tag = 0;
    const batched = () => {
      const t = String(tag++);
      return context(async (_m, req) => {
        const r = await batcher.submit(MODEL, req, t);
        return { rows: r.value, batched: r.batch.tags > 1 };
      }, 16);
    };
    const jobs = [
      spec({ kind: 'classify', model: MODEL, image: CAT }),
      spec({ kind: 'occlusion', model: MODEL, image: CAT, params: { window: 112, stride: 56 } }),
      spec({ kind: 'occlusion', model: MODEL, image: CAT, params: { window: 112, stride: 112 } }),
    ];
    const together = await Promise.all(jobs.map((j) => runJob(j, batched())));
    expect(together.some((o) => o.batched)).toBe(true);
    expect(batcher.stats.sharedBatches).toBeGreaterThan(0);
    for (let i = 0; i < jobs.length; i++) {
      const alone = await runJob(jobs[i], context(direct, 16));
      const a = alone.data as { probabilities?: Float32Array; predictions?: Array<{ probability: number }> };
      const b = together[i].data as typeof a;
      if (a.predictions) a.predictions.forEach((p, k) => expect(b.predictions![k].probability).toBeCloseTo(p.probability, 5));
      else a.probabilities!.forEach((p, k) => expect(b.probabilities![k]).toBeCloseTo(p, 5));
    }
  });

  it('reports the receptive field of a neuron at a position with its saliency image (for the crops)', async () => {
    const layer = model.graph.nodes.find((n) => n.op === 'conv2d' && n.id.includes('pw_3'))?.id ?? model.graph.nodes.find((n) => n.op === 'conv2d')!.id;
    const out = await runJob(spec({ kind: 'saliency', model: MODEL, image: CAT, params: { method: 'vanilla', target: { kind: 'neuron', layer, channel: 0, y: 2, x: 3 } } }), context(direct, 32));
    const data = out.data as JobResultData['saliency'];
    expect(data.field).toEqual({ box: receptiveFieldBox(netsReceptiveField(model, layer), 2, 3), inputSize: [224, 224], cropFraction: model.meta.preprocessing.cropFraction });
    const channel = await runJob(spec({ kind: 'saliency', model: MODEL, image: CAT, params: { method: 'vanilla', target: { kind: 'channelMean', layer, channel: 0 } } }), context(direct, 32));
    expect((channel.data as JobResultData['saliency']).field).toBeUndefined();
    // Without a position: the channel's strongest one (the executor's rule).
    const act = netsLayerActivation(model, layer)(input);
    const [, h, w, c] = act.shape;
    const at = strongestInChannel(await act.data(), h!, w!, c!, 0);
    act.dispose();
    const strongest = await runJob(spec({ kind: 'saliency', model: MODEL, image: CAT, params: { method: 'vanilla', target: { kind: 'neuron', layer, channel: 0 } } }), context(direct, 32));
    expect((strongest.data as JobResultData['saliency']).field?.box).toEqual(receptiveFieldBox(netsReceptiveField(model, layer), at.y, at.x));
  });

  it('stops at the next chunk when its signal fires', async () => {
    const abort = new AbortController();
    const ctx = { ...context(direct, 1), signal: abort.signal, onProgress: () => abort.abort() };
    await expect(runJob(spec({ kind: 'occlusion', model: MODEL, image: CAT, params: { window: 112, stride: 56 } }), ctx)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
