import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convolutionBreakdown, convolve, convolveMap, PRESET_KERNEL_NAMES, presetKernel, type ConvPadding } from './conv-explainer';
import { featureMap } from './common';
import { createRng, uniformArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

// Reference written independently: explicit padded array, then four nested loops.
function naiveConv(img: Float32Array, h: number, w: number, c: number, k: number[][], stride: number, bias: number, padding: ConvPadding) {
  const n = k.length;
  let pt = 0, pb = 0, pl = 0, pr = 0;
  if (typeof padding === 'number') pt = pb = pl = pr = padding;
  if (padding === 'zero' || padding === 'reflect') pt = pb = pl = pr = (n - 1) / 2;
  if (padding === 'same') {
    const oh = Math.ceil(h / stride), ow = Math.ceil(w / stride);
    const th = Math.max(0, (oh - 1) * stride + n - h), tw = Math.max(0, (ow - 1) * stride + n - w);
    pt = Math.floor(th / 2); pb = th - pt; pl = Math.floor(tw / 2); pr = tw - pl;
  }
  const H = h + pt + pb, W = w + pl + pr;
  const refl = (i: number, len: number) => (i < 0 ? -i : i >= len ? 2 * (len - 1) - i : i);
  const P = new Float32Array(H * W * c);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let ch = 0; ch < c; ch++) {
    let sy = y - pt, sx = x - pl;
    const out = sy < 0 || sy >= h || sx < 0 || sx >= w;
    if (out && padding !== 'reflect') continue;
    sy = refl(sy, h); sx = refl(sx, w);
    P[(y * W + x) * c + ch] = img[(sy * w + sx) * c + ch];
  }
  const oh = Math.floor((H - n) / stride) + 1, ow = Math.floor((W - n) / stride) + 1;
  const out = new Float32Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let s = bias;
    for (let dy = 0; dy < n; dy++) for (let dx = 0; dx < n; dx++) s += P[((oy * stride + dy) * W + ox * stride + dx) * c + ch] * k[dy][dx];
    out[(oy * ow + ox) * c + ch] = s;
  }
  return { out, oh, ow };
}

describe('convolution explainer', () => {
  const rng = createRng(7);
  const h = 9, w = 11, c = 3;
  const img = uniformArray(rng, h * w * c, -1, 1);
  const paddings: ConvPadding[] = ['valid', 'zero', 'reflect', 'same', 2];

  for (const padding of paddings) {
    for (const size of [1, 3, 5, 7]) {
      for (const stride of [1, 2, 3]) {
        it(`matches the hand loop: ${padding}, ${size}x${size}, stride ${stride}`, () => {
          const kernel = Array.from({ length: size }, () => Array.from(uniformArray(rng, size, -1, 1)));
          const ref = naiveConv(img, h, w, c, kernel, stride, 0.25, padding);
          const t = tf.tensor3d(img, [h, w, c]);
          const y = convolve(t, { kernel, stride, bias: 0.25, padding });
          expect(y.shape).toEqual([ref.oh, ref.ow, c]);
          const got = y.dataSync();
          for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(ref.out[i], 4);
          const map = featureMap(h, w, c, img);
          // The tensor-free map is the same convolution.
          const plain = convolveMap(map, { kernel, stride, bias: 0.25, padding });
          expect([plain.height, plain.width, plain.channels]).toEqual([ref.oh, ref.ow, c]);
          for (let i = 0; i < plain.data.length; i++) expect(plain.data[i]).toBeCloseTo(ref.out[i], 4);
          // Every output pixel's breakdown adds up to the convolved value.
          for (const [oy, ox] of [[0, 0], [ref.oh - 1, ref.ow - 1], [Math.floor(ref.oh / 2), 0]]) {
            for (let ch = 0; ch < c; ch++) {
              const b = convolutionBreakdown(map, { kernel, stride, bias: 0.25, padding }, oy, ox, ch);
              expect(b.output).toBeCloseTo(ref.out[(oy * ref.ow + ox) * c + ch], 4);
              const sum = b.products.flat().reduce((a, v) => a + v, 0);
              expect(b.sum).toBeCloseTo(sum, 10);
              b.window.forEach((row, dy) => row.forEach((v, dx) => expect(b.products[dy][dx]).toBeCloseTo(v * kernel[dy][dx], 10)));
            }
          }
          t.dispose();
          y.dispose();
        });
      }
    }
  }

  it('centres the window on the source pixel and marks padding', () => {
    const map = featureMap(4, 4, 1, Array.from({ length: 16 }, (_, i) => i + 1));
    const b = convolutionBreakdown(map, { kernel: presetKernel('identity', 3), padding: 'zero' }, 0, 0);
    expect([b.centerY, b.centerX]).toEqual([0, 0]);
    expect(b.isPadding[0]).toEqual([true, true, true]);
    expect(b.window[1]).toEqual([0, 1, 2]);
    expect(b.output).toBe(1);
    const r = convolutionBreakdown(map, { kernel: presetKernel('identity', 3), padding: 'reflect' }, 0, 0);
    // numpy 'reflect': the row above row 0 is row 1.
    expect(r.window[0]).toEqual([6, 5, 6]);
  });

  it('has sensible presets', () => {
    for (const name of PRESET_KERNEL_NAMES) expect(presetKernel(name).length).toBe(3);
    const sum = (k: number[][]) => k.flat().reduce((a, v) => a + v, 0);
    expect(sum(presetKernel('box-blur', 5))).toBeCloseTo(1, 10);
    expect(sum(presetKernel('gaussian', 7))).toBeCloseTo(1, 10);
    expect(sum(presetKernel('sharpen'))).toBe(1);
    expect(sum(presetKernel('sobel-x'))).toBe(0);
    expect(sum(presetKernel('laplacian'))).toBe(0);
    // Sobel x responds to a left-to-right ramp, Sobel y does not.
    const ramp = tf.tensor2d(Array.from({ length: 25 }, (_, i) => i % 5), [5, 5]);
    const gx = convolve(ramp, { kernel: presetKernel('sobel-x'), padding: 'valid' });
    const gy = convolve(ramp, { kernel: presetKernel('sobel-y'), padding: 'valid' });
    expect(Array.from(gx.dataSync())).toEqual(new Array(9).fill(8));
    expect(Array.from(gy.dataSync())).toEqual(new Array(9).fill(0));
    tf.dispose([ramp, gx, gy]);
  });

  it('rejects bad kernels and leaks nothing', async () => {
    const t = tf.zeros([5, 5]) as tf.Tensor2D;
    expect(() => convolve(t, { kernel: [[1, 2], [3, 4]] })).toThrow(/odd/);
    expect(() => convolve(t, { kernel: presetKernel('identity', 9 as number) })).toThrow(/odd and between 1 and 7/);
    expect(() => convolve(t, { kernel: [[1, 2, 3]] })).toThrow();
    expect(() => convolve(t, { kernel: presetKernel('box-blur'), stride: 0 })).toThrow(/stride/);
    expect(() => convolve(t, { kernel: presetKernel('box-blur', 7), padding: 'reflect' }).dispose()).not.toThrow();
    await expectNoLeak(() => convolve(t, { kernel: presetKernel('emboss'), padding: 'reflect' }).dispose());
    t.dispose();
  });
});
