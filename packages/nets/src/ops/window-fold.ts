/**
 * Moving window data between an input frame and its windows with kernels that are fast on every backend: no
 * transposed convolution (wasm has none that is fast) and no copying of channel-sized pieces one by one (wasm's
 * Slice, StridedSlice and Pack do that). {@link foldWindows} serves the max-pool gradient, {@link fitFrame} also the
 * convolution gradients. (Folding the gradient of strided convolutions this way was tried and lost on wasm: its PadV2
 * is slow on the 3-channel images of a first layer.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../graph.types';

/** Where the windows sit: output size, window size, strides, input size and the padding before the first row/column. */
export interface WindowGeometry {
  out: Pair;
  size: Pair;
  strides: Pair;
  input: Pair;
  padBefore: Pair;
}

/**
 * `[n, h, w, c]` with `sum over windows (i, j) and offsets (a, b)` of `part(a, b)[i, j]` added at input pixel
 * (sh·i + a − pt, sw·j + b − pl); contributions that land in the padding are dropped. `part(a, b)` is `[n, ho, wo, c]`.
 *
 * Input row sh·u + p (phase p < sh) receives offset a = p + sh·t from window row u − t, so each phase is a sum of
 * shifted parts; pads of reshaped views then interleave the phases into the full grid.
 */
export function foldWindows(part: (a: number, b: number) => tf.Tensor4D, n: number, c: number, g: WindowGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [ho, wo] = g.out;
    const [kh, kw] = g.size;
    const [sh, sw] = g.strides;
    const th = Math.ceil(kh / sh) - 1;
    const tw = Math.ceil(kw / sw) - 1;
    const [hp, wp] = [(ho + th) * sh, (wo + tw) * sw];
    // Phase (p, q) sums offsets a = p + sh·t, b = q + sw·u, moved down/right by (t, u) phase rows/columns.
    const phase = (p: number, q: number): tf.Tensor4D => {
      const parts: tf.Tensor4D[] = [];
      for (let a = p, t = 0; a < kh; a += sh, t++) {
        for (let b = q, u = 0; b < kw; b += sw, u++) {
          const v = part(a, b);
          parts.push(th === 0 && tw === 0 ? v : tf.pad(v, [[0, 0], [t, th - t], [u, tw - u], [0, 0]]));
        }
      }
      if (parts.length === 0) return tf.zeros([n, ho + th, wo + tw, c]);
      return parts.length === 1 ? parts[0] : tf.addN(parts);
    };
    // Interleave: full[sh·u + p, sw·v + q] = phase(p, q)[u, v].
    const rows: tf.Tensor[] = [];
    for (let p = 0; p < sh; p++) {
      const cols: tf.Tensor[] = [];
      for (let q = 0; q < sw; q++) {
        const v = phase(p, q);
        cols.push(sw === 1 ? v : tf.pad(tf.reshape(v, [n * (ho + th), wo + tw, 1, c]), [[0, 0], [0, 0], [q, sw - 1 - q], [0, 0]]));
      }
      const row = tf.reshape(cols.length === 1 ? cols[0] : tf.addN(cols), [n, ho + th, 1, wp * c]);
      rows.push(sh === 1 ? row : tf.pad(row, [[0, 0], [0, 0], [p, sh - 1 - p], [0, 0]]));
    }
    const full = tf.reshape(rows.length === 1 ? rows[0] : tf.addN(rows), [n, hp, wp, c]) as tf.Tensor4D;
    // Into the input's frame: drop the padding; rows/columns no window covers get 0.
    return fitFrame(full, -g.padBefore[0], -g.padBefore[1], g.input[0], g.input[1], 0);
  });
}

/**
 * `x` moved down/right by (top, left) into a frame `height` × `width`: padded with `value` where the frame is larger,
 * cropped where it is smaller (a negative top/left crops the start).
 */
export function fitFrame(x: tf.Tensor4D, top: number, left: number, height: number, width: number, value = 0): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const bottom = height - h - top;
  const right = width - w - left;
  let y = x;
  if (top > 0 || left > 0 || bottom > 0 || right > 0) {
    y = tf.pad(y, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]], value);
  }
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    // As rows of width·c values: one contiguous piece per row.
    const [, hy, wy] = y.shape;
    const rows = tf.slice(tf.reshape(y, [n, hy, wy * c]), [0, Math.max(-top, 0), Math.max(-left, 0) * c], [n, height, width * c]);
    y = tf.reshape(rows, [n, height, width, c]);
  }
  return y;
}
