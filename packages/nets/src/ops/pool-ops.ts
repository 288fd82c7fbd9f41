/**
 * Max pooling with a gradient that routes each window's gradient to the FIRST maximum of the window in row-major
 * order — the rule of PyTorch, TensorFlow and Caffe — on every backend. Backends' own MaxPoolGrad kernels break ties
 * differently (some send a window of equal values to its last maximum): flat image regions give windows of equal
 * POSITIVE values, so the rule shows in every gradient mode. Built from depthwise convolutions, pads and elementwise
 * kernels, it is also no slower than wasm's own MaxPoolGrad.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../graph.types';
import { fitFrame, padBefore } from './conv-ops';

/**
 * Gradient of `y = maxPool(x)` with respect to x, routed to the first maximum of each window.
 *
 * Gather: the value at window offset (a, b) of every window at once, `[n, ho, wo, c]`, is a strided depthwise conv
 * with a one-hot kernel; visiting offsets in row-major order, the first one equal to the window's max takes what is
 * left of dy. Scatter without a transposed convolution: input row s·u + p (phase p < stride) receives offset
 * a = p + s·t from window row u − t, so each phase's gradient is a sum of shifted `[n, ho, wo, c]` grids; pads of
 * reshaped views then interleave the phases into the full grid.
 */
export function maxPoolInputGrad(
  dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, size: Pair, strides: Pair, pad: 'same' | 'valid',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [, ho, wo] = y.shape;
    const [kh, kw] = size;
    const [sh, sw] = strides;
    const pt = padBefore(h, ho, kh, sh, 1, pad);
    const pl = padBefore(w, wo, kw, sw, 1, pad);
    // Window offset a = p + sh·t (phase p < sh) lands on phase row u + t for window row u.
    const th = Math.ceil(kh / sh) - 1;
    const tw = Math.ceil(kw / sw) - 1;
    const [hp, wp] = [(ho + th) * sh, (wo + tw) * sw];
    // The frame the windows read; padding never wins the max (-3e38, not -Inf: 0·Inf is NaN).
    const xp = fitFrame(x, pt, pl, (ho - 1) * sh + kh, (wo - 1) * sw + kw, -3e38);
    // routed[a][b]: the gradient each window sends to its offset (a, b); `rest` is what no earlier offset took.
    const routed: tf.Tensor4D[][] = [];
    let rest: tf.Tensor4D = dy;
    for (let a = 0; a < kh; a++) {
      routed.push([]);
      for (let b = 0; b < kw; b++) {
        if (a === kh - 1 && b === kw - 1) {
          routed[a].push(rest);
          break;
        }
        // Every window's value at offset (a, b): a depthwise conv with a one-hot kernel (exact: one value times 1).
        const at = tf.depthwiseConv2d(xp, oneHotKernel(kh, kw, c, a, b), strides, 'valid');
        // y - at ≥ 0, and 0 exactly at the window's maxima: step() is 0 there, 1 elsewhere.
        const left = tf.mul(rest, tf.step(tf.sub(y, at))) as tf.Tensor4D;
        routed[a].push(tf.sub(rest, left));
        rest = left;
      }
    }
    // Phase (p, q) sums offsets a = p + sh·t, b = q + sw·u, moved down/right by (t, u) phase rows/columns.
    const phase = (p: number, q: number): tf.Tensor4D => {
      const parts: tf.Tensor4D[] = [];
      for (let a = p, t = 0; a < kh; a += sh, t++) {
        for (let b = q, u = 0; b < kw; b += sw, u++) {
          parts.push(th === 0 && tw === 0 ? routed[a][b] : tf.pad(routed[a][b], [[0, 0], [t, th - t], [u, tw - u], [0, 0]]));
        }
      }
      if (parts.length === 0) return tf.zeros([n, ho + th, wo + tw, c]);
      return parts.length === 1 ? parts[0] : tf.addN(parts);
    };
    // Interleave the phases, full[sh·u + p, sw·v + q] = phase(p, q)[u, v], with pads that spread them out (fast
    // kernels everywhere; stacking would copy channel-sized pieces one by one on wasm).
    const rowPhases: tf.Tensor[] = [];
    for (let p = 0; p < sh; p++) {
      const cols: tf.Tensor[] = [];
      for (let q = 0; q < sw; q++) {
        const g = phase(p, q);
        cols.push(sw === 1 ? g : tf.pad(tf.reshape(g, [n * (ho + th), wo + tw, 1, c]), [[0, 0], [0, 0], [q, sw - 1 - q], [0, 0]]));
      }
      const row = tf.reshape(cols.length === 1 ? cols[0] : tf.addN(cols), [n, ho + th, 1, wp * c]);
      rowPhases.push(sh === 1 ? row : tf.pad(row, [[0, 0], [0, 0], [p, sh - 1 - p], [0, 0]]));
    }
    const full = tf.reshape(rowPhases.length === 1 ? rowPhases[0] : tf.addN(rowPhases), [n, hp, wp, c]) as tf.Tensor4D;
    // Back to the input's frame: the inverse of fitFrame (rows/columns no window covers get 0).
    return fitFrame(full, -pt, -pl, h, w, 0);
  });
}

/** Depthwise kernel `[kh, kw, c, 1]` that is 1 at (a, b) for every channel, 0 elsewhere. */
function oneHotKernel(kh: number, kw: number, c: number, a: number, b: number): tf.Tensor4D {
  const k = new Float32Array(kh * kw * c);
  k.fill(1, (a * kw + b) * c, (a * kw + b + 1) * c);
  return tf.tensor4d(k, [kh, kw, c, 1]);
}

/** `tf.maxPool` whose gradient is {@link maxPoolInputGrad}. */
export function maxPoolWithGrad(x: tf.Tensor4D, size: Pair, strides: Pair, pad: 'same' | 'valid'): tf.Tensor4D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const y = tf.maxPool(input, size, strides, pad);
    save([input, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        maxPoolInputGrad(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, size, strides, pad),
    };
  });
  return f(x) as tf.Tensor4D;
}
