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

/** Plain-JS circular shift of an H×W×C array by (dy, dx): positive moves content down/right (as image-ops' roll). */
function rollArray(a: ArrayLike<number>, h: number, w: number, c: number, dy: number, dx: number): number[] {
  const out = new Array<number>(a.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const to = ((((y + dy) % h) + h) % h) * w + ((((x + dx) % w) + w) % w);
      for (let k = 0; k < c; k++) out[to * c + k] = a[(y * w + x) * c + k];
    }
  }
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

/** The jitter the ascent draws at each step for a seed: (dy, dx) from the seeded generator, dy first. */
function jitterDraws(seed: number, jitter: number, steps: number): Array<[number, number]> {
  const rng = createRng(seed);
  return Array.from({ length: steps }, () => [rng.int(-jitter, jitter), rng.int(-jitter, jitter)] as [number, number]);
}

describe('gradient ascent, hand-computed steps', () => {
  // A 3×4 single-channel image; w has distinct entries, so every shift of it is different.
  const small: [1, number, number, number] = [1, 3, 4, 1];
  const w12 = Array.from({ length: 12 }, (_, i) => i + 1);

  it('un-rolls the jittered gradient: x_T = lr·Σ_t roll(w, −d_t), and scores S(roll(x, d_t))', async () => {
    // A seed whose two draws both shift columns (by ±1 of 4 columns, a wrong sign gives a different image).
    const seed = Array.from({ length: 100 }, (_, s) => s).find((s) => jitterDraws(s, 1, 2).every(([, dx]) => dx !== 0))!;
    const draws = jitterDraws(seed, 1, 2);
    const w = tf.tensor4d(w12, small);
    const lr = 0.5;
    const res = await gradientAscent(linearScore(w), { shape: small, steps: 2, learningRate: lr, jitter: 1, seed, clip: null });
    let x = new Array<number>(12).fill(0);
    let wrong = new Array<number>(12).fill(0);
    const scores: number[] = [];
    for (const [dy, dx] of draws) {
      scores.push(dot(w12, rollArray(x, 3, 4, 1, dy, dx)));
      const g = rollArray(w12, 3, 4, 1, -dy, -dx);
      x = x.map((v, i) => v + lr * g[i]);
      const bad = rollArray(w12, 3, 4, 1, dy, dx);
      wrong = wrong.map((v, i) => v + lr * bad[i]);
    }
    expect(wrong).not.toEqual(x);
    const got = Array.from(res.image.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(x[i], 5));
    res.scores.forEach((s, i) => expect(s).toBeCloseTo(scores[i], 4));
    // The result's score is S of the returned image (unjittered).
    expect(res.score).toBeCloseTo(dot(w12, x), 4);
    tf.dispose([w, res.image]);
  });

  it('decays after each step: x_1 = (1−d)·lr·w, x_2 = (1−d)·(x_1 + lr·w)', async () => {
    const w = tf.tensor4d(w12, small);
    const lr = 0.5;
    const d = 0.25;
    const res = await gradientAscent(linearScore(w), { shape: small, steps: 2, learningRate: lr, decay: d, clip: null });
    const got = res.image.dataSync();
    // 0.5·w·(0.75² + 0.75) = 0.65625·w (decay before the step would give 0.5·w·(0.75 + 1) = 0.875·w).
    w12.forEach((v, i) => expect(got[i]).toBeCloseTo(0.65625 * v, 5));
    tf.dispose([w, res.image]);
  });

  it('zeroes small-norm pixels at every step, and each snapshot shows the zeroed image with its own S and objective', async () => {
    // Four pixels of two channels; norms of w: 5, 1, 1, 2. The 50th percentile of four norms is the third smallest
    // (2), so pixels 0 and 3 stay.
    const shape4: [1, number, number, number] = [1, 2, 2, 2];
    const wv = [3, 4, 0.6, 0.8, 1, 0, 0, 2];
    const w = tf.tensor4d(wv, shape4);
    const lr = 0.5;
    const lambda = 0.01;
    const snaps: Array<{ step: number; score: number; objective: number; image: number[] }> = [];
    const res = await expectNoLeak(
      () =>
        gradientAscent(linearScore(w), {
          shape: shape4, steps: 2, learningRate: lr, l2: lambda, normPercentile: 50, clip: null, snapshotEvery: 1,
          onSnapshot: (s) => { snaps.push({ step: s.step, score: s.score, objective: s.objective, image: Array.from(s.image.data) }); },
        }),
      1,
    );
    // Step 1: x = lr·w = [1.5, 2, .3, .4, .5, 0, 0, 1], zeroed → [1.5, 2, 0, 0, 0, 0, 0, 1].
    const x1 = [1.5, 2, 0, 0, 0, 0, 0, 1];
    // Step 2: x1 + lr·(w − 2λ·x1) has norms 4.98, 0.5, 0.5, 1.99: pixels 0 and 3 stay again.
    const step2 = x1.map((v, i) => v + lr * (wv[i] - 2 * lambda * v));
    const x2 = step2.map((v, i) => (i < 2 || i >= 6 ? v : 0));
    expect(snaps.map((s) => s.step)).toEqual([1, 2]);
    [x1, x2].forEach((x, k) => {
      snaps[k].image.forEach((v, i) => expect(v).toBeCloseTo(x[i], 5));
      const s = dot(wv, x);
      expect(snaps[k].score).toBeCloseTo(s, 4);
      expect(snaps[k].objective).toBeCloseTo(s - lambda * dot(x, x), 4);
    });
    expect(res.score).toBeCloseTo(snaps[1].score, 6);
    expect(res.objective).toBeCloseTo(snaps[1].objective, 6);
    tf.dispose([w, res.image]);
  });

  it('zeroes small-contribution pixels |Σ_c x·∂S/∂x| of the updated image, from a noise start', async () => {
    const shape4: [1, number, number, number] = [1, 2, 2, 2];
    const wv = [1, -2, 0.5, 3, -1, 1, 2, 0.25];
    const w = tf.tensor4d(wv, shape4);
    const lr = 0.3;
    const seed = 4;
    const res = await gradientAscent(linearScore(w), { shape: shape4, steps: 1, learningRate: lr, init: 'noise', initNoiseStd: 1, seed, contributionPercentile: 50, clip: null });
    // The same start the ascent draws, then one step and the zeroing by hand.
    const x0 = normalArray(createRng(seed), 8, 1);
    const x1 = Array.from(x0, (v, i) => v + lr * wv[i]);
    const contrib = [0, 1, 2, 3].map((p) => Math.abs(x1[2 * p] * wv[2 * p] + x1[2 * p + 1] * wv[2 * p + 1]));
    const threshold = [...contrib].sort((a, b) => a - b)[2];
    const expected = x1.map((v, i) => (contrib[Math.floor(i / 2)] >= threshold ? v : 0));
    expect(expected.filter((v) => v === 0)).toHaveLength(4);
    Array.from(res.image.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    tf.dispose([w, res.image]);
  });

  it('snapshots under jitter report S of the image shown, not of the jittered image the step was taken at', async () => {
    const w = tf.tensor4d(w12, small);
    const snaps: Array<{ score: number; objective: number; image: number[] }> = [];
    const res = await gradientAscent(linearScore(w), {
      shape: small, steps: 6, learningRate: 0.2, l2: 0.05, jitter: 2, seed: 1, init: 'noise', clip: null, snapshotEvery: 2,
      onSnapshot: (s) => { snaps.push({ score: s.score, objective: s.objective, image: Array.from(s.image.data) }); },
    });
    expect(snaps).toHaveLength(3);
    for (const s of snaps) {
      expect(s.score).toBeCloseTo(dot(w12, s.image), 4);
      expect(s.objective).toBeCloseTo(dot(w12, s.image) - 0.05 * dot(s.image, s.image), 4);
    }
    // The last snapshot is the returned image.
    expect(Array.from(res.image.dataSync())).toEqual(snaps[2].image.map((v) => Math.fround(v)));
    tf.dispose([w, res.image]);
  });
});
