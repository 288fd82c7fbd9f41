import * as tf from '@tensorflow/tfjs-core';
import { gaussianKernel1d } from './conv-explainer';

/**
 * Tensor operations on NHWC image batches used by several algorithms (ascent regularizers,
 * occlusion fills, SmoothGrad). Only kernels present on every backend (depthwise conv, pads,
 * slices, topk) so they also run on Node wasm.
 */

/** Gaussian blur of every channel with standard deviation `sigma` pixels (reflect borders). sigma <= 0 copies. */
export function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  if (!Number.isFinite(sigma)) throw new Error(`blur sigma must be finite, got ${sigma}`);
  if (x.rank !== 4) throw new Error(`gaussianBlur: expected NHWC, got [${x.shape.join(',')}]`);
  if (sigma <= 0) return x.clone();
  const [, h, w, c] = x.shape;
  // Radius 3σ keeps >99.7% of the mass; capped so reflect padding stays within the image.
  const r = Math.max(1, Math.min(Math.ceil(3 * sigma), h - 1, w - 1));
  const k = gaussianKernel1d(2 * r + 1, sigma);
  return tf.tidy(() => {
    const kx = tf.tile(tf.tensor4d(k, [1, 2 * r + 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const ky = tf.tile(tf.tensor4d(k, [2 * r + 1, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const px = tf.mirrorPad(x, [[0, 0], [0, 0], [r, r], [0, 0]], 'reflect');
    const bx = tf.depthwiseConv2d(px, kx, 1, 'valid');
    const py = tf.mirrorPad(bx, [[0, 0], [r, r], [0, 0], [0, 0]], 'reflect');
    return tf.depthwiseConv2d(py, ky, 1, 'valid');
  });
}

/** Circular shift of an NHWC batch by (dy, dx) pixels (positive = down/right). */
export function roll(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const sy = ((Math.round(dy) % h) + h) % h;
  const sx = ((Math.round(dx) % w) + w) % w;
  if (sy === 0 && sx === 0) return x.clone();
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (sy) y = tf.concat([tf.slice(y, [0, h - sy, 0, 0], [-1, sy, -1, -1]), tf.slice(y, [0, 0, 0, 0], [-1, h - sy, -1, -1])], 1);
    if (sx) y = tf.concat([tf.slice(y, [0, 0, w - sx, 0], [-1, -1, sx, -1]), tf.slice(y, [0, 0, 0, 0], [-1, -1, w - sx, -1])], 2);
    return y;
  });
}

/**
 * Per-image threshold at a percentile of a [N,H,W,1] map: the value below which `pct` percent of the
 * pixels fall. Returns [N,1,1,1]. Uses topk (sorting) so it runs on any backend without a data read.
 */
export function percentileThreshold(map: tf.Tensor4D, pct: number): tf.Tensor4D {
  if (!(pct >= 0 && pct <= 100)) throw new Error(`percentile must be within 0..100, got ${pct}`);
  const [n, h, w] = map.shape;
  const count = h * w;
  const idx = Math.min(count - 1, Math.floor((pct / 100) * count));
  return tf.tidy(() => {
    // topk sorts descending; the idx-th smallest is at position count-1-idx.
    const sorted = tf.topk(tf.reshape(map, [n, count]), count, true).values;
    return tf.reshape(tf.slice(sorted, [0, count - 1 - idx], [n, 1]), [n, 1, 1, 1]) as tf.Tensor4D;
  });
}

/** Zeroes the pixels whose norm over channels is below the `pct`-th percentile (Yosinski et al. 2015). */
export function zeroSmallNorm(x: tf.Tensor4D, pct: number): tf.Tensor4D {
  if (pct <= 0) return x.clone();
  return tf.tidy(() => {
    const norms = tf.sqrt(tf.sum(tf.square(x), 3, true)) as tf.Tensor4D;
    const keep = tf.greaterEqual(norms, percentileThreshold(norms, pct));
    return tf.mul(x, tf.cast(keep, 'float32')) as tf.Tensor4D;
  });
}

/**
 * Zeroes the pixels of small contribution (Yosinski et al. 2015): the linear estimate of how much the
 * score would change if the pixel were set to zero, |Σ_c x·∂S/∂x|, below the `pct`-th percentile.
 */
export function zeroSmallContribution(x: tf.Tensor4D, grad: tf.Tensor4D, pct: number): tf.Tensor4D {
  if (pct <= 0) return x.clone();
  return tf.tidy(() => {
    const contrib = tf.abs(tf.sum(tf.mul(x, grad), 3, true)) as tf.Tensor4D;
    const keep = tf.greaterEqual(contrib, percentileThreshold(contrib, pct));
    return tf.mul(x, tf.cast(keep, 'float32')) as tf.Tensor4D;
  });
}

/** Clips each channel c to [lo[c], hi[c]] (scalars broadcast). */
export function clipPerChannel(x: tf.Tensor4D, lo: number | number[], hi: number | number[]): tf.Tensor4D {
  return tf.tidy(() => tf.minimum(tf.maximum(x, tf.tensor(lo)), tf.tensor(hi)) as tf.Tensor4D);
}
