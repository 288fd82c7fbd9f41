/**
 * Convolutions for the executor: fused forward passes (conv + bias + activation in one kernel) and, for gradients,
 * `tf.customGrad` wrappers whose backward pass needs only kernels that exist on every backend. wasm lacks
 * DepthwiseConv2dNativeBackpropInput, so the depthwise input gradient is rebuilt here as a depthwise convolution of
 * the zero-dilated incoming gradient with the spatially flipped kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FusedActivation, Pair } from '../graph.types';
import type { ReluMode } from '../executor.types';
import { reluBackward, reluForward, type ReluLike } from './relu-modes';
import { fitFrame } from './window-fold';

/** Parameters of a convolution after explicit padding has been applied with `tf.pad`. */
export interface ConvSpec {
  strides: Pair;
  dilation: Pair;
  /** 'same' or 'valid' (explicit padding is applied before, as a pad op). */
  pad: 'same' | 'valid';
  depthwise: boolean;
  groups: number;
}

type TfActivation = 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'sigmoid';

function tfActivation(a: FusedActivation | undefined): TfActivation | null {
  switch (a ?? 'linear') {
    case 'linear': return 'linear';
    case 'relu': return 'relu';
    case 'relu6': return 'relu6';
    case 'leakyRelu': return 'leakyrelu';
    case 'sigmoid': return 'sigmoid';
    default: return null;
  }
}

function applyActivation(y: tf.Tensor4D, act: FusedActivation | undefined, alpha: number): tf.Tensor4D {
  if (!act || act === 'linear') return y;
  if (act === 'tanh') return tf.tanh(y);
  if (act === 'sigmoid') return tf.sigmoid(y);
  return reluForward(act, y, alpha) as tf.Tensor4D;
}

/** Forward convolution (ordinary, depthwise or grouped) with bias and activation fused where the backend can. */
export function convForward(
  x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, spec: ConvSpec,
  act: FusedActivation | undefined, alpha: number,
): tf.Tensor4D {
  const fusedAct = tfActivation(act);
  const activation = fusedAct ?? 'linear';
  if (spec.depthwise) {
    const y = tf.fused.depthwiseConv2d({
      x, filter, strides: spec.strides, pad: spec.pad, dilations: spec.dilation, bias, activation, leakyreluAlpha: alpha,
    });
    return fusedAct ? y : applyActivation(y, act, alpha);
  }
  if (spec.groups > 1) {
    return tf.tidy(() => {
      const xs = tf.split(x, spec.groups, 3);
      const ws = tf.split(filter, spec.groups, 3);
      const ys = xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ws[i] as tf.Tensor4D, spec.strides, spec.pad, 'NHWC', spec.dilation));
      let y: tf.Tensor4D = tf.concat(ys, 3);
      if (bias) y = tf.add(y, bias);
      return applyActivation(y, act, alpha);
    });
  }
  const y = tf.fused.conv2d({
    x, filter, strides: spec.strides, pad: spec.pad, dilations: spec.dilation, bias, activation, leakyreluAlpha: alpha,
  });
  return fusedAct ? y : applyActivation(y, act, alpha);
}

/**
 * The fused conv kernel called directly. Inside a gradient tape `tf.fused.*` silently falls back to separate conv, add
 * and activation ops (it cannot differentiate fused activations); under our customGrad that is not needed.
 */
function fusedKernel(
  x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, spec: ConvSpec, act: ReluLike | 'linear', alpha: number,
): tf.Tensor4D {
  const inputs: Record<string, tf.Tensor> = { x, filter };
  if (bias) inputs.bias = bias;
  const attrs = {
    strides: spec.strides, pad: spec.pad, dataFormat: 'NHWC', dilations: spec.dilation, activation: tfActivation(act) ?? 'linear',
    leakyreluAlpha: alpha,
  };
  return tf.engine().runKernel(spec.depthwise ? tf.FusedDepthwiseConv2D : tf.FusedConv2D, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * Zero-dilates `[N, H, W, C]` by the strides: (s-1) zeros after every row/column, the last one included. Pads of
 * reshaped views do it (Pad is one native kernel; wasm's Slice would copy channel-sized pieces one by one).
 */
export function zeroDilate(dy: tf.Tensor4D, s: Pair): tf.Tensor4D {
  const [n, h, w, c] = dy.shape;
  let out = dy;
  if (s[0] > 1) out = tf.reshape(tf.pad(tf.reshape(out, [n, h, 1, w * c]), [[0, 0], [0, 0], [0, s[0] - 1], [0, 0]]), [n, h * s[0], w, c]);
  if (s[1] > 1) out = tf.reshape(tf.pad(tf.reshape(out, [n * h * s[0], w, 1, c]), [[0, 0], [0, 0], [0, s[1] - 1], [0, 0]]), [n, h * s[0], w * s[1], c]);
  return out;
}

/** Spatial 'same'/'valid' padding before the first pixel, as TensorFlow computes it. */
export function padBefore(inLen: number, outLen: number, k: number, s: number, d: number, pad: 'same' | 'valid'): number {
  if (pad === 'valid') return 0;
  const eff = (k - 1) * d + 1;
  return Math.floor(Math.max((outLen - 1) * s + eff - inLen, 0) / 2);
}

/** Zero-dilates the incoming gradient by the strides and pads/crops it so a stride-1 'valid' window op yields the input size. */
function spreadGradient(dy: tf.Tensor4D, inShape: [number, number, number, number], k: Pair, spec: ConvSpec): tf.Tensor4D {
  const [, h, w] = inShape;
  const [kh, kw] = k;
  const [sh, sw] = spec.strides;
  const [dh, dw] = spec.dilation;
  const [, ho, wo] = dy.shape;
  const pt = padBefore(h, ho, kh, sh, dh, spec.pad);
  const pl = padBefore(w, wo, kw, sw, dw, spec.pad);
  const dz = zeroDilate(dy, spec.strides);
  return fitFrame(dz, (kh - 1) * dh - pt, (kw - 1) * dw - pl, h + (kh - 1) * dh, w + (kw - 1) * dw);
}

/**
 * Whether the backward convolution is the forward one's 'same' padding again: stride 1, 'same', and an odd effective
 * kernel size (padding (k-1)·d/2 on both sides, mirrored by the flipped kernel). Then no pad op is needed.
 */
function mirrorsSame(spec: ConvSpec, k: Pair): boolean {
  const odd = (i: 0 | 1) => ((k[i] - 1) * spec.dilation[i]) % 2 === 0;
  return spec.pad === 'same' && spec.strides[0] === 1 && spec.strides[1] === 1 && odd(0) && odd(1);
}

/**
 * Gradient of a depthwise convolution with respect to its input, from kernels every backend has:
 * depthwise conv (stride 1, same dilation) of the zero-dilated, re-padded incoming gradient with the flipped kernel.
 */
export function depthwiseInputGrad(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number, number, number], spec: ConvSpec, back?: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = inShape;
    const [kh, kw, , m] = filter.shape;
    const flipped = back ?? backwardKernel(filter, spec);
    const g = mirrorsSame(spec, [kh, kw])
      ? tf.depthwiseConv2d(dy, flipped, 1, 'same', 'NHWC', spec.dilation)
      : tf.depthwiseConv2d(spreadGradient(dy, inShape, [kh, kw], spec), flipped, 1, 'valid', 'NHWC', spec.dilation);
    return (m === 1 ? g : tf.sum(tf.reshape(g, [n, h, w, c, m]), 4)) as tf.Tensor4D;
  });
}

/**
 * Input gradient of an ordinary (groups = 1) convolution: a stride-1 convolution of the spread incoming gradient with
 * the flipped, in/out-swapped kernel. (wasm's Conv2DBackpropInput is a slow reference loop; Conv2D is XNNPACK.)
 */
function denseConvInputGrad(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number, number, number], spec: ConvSpec, back?: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filter.shape;
    if (subPixel(spec)) return subPixelInputGrad(dy, back ?? backwardKernel(filter, spec), [kh, kw], inShape, spec);
    const flipped = back ?? backwardKernel(filter, spec);
    // 1x1 stride 1 needs no spreading: a matrix product with the transposed kernel.
    const unit = kh === 1 && kw === 1 && spec.strides[0] === 1 && spec.strides[1] === 1;
    if (unit || mirrorsSame(spec, [kh, kw])) return tf.conv2d(dy, flipped, 1, 'same', 'NHWC', spec.dilation);
    return tf.conv2d(spreadGradient(dy, inShape, [kh, kw], spec), flipped, 1, 'valid', 'NHWC', spec.dilation);
  });
}

/** Whether an ordinary convolution's input gradient is a sub-pixel convolution (equal strides > 1, no dilation). */
function subPixel(spec: ConvSpec): boolean {
  const [sh, sw] = spec.strides;
  return !spec.depthwise && spec.groups === 1 && sh > 1 && sh === sw && spec.dilation[0] === 1 && spec.dilation[1] === 1;
}

/**
 * Input gradient of a strided convolution as a sub-pixel convolution: input pixel s·U + P (in the padded frame) takes
 * kernel taps P + s·t from windows U − t, so one stride-1 convolution of the incoming gradient, with every phase's
 * taps as its own output channels, then interleaved (depth to space), gives all phases at once: the forward pass's
 * FLOPs, where a convolution of the zero-dilated gradient spends (s² − 1)/s² of them on zeros.
 */
function subPixelInputGrad(
  dy: tf.Tensor4D, phases: tf.Tensor4D, [kh, kw]: Pair, inShape: [number, number, number, number], spec: ConvSpec,
): tf.Tensor4D {
  const [n, h, w, c] = inShape;
  const [, ho, wo] = dy.shape;
  const [th, tw] = phases.shape;
  const s = spec.strides[0];
  const padded = th > 1 || tw > 1 ? tf.pad(dy, [[0, 0], [th - 1, th - 1], [tw - 1, tw - 1], [0, 0]]) : dy;
  const [hp, wp] = [ho + th - 1, wo + tw - 1];
  // depthToSpace by a transpose: [n·hp, wp, P, (Q, i)] → [n·hp, P, wp, (Q, i)] (wasm's DepthToSpace is 7× slower).
  const byPhase = tf.reshape(tf.conv2d(padded, phases, 1, 'valid'), [n * hp, wp, s, s * c]);
  const full = tf.reshape(tf.transpose(byPhase, [0, 2, 1, 3]), [n, hp * s, wp * s, c]) as tf.Tensor4D;
  const pt = padBefore(h, ho, kh, s, 1, spec.pad);
  const pl = padBefore(w, wo, kw, s, 1, spec.pad);
  return fitFrame(full, -pt, -pl, h, w);
}

/**
 * The sub-pixel kernel `[T_h, T_w, cout, s·s·cin]` (T = ⌈k / s⌉): output channel (P·s + Q)·cin + i at tap (j1, j2)
 * is the forward weight [P + s·(T_h − 1 − j1), Q + s·(T_w − 1 − j2), i, ·], or 0 beyond the kernel.
 */
function subPixelKernel(filter: tf.Tensor4D, s: number): tf.Tensor4D {
  const [kh, kw] = filter.shape;
  const [th, tw] = [Math.ceil(kh / s), Math.ceil(kw / s)];
  // Tensor ops only, no read-back: WebGPU in Node cannot read synchronously. Rank ≤ 4 throughout (WebGPU's limit).
  return tf.tidy(() => {
    const framed = tf.pad(filter, [[0, th * s - kh], [0, tw * s - kw], [0, 0], [0, 0]]);
    const phases: tf.Tensor4D[] = [];
    for (let p = 0; p < s; p++) {
      for (let q = 0; q < s; q++) {
        // Taps p, p + s, … (zero beyond the kernel), flipped: tap j1 reads weight row p + s·(T_h − 1 − j1).
        const taps = tf.stridedSlice(framed, [p, q, 0, 0], [th * s, tw * s, framed.shape[2], framed.shape[3]], [s, s, 1, 1]) as tf.Tensor4D;
        phases.push(tf.transpose(tf.reverse(taps, [0, 1]), [0, 1, 3, 2]));
      }
    }
    return tf.concat(phases, 3);
  });
}

/**
 * The kernel of the backward convolution: spatially flipped, with input and output channels swapped (depthwise:
 * flipped and flattened to `[kh, kw, c * m, 1]`; strided: the sub-pixel kernel). Constant per
 * layer, so callers may compute it once and pass it in.
 */
export function backwardKernel(filter: tf.Tensor4D, spec: ConvSpec): tf.Tensor4D {
  if (subPixel(spec)) return subPixelKernel(filter, spec.strides[0]);
  return tf.tidy(() => {
    const [kh, kw, c, m] = filter.shape;
    const flipped = kh === 1 && kw === 1 ? filter : tf.reverse(filter, [0, 1]);
    if (spec.depthwise) return tf.reshape(flipped, [kh, kw, c * m, 1]) as tf.Tensor4D;
    return tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D;
  });
}

/** Gradient of any convolution (ordinary, dilated, grouped or depthwise) with respect to its input. */
export function convInputGrad(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: [number, number, number, number], spec: ConvSpec, back?: tf.Tensor4D,
): tf.Tensor4D {
  if (spec.depthwise) return depthwiseInputGrad(dy, filter, inShape, spec, back);
  if (spec.groups === 1) return denseConvInputGrad(dy, filter, inShape, spec, back);
  return tf.tidy(() => {
    const g = spec.groups;
    const dys = tf.split(dy, g, 3);
    const ws = tf.split(filter, g, 3);
    const shape: [number, number, number, number] = [inShape[0], inShape[1], inShape[2], inShape[3] / g];
    return tf.concat(dys.map((d, i) => denseConvInputGrad(d as tf.Tensor4D, ws[i] as tf.Tensor4D, shape, spec)), 3);
  });
}

/**
 * Convolution (+ bias + optional ReLU-like activation) whose backward pass computes only the input gradient, with the
 * activation's rule taken from `mode`. Weights are constants here: no filter gradient is ever computed.
 */
export function convWithGrad(
  x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, spec: ConvSpec,
  act: ReluLike | 'linear', alpha: number, mode: ReluMode, back?: tf.Tensor4D,
): tf.Tensor4D {
  const inShape = x.shape as [number, number, number, number];
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = spec.groups > 1 && !spec.depthwise
      ? convForward(input as tf.Tensor4D, filter, bias, spec, act, alpha)
      : fusedKernel(input as tf.Tensor4D, filter, bias, spec, act, alpha);
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
        const g = (act === 'linear' ? dy : reluBackward(act, mode, saved[0], dy, alpha)) as tf.Tensor4D;
        return convInputGrad(g, filter, inShape, spec, back);
      }),
    };
  });
  return f(x) as tf.Tensor4D;
}
