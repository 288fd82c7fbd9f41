/**
 * Max pooling with a gradient built from depthwise convolutions and elementwise kernels. It replaces MaxPoolGrad for two
 * reasons: wasm's MaxPoolGrad is slow, and backends break ties differently (a window of equal values — all zeros after
 * a ReLU — sends its gradient to a backend-chosen position, which deconvnet exposes). Here the gradient always goes to
 * the FIRST maximum of each window in row-major order, on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../graph.types';
import { depthwiseInputGrad, padBefore } from './conv-ops';

/**
 * Gradient of `y = maxPool(x)` with respect to x, routed to the first maximum of each window. A depthwise conv with
 * one-hot kernels gathers every window's values at once (`[n, ho, wo, c · k]`, exact: each output is one pixel times 1);
 * the first position equal to the max gets the gradient; the transposed depthwise conv puts it back in place.
 */
export function maxPoolInputGrad(
  dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, size: Pair, strides: Pair, pad: 'same' | 'valid',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [, ho, wo] = y.shape;
    const [kh, kw] = size;
    const k = kh * kw;
    const pt = padBefore(h, ho, kh, strides[0], 1, pad);
    const pl = padBefore(w, wo, kw, strides[1], 1, pad);
    const hp = Math.max(h + pt, (ho - 1) * strides[0] + kh);
    const wp = Math.max(w + pl, (wo - 1) * strides[1] + kw);
    const xp = tf.pad(x, [[0, 0], [pt, hp - h - pt], [pl, wp - w - pl], [0, 0]], -3e38);
    // oneHot[a, b, ch, m] = 1 when m is window position a·kw + b, for every channel.
    const oneHot = tf.tile(tf.reshape(tf.eye(k), [kh, kw, 1, k]), [1, 1, c, 1]) as tf.Tensor4D;
    const spec = { strides, dilation: [1, 1] as Pair, pad: 'valid' as const, depthwise: true, groups: c };
    // Windows as [n·ho·wo, c, k], not [n, ho, wo, c, k]: WebGPU's broadcasting binary ops fail on rank 5.
    const cells = n * ho * wo;
    const windows = tf.reshape(tf.depthwiseConv2d(xp, oneHot, strides, 'valid'), [cells, c, k]);
    // windows ≤ y, so 1 + sign(windows - y) is 1 exactly at the maxima (faster on wasm than a broadcast Equal).
    const isMax = tf.add(1, tf.sign(tf.sub(windows, tf.reshape(y, [cells, c, 1]))));
    // Weights k, k-1, …, 1 make the first maximum the unique argMax on every backend.
    const first = tf.argMax(tf.mul(isMax, tf.range(k, 0, -1)), 2);
    const routed = tf.mul(tf.oneHot(first, k), tf.reshape(dy, [cells, c, 1]));
    const back = depthwiseInputGrad(tf.reshape(routed, [n, ho, wo, c * k]) as tf.Tensor4D, oneHot, [n, hp, wp, c], spec);
    return tf.slice(back, [0, pt, pl, 0], [n, h, w, c]) as tf.Tensor4D;
  });
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
