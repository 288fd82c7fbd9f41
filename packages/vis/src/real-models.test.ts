/**
 * One test per algorithm on the real pretrained models and photos in ../shared (skipped when absent).
 * Runs on the Node wasm backend — the one the server uses, and the one missing several gradient kernels.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { forward, loadBuiltinModel, preprocessImage, type Model } from '@convlab/nets';
import { createFileReader, defaultImagesDir, defaultModelsDir, pathExists } from '@convlab/nets/node';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationGrid, rankChannels } from './activations';
import { attribute } from './attribution';
import { tensorToFeatureMap } from './common';
import { convolutionBreakdown, convolve, presetKernel } from './conv-explainer';
import { filterGrid } from './filters';
import { gradientAscent } from './gradient-ascent';
import { maxActivatingPatches, mergePatchResults, type PatchImage } from './max-patches';
import { firstConvKernel, inputRange, netsAttributionProvider, netsClassifier, netsLayerActivation, netsReceptiveField, netsScore } from './nets-adapter';
import { readImageRgb } from './node';
import { mergeOcclusion, occludeSlidingWindow, splitPositions } from './occlusion';
import { pool, poolBreakdown } from './pool-explainer';

const modelsDir = defaultModelsDir();
const imagesDir = defaultImagesDir();
const HAVE_DATA = pathExists(path.join(modelsDir, 'mobilenet_v1_0.25_224')) && pathExists(imagesDir);
const ELEPHANT = path.join(imagesDir, 'imagenet-samples', 'n02504458_African_elephant.jpg');
const AFRICAN_ELEPHANT = 386;
const LEMON = 951;

async function photo(file: string): Promise<tf.Tensor3D> {
  const img = await readImageRgb(file);
  return tf.tensor3d(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length), [img.height, img.width, 3], 'int32');
}

async function modelInput(model: Model, file: string): Promise<tf.Tensor4D> {
  const p = await photo(file);
  const x = preprocessImage(p, model.meta);
  p.dispose();
  return x;
}

describe.skipIf(!HAVE_DATA)('real models and photos (wasm)', () => {
  let small: Model;
  let large: Model;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const reader = createFileReader(modelsDir);
    small = await loadBuiltinModel('mobilenet_v1_0.25_224', reader);
    large = await loadBuiltinModel('mobilenet_v1_0.75_224', reader);
  }, 120_000);
  afterAll(() => {
    for (const m of [small, large]) if (m) tf.dispose(Object.values(m.weights));
  });

  it('convolution and pooling of a photo agree with their breakdowns', async () => {
    const img = await photo(path.join(imagesDir, 'photos', 'skimage_chelsea.png'));
    const f = tf.cast(img, 'float32') as tf.Tensor3D;
    const spec = { kernel: presetKernel('sobel-x'), stride: 2, padding: 'reflect' as const, bias: 1 };
    const y = convolve(f, spec);
    const map = tensorToFeatureMap(f);
    const out = tensorToFeatureMap(y);
    for (const [oy, ox, c] of [[0, 0, 0], [50, 80, 1], [out.height - 1, out.width - 1, 2]]) {
      expect(convolutionBreakdown(map, spec, oy, ox, c).output).toBeCloseTo(out.data[(oy * out.width + ox) * 3 + c], 2);
    }
    const p = pool(f, { kind: 'max', size: 3, stride: 2 });
    const pm = tensorToFeatureMap(p);
    expect(poolBreakdown(map, { kind: 'max', size: 3, stride: 2 }, 40, 60, 1).output).toBe(pm.data[(40 * pm.width + 60) * 3 + 1]);
    tf.dispose([img, f, y, p]);
  });

  it('draws the first-layer filters of MobileNet (3x3) and SqueezeNet 1.0 (7x7)', async () => {
    const { kernel } = firstConvKernel(small);
    expect(kernel.shape).toEqual([3, 3, 3, 8]);
    const g = filterGrid(kernel, { scale: 8, gap: 2 });
    expect([g.width, g.height]).toEqual([3 * 24 + 4 * 2, 3 * 24 + 4 * 2]);
    if (pathExists(path.join(modelsDir, 'squeezenet1.0_nhwc'))) {
      const sq = await loadBuiltinModel('squeezenet1.0_nhwc', createFileReader(modelsDir));
      const k = firstConvKernel(sq).kernel;
      expect(k.shape).toEqual([7, 7, 3, 96]);
      const sg = filterGrid(k, { scale: 4, normalize: 'global' });
      expect(sg.width).toBe(10 * 28 + 11 * 2);
      tf.dispose(Object.values(sq.weights));
    }
  });

  it('ranks and draws the channels of an activation', async () => {
    const x = await modelInput(small, ELEPHANT);
    const act = netsLayerActivation(small, 'conv_pw_1_relu')(x);
    expect(act.shape).toEqual([1, 112, 112, 16]);
    const ranks = rankChannels(act);
    const mean0 = tf.tidy(() => tf.mean(tf.slice(act, [0, 0, 0, ranks[0].channel], [1, -1, -1, 1])).dataSync()[0]);
    expect(ranks[0].mean).toBeCloseTo(mean0, 4);
    for (let i = 1; i < ranks.length; i++) expect(ranks[i].mean).toBeLessThanOrEqual(ranks[i - 1].mean);
    const grid = activationGrid(tensorToFeatureMap(act), { channels: ranks.slice(0, 4).map((r) => r.channel), scale: 1, columns: 2 });
    expect([grid.width, grid.height]).toEqual([2 * 112 + 3 * 2, 2 * 112 + 3 * 2]);
    tf.dispose([x, act]);
  });

  it('finds maximally activating patches on sample images; shards merge into one run', async () => {
    const files = readdirSync(path.join(imagesDir, 'imagenet-samples')).filter((f) => f.endsWith('.jpg')).sort().filter((_, i) => i % 100 === 0);
    const layer = 'conv_pw_5_relu';
    const rf = netsReceptiveField(small, layer);
    const stream = async function* (idx: number[]): AsyncGenerator<PatchImage> {
      for (const i of idx) yield { id: files[i], index: i, input: await modelInput(small, path.join(imagesDir, 'imagenet-samples', files[i])) };
    };
    const all = [...files.keys()];
    // Warm-up: the executor caches folded batch-norm weights per model on first use; that is not a leak.
    await maxActivatingPatches(netsLayerActivation(small, layer), stream([0]), { channel: 3, receptiveField: rf });
    const before = tf.memory().numTensors;
    const whole = await maxActivatingPatches(netsLayerActivation(small, layer), stream(all), { channel: 3, k: 4, receptiveField: rf });
    expect(tf.memory().numTensors).toBe(before);
    const a = await maxActivatingPatches(netsLayerActivation(small, layer), stream(all.filter((i) => i % 2 === 0)), { channel: 3, k: 4, receptiveField: rf });
    const b = await maxActivatingPatches(netsLayerActivation(small, layer), stream(all.filter((i) => i % 2 === 1)), { channel: 3, k: 4, receptiveField: rf });
    expect(mergePatchResults([a, b], 4)).toEqual(whole);
    // Each winner's value is that image's maximum of the channel, and its patch is the receptive field.
    const top = whole[0];
    const x = await modelInput(small, path.join(imagesDir, 'imagenet-samples', top.id));
    const act = netsLayerActivation(small, layer)(x);
    const maxT = tf.max(tf.slice(act, [0, 0, 0, 3], [1, -1, -1, 1]));
    expect(top.value).toBeCloseTo(maxT.dataSync()[0], 4);
    expect([top.patch.height, top.patch.width]).toEqual(rf.size);
    tf.dispose([x, act, maxT]);
  }, 120_000);

  it('occluding the elephants lowers "African elephant" most where the elephants are; shards merge', async () => {
    const x = await modelInput(large, ELEPHANT);
    const probs = forward(large, x);
    expect(tf.argMax(probs.probabilities, 1).dataSync()[0]).toBe(AFRICAN_ELEPHANT);
    tf.dispose([probs.output, probs.logits, probs.probabilities]);
    const opts = { window: 48, stride: 16, batchSize: 16, classIndex: AFRICAN_ELEPHANT };
    const ranges = splitPositions(12 * 12, 2, 16);
    const parts = [];
    for (const range of ranges) parts.push(await occludeSlidingWindow(netsClassifier(large), x, { ...opts, range }));
    const map = mergeOcclusion(parts);
    expect([map.grid.rows, map.grid.cols]).toEqual([12, 12]);
    // The herd stands in a band at about y = 95..150 of the 224x224 crop (sky above, water below).
    const rowMeans = map.probabilities.map((r) => r.reduce((a, v) => a + v, 0) / r.length);
    const worstRow = rowMeans.indexOf(Math.min(...rowMeans));
    const centreY = worstRow * 16 + 24;
    expect(centreY).toBeGreaterThanOrEqual(80);
    expect(centreY).toBeLessThanOrEqual(160);
    expect(Math.min(...rowMeans)).toBeLessThan(map.baseline - 0.05);
    expect(rowMeans[0]).toBeGreaterThan(Math.min(...rowMeans) + 0.05);
    x.dispose();
  }, 180_000);

  it('saliency, guided backprop and Grad-CAM on the elephant concentrate on the herd, without leaks', async () => {
    const x = await modelInput(small, ELEPHANT);
    const provider = netsAttributionProvider(small, { kind: 'class', index: AFRICAN_ELEPHANT }, 'conv_pw_13_relu');
    const band = (map: { height: number; width: number; data: Float32Array }, y0: number, y1: number) => {
      let inside = 0;
      let total = 0;
      for (let y = 0; y < map.height; y++) for (let xx = 0; xx < map.width; xx++) {
        const v = map.data[y * map.width + xx];
        total += v;
        if (y >= y0 && y < y1) inside += v;
      }
      return inside / total;
    };
    for (const method of ['saliency', 'guided'] as const) {
      (await attribute(provider, x, { method })).raw!.dispose(); // warm-up: executor caches, not leaks
      const before = tf.memory().numTensors;
      const r = await attribute(provider, x, { method });
      expect(r.raw!.shape).toEqual([1, 224, 224, 3]);
      // The band y 90..155 is 29% of the image; the evidence for the class is mostly there.
      expect(band(r.map, 90, 155)).toBeGreaterThan(0.45);
      r.raw!.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    const cam = await attribute(provider, x, { method: 'gradcam' });
    expect([cam.map.height, cam.map.width]).toEqual([7, 7]);
    const camRows = Array.from({ length: 7 }, (_, i) => cam.map.data.slice(i * 7, i * 7 + 7).reduce((a, v) => a + v, 0));
    const bestRow = camRows.indexOf(Math.max(...camRows));
    expect(bestRow * 32 + 16).toBeGreaterThanOrEqual(80);
    expect(bestRow * 32 + 16).toBeLessThanOrEqual(176);
    x.dispose();
  }, 120_000);

  it('gradient ascent raises the "lemon" score within the valid range', async () => {
    const range = inputRange(small.meta.preprocessing);
    const res = await gradientAscent(netsScore(small, { kind: 'class', index: LEMON }), {
      shape: [1, 224, 224, 3], steps: 12, learningRate: 0.05, optimizer: 'adam', l2: 1e-4, jitter: 4, blurEvery: 4, blurWidth: 0.5,
      clip: range, init: 'noise', initNoiseStd: 0.05, seed: 1,
    });
    expect(res.score).toBeGreaterThan(res.scores[0] + 5);
    const p = forward(small, res.image);
    expect(p.probabilities.dataSync()[LEMON]).toBeGreaterThan(0.5);
    const mm = tf.tidy(() => [tf.min(res.image).dataSync()[0], tf.max(res.image).dataSync()[0]]);
    expect(mm[0]).toBeGreaterThanOrEqual(-1 - 1e-6);
    expect(mm[1]).toBeLessThanOrEqual(1 + 1e-6);
    tf.dispose([p.output, p.logits, p.probabilities, res.image]);
  }, 180_000);
});
