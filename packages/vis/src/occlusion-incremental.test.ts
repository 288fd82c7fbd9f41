/**
 * Incremental sliding-window occlusion (recompute only what the window changes) against the naive per-position loop:
 * random nets built here with stride-2, depthwise, 'same'/'valid' convolutions and pooling, on cpu and wasm; and the
 * real MobileNet v1 0.25 on the elephant photo (wasm, skipped when ../shared is absent).
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { GraphBuilder, loadBuiltinModel, preprocessImage, type Graph, type Model, type ModelMeta, type WeightMap } from '@convlab/nets';
import { createFileReader, defaultImagesDir, defaultModelsDir, pathExists } from '@convlab/nets/node';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netsClassifier } from './nets-adapter';
import { readImageRgb } from './node';
import { mergeOcclusion, occludeSlidingWindow, splitPositions, type BatchClassifier, type OcclusionOptions } from './occlusion';
import { createRng, normalArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

const META: ModelMeta = {
  id: 'tiny', displayName: 'tiny', family: 'test', inputSize: [1, 1],
  preprocessing: { scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1], channelOrder: 'RGB', cropFraction: 1 },
  outputKind: 'probabilities', numClasses: 6, backgroundClass: false, labels: 'imagenet-1k', licence: 'test', source: 'built in the test',
};

/** Random weights for every tensor a graph names (variances positive). */
function weightsFor(graph: Graph, seed: number): WeightMap {
  const rng = createRng(seed);
  const shapes = new Map<string, number[]>();
  const w: WeightMap = {};
  const chan = (id: string) => shapes.get(id)![shapes.get(id)!.length - 1];
  for (const n of graph.nodes) {
    if (n.op === 'input') shapes.set(n.id, n.shape);
    const c = n.inputs.length ? chan(n.inputs[0]) : 0;
    if (n.op === 'conv2d') {
      const [kh, kw] = n.kernelSize;
      const shape = n.depthwise ? [kh, kw, c, n.filters / c] : [kh, kw, c / n.groups, n.filters];
      w[n.kernel] = tf.tensor(normalArray(rng, shape.reduce((a, b) => a * b, 1), 1 / Math.sqrt(kh * kw * (n.depthwise ? 1 : c))), shape);
      if (n.bias) w[n.bias] = tf.tensor1d(normalArray(rng, n.filters, 0.2));
      shapes.set(n.id, [0, 0, n.filters]);
    } else if (n.op === 'dense') {
      w[n.kernel] = tf.tensor2d(normalArray(rng, c * n.units, 1 / Math.sqrt(c)), [c, n.units]);
      if (n.bias) w[n.bias] = tf.tensor1d(normalArray(rng, n.units, 0.2));
      shapes.set(n.id, [n.units]);
    } else if (n.op === 'batchNorm') {
      w[n.mean] = tf.tensor1d(normalArray(rng, c, 0.2));
      w[n.variance] = tf.tensor1d(normalArray(rng, c, 0.2).map((v) => 1 + Math.abs(v)));
      if (n.gamma) w[n.gamma] = tf.tensor1d(normalArray(rng, c, 0.2).map((v) => 1 + v));
      if (n.beta) w[n.beta] = tf.tensor1d(normalArray(rng, c, 0.2));
      shapes.set(n.id, [0, 0, c]);
    } else if (n.op === 'concat') {
      shapes.set(n.id, [0, 0, n.inputs.reduce((a, i) => a + chan(i), 0)]);
    } else if (n.op !== 'input') {
      shapes.set(n.id, n.op === 'globalAvgPool' || n.op === 'flatten' ? [c] : [0, 0, c]);
    }
  }
  return w;
}

/** MobileNet-like: conv s2 'same' + BN + ReLU6, depthwise s1 'same' and s2 'valid', max and average pooling. */
function mobileLike(): Graph {
  const b = new GraphBuilder([30, 28, 3]);
  b.conv2d('c1', { filters: 8, kernelSize: 3, strides: 2, padding: 'same', bias: false });
  b.batchNorm('bn1');
  b.op('relu6', 'r1');
  b.depthwise('dw1', 8, { kernelSize: 3, padding: 'same', bias: false });
  b.batchNorm('bn2');
  b.op('relu6', 'r2');
  b.conv2d('pw1', { filters: 12, kernelSize: 1, activation: 'relu6' });
  b.depthwise('dw2', 12, { kernelSize: 3, strides: 2, padding: 'valid' });
  b.op('relu', 'r3');
  b.pool('maxPool', 'mp', 2, 1, 'same');
  b.conv2d('pw2', { filters: 16, kernelSize: 1, activation: 'relu' });
  b.pool('avgPool', 'ap', 3, 2, 'same');
  b.conv2d('c3', { filters: 16, kernelSize: 3, padding: 'valid', activation: 'relu' });
  b.op('globalAvgPool', 'gap');
  b.dense('fc', 6);
  b.op('softmax', 'sm');
  return b.build();
}

/** Wraps a classifier to count its full forward passes (the incremental capability passes through). */
function counted(c: BatchClassifier): { classify: BatchClassifier; calls: () => number } {
  let n = 0;
  const classify: BatchClassifier = Object.assign((b: tf.Tensor4D) => {
    n++;
    return c(b);
  }, { incremental: c.incremental });
  return { classify, calls: () => n };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
}

describe('incremental sliding-window occlusion on random nets', () => {
  let model: Model;
  let x: tf.Tensor4D;
  beforeAll(async () => {
    await useCpuBackend();
    const graph = mobileLike();
    model = { graph, weights: weightsFor(graph, 3), meta: { ...META, inputSize: [30, 28] } };
    x = tf.tensor4d(normalArray(createRng(5), 30 * 28 * 3), [1, 30, 28, 3]);
  });
  afterAll(() => tf.dispose([x, ...Object.values(model.weights)]));

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const fill of ['zero', 'noise'] as const) {
      it(`${backend}, ${fill} fill: equals the naive per-position loop within 1e-4, without leaks`, async () => {
        if (backend === 'cpu') await useCpuBackend();
        else {
          await tf.setBackend('wasm');
          await tf.ready();
        }
        const opts: OcclusionOptions = { window: 7, stride: 3, fill, seed: 2, batchSize: 8 };
        const naive = mergeOcclusion([await occludeSlidingWindow(netsClassifier(model), x, { ...opts, batchSize: 1, incremental: false })]);
        const { classify, calls } = counted(netsClassifier(model));
        const inc = mergeOcclusion([await expectNoLeak(() => occludeSlidingWindow(classify, x, { ...opts, incremental: true }))]);
        expect(calls()).toBe(1); // only the baseline ran as a full pass
        expect(inc.classIndex).toBe(naive.classIndex);
        expect(maxAbsDiff(inc.probabilities, naive.probabilities)).toBeLessThan(1e-4);
        expect(maxAbsDiff(inc.topProbability, naive.topProbability)).toBeLessThan(1e-4);
        // Automatic choice: a small window on this net is worth it.
        const auto = counted(netsClassifier(model));
        await occludeSlidingWindow(auto.classify, x, { ...opts, range: { start: 0, end: 8 } });
        expect(auto.calls()).toBe(1);
      });
    }
  }

  it('shards of an incremental run merge into exactly the whole run', async () => {
    await useCpuBackend();
    const opts: OcclusionOptions = { window: 6, stride: 4, batchSize: 5, fill: 'noise', seed: 4, classIndex: 2, incremental: true };
    const whole = mergeOcclusion([await occludeSlidingWindow(netsClassifier(model), x, opts)]);
    const total = whole.grid.rows * whole.grid.cols;
    const parts = [];
    for (const range of splitPositions(total, 3, 5).reverse()) parts.push(await occludeSlidingWindow(netsClassifier(model), x, { ...opts, range }));
    expect(mergeOcclusion(parts)).toEqual(whole);
  });

  it("'auto' falls back to full passes when the window covers most of the image", async () => {
    await useCpuBackend();
    const { classify, calls } = counted(netsClassifier(model));
    await occludeSlidingWindow(classify, x, { window: 26, stride: 2, batchSize: 4 });
    expect(calls()).toBeGreaterThan(1);
  });
});

const modelsDir = defaultModelsDir();
const ELEPHANT = path.join(defaultImagesDir(), 'imagenet-samples', 'n02504458_African_elephant.jpg');
const HAVE_DATA = pathExists(path.join(modelsDir, 'mobilenet_v1_0.25_224')) && pathExists(ELEPHANT);

describe.skipIf(!HAVE_DATA)('incremental occlusion on MobileNet v1 0.25 (wasm)', () => {
  let model: Model;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    model = await loadBuiltinModel('mobilenet_v1_0.25_224', createFileReader(modelsDir));
  }, 120_000);
  afterAll(() => {
    if (model) tf.dispose(Object.values(model.weights));
  });

  it('window 32, stride 8: equals the per-position loop within 1e-4 at borders and inside; auto picks it', async () => {
    const img = await readImageRgb(ELEPHANT);
    const pixels = tf.tensor3d(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length), [img.height, img.width, 3], 'int32');
    const x = preprocessImage(pixels, model.meta);
    pixels.dispose();
    const opts: OcclusionOptions = { window: 32, stride: 8, classIndex: 386, batchSize: 16 };
    // Top-left corner and first row, a band through the middle, the bottom-right corner (625 positions in all).
    for (const range of [{ start: 0, end: 27 }, { start: 300, end: 316 }, { start: 605, end: 625 }]) {
      const naive = await occludeSlidingWindow(netsClassifier(model), x, { ...opts, range, batchSize: 1, incremental: false });
      const { classify, calls } = counted(netsClassifier(model));
      const inc = await expectNoLeak(() => occludeSlidingWindow(classify, x, { ...opts, range }));
      expect(calls()).toBe(1);
      for (let i = 0; i < naive.probabilities.length; i++) {
        expect(Math.abs(inc.probabilities[i] - naive.probabilities[i])).toBeLessThan(1e-4);
        expect(Math.abs(inc.topProbability[i] - naive.topProbability[i])).toBeLessThan(1e-4);
      }
      expect(inc.baseline).toBe(naive.baseline);
    }
    x.dispose();
  }, 180_000);
});
