/**
 * Max-pool gradients go to the FIRST maximum of each window in row-major order (PyTorch, TensorFlow and Caffe's rule)
 * in every ReLU mode on every Node backend, also for positive ties in overlapping windows. (WebGL: webgl.browser.test.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './testing/backends';
import { maxPoolInputGrad } from './ops/pool-ops';
import { poolFrame, referenceMaxPoolGrad, TIE_EXPECTED, tieGradients, type PoolGeometry } from './testing/max-pool-ties';
import { rng } from './testing/random';
import type { ReluMode } from './executor.types';

const BACKENDS = ['cpu', 'wasm'] as const;
const MODES: ReluMode[] = ['standard', 'guided', 'deconvnet'];

afterAll(() => useBackend('cpu'));

describe('max-pool tie routing per mode and backend', () => {
  for (const backend of BACKENDS) {
    for (const fused of [false, true]) {
      it(`${backend}, ReLU ${fused ? 'fused into a conv' : 'standalone'}: each window's gradient reaches its first maximum`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        const got = await tieGradients(fused);
        for (const mode of MODES) expect(got[mode], mode).toEqual(TIE_EXPECTED[mode]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});

describe('maxPoolInputGrad against a slow reference', () => {
  // Overlapping, adjacent and gapped windows, square and not, 'same' padding on odd and even sizes.
  const cases: Array<{ shape: [number, number, number, number]; g: PoolGeometry }> = [
    { shape: [2, 9, 9, 3], g: { size: [3, 3], strides: [2, 2], padding: 'valid' } },
    { shape: [1, 10, 8, 2], g: { size: [3, 3], strides: [2, 2], padding: 'same' } },
    { shape: [1, 7, 7, 2], g: { size: [3, 3], strides: [1, 1], padding: 'same' } },
    { shape: [2, 8, 6, 3], g: { size: [2, 2], strides: [2, 2], padding: 'valid' } },
    { shape: [1, 7, 9, 2], g: { size: [2, 2], strides: [1, 1], padding: 'valid' } },
    { shape: [1, 9, 11, 2], g: { size: [2, 3], strides: [1, 2], padding: 'same' } },
    { shape: [1, 9, 9, 1], g: { size: [2, 2], strides: [3, 3], padding: 'valid' } },
    { shape: [1, 6, 7, 2], g: { size: [1, 1], strides: [2, 2], padding: 'valid' } },
  ];
  for (const backend of BACKENDS) {
    it(`equals the first-maximum reference exactly on ${backend} (values from {0, 1, 2}: ties everywhere)`, async () => {
      await useBackend(backend);
      const random = rng(17);
      for (const { shape, g } of cases) {
        const size = shape.reduce((a, b) => a * b, 1);
        const xs = Array.from({ length: size }, () => Math.floor(random() * 3));
        const { ho, wo } = poolFrame(shape[1], shape[2], g);
        // Integer gradients: sums of them are exact, so any routing difference shows.
        const dys = Array.from({ length: shape[0] * ho * wo * shape[3] }, () => Math.floor(random() * 19) - 9);
        const x = tf.tensor4d(xs, shape);
        const y = tf.maxPool(x, g.size, g.strides, g.padding);
        expect(y.shape.slice(1, 3)).toEqual([ho, wo]);
        const dy = tf.tensor4d(dys, y.shape as [number, number, number, number]);
        const got = maxPoolInputGrad(dy, x, y, g.size, g.strides, g.padding);
        const label = `${shape.join('x')} ${JSON.stringify(g)}`;
        expect(Array.from(got.dataSync()), label).toEqual(Array.from(referenceMaxPoolGrad(xs, shape, dys, g, 'first')));
        // The test can tell the rules apart: with this many ties, last-maximum routing differs.
        if (g.size[0] * g.size[1] > 1) {
          expect(Array.from(got.dataSync()), label).not.toEqual(Array.from(referenceMaxPoolGrad(xs, shape, dys, g, 'last')));
        }
        tf.dispose([x, y, dy, got]);
      }
    });
  }
});
