import * as tf from '@tensorflow/tfjs-core';
import type { Graph, GraphNode, Model, ModelMeta } from '@convlab/nets';
import { beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribution';
import { gradientAscent } from './gradient-ascent';
import { firstConvKernel, greyValue, inputRange, netsAttributionProvider, netsClassifier, netsReceptiveField, netsScore } from './nets-adapter';
import { createRng, normalArray } from './rng';
import { useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

const META: ModelMeta = {
  id: 'tiny',
  displayName: 'tiny test net',
  family: 'test',
  inputSize: [1, 1],
  preprocessing: { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: 'RGB', cropFraction: 1 },
  outputKind: 'logits',
  numClasses: 2,
  backgroundClass: false,
  labels: 'imagenet-1k',
  licence: 'test',
  source: 'built in the test',
};

function model(inputShape: number[], nodes: GraphNode[], weights: Record<string, tf.Tensor>, output: string): Model {
  const graph: Graph = { format: 'convlab-graph', version: 1, nodes: [{ id: 'input', op: 'input', inputs: [], shape: inputShape }, ...nodes], output };
  return { graph, weights, meta: { ...META, inputSize: [inputShape[0], inputShape[1]] } };
}

describe('nets adapter: closed forms on tiny models', () => {
  it('guided backprop and deconvnet by hand on a two-layer ReLU net', async () => {
    // x = [1, -1]; z = x·W1 + b1 = [-0.5, 1, 1]; class-0 weights of the top layer g = [1, -2, 3].
    // standard: W1·(g·[z>0]) = [8, 1]; guided: W1·(g·[z>0]·[g>0]) = [6, 3]; deconvnet: W1·max(g, 0) = [7, 5].
    const m = model(
      [1, 1, 2],
      [
        { id: 'flat', op: 'flatten', inputs: ['input'] },
        { id: 'fc1', op: 'dense', inputs: ['flat'], units: 3, kernel: 'w1', bias: 'b1' },
        { id: 'relu1', op: 'relu', inputs: ['fc1'] },
        { id: 'fc2', op: 'dense', inputs: ['relu1'], units: 2, kernel: 'w2' },
      ],
      { w1: tf.tensor2d([[1, -1, 2], [2, 1, 1]]), b1: tf.tensor1d([0.5, 3, 0]), w2: tf.tensor2d([[1, 0], [-2, 1], [3, -1]]) },
      'fc2',
    );
    const x = tf.tensor4d([1, -1], [1, 1, 1, 2]);
    const p = netsAttributionProvider(m, { kind: 'class', index: 0 });
    const expected = { vanilla: [8, 1], guided: [6, 3], deconvnet: [7, 5] } as const;
    for (const method of ['vanilla', 'guided', 'deconvnet'] as const) {
      const before = tf.memory().numTensors;
      const r = await attribute(p, x, { method });
      expect(Array.from(r.raw!.dataSync())).toEqual(expected[method]);
      expect(r.value).toBeCloseTo(1, 6);
      r.raw!.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    x.dispose();
  });

  it("a linear model's saliency is its weight vector; ascent with L2 converges to w / (2λ)", async () => {
    const rng = createRng(8);
    const w = normalArray(rng, 2 * 3 * 3 * 2);
    const m = model([2, 3, 3], [
      { id: 'flat', op: 'flatten', inputs: ['input'] },
      { id: 'fc', op: 'dense', inputs: ['flat'], units: 2, kernel: 'w' },
    ], { w: tf.tensor2d(w, [18, 2]) }, 'fc');
    const wClass1 = Array.from({ length: 18 }, (_, i) => w[2 * i + 1]);
    const x = tf.tensor4d(normalArray(rng, 18), [1, 2, 3, 3]);
    const r = await attribute(netsAttributionProvider(m, { kind: 'class', index: 1 }), x, { method: 'saliency' });
    r.raw!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(wClass1[i], 5));
    for (let i = 0; i < 6; i++) expect(r.map.data[i]).toBeCloseTo(Math.max(...wClass1.slice(3 * i, 3 * i + 3).map(Math.abs)), 5);
    r.raw!.dispose();
    const lambda = 0.25;
    const res = await gradientAscent(netsScore(m, { kind: 'class', index: 1 }), { shape: [1, 2, 3, 3], steps: 150, learningRate: 0.5, l2: lambda, clip: null });
    res.image.dataSync().forEach((v, i) => expect(v).toBeCloseTo(wClass1[i] / (2 * lambda), 4));
    // Probabilities of the classifier are the softmax of the logits.
    const probs = netsClassifier(m)(x);
    const logits = [0, 1].map((k) => Array.from(x.dataSync()).reduce((a, v, i) => a + v * w[2 * i + k], 0));
    const e = logits.map((l) => Math.exp(l - Math.max(...logits)));
    probs.dataSync().forEach((v, k) => expect(v).toBeCloseTo(e[k] / (e[0] + e[1]), 5));
    tf.dispose([x, res.image, probs]);
  });

  it('vanilla gradients match finite differences on a small smooth convnet, Grad-CAM matches its definition', async () => {
    const rng = createRng(12);
    const m = model([6, 6, 3], [
      { id: 'conv1', op: 'conv2d', inputs: ['input'], filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', dilation: [1, 1], groups: 1, depthwise: false, kernel: 'k1', bias: 'c1' },
      { id: 't1', op: 'tanh', inputs: ['conv1'] },
      { id: 'conv2', op: 'conv2d', inputs: ['t1'], filters: 5, kernelSize: [3, 3], strides: [2, 2], padding: 'valid', dilation: [1, 1], groups: 1, depthwise: false, kernel: 'k2' },
      { id: 't2', op: 'tanh', inputs: ['conv2'] },
      { id: 'gap', op: 'globalAvgPool', inputs: ['t2'] },
      { id: 'fc', op: 'dense', inputs: ['gap'], units: 3, kernel: 'w' },
    ], {
      k1: tf.tensor4d(normalArray(rng, 3 * 3 * 3 * 4, 0.5), [3, 3, 3, 4]),
      c1: tf.tensor1d(normalArray(rng, 4, 0.1)),
      k2: tf.tensor4d(normalArray(rng, 3 * 3 * 4 * 5, 0.5), [3, 3, 4, 5]),
      w: tf.tensor2d(normalArray(rng, 15), [5, 3]),
    }, 'fc');
    const xData = normalArray(rng, 108);
    const x = tf.tensor4d(xData, [1, 6, 6, 3]);
    const p = netsAttributionProvider(m, { kind: 'class', index: 2 }, 't2');
    const r = await attribute(p, x, { method: 'vanilla' });
    const grad = r.raw!.dataSync();
    const score = (d: Float32Array) => {
      const t = tf.tensor4d(d, [1, 6, 6, 3]);
      const s = netsScore(m, { kind: 'class', index: 2 })(t);
      const v = s.value.dataSync()[0];
      tf.dispose([t, s.value, s.gradient]);
      return v;
    };
    const eps = 1e-2;
    for (const i of [0, 7, 40, 77, 107]) {
      const up = Float32Array.from(xData);
      const dn = Float32Array.from(xData);
      up[i] += eps;
      dn[i] -= eps;
      expect(grad[i]).toBeCloseTo((score(up) - score(dn)) / (2 * eps), 2);
    }
    r.raw!.dispose();
    // Grad-CAM at t2 (2x2x5): the score is linear in the GAP of t2, so ∂S/∂A_k = w[k,2] / 4 everywhere.
    const cam = await attribute(p, x, { method: 'gradcam' });
    const act = netsReceptiveField(m, 't2');
    expect(act.size).toEqual([5, 5]);
    const w = m.weights.w.dataSync();
    const { t2 } = await import('@convlab/nets').then((n) => n.activations(m, x, ['t2']));
    const a = t2.dataSync();
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let k = 0; k < 5; k++) s += a[i * 5 + k] * (w[k * 3 + 2] / 4);
      expect(cam.map.data[i]).toBeCloseTo(Math.max(0, s), 5);
    }
    // The forward-only value of each objective equals the value the gradient pass reports (a batch of two: summed).
    const x2 = tf.tensor4d(normalArray(rng, 216), [2, 6, 6, 3]);
    for (const o of [
      { kind: 'class', index: 2 },
      { kind: 'neuron', node: 't1', channel: 3, y: 4, x: 1 },
      { kind: 'neuron', node: 't1', channel: 3 },
      { kind: 'channelMean', node: 't2', channel: 4 },
    ] as const) {
      const sc = netsScore(m, o);
      const full = sc(x2);
      const fwd = sc.value!(x2);
      expect(fwd.dataSync()[0]).toBeCloseTo(full.value.dataSync()[0], 5);
      tf.dispose([full.value, full.gradient, fwd]);
    }
    tf.dispose([t2, x, x2]);
  });

  it('derives the valid input range, grey and the first conv kernel from metadata', () => {
    expect(inputRange(META.preprocessing)).toEqual({ min: [-1, -1, -1], max: [1, 1, 1] });
    expect(greyValue(META.preprocessing)[0]).toBeCloseTo(128 / 127.5 - 1, 6);
    const bgr = { scale: 1, mean: [1, 2, 3] as [number, number, number], std: [1, 1, 1] as [number, number, number], channelOrder: 'BGR' as const, cropFraction: 1 };
    expect(inputRange(bgr).min).toEqual([-3, -2, -1]);
    const m = model([4, 4, 3], [{ id: 'c', op: 'conv2d', inputs: ['input'], filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: 'same', dilation: [1, 1], groups: 1, depthwise: false, kernel: 'k' }], { k: tf.zeros([3, 3, 3, 2]) }, 'c');
    expect(firstConvKernel(m).id).toBe('c');
  });
});
