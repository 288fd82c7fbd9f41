import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASCENT_PRESETS, gradientAscent, type DifferentiableScore } from './gradient-ascent';
import { createRng, normalArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

const shape: [1, number, number, number] = [1, 6, 5, 3];
const wData = normalArray(createRng(11), 6 * 5 * 3);

/** S(I) = w·I, written with tf.grad so the gradient is the engine's, not a hand formula. */
function linearScore(w: tf.Tensor4D): DifferentiableScore {
  const f = (x: tf.Tensor) => tf.sum(tf.mul(x, w)) as tf.Scalar;
  const g = tf.valueAndGrad(f);
  return (x) => {
    const { value, grad } = g(x);
    return { value, gradient: grad as tf.Tensor4D };
  };
}

describe('gradient ascent', () => {
  it('with L2 only on a linear score converges to w / (2λ) (plain steps)', async () => {
    const w = tf.tensor4d(wData, shape);
    const lambda = 0.5;
    const res = await expectNoLeak(
      () => gradientAscent(linearScore(w), { shape, steps: 200, learningRate: 0.3, l2: lambda, optimizer: 'sgd', clip: null }),
      1,
    );
    const got = res.image.dataSync();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(wData[i] / (2 * lambda), 5);
    // The objective at the optimum is ‖w‖²/(4λ).
    const w2 = wData.reduce((a, v) => a + v * v, 0);
    expect(res.objective).toBeCloseTo(w2 / (4 * lambda), 3);
    expect(res.scores).toHaveLength(200);
    tf.dispose([w, res.image]);
  });

  it('with Adam also reaches w / (2λ)', async () => {
    const w = tf.tensor4d(wData, shape);
    const lambda = 2;
    const res = await gradientAscent(linearScore(w), { shape, steps: 1500, learningRate: 0.02, l2: lambda, optimizer: 'adam', clip: null });
    const got = res.image.dataSync();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(wData[i] / (2 * lambda), 2);
    tf.dispose([w, res.image]);
  });

  it('is reproducible for a seed, differs across seeds, and respects clipping', async () => {
    const w = tf.tensor4d(wData, shape);
    const opts = {
      shape,
      steps: 12,
      learningRate: 0.1,
      l2: 0.01,
      init: 'noise' as const,
      jitter: 2,
      blurEvery: 3,
      blurWidth: 0.7,
      normPercentile: 10,
      contributionPercentile: 10,
      decay: 0.01,
      clip: { min: [-0.5, -0.4, -0.3], max: [0.5, 0.4, 0.3] },
    };
    const a = await expectNoLeak(() => gradientAscent(linearScore(w), { ...opts, seed: 5 }), 1);
    const b = await gradientAscent(linearScore(w), { ...opts, seed: 5 });
    const c = await gradientAscent(linearScore(w), { ...opts, seed: 6 });
    expect(Array.from(a.image.dataSync())).toEqual(Array.from(b.image.dataSync()));
    expect(Array.from(a.image.dataSync())).not.toEqual(Array.from(c.image.dataSync()));
    const d = a.image.dataSync();
    for (let i = 0; i < d.length; i++) {
      const ch = i % 3;
      expect(Math.abs(d[i])).toBeLessThanOrEqual(opts.clip.max[ch] + 1e-7);
    }
    tf.dispose([w, a.image, b.image, c.image]);
  });

  it('reports progress and snapshots, and stops on abort without leaking', async () => {
    const w = tf.tensor4d(wData, shape);
    const steps: number[] = [];
    const snaps: number[] = [];
    const res = await gradientAscent(linearScore(w), {
      shape, steps: 10, learningRate: 0.1, ...ASCENT_PRESETS['yosinski-3'], optimizer: 'adam',
      onProgress: (p) => steps.push(p.step), snapshotEvery: 5, onSnapshot: (s) => { snaps.push(s.step); },
    });
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(snaps).toEqual([5, 10]);
    res.image.dispose();
    const ctrl = new AbortController();
    const before = tf.memory().numTensors;
    await expect(
      gradientAscent(linearScore(w), { shape, steps: 100, learningRate: 0.1, optimizer: 'adam', signal: ctrl.signal, onProgress: (p) => p.step === 3 && ctrl.abort() }),
    ).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(gradientAscent(linearScore(w), { shape, steps: 1, learningRate: -1 })).rejects.toThrow(/learning rate/);
    w.dispose();
  });
});
