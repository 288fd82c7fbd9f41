/**
 * ReLU-like activations with the backward rules of `ReluMode` (standard / guided / deconvnet), and the backward
 * masks shared with the fused-conv custom gradients. Built only from kernels every backend has (Step, Sub, Mul,
 * Relu, LeakyRelu), so gradients work on wasm too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReluMode } from '../executor.types';

/** ReLU-like activations whose backward pass depends on the ReLU mode. */
export type ReluLike = 'relu' | 'relu6' | 'leakyRelu';

/**
 * Incoming gradient `dy` pushed back through activation `act` whose OUTPUT was `y` (masks are computed from the
 * output: for alpha > 0 every rule below is the same whether written on the input or the output). The masks use
 * Step (`x > 0 ? 1 : alpha`), one cheap kernel on every backend, where Greater + Cast took two slow ones on wasm.
 */
export function reluBackward(act: ReluLike, mode: ReluMode, y: tf.Tensor, dy: tf.Tensor, alpha = 0.2): tf.Tensor {
  return tf.tidy(() => {
    if (mode === 'deconvnet') {
      return act === 'leakyRelu' ? tf.leakyRelu(dy, alpha) : tf.relu(dy);
    }
    // Forward factor: the true derivative at the input. ReLU6: 0 < y < 6 exactly when y·(6 − y) > 0.
    let gate: tf.Tensor;
    if (act === 'relu') gate = tf.step(y);
    else if (act === 'relu6') gate = tf.step(tf.mul(y, tf.sub(6, y)));
    else gate = tf.step(y, alpha);
    let g = tf.mul(dy, gate);
    // Backward factor of guided backprop: the deconvnet rule on the incoming gradient's sign.
    if (mode === 'guided') g = tf.mul(g, tf.step(dy, act === 'leakyRelu' ? alpha : 0));
    return g;
  });
}

/** Forward value of a ReLU-like activation. */
export function reluForward(act: ReluLike, x: tf.Tensor, alpha = 0.2): tf.Tensor {
  if (act === 'relu') return tf.relu(x);
  if (act === 'relu6') return tf.relu6(x);
  return tf.leakyRelu(x, alpha);
}

/** ReLU-like activation whose gradient follows `mode` (see `ReluMode`). */
export function reluWithMode(act: ReluLike, mode: ReluMode, x: tf.Tensor, alpha = 0.2): tf.Tensor {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = reluForward(act, input, alpha);
    save([y]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => reluBackward(act, mode, saved[0], dy, alpha) };
  });
  return f(x);
}
