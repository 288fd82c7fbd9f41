import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { relError, useBackend } from './testing/backends';
import { EXECUTOR_GRADIENT_KERNELS } from './ops/gradients';
import { randomTensor, randomWeights } from './testing/random';
import { GraphBuilder } from './graph.builder';
import { Executor } from './executor';
import { mixedNet, depthwiseNet } from './testing/nets';
import type { Model } from './model.types';
import type { ReluMode } from './executor.types';
import { inputGrad, testModel } from './testing/gradients';

const BACKENDS = ['cpu', 'wasm'] as const;
const MODES: ReluMode[] = ['standard', 'guided', 'deconvnet'];

afterAll(() => useBackend('cpu'));

describe('ReLU modes, hand-computed', () => {
  // x = [2, -1] → W1 → h1 = [1, -3, 3] → relu → W2 → h2 = [-2, 2] → relu → W3 = [-1, 1] → score 2.
  const W1 = [[1, -1, 2], [1, 1, 1]];
  const W2 = [[1, -1], [1, 1], [-1, 1]];
  const W3 = [[-1], [1]];
  // Worked by hand: standard masks [1,0,1] and [0,1]; guided also drops negative incoming gradients;
  // deconvnet applies relu to the gradient only.
  const expected: Record<ReluMode, number[]> = { standard: [1, 0], guided: [2, 1], deconvnet: [1, 2] };

  function convNet(): Model {
    const b = new GraphBuilder([1, 1, 2]);
    b.conv2d('l1', { filters: 3, kernelSize: 1, bias: false });
    b.op('relu', 'r1');
    b.conv2d('l2', { filters: 2, kernelSize: 1, bias: false });
    b.op('relu', 'r2');
    b.conv2d('l3', { filters: 1, kernelSize: 1, bias: false });
    const w = {
      'l1/kernel': tf.tensor4d(W1.flat(), [1, 1, 2, 3]),
      'l2/kernel': tf.tensor4d(W2.flat(), [1, 1, 3, 2]),
      'l3/kernel': tf.tensor4d(W3.flat(), [1, 1, 2, 1]),
    };
    return testModel(b.build(), w);
  }

  function denseNet(): Model {
    const b = new GraphBuilder([1, 1, 2]);
    b.op('flatten', 'f');
    b.dense('l1', 3, { bias: false });
    b.op('relu', 'r1');
    b.dense('l2', 2, { bias: false });
    b.op('relu', 'r2');
    b.dense('l3', 1, { bias: false });
    const w = {
      'l1/kernel': tf.tensor2d(W1), 'l2/kernel': tf.tensor2d(W2), 'l3/kernel': tf.tensor2d(W3),
    };
    return testModel(b.build(), w);
  }

  for (const backend of BACKENDS) {
    for (const [name, make] of [['conv 1x1', convNet], ['dense', denseNet]] as const) {
      it(`${name} net on ${backend}`, async () => {
        await useBackend(backend);
        const m = make();
        const x = tf.tensor4d([2, -1], [1, 1, 1, 2]);
        const ex = new Executor(m);
        const f = ex.forward(x);
        expect(Array.from(f.logits.dataSync())).toEqual([2]);
        for (const mode of MODES) expect(inputGrad(m, x, { kind: 'class', index: 0 }, mode), mode).toEqual(expected[mode]);
        // One class index per image of a batch.
        const x2 = tf.concat([x, tf.neg(x)]) as tf.Tensor4D;
        expect(inputGrad(m, x2, { kind: 'class', index: [0, 0] }, 'guided').slice(0, 2)).toEqual(expected.guided);
        expect(() => inputGrad(m, x2, { kind: 'class', index: [0] })).toThrow(/1 class indices for a batch of 2/);
        x2.dispose();
        // Same answers when the ReLUs are tapped (unfused) — the rule must not depend on fusion.
        for (const mode of MODES) {
          const r = ex.gradient(x, { kind: 'neuron', node: 'l3', channel: 0 }, { reluMode: mode });
          expect(Array.from(r.gradient.dataSync()), mode).toEqual(expected[mode]);
          tf.dispose([r.gradient, r.value]);
        }
        tf.dispose([x, f.output, f.logits, f.probabilities, ...Object.values(m.weights)]);
      });
    }
  }

  // ReLU6 and LeakyReLU (alpha 0.1) on x = [-1, 0.5, 7, 3] with incoming gradient w = [2, 1, 3, -2].
  const acts: Array<{ op: 'relu6' | 'leakyRelu'; expected: Record<ReluMode, number[]> }> = [
    // relu6 gate [0<x<6] = [0,1,0,1]; guided also needs w > 0; deconvnet = relu(w).
    { op: 'relu6', expected: { standard: [0, 1, 0, -2], guided: [0, 1, 0, 0], deconvnet: [2, 1, 3, 0] } },
    // leaky gate = [0.1,1,1,1]; deconvnet = leaky(w); guided = gate · (w>0 ? 1 : 0.1).
    { op: 'leakyRelu', expected: { standard: [0.2, 1, 3, -2], guided: [0.2, 1, 3, -0.2], deconvnet: [2, 1, 3, -0.2] } },
  ];
  for (const backend of BACKENDS) {
    for (const { op, expected: exp } of acts) {
      it(`${op} standalone and fused into a conv on ${backend}`, async () => {
        await useBackend(backend);
        const x = tf.tensor4d([-1, 0.5, 7, 3], [1, 1, 1, 4]);
        const eye = tf.tensor4d([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [1, 1, 4, 4]);
        const w = tf.tensor4d([2, 1, 3, -2], [1, 1, 4, 1]);
        for (const fused of [false, true]) {
          const b = new GraphBuilder([1, 1, 4]);
          if (fused) b.conv2d('id', { filters: 4, kernelSize: 1, bias: false });
          if (op === 'leakyRelu') b.add({ op: 'leakyRelu', id: 'a', alpha: 0.1 });
          else b.op('relu6', 'a');
          b.conv2d('out', { filters: 1, kernelSize: 1, bias: false });
          const m = testModel(b.build(), fused ? { 'id/kernel': eye, 'out/kernel': w } : { 'out/kernel': w });
          for (const mode of MODES) {
            const g = inputGrad(m, x, { kind: 'class', index: 0 }, mode);
            g.forEach((v, i) => expect(v, `${mode} fused=${fused} [${i}]`).toBeCloseTo(exp[mode][i], 6));
          }
        }
        tf.dispose([x, eye, w]);
      });
    }
  }
});

// The mixed net has max pooling right after a ReLU: windows of tied zeros, through which deconvnet sends gradient.
// The executor's own max-pool gradient picks the first maximum on every backend, so even those agree.
describe('guided and deconvnet gradients are the same on cpu and wasm', () => {
  for (const [name, make, shape] of [['mixed', mixedNet, [2, 9, 9, 3]], ['depthwise', depthwiseNet, [2, 11, 10, 2]]] as const) {
    it(name, async () => {
      const graph = make();
      const results: Record<string, Record<string, Float32Array>> = {};
      for (const backend of BACKENDS) {
        await useBackend(backend);
        const m = testModel(graph, randomWeights(graph, 51));
        const x = randomTensor([...shape], 52) as tf.Tensor4D;
        results[backend] = {};
        for (const mode of MODES) results[backend][mode] = Float32Array.from(inputGrad(m, x, { kind: 'class', index: 1 }, mode));
        tf.dispose([x, ...Object.values(m.weights)]);
      }
      for (const mode of MODES) {
        expect(relError(results.wasm[mode], results.cpu[mode]), mode).toBeLessThan(1e-4);
        expect(results.cpu[mode].some((v) => v !== 0), `${mode} is not all zero`).toBe(true);
      }
      // The modes really differ on a network with ReLUs.
      expect(relError(results.cpu.guided, results.cpu.standard)).toBeGreaterThan(1e-3);
      expect(relError(results.cpu.deconvnet, results.cpu.standard)).toBeGreaterThan(1e-3);
    });
  }
});

describe('finite differences', () => {
  it('directional finite differences agree with the gradient (mixed net, float32)', async () => {
    await useBackend('cpu');
    const graph = mixedNet();
    const w = randomWeights(graph, 41);
    const m = testModel(graph, w);
    const ex = new Executor(m);
    const x = randomTensor([1, 9, 9, 3], 42) as tf.Tensor4D;
    for (const [o, seed] of [[{ kind: 'class', index: 0 }, 43], [{ kind: 'channelMean', node: 'b2r', channel: 1 }, 44]] as const) {
      const d = randomTensor([1, 9, 9, 3], seed);
      const g = ex.gradient(x, o);
      const analytic = tf.sum(tf.mul(g.gradient, d)).dataSync()[0];
      const eps = 1e-3;
      const at = (s: number) => {
        const xs = tf.add(x, tf.mul(d, s)) as tf.Tensor4D;
        const r = ex.gradient(xs, o);
        const v = r.value.dataSync()[0];
        tf.dispose([xs, r.gradient, r.value]);
        return v;
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      expect(Math.abs(numeric - analytic) / Math.max(Math.abs(analytic), 1e-3), JSON.stringify(o)).toBeLessThan(2e-2);
      tf.dispose([d, g.gradient, g.value]);
    }
    ex.dispose();
    tf.dispose([x, ...Object.values(w)]);
  });
});

it("uses only the executor's own gradient rules here (tfjs's full set is not loaded)", () => {
  // This file must not import testing/reference (which loads tfjs's rules), so everything above ran on ours.
  expect(tf.getGradient('Conv2D')).toBeUndefined();
  for (const k of EXECUTOR_GRADIENT_KERNELS) expect(tf.getGradient(k), k).toBeDefined();
});

describe('max-pool gradient', () => {
  for (const backend of BACKENDS) {
    it(`deconvnet routes each window's gradient to its first maximum, with ties, on ${backend}`, async () => {
      await useBackend(backend);
      // 3x3 input, 2x2 windows, stride 1: windows overlap and contain ties.
      const x = tf.tensor4d([1, 5, 5, 0, 5, 2, 3, 3, 3], [1, 3, 3, 1]);
      const b = new GraphBuilder([3, 3, 1]);
      b.pool('maxPool', 'p', 2, 1, 'valid');
      b.op('flatten', 'f');
      const m = testModel(b.build(), {});
      // Windows: [1,5;0,5] → first max at (0,1); [5,5;5,2] → (0,1); [0,5;3,3] → (1,1); [5,2;3,3] → (1,1).
      const dy = tf.tensor1d([1, 10, 100, 1000]);
      const g = inputGrad(m, x, { kind: 'weighted', node: 'f', weights: dy }, 'deconvnet');
      expect(g).toEqual([0, 11, 0, 0, 1100, 0, 0, 0, 0]);
      // 'same' padding with stride 2 on an odd size (padding never wins).
      const b2 = new GraphBuilder([3, 3, 1]);
      b2.pool('maxPool', 'p', 2, 2, 'same');
      b2.op('flatten', 'f');
      const g2 = inputGrad(testModel(b2.build(), {}), tf.neg(x) as tf.Tensor4D, { kind: 'weighted', node: 'f', weights: dy }, 'deconvnet');
      // -x windows: [-1,-5;0,-5] → (1,0); [-5;-2] → (1,2); [-3,-3] → (2,0); [-3] → (2,2).
      expect(g2).toEqual([0, 0, 0, 1, 0, 10, 100, 0, 1000]);
      tf.dispose([x, dy]);
    });
  }
});
