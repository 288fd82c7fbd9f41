import * as tf from '@tensorflow/tfjs-core';
import { featureMap, type FeatureMap } from './common';

/** Max or average pooling with 'valid' windows (no padding), as in most CNN pooling layers. */
export interface PoolSpec {
  kind: 'max' | 'avg';
  size: number;
  stride?: number;
}

function normalizePool(spec: PoolSpec): Required<PoolSpec> {
  if (spec.kind !== 'max' && spec.kind !== 'avg') throw new Error(`pool kind must be max or avg, got "${spec.kind}"`);
  if (!Number.isInteger(spec.size) || spec.size < 1) throw new Error(`pool size must be a positive integer, got ${spec.size}`);
  const stride = spec.stride ?? spec.size;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`pool stride must be a positive integer, got ${stride}`);
  return { kind: spec.kind, size: spec.size, stride };
}

/** Output size of a valid pool along an axis of length n. */
export function poolOutputSize(n: number, size: number, stride: number): number {
  if (n < size) throw new Error(`input side ${n} is smaller than the pool window ${size}`);
  return Math.floor((n - size) / stride) + 1;
}

/** Pools a [H,W] or [H,W,C] image or feature map; returns [outH,outW,C]. */
export function pool(input: tf.Tensor2D | tf.Tensor3D, spec: PoolSpec): tf.Tensor3D {
  const s = normalizePool(spec);
  if (input.rank !== 2 && input.rank !== 3) throw new Error(`pool: input must be [H,W] or [H,W,C], got [${input.shape.join(',')}]`);
  poolOutputSize(input.shape[0], s.size, s.stride);
  poolOutputSize(input.shape[1], s.size, s.stride);
  return tf.tidy(() => {
    const x3 = input.rank === 2 ? tf.expandDims(input as tf.Tensor2D, 2) : (input as tf.Tensor3D);
    const x4 = tf.expandDims(x3, 0) as tf.Tensor4D;
    const y = s.kind === 'max' ? tf.maxPool(x4, s.size, s.stride, 'valid') : tf.avgPool(x4, s.size, s.stride, 'valid');
    return tf.squeeze(y, [0]) as tf.Tensor3D;
  });
}

/** What went into one pooled value. */
export interface PoolBreakdown {
  outY: number;
  outX: number;
  channel: number;
  /** Top-left corner of the window in the input. */
  y0: number;
  x0: number;
  window: number[][];
  output: number;
  /** For max pooling: where in the window the maximum sits (first one on ties). */
  argmax?: { dy: number; dx: number };
}

/** The window and result of pooled value (outY, outX) in `channel`. */
export function poolBreakdown(input: FeatureMap, spec: PoolSpec, outY: number, outX: number, channel = 0): PoolBreakdown {
  const s = normalizePool(spec);
  const oh = poolOutputSize(input.height, s.size, s.stride);
  const ow = poolOutputSize(input.width, s.size, s.stride);
  if (outY < 0 || outY >= oh || outX < 0 || outX >= ow || !Number.isInteger(outY) || !Number.isInteger(outX)) {
    throw new Error(`output position (${outY}, ${outX}) is outside the ${oh}x${ow} output`);
  }
  if (!Number.isInteger(channel) || channel < 0 || channel >= input.channels) throw new Error(`channel ${channel} out of range`);
  const y0 = outY * s.stride;
  const x0 = outX * s.stride;
  const window: number[][] = [];
  let best = -Infinity;
  let arg = { dy: 0, dx: 0 };
  let total = 0;
  for (let dy = 0; dy < s.size; dy++) {
    const row: number[] = [];
    for (let dx = 0; dx < s.size; dx++) {
      const v = input.data[((y0 + dy) * input.width + x0 + dx) * input.channels + channel];
      row.push(v);
      total += v;
      if (v > best) {
        best = v;
        arg = { dy, dx };
      }
    }
    window.push(row);
  }
  return s.kind === 'max'
    ? { outY, outX, channel, y0, x0, window, output: best, argmax: arg }
    : { outY, outX, channel, y0, x0, window, output: total / (s.size * s.size) };
}

/** A ready-made classroom example of a pooling drawback. */
export interface PoolingDrawbackExample {
  id: 'max-discards-all-but-largest' | 'average-dilutes-local-response';
  title: string;
  explanation: string;
  spec: PoolSpec;
  /** The inputs being compared (single-channel maps). */
  inputs: FeatureMap[];
  /** The pooled result of each input (same order). */
  outputs: number[];
}

/** Examples that show the drawbacks of max and average pooling (computed, not hard-coded, results). */
export function poolingDrawbackExamples(): PoolingDrawbackExample[] {
  const grid = (rows: number[][]) => featureMap(rows.length, rows[0].length, 1, rows.flat());
  const pooled = (m: FeatureMap, spec: PoolSpec) => {
    const b = poolBreakdown(m, spec, 0, 0, 0);
    return b.output;
  };
  const maxSpec: PoolSpec = { kind: 'max', size: 4, stride: 4 };
  const maxInputs = [
    grid([
      [9, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]),
    grid([
      [9, 8, 9, 8],
      [8, 9, 8, 9],
      [9, 8, 9, 8],
      [8, 9, 8, 9],
    ]),
  ];
  const avgSpec: PoolSpec = { kind: 'avg', size: 4, stride: 4 };
  const avgInputs = [
    grid([
      [0, 0, 0, 0],
      [0, 9, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]),
    grid([
      [0.7, 0.7, 0.7, 0.7],
      [0.7, 0.7, 0.7, 0.7],
      [0.7, 0.7, 0.7, 0.7],
      [0.7, 0.7, 0.7, 0.7],
    ]),
  ];
  return [
    {
      id: 'max-discards-all-but-largest',
      title: 'Max pooling keeps only the largest value',
      explanation:
        'A single bright spot on a dark background and a window that is bright everywhere both pool to 9: ' +
        'everything but the maximum is thrown away, so the layer above cannot tell them apart.',
      spec: maxSpec,
      inputs: maxInputs,
      outputs: maxInputs.map((m) => pooled(m, maxSpec)),
    },
    {
      id: 'average-dilutes-local-response',
      title: 'Average pooling dilutes a strong, localized response',
      explanation:
        'One strong detection (9) in a 4x4 window averages to 0.5625, less than a weak response (0.7) spread ' +
        'over the whole window: the strong local feature is washed out by its empty neighbours.',
      spec: avgSpec,
      inputs: avgInputs,
      outputs: avgInputs.map((m) => pooled(m, avgSpec)),
    },
  ];
}
