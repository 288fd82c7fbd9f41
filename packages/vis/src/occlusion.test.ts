import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  makeFillImage,
  mergeOcclusion,
  occludeMasks,
  occludeSlidingWindow,
  occlusionGrid,
  rasterizeMask,
  splitPositions,
  type BatchClassifier,
} from './occlusion';
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

/** Reference: one forward pass per position on an image occluded by hand in JS. */
function naiveOcclusion(window: number, stride: number, fill: Float32Array, cls: number) {
  const x = input.dataSync();
  const rows = Math.floor((H - window) / stride) + 1, cols = Math.floor((W - window) / stride) + 1;
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < cols; j++) {
      const img = Float32Array.from(x);
      for (let y = i * stride; y < i * stride + window; y++) for (let xx = j * stride; xx < j * stride + window; xx++) {
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
    expect(occlusionGrid(224, 224, 32, 8)).toEqual({ rows: 25, cols: 25, window: 32, stride: 8 });
    expect(() => occlusionGrid(10, 10, 11, 1)).toThrow(/larger/);
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
      { kind: 'bitmap' as const, height: H, width: W, data: rasterizeMask({ kind: 'rect', y: 4, x: 6, height: 6, width: 6 }, H, W) },
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

  it('rasterizes triangles by pixel centres and validates masks', () => {
    const m = rasterizeMask({ kind: 'polygon', points: [[0, 0], [4, 0], [0, 4]] }, 4, 4);
    expect(Array.from(m)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0].map((v, i) => ((i % 4) + Math.floor(i / 4) < 3 ? 1 : 0)));
    expect(() => rasterizeMask({ kind: 'polygon', points: [[0, 0], [1, 1]] }, 4, 4)).toThrow(/3 points/);
    expect(() => rasterizeMask({ kind: 'bitmap', height: 2, width: 2, data: [1] }, 2, 2)).toThrow(/bitmap/);
  });

  it('reports progress, honours abort and rejects bad arguments', async () => {
    const seen: number[] = [];
    await occludeSlidingWindow(classify, input, { window: 5, stride: 5, batchSize: 4, onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual([4, 8, 12]);
    const ctrl = new AbortController();
    ctrl.abort();
    const before = tf.memory().numTensors;
    await expect(occludeSlidingWindow(classify, input, { window: 5, stride: 5, signal: ctrl.signal })).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(occludeSlidingWindow(classify, input, { window: 5, stride: 5, classIndex: 99 })).rejects.toThrow(/class index/);
    await expect(occludeSlidingWindow(classify, input, { window: 5, stride: 5, fill: 'grey' })).rejects.toThrow(/greyValue/);
  });
});
