/**
 * Max pooling with a gradient that routes each window's gradient to the FIRST maximum of the window in row-major
 * order — the rule of PyTorch, TensorFlow and Caffe — on every backend. Backends' own MaxPoolGrad kernels break ties
 * differently (some send a window of equal values to its last maximum): flat image regions give windows of equal
 * POSITIVE values, so the rule shows in every gradient mode. Built from depthwise convolutions, pads and elementwise
 * kernels, it is also no slower than wasm's own MaxPoolGrad.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../graph.types';
import { padBefore } from './conv-ops';
import { fitFrame, foldWindows } from './window-fold';

/**
 * Gradient of `y = maxPool(x)` with respect to x, routed to the first maximum of each window.
 *
 * Gather: the value at window offset (a, b) of every window at once, `[n, ho, wo, c]`, is a strided depthwise conv
 * with a one-hot kernel; visiting offsets in row-major order, the first one equal to the window's max takes what is
 * left of dy. Scatter: {@link foldWindows} adds each offset's share back into place.
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
    return foldWindows((a, b) => routed[a][b], n, c, { out: [ho, wo], size, strides, input: [h, w], padBefore: [pt, pl] });
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
