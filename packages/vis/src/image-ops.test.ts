import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianKernel1d } from './conv-explainer';
import { clipPerChannel, gaussianBlur, percentileThreshold, roll, zeroSmallContribution, zeroSmallNorm } from './image-ops';
import { createRng, normalArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

describe('image ops', () => {
  it('blurs an impulse into the outer product of the 1-D Gaussian and keeps constants', async () => {
    const n = 21, sigma = 1.5, r = Math.ceil(3 * sigma);
    const impulse = tf.buffer([1, n, n, 1]);
    impulse.set(1, 0, 10, 10, 0);
    const x = impulse.toTensor() as tf.Tensor4D;
    const y = await expectNoLeak(() => gaussianBlur(x, sigma), 1);
    const g = gaussianKernel1d(2 * r + 1, sigma);
    const out = y.dataSync();
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
      expect(out[(10 + dy) * n + 10 + dx]).toBeCloseTo(g[dy + r] * g[dx + r], 6);
    }
    const ones = tf.ones([1, 9, 9, 3]) as tf.Tensor4D;
    const b = gaussianBlur(ones, 2);
    for (const v of b.dataSync()) expect(v).toBeCloseTo(1, 5);
    tf.dispose([x, y, ones, b]);
  });

  it('rolls and unrolls', () => {
    const x = tf.tensor4d(normalArray(createRng(1), 5 * 6 * 2), [1, 5, 6, 2]);
    const r = roll(x, 2, -3);
    expect(r.bufferSync().get(0, 2, 0, 1)).toBe(x.bufferSync().get(0, 0, 3, 1));
    const back = roll(r, -2, 3);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, r, back]);
  });

  it('zeroes pixels below a norm or contribution percentile', () => {
    // 10 pixels with norms 1..10 (one channel).
    const x = tf.tensor4d([3, 1, 4, 10, 5, 9, 2, 6, 8, 7], [1, 2, 5, 1]);
    const t = percentileThreshold(tf.abs(x) as tf.Tensor4D, 30);
    expect(t.dataSync()[0]).toBe(4);
    const z = zeroSmallNorm(x, 30);
    expect(Array.from(z.dataSync())).toEqual([0, 0, 4, 10, 5, 9, 0, 6, 8, 7]);
    const grad = tf.tensor4d([1, 1, 1, 1, 1, 1, 1, 1, 1, -100], [1, 2, 5, 1]);
    const zc = zeroSmallContribution(x, grad, 90);
    // Only the last pixel (|7·-100|) is in the top 10%.
    expect(Array.from(zc.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    const c = clipPerChannel(tf.tensor4d([-5, 5, 0.5, 0.5], [1, 1, 2, 2]), [-1, 0], [1, 0.25]);
    expect(Array.from(c.dataSync())).toEqual([-1, 0.25, 0.5, 0.25]);
    tf.dispose([x, t, z, grad, zc, c]);
  });
});
