import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  makeFillImage,
  mergeOcclusion,
  occludeMasks,
  occludeSlidingWindow,
  occlusionGrid,
  windowAt,
  splitPositions,
  type BatchClassifier,
} from './occlusion';
import { encodeBitmapMask, rasterizeMask } from '@convlab/protocol';
import { createRng, normalArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

const H = 20, W = 18, C = 3, K = 5;
let classify: BatchClassifier;
let input: tf.Tensor4D;
let weights: tf.Tensor[];

beforeAll(() => {
  const rng = createRng(42);
  const f = tf.tensor4d(normalArray(rng, 3 * 3 * C * 8, 0.5), [3, 3, C, 8]);
  const d = tf.tensor2d(normalArray(rng, 8 * K), [8, K]);
  weights = [f, d];
  // A tiny convnet whose output depends on where things are (conv → relu → max over space → dense → softmax).
  classify = (batch) => tf.tidy(() => tf.softmax(tf.matMul(tf.max(tf.relu(tf.conv2d(batch, f as tf.Tensor4D, 1, 'same')), [1, 2]), d as tf.Tensor2D)) as tf.Tensor2D);
  input = tf.tensor4d(normalArray(rng, H * W * C), [1, H, W, C]);
});

/** Window origins along an axis: 0, stride, 2·stride, … while the window fits, then one flush with the far edge. */
function origins(size: number, window: number, stride: number): number[] {
  const out: number[] = [];
  for (let o = 0; o + window <= size; o += stride) out.push(o);
  if (out[out.length - 1] !== size - window) out.push(size - window);
  return out;
}

/** Reference: one forward pass per position on an image occluded by hand in JS. */
function naiveOcclusion(window: number, stride: number, fill: Float32Array, cls: number) {
  const x = input.dataSync();
  const out: number[][] = [];
  for (const y0 of origins(H, window, stride)) {
    const row: number[] = [];
    for (const x0 of origins(W, window, stride)) {
      const img = Float32Array.from(x);
      for (let y = y0; y < y0 + window; y++) for (let xx = x0; xx < x0 + window; xx++) {
        for (let c = 0; c < C; c++) img[(y * W + xx) * C + c] = fill[(y * W + xx) * C + c];
      }
      const t = tf.tensor4d(img, [1, H, W, C]);
      const p = classify(t);
      row.push(p.dataSync()[cls]);
      tf.dispose([t, p]);
    }
    out.push(row);
  }
  return out;
}

describe('occlusion', () => {
  it('computes the grid of window positions', () => {
    expect(occlusionGrid(224, 224, 32, 8)).toEqual({ rows: 25, cols: 25, window: 32, stride: 8, height: 224, width: 224 });
    // 224 − 48 = 176 is not a multiple of 32: windows at 0, 32, …, 160 and one more flush with the edge at 176.
    const g = occlusionGrid(224, 224, 48, 32);
    expect([g.rows, g.cols]).toEqual([7, 7]);
    expect(Array.from({ length: 7 }, (_, j) => windowAt(g, j).x)).toEqual([0, 32, 64, 96, 128, 160, 176]);
    expect(windowAt(g, 7 * 7 - 1)).toEqual({ y: 176, x: 176 });
    expect(() => occlusionGrid(10, 10, 11, 1)).toThrow(/larger/);
  });

  it('covers every pixel of awkward sizes, the last windows flush with the edges', () => {
    for (const [h, w, win, stride] of [[20, 18, 5, 3], [224, 224, 48, 32], [227, 200, 32, 8], [7, 13, 7, 4], [31, 17, 4, 5], [9, 9, 1, 2]]) {
      const g = occlusionGrid(h, w, win, stride);
      const covered = new Uint8Array(h * w);
      for (let i = 0; i < g.rows * g.cols; i++) {
        const { y, x } = windowAt(g, i);
        expect(y + win).toBeLessThanOrEqual(h);
        expect(x + win).toBeLessThanOrEqual(w);
        for (let yy = y; yy < y + win; yy++) covered.fill(1, yy * w + x, yy * w + x + win);
      }
      // A stride larger than the window leaves gaps between windows by design; otherwise nothing is left out.
      if (stride <= win) expect(covered.indexOf(0)).toBe(-1);
      expect(windowAt(g, g.rows * g.cols - 1)).toEqual({ y: h - win, x: w - win });
      expect(Array.from({ length: g.cols }, (_, j) => windowAt(g, j).x)).toEqual(origins(w, win, stride));
      expect(Array.from({ length: g.rows }, (_, i) => windowAt(g, i * g.cols).y)).toEqual(origins(h, win, stride));
    }
  });

  for (const fill of ['zero', 'grey', 'blur', 'noise'] as const) {
    it(`batched sliding window equals the per-position loop (${fill} fill)`, async () => {
      const fillOpts = { fill, greyValue: [0.1, 0.2, 0.3], seed: 9, blurSigma: 2 };
      const res = await expectNoLeak(() => occludeSlidingWindow(classify, input, { window: 5, stride: 3, batchSize: 7, ...fillOpts }));
      const fillImg = makeFillImage(input, fillOpts);
      const ref = naiveOcclusion(5, 3, fillImg.dataSync() as Float32Array, res.classIndex);
      fillImg.dispose();
      const map = mergeOcclusion([res]);
      expect(map.probabilities.length).toBe(ref.length);
      map.probabilities.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(ref[i][j], 6)));
      const base = classify(input);
      expect(res.baseline).toBeCloseTo(base.dataSync()[res.classIndex], 6);
      base.dispose();
    });
  }

  it('merges shards into exactly one run, in any order, and rejects gaps and overlaps', async () => {
    const opts = { window: 4, stride: 2, batchSize: 4, fill: 'noise' as const, seed: 3, classIndex: 2 };
    const whole = mergeOcclusion([await occludeSlidingWindow(classify, input, opts)]);
    const total = whole.grid.rows * whole.grid.cols;
    const ranges = splitPositions(total, 3, opts.batchSize);
    expect(ranges[0].start).toBe(0);
    expect(ranges[ranges.length - 1].end).toBe(total);
    for (const r of ranges.slice(0, -1)) expect(r.end % opts.batchSize).toBe(0);
    const parts: Awaited<ReturnType<typeof occludeSlidingWindow>>[] = [];
    for (const range of ranges.reverse()) parts.push(await occludeSlidingWindow(classify, input, { ...opts, range }));
    expect(mergeOcclusion(parts)).toEqual(whole);
    expect(() => mergeOcclusion(parts.slice(1))).toThrow(/no partial/);
    expect(() => mergeOcclusion([...parts, parts[0]])).toThrow(/two partial/);
    // Unaligned shards still cover everything and agree on this deterministic backend.
    const odd = [await occludeSlidingWindow(classify, input, { ...opts, range: { start: 0, end: 7 } }), await occludeSlidingWindow(classify, input, { ...opts, range: { start: 7, end: total } })];
    expect(mergeOcclusion(odd).probabilities).toEqual(whole.probabilities);
  });

  it('applies arbitrary masks: a rectangle equals the window at that spot, a polygon square equals the rectangle', async () => {
    const sliding = mergeOcclusion([await occludeSlidingWindow(classify, input, { window: 6, stride: 2, classIndex: 1 })]);
    const masks = [
      { kind: 'rect' as const, y: 4, x: 6, height: 6, width: 6 },
      { kind: 'polygon' as const, points: [[6, 4], [12, 4], [12, 10], [6, 10]] as Array<[number, number]> },
      // A brush stroke on the input's own grid (W columns × H rows) covering the same square.
      encodeBitmapMask(rasterizeMask({ kind: 'rect', y: 4, x: 6, height: 6, width: 6 }, W, H), W, H),
      { kind: 'rect' as const, y: 0, x: 0, height: H, width: W },
    ];
    const res = await expectNoLeak(() => occludeMasks(classify, input, masks, { classIndex: 1, batchSize: 3 }));
    expect(res.probabilities[0]).toBeCloseTo(sliding.probabilities[2][3], 6);
    expect(res.probabilities[1]).toBe(res.probabilities[0]);
    expect(res.probabilities[2]).toBe(res.probabilities[0]);
    // Everything occluded by zeros: the classifier sees a blank image.
    const blank = tf.zerosLike(input);
    const p = classify(blank);
    expect(res.probabilities[3]).toBeCloseTo(p.dataSync()[1], 6);
    tf.dispose([blank, p]);
  });

  it('reports progress, honours abort and rejects bad arguments', async () => {
    const seen: number[] = [];
    await occludeSlidingWindow(classify, input, { window: 5, stride: 5, batchSize: 4, onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual([4, 8, 12, 16]);
    const ctrl = new AbortController();
    ctrl.abort();
    const before = tf.memory().numTensors;
    await expect(occludeSlidingWindow(classify, input, { window: 5, stride: 5, signal: ctrl.signal })).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(occludeSlidingWindow(classify, input, { window: 5, stride: 5, classIndex: 99 })).rejects.toThrow(/class index/);
    await expect(occludeSlidingWindow(classify, input, { window: 5, stride: 5, fill: 'grey' })).rejects.toThrow(/greyValue/);
  });
});
