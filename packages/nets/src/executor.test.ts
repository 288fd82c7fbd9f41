import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { onBackends, relError, useBackend } from './testing/backends';
import { randomTensor, randomWeights, referenceForward } from './testing/reference';
import { Executor, disposeForward } from './executor';
import type { Model } from './model.types';
import type { Graph } from './graph.types';
import { MINUS_ONE_TO_ONE } from './models';
import { depthwiseNet, mixedNet } from './testing/nets';

function model(graph: Graph, seed = 3): Model {
  const shape = graph.nodes[0].op === 'input' ? graph.nodes[0].shape : [];
  return {
    graph,
    weights: randomWeights(graph, seed),
    meta: {
      id: 'test', displayName: 'test', family: 'test', inputSize: [shape[0], shape[1]], preprocessing: MINUS_ONE_TO_ONE,
      outputKind: 'logits', numClasses: 0, backgroundClass: false, labels: 'imagenet-1k', licence: 'none', source: 'test',
    },
  };
}

function freeModel(m: Model) {
  Object.values(m.weights).forEach((t) => t.dispose());
}

const nodeIds = (g: Graph) => g.nodes.filter((n) => n.op !== 'input').map((n) => n.id);

describe('Executor forward', () => {
  beforeAll(() => useBackend('cpu'));

  for (const [name, make] of [['mixed', mixedNet], ['depthwise', depthwiseNet]] as const) {
    it(`${name}: every tapped activation matches the plain-ops reference`, async () => {
      const m = model(make());
      const x = randomTensor([2, ...m.graph.nodes[0].op === 'input' ? (m.graph.nodes[0] as { shape: number[] }).shape : []], 7) as tf.Tensor4D;
      const ex = new Executor(m);
      const ids = nodeIds(m.graph);
      const res = ex.forward(x, { taps: ids });
      const ref = referenceForward(m.graph, m.weights, x);
      for (const id of ids) {
        expect(res.taps[id].shape, id).toEqual(ref.get(id)!.shape);
        expect(relError(res.taps[id].dataSync(), ref.get(id)!.dataSync()), id).toBeLessThan(1e-5);
      }
      // Without taps the plan folds batch norm and fuses activations; the output must not change.
      const fused = ex.forward(x);
      expect(relError(fused.output.dataSync(), ref.get(m.graph.output)!.dataSync())).toBeLessThan(1e-5);
      disposeForward(res);
      disposeForward(fused);
      tf.dispose([...ref.values()]);
      ex.dispose();
      freeModel(m);
    });
  }

  it('gives logits before and probabilities after a final softmax', () => {
    const m = model(mixedNet());
    const x = randomTensor([3, 9, 9, 3], 8) as tf.Tensor4D;
    const res = new Executor(m).forward(x, { taps: ['fc'] });
    expect(res.logits.shape).toEqual([3, 5]);
    expect(relError(res.logits.dataSync(), res.taps.fc.dataSync())).toBeLessThan(1e-6);
    expect(relError(res.probabilities.dataSync(), tf.softmax(res.taps.fc).dataSync())).toBeLessThan(1e-6);
    expect(relError(res.output.dataSync(), res.probabilities.dataSync())).toBe(0);
    // A graph without softmax: logits are the output, probabilities its softmax.
    const d = model(depthwiseNet());
    const y = new Executor(d).forward(randomTensor([2, 11, 10, 2], 9) as tf.Tensor4D);
    expect(relError(y.logits.dataSync(), y.output.dataSync())).toBe(0);
    const s = tf.sum(y.probabilities, 1).dataSync();
    expect(Math.abs(s[0] - 1)).toBeLessThan(1e-5);
  });

  it('rejects inputs of the wrong shape and unknown taps clearly', () => {
    const m = model(depthwiseNet());
    const ex = new Executor(m);
    expect(() => ex.forward(tf.zeros([1, 10, 10, 2]) as tf.Tensor4D)).toThrow(/expects a batch \[N, 11, 10, 2\], got \[1, 10, 10, 2\]/);
    expect(() => ex.forward(tf.zeros([1, 11, 10, 2]) as tf.Tensor4D, { taps: ['nope'] })).toThrow(/no node 'nope'/);
    const x = tf.zeros([1, 11, 10, 2]) as tf.Tensor4D;
    expect(() => ex.gradient(x, { kind: 'neuron', node: 'r1', channel: 0 }, { wrt: 'dw2' })).toThrow(/'r1' does not depend on 'dw2'/);
    expect(() => ex.gradient(x, { kind: 'class', index: 9 })).toThrow(/class index 9 outside 0..3/);
    expect(() => ex.gradient(x, { kind: 'neuron', node: 'r2', channel: 0, y: 5 })).toThrow(/position \(5, 0\) outside 3x2/);
    expect(() => ex.gradient(x, { kind: 'channelMean', node: 'fc', channel: 0 })).toThrow(/channelMean needs a \[h, w, c\] activation/);
    expect(() => ex.gradient(x, { kind: 'class', index: 0 }, { reluMode: 'bogus' as never })).toThrow(/unknown ReLU mode 'bogus'/);
  });

  it("a neuron without a position is the channel's strongest one in each image, gradient included", () => {
    const m = model(mixedNet());
    const ex = new Executor(m);
    const x = randomTensor([2, 9, 9, 3], 7) as tf.Tensor4D;
    const act = ex.activations(x, ['r3']).r3 as tf.Tensor4D;
    const [, h, w] = act.shape;
    const values = act.dataSync();
    const channels = act.shape[3];
    // The strongest position of channel 2 in each image, found by hand.
    const strongest = [0, 1].map((img) => {
      let best = -Infinity;
      let at = [0, 0];
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
        const v = values[((img * h + y) * w + xx) * channels + 2];
        if (v > best) [best, at] = [v, [y, xx]];
      }
      return { best, at };
    });
    const auto = ex.gradient(x, { kind: 'neuron', node: 'r3', channel: 2 });
    expect(Array.from(auto.value.dataSync())).toEqual(strongest.map((s) => s.best));
    // Image by image, the gradient equals the one at that position given explicitly.
    strongest.forEach(({ at: [y, xx] }, img) => {
      const one = tf.slice(x, [img, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const explicit = ex.gradient(one, { kind: 'neuron', node: 'r3', channel: 2, y, x: xx });
      const mine = tf.slice(auto.gradient, [img, 0, 0, 0], [1, -1, -1, -1]);
      expect(relError(mine.dataSync(), explicit.gradient.dataSync())).toBeLessThan(1e-6);
      tf.dispose([one, explicit.gradient, explicit.value, mine]);
    });
    tf.dispose([x, act, auto.gradient, auto.value]);
    ex.dispose();
    freeModel(m);
  });

  it('reports a missing or misshapen weight by name', () => {
    const m = model(depthwiseNet());
    m.weights['dw2/kernel'] = tf.zeros([5, 5, 6, 2]);
    expect(() => new Executor(m)).toThrow(/weight 'dw2\/kernel' of node 'dw2' has shape \[5, 5, 6, 2\], expected \[5, 5, 6, 1\]/);
    delete m.weights['fc/bias'];
    m.weights['dw2/kernel'] = tf.zeros([5, 5, 6, 1]);
    expect(() => new Executor(m)).toThrow(/node 'fc' needs weight 'fc\/bias'/);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`leaks no tensors on ${backend} (forward, activations, gradients)`, async () => {
      await useBackend(backend);
      const m = model(mixedNet());
      const ex = new Executor(m);
      const x = randomTensor([2, 9, 9, 3], 10) as tf.Tensor4D;
      // The first calls create the folded weights, which live as long as the executor.
      disposeForward(ex.forward(x));
      tf.dispose(Object.values(ex.activations(x, ['r3'])));
      const g0 = ex.gradient(x, { kind: 'class', index: 1 });
      tf.dispose([g0.gradient, g0.value]);
      const before = tf.memory().numTensors;
      disposeForward(ex.forward(x, { taps: ['r1', 'cat', 'input'] }));
      tf.dispose(Object.values(ex.activations(x, ['bn2', 'sum'])));
      for (const mode of ['standard', 'guided', 'deconvnet'] as const) {
        const g = ex.gradient(x, { kind: 'channelMean', node: 'r3', channel: 2 }, { reluMode: mode });
        tf.dispose([g.gradient, g.value]);
      }
      const g2 = ex.gradient(x, { kind: 'neuron', node: 'cat', channel: 1, y: 1, x: 0 }, { wrt: 'r1' });
      tf.dispose([g2.gradient, g2.value]);
      expect(tf.memory().numTensors).toBe(before);
      ex.dispose();
      const afterDispose = tf.memory().numTensors;
      x.dispose();
      freeModel(m);
      expect(tf.memory().numTensors).toBe(afterDispose - 1 - Object.keys(m.weights).length);
      await useBackend('cpu');
    });
  }

  it('gives the same forward output on cpu and wasm', async () => {
    const res = await onBackends(['cpu', 'wasm'], () => {
      const m = model(mixedNet());
      const x = randomTensor([2, 9, 9, 3], 11) as tf.Tensor4D;
      const r = new Executor(m).forward(x, { taps: ['dw', 'sum'] });
      const out = { out: r.logits.dataSync().slice(), dw: r.taps.dw.dataSync().slice() };
      disposeForward(r);
      freeModel(m);
      return out;
    });
    expect(relError(res.wasm.out, res.cpu.out)).toBeLessThan(1e-4);
    expect(relError(res.wasm.dw, res.cpu.dw)).toBeLessThan(1e-4);
    await useBackend('cpu');
  });
});

afterAll(() => useBackend('cpu'));
