/** Input gradients on a real model (MobileNet v1 0.25: depthwise convs, batch norm, ReLU6, softmax head). */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import path from 'node:path';
import { l2RelError, relError, useBackend } from './testing/backends';
import { referenceForward } from './testing/reference';
import { createFileReader, decodeImageFile, defaultImagesDir, defaultModelsDir, pathExists } from './node';
import { loadBuiltinModel } from './load-model';
import { Executor, disposeModel } from './executor';
import { preprocessImage } from './preprocess';
import { findLogitsNode } from './graph';
import type { Model } from './model.types';
import type { ReluMode } from './executor.types';

const modelsDir = defaultModelsDir();
const image = path.join(defaultImagesDir(), 'imagenet-samples', 'n02504458_African_elephant.jpg');
const ELEPHANT = 386;

afterAll(() => useBackend('cpu'));

describe.skipIf(!pathExists(modelsDir) || !pathExists(image))('gradients on MobileNet v1 0.25', () => {
  it('wasm gradients match tf.grad on cpu, finite differences, and cpu for guided/deconvnet', async () => {
    await useBackend('cpu');
    const model: Model = await loadBuiltinModel('mobilenet_v1_0.25_224', createFileReader(modelsDir));
    const pixels = await decodeImageFile(image);
    const x = preprocessImage(pixels, model.meta);
    const logitsNode = findLogitsNode(model.graph).node;
    // Reference: tfjs's own gradients through plain ops on cpu (no folding, fusion or custom gradients).
    const want = tf.grad((a: tf.Tensor) => {
      const l = referenceForward(model.graph, model.weights, a).get(logitsNode)!;
      return tf.sum(tf.slice(tf.reshape(l, [1, -1]), [0, ELEPHANT], [1, 1]));
    })(x);
    // Without folding the executor does the reference's arithmetic: it must agree to float rounding.
    const plain = new Executor(model, { foldBatchNorm: false, fuseActivations: false });
    const p = plain.gradient(x, { kind: 'class', index: ELEPHANT });
    expect(relError(p.gradient.dataSync(), want.dataSync())).toBeLessThan(1e-5);
    tf.dispose([p.gradient, p.value]);
    plain.dispose();
    const cpu: Record<string, Float32Array> = {};
    const exCpu = new Executor(model);
    for (const mode of ['standard', 'guided', 'deconvnet'] as ReluMode[]) {
      const r = exCpu.gradient(x, { kind: 'class', index: ELEPHANT }, { reluMode: mode });
      cpu[mode] = r.gradient.dataSync().slice() as Float32Array;
      tf.dispose([r.gradient, r.value]);
    }
    // Folding batch norm changes the float32 rounding of the forward pass, which moves a few ReLU6 inputs that sit
    // at 0 or 6 across the kink: a handful of pixels differ, so compare in the Euclidean norm.
    expect(l2RelError(cpu.standard, want.dataSync())).toBeLessThan(1e-3);
    const input = x.dataSync().slice();
    const weights = Object.entries(model.weights).map(([k, t]) => [k, t.dataSync().slice(), t.shape] as const);
    exCpu.dispose();
    disposeModel(model);

    await useBackend('wasm');
    const wm: Model = { ...model, weights: Object.fromEntries(weights.map(([k, d, s]) => [k, tf.tensor(d, s)])) };
    const xw = tf.tensor4d(input, [1, 224, 224, 3]);
    const ex = new Executor(wm);
    const warm = ex.gradient(xw, { kind: 'class', index: ELEPHANT });
    tf.dispose([warm.gradient, warm.value]);
    const before = tf.memory().numTensors;
    for (const mode of ['standard', 'guided', 'deconvnet'] as ReluMode[]) {
      const r = ex.gradient(xw, { kind: 'class', index: ELEPHANT }, { reluMode: mode });
      // The fused conv+ReLU6 kernels of wasm and cpu round differently, which flips a few ReLU6 masks at 0 or 6 in
      // standard and guided mode (deconvnet ignores the masks and agrees to float rounding).
      if (mode === 'deconvnet') expect(relError(r.gradient.dataSync(), cpu[mode]), mode).toBeLessThan(1e-4);
      else expect(l2RelError(r.gradient.dataSync(), cpu[mode]), mode).toBeLessThan(1e-3);
      tf.dispose([r.gradient, r.value]);
    }
    expect(tf.memory().numTensors).toBe(before);
    // Finite difference along a random direction d. The logit is only piecewise smooth (thousands of ReLU6 kinks)
    // and float32 rounding swamps tiny steps, so compare f(x + εd) - f(x - εd) with the integral of the analytic
    // directional derivative along the same path (midpoint rule, 32 points): exact up to the quadrature.
    const d = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 5);
    const eps = 0.01;
    const along = (t: number) => tf.add(xw, tf.mul(d, t)) as tf.Tensor4D;
    const logit = (t: number) => {
      const xs = along(t);
      const r = ex.forward(xs);
      const v = r.logits.dataSync()[ELEPHANT];
      tf.dispose([xs, r.output, r.logits, r.probabilities]);
      return v;
    };
    const steps = 32;
    let integral = 0;
    for (let i = 0; i < steps; i++) {
      const xs = along(-eps + (2 * eps * (i + 0.5)) / steps);
      const g = ex.gradient(xs, { kind: 'class', index: ELEPHANT });
      integral += (tf.sum(tf.mul(g.gradient, d)).dataSync()[0] * 2 * eps) / steps;
      tf.dispose([xs, g.gradient, g.value]);
    }
    const difference = logit(eps) - logit(-eps);
    expect(Math.abs(difference - integral) / Math.abs(difference)).toBeLessThan(1e-2);
    tf.dispose([d, xw, want, pixels, x]);
    ex.dispose();
    disposeModel(wm);
  });
});

/** How many (window, channel) pairs of a 3×3 stride-2 max pooling over `act` hold two or more equal positive maxima. */
function positiveTies(act: tf.Tensor4D): number {
  const [, h, w, c] = act.shape;
  const v = act.dataSync();
  let ties = 0;
  for (let i = 0; i + 3 <= h; i += 2) {
    for (let j = 0; j + 3 <= w; j += 2) {
      for (let ch = 0; ch < c; ch++) {
        let best = -Infinity;
        let count = 0;
        for (let a = 0; a < 3; a++) {
          for (let b = 0; b < 3; b++) {
            const x = v[((i + a) * w + j + b) * c + ch];
            if (x > best) [best, count] = [x, 1];
            else if (x === best) count++;
          }
        }
        if (best > 0 && count > 1) ties++;
      }
    }
  }
  return ties;
}

describe.skipIf(!pathExists(path.join(modelsDir, 'squeezenet1.1_nchw')) || !pathExists(image))('max-pool ties on SqueezeNet 1.1', () => {
  it('a photo with a flat sky: the wasm gradient equals a first-maximum reference, not a last-maximum one', async () => {
    await useBackend('wasm');
    const model = await loadBuiltinModel('squeezenet1.1_nchw', createFileReader(modelsDir));
    const photo = await decodeImageFile(image);
    // Paint the top 40 % of the photo one sky blue: a flat region, as in a real sky.
    const [h, w] = photo.shape;
    const rgb = photo.dataSync().slice();
    for (let i = 0; i < Math.round(0.4 * h) * w; i++) rgb.set([135, 180, 225], i * 3);
    const sky = tf.tensor3d(rgb, [h, w, 3], 'int32');
    const x = preprocessImage(sky, model.meta);
    const ex = new Executor(model);
    const { conv1_relu: act } = ex.activations(x, ['conv1_relu']);
    // The first pooling sees windows of equal positive values: about 47 000 (window, channel) pairs here.
    expect(positiveTies(act as tf.Tensor4D)).toBeGreaterThan(10_000);
    const logitsNode = findLogitsNode(model.graph).node;
    // References: tfjs's own gradients through plain ops, max pooling by slow loops with one tie rule or the other.
    const reference = (rule: 'first' | 'last') => tf.grad((a: tf.Tensor) => {
      const l = referenceForward(model.graph, model.weights, a, { maxPoolTies: rule }).get(logitsNode)!;
      return tf.sum(tf.slice(tf.reshape(l, [1, -1]), [0, ELEPHANT], [1, 1]));
    })(x);
    const first = reference('first');
    const last = reference('last');
    const g = ex.gradient(x, { kind: 'class', index: ELEPHANT });
    expect(relError(g.gradient.dataSync(), first.dataSync())).toBeLessThan(1e-4);
    // The rule matters on this image: last-maximum routing (wasm's MaxPoolGrad) is off by a third of the maximum.
    expect(relError(last.dataSync(), first.dataSync())).toBeGreaterThan(0.1);
    tf.dispose([photo, sky, x, act, first, last, g.gradient, g.value]);
    ex.dispose();
    disposeModel(model);
  }, 180_000);
});
