import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './testing/backends';
import { randomTensor, randomWeights } from './testing/random';
import { Executor, ExecutorError, disposeForward } from './executor';
import { GraphBuilder } from './graph.builder';
import { IncrementalForward, planIncremental } from './incremental-forward';
import type { Graph } from './graph.types';
import type { Model } from './model.types';
import { MINUS_ONE_TO_ONE } from './models';

function model(graph: Graph, seed = 5): Model {
  const shape = (graph.nodes[0] as { shape: number[] }).shape;
  return {
    graph,
    weights: randomWeights(graph, seed),
    meta: {
      id: 'test', displayName: 'test', family: 'test', inputSize: [shape[0], shape[1]], preprocessing: MINUS_ONE_TO_ONE,
      outputKind: 'logits', numClasses: 0, backgroundClass: false, labels: 'imagenet-1k', licence: 'none', source: 'test',
    },
  };
}

/** MobileNet-like: stride-2 convs, depthwise, 'same'/'valid'/explicit padding, BN + ReLU6, pooling, a residual add. */
function stridedNet(): Graph {
  const b = new GraphBuilder([23, 21, 3]);
  b.conv2d('c1', { filters: 6, kernelSize: 3, strides: 2, padding: 'same', bias: false });
  b.batchNorm('bn1');
  b.op('relu6', 'r1');
  b.depthwise('dw1', 6, { kernelSize: 3, padding: 'same', bias: false });
  b.batchNorm('bn2');
  b.op('relu6', 'r2');
  b.conv2d('pw1', { filters: 8, kernelSize: 1, activation: 'relu' });
  b.add({ op: 'zeroPad', id: 'zp', padding: [[0, 1], [1, 0]] });
  b.depthwise('dw2', 8, { kernelSize: 3, strides: 2, padding: 'valid', multiplier: 2 });
  b.op('relu', 'r3');
  const m = b.pool('maxPool', 'mp', 3, 1, 'same');
  b.conv2d('c2', { filters: 16, kernelSize: 3, padding: [[1, 1], [1, 1]], activation: 'relu' }, m);
  b.add({ op: 'add', id: 'res', inputs: ['c2', m] });
  b.pool('avgPool', 'ap', 3, 2, 'same');
  b.conv2d('c3', { filters: 12, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu6' });
  b.op('globalAvgPool', 'gap');
  b.dense('fc', 7);
  b.op('softmax', 'sm');
  return b.build();
}

/** Branches joined by a channel concat, average pooling 'valid', dilation. */
function branchNet(): Graph {
  const b = new GraphBuilder([20, 20, 2]);
  b.conv2d('c1', { filters: 4, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' });
  const a = b.conv2d('a', { filters: 3, kernelSize: 1, activation: 'relu' }, 'c1');
  const d = b.conv2d('d', { filters: 5, kernelSize: 3, dilation: 2, padding: 'same', activation: 'relu' }, 'c1');
  b.add({ op: 'concat', id: 'cat', inputs: [a, d] });
  b.pool('avgPool', 'ap', 2, 2, 'valid');
  b.conv2d('c2', { filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' });
  b.op('flatten', 'fl');
  b.dense('fc', 4);
  return b.build();
}

/** The reference: a full forward pass of the image with the patch pasted in. */
function patchedImage(x: Float32Array, h: number, w: number, c: number, y0: number, x0: number, bh: number, bw: number, patch: Float32Array): Float32Array {
  const img = Float32Array.from(x);
  for (let y = 0; y < bh; y++) img.set(patch.subarray(y * bw * c, (y + 1) * bw * c), ((y0 + y) * w + x0) * c);
  return img;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('incremental forward', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    describe(backend, () => {
      beforeAll(() => useBackend(backend));

      for (const [name, make, box] of [['strided', stridedNet, [5, 4]], ['branches', branchNet, [6, 6]]] as const) {
        it(`${name}: every admissible cut equals full passes of the occluded images within 1e-4`, async () => {
          const m = model(make());
          const ex = new Executor(m);
          const [h, w, c] = (m.graph.nodes[0] as { shape: number[] }).shape;
          const x = randomTensor([1, h, w, c], 11) as tf.Tensor4D;
          const xData = x.dataSync() as Float32Array;
          const plan = planIncremental(m, [box[0], box[1]], 'auto', ex);
          expect(plan.candidates.length).toBeGreaterThan(2);
          // Corners, edges and interior positions (borders are where padding must be exact).
          const pos = [[0, 0], [0, w - box[1]], [h - box[0], 0], [h - box[0], w - box[1]], [1, 3], [7, 2], [Math.floor(h / 2), Math.floor(w / 2)], [h - box[0] - 1, 1]];
          const patches = pos.map(([y, xx], i) => ({ y, x: xx, data: (randomTensor([box[0] * box[1] * c], 100 + i, -2, 2).dataSync() as Float32Array) }));
          const batch = tf.tensor4d(Float32Array.from(patches.flatMap((p) => Array.from(patchedImage(xData, h, w, c, p.y, p.x, box[0], box[1], p.data)))), [patches.length, h, w, c]);
          const ref = ex.forward(batch);
          const refOut = ref.output.dataSync();
          const refLogits = ref.logits.dataSync();
          for (const { cut } of plan.candidates) {
            const before = tf.memory().numTensors;
            const inc = await IncrementalForward.create(m, x, { box: [box[0], box[1]], cut, executor: ex });
            const r = await inc.forward(patches);
            expect(maxAbsDiff(r.output.dataSync(), refOut), `cut ${cut}`).toBeLessThan(1e-4);
            expect(maxAbsDiff(r.logits.dataSync(), refLogits), `cut ${cut}`).toBeLessThan(1e-4);
            disposeForward(r);
            inc.dispose();
            expect(tf.memory().numTensors, `leak at cut ${cut}`).toBe(before);
          }
          disposeForward(ref);
          tf.dispose([x, batch]);
          ex.dispose();
          Object.values(m.weights).forEach((t) => t.dispose());
        });
      }
    });
  }

  describe('planning and errors', () => {
    beforeAll(() => useBackend('cpu'));
    let m: Model;
    let ex: Executor;
    beforeAll(() => {
      m = model(stridedNet());
      ex = new Executor(m);
    });
    afterAll(() => {
      ex.dispose();
      Object.values(m.weights).forEach((t) => t.dispose());
    });

    it('offers only nodes that cut the graph, and picks none when the box covers the image', () => {
      const plan = planIncremental(m, [3, 3], 'auto', ex);
      const cuts = plan.candidates.map((c) => c.cut);
      // Inside the residual block neither branch alone cuts the graph; the add does.
      expect(cuts).toContain('res');
      expect(cuts).not.toContain('c2');
      expect(cuts).not.toContain('gap');
      expect(plan.cut).not.toBeNull();
      expect(plan.estimatedFlops).toBeLessThan(plan.fullFlops);
      expect(planIncremental(m, [23, 21], 'auto', ex).cut).toBeNull();
      expect(() => planIncremental(m, [3, 3], 'c2', ex)).toThrow(/cannot be an incremental cut/);
      expect(() => planIncremental(m, [30, 3], 'auto', ex)).toThrow(/fit/);
    });

    it('forwardFrom equals the full pass, and refuses activations that do not cut the graph', () => {
      const x = randomTensor([2, 23, 21, 3], 4) as tf.Tensor4D;
      const full = ex.forward(x, { taps: ['res'] });
      const before = tf.memory().numTensors;
      const from = ex.forwardFrom({ res: full.taps.res });
      expect(maxAbsDiff(from.output.dataSync(), full.output.dataSync())).toBeLessThan(1e-6);
      disposeForward(from);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => ex.forwardFrom({ c2: full.taps.res })).toThrow(/do not cut the graph/);
      expect(() => ex.forwardFrom({ res: x })).toThrow(ExecutorError);
      expect(() => ex.forwardFrom({})).toThrow(/at least one/);
      disposeForward(full);
      x.dispose();
    });

    it('rejects patches that do not fit', async () => {
      const x = randomTensor([1, 23, 21, 3], 4) as tf.Tensor4D;
      const inc = await IncrementalForward.create(m, x, { box: [4, 4], executor: ex });
      await expect(inc.forward([{ y: 20, x: 0, data: new Float32Array(48) }])).rejects.toThrow(/does not fit/);
      await expect(inc.forward([{ y: 0, x: 0, data: new Float32Array(5) }])).rejects.toThrow(/expected 4x4x3/);
      x.dispose();
    });
  });
});
