import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { attribute, saliencyMap, type AttributionProvider } from './attribution';
import { createRng, normalArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

const shape: [1, number, number, number] = [1, 4, 5, 3];
const rng = createRng(21);
const wData = normalArray(rng, 60);
const xData = normalArray(rng, 60);

/** S(x) = w·x per image, through tf.grad: its gradient is w everywhere, whatever the ReLU mode. */
function linearProvider(w: tf.Tensor4D): AttributionProvider {
  const perImage = (x: tf.Tensor) => tf.sum(tf.mul(x, w), [1, 2, 3]);
  return {
    inputGradient: (x) => {
      const value = tf.tidy(() => perImage(x));
      const gradient = tf.grad((t: tf.Tensor) => tf.sum(perImage(t)))(x) as tf.Tensor4D;
      return { gradient, value };
    },
  };
}

describe('attribution', () => {
  it('a linear model: the gradient is w, the saliency map is max_c |w|, gradient×input is w·x', async () => {
    const w = tf.tensor4d(wData, shape);
    const x = tf.tensor4d(xData, shape);
    const p = linearProvider(w);
    const dot = wData.reduce((a, v, i) => a + v * xData[i], 0);
    for (const method of ['vanilla', 'saliency', 'guided', 'deconvnet'] as const) {
      const r = await expectNoLeak(() => attribute(p, x, { method }), 1);
      expect(Array.from(r.raw!.dataSync())).toEqual(Array.from(w.dataSync()));
      expect(r.value).toBeCloseTo(dot, 4);
      for (let i = 0; i < 20; i++) {
        const m = Math.max(Math.abs(wData[3 * i]), Math.abs(wData[3 * i + 1]), Math.abs(wData[3 * i + 2]));
        expect(r.map.data[i]).toBeCloseTo(m, 6);
      }
      r.raw!.dispose();
    }
    const gx = await attribute(p, x, { method: 'gradient-x-input' });
    gx.raw!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(wData[i] * xData[i], 6));
    for (let i = 0; i < 20; i++) expect(gx.map.data[i]).toBeCloseTo(wData[3 * i] * xData[3 * i] + wData[3 * i + 1] * xData[3 * i + 1] + wData[3 * i + 2] * xData[3 * i + 2], 5);
    gx.raw!.dispose();
    // SmoothGrad of a linear model: every noisy sample has gradient w, so the mean is w.
    const sg = await expectNoLeak(() => attribute(p, x, { method: 'smoothgrad', samples: 5, batchSize: 2, noiseLevel: 0.2, seed: 1 }), 1);
    sg.raw!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(wData[i], 5));
    sg.raw!.dispose();
    tf.dispose([w, x]);
  });

  it('SmoothGrad averages the gradients at seeded noisy copies (quadratic model, closed form)', async () => {
    // S(x) = Σ x² → ∂S/∂x = 2x; the mean over samples is 2(x + mean noise), reproducible by seed.
    const x = tf.tensor4d(xData, shape);
    const p: AttributionProvider = {
      inputGradient: (b) => ({ gradient: tf.mul(b, 2) as tf.Tensor4D, value: tf.sum(tf.square(b), [1, 2, 3]) }),
    };
    const a = await attribute(p, x, { method: 'smoothgrad', samples: 400, noiseLevel: 0.1, seed: 4 });
    const b = await attribute(p, x, { method: 'smoothgrad', samples: 400, noiseLevel: 0.1, seed: 4 });
    expect(Array.from(a.raw!.dataSync())).toEqual(Array.from(b.raw!.dataSync()));
    const range = Math.max(...xData) - Math.min(...xData);
    // Mean of 400 normals with σ = 0.1·range: within 4σ/√400 of 2x.
    a.raw!.dataSync().forEach((v, i) => expect(Math.abs(v - 2 * xData[i])).toBeLessThan((2 * 4 * 0.1 * range) / 20));
    tf.dispose([a.raw!, b.raw!, x]);
  });

  it('Grad-CAM: ReLU(Σ_k mean(∂S/∂A_k) A_k) on a hand-made layer', async () => {
    // Layer A = x itself (3 channels); S = Σ_{y,x} A·v with v a per-channel vector → mean gradient per channel is v_k.
    const v = [0.5, -2, 1];
    const x = tf.tensor4d(xData, shape);
    const p: AttributionProvider = {
      inputGradient: () => {
        throw new Error('unused');
      },
      layerGradient: (b) =>
        tf.tidy(() => ({
          activation: tf.clone(b),
          gradient: tf.mul(tf.onesLike(b), tf.tensor1d(v)) as tf.Tensor4D,
          value: tf.sum(tf.mul(b, tf.tensor1d(v)), [1, 2, 3]),
        })),
    };
    const r = await expectNoLeak(() => attribute(p, x, { method: 'gradcam' }));
    expect([r.map.height, r.map.width]).toEqual([4, 5]);
    for (let i = 0; i < 20; i++) expect(r.map.data[i]).toBeCloseTo(Math.max(0, v[0] * xData[3 * i] + v[1] * xData[3 * i + 1] + v[2] * xData[3 * i + 2]), 5);
    await expect(attribute({ inputGradient: p.inputGradient }, x, { method: 'gradcam' })).rejects.toThrow(/layer/);
    await expect(attribute(p, x, { method: 'nope' as 'vanilla' })).rejects.toThrow(/unknown attribution/);
    x.dispose();
  });

  it('saliencyMap takes max over channels of |g|, not of g', async () => {
    const g = tf.tensor4d([-3, 1, 2, 0.5, -0.25, 0], [1, 1, 2, 3]);
    expect(Array.from((await saliencyMap(g)).data)).toEqual([3, 0.5]);
    g.dispose();
  });
});
