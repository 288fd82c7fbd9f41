import * as tf from '@tensorflow/tfjs-core';
import type { ModelMeta } from '@convlab/nets';

/** Progress of a long computation: `step` of `total` units done. */
export interface Progress {
  step: number;
  total: number;
  message?: string;
}

/** Called as long work advances; must be cheap. */
export type ProgressCallback = (progress: Progress) => void;

/** Options shared by every long-running algorithm. */
export interface LongRunOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Error thrown when an AbortSignal stops a computation. */
export class VisAbortError extends Error {
  constructor() {
    super('The computation was cancelled');
    this.name = 'AbortError';
  }
}

/** Throws VisAbortError when the signal has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new VisAbortError();
}

/** Lets the event loop (UI, sockets, abort events) run between chunks of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A plain, backend-free image or feature map: row-major HWC float values. */
export interface FeatureMap {
  height: number;
  width: number;
  channels: number;
  data: Float32Array;
}

/** An 8-bit RGB image, row-major, 3 bytes per pixel: what PNG encoders and canvases take. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Creates a FeatureMap after checking that the sizes agree. */
export function featureMap(height: number, width: number, channels: number, data?: ArrayLike<number>): FeatureMap {
  for (const [name, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`featureMap: ${name} must be a positive integer, got ${v}`);
  }
  const n = height * width * channels;
  if (data && data.length !== n) {
    throw new Error(`featureMap: expected ${n} values for ${height}x${width}x${channels}, got ${data.length}`);
  }
  return { height, width, channels, data: data ? Float32Array.from(data) : new Float32Array(n) };
}

/** Reads a [H,W], [H,W,C] or [1,H,W,C] tensor into a FeatureMap (synchronously). */
export function tensorToFeatureMap(t: tf.Tensor): FeatureMap {
  const s = t.shape;
  if (s.length === 2) return featureMap(s[0], s[1], 1, t.dataSync());
  if (s.length === 3) return featureMap(s[0], s[1], s[2], t.dataSync());
  if (s.length === 4 && s[0] === 1) return featureMap(s[1], s[2], s[3], t.dataSync());
  throw new Error(`tensorToFeatureMap: expected [H,W], [H,W,C] or [1,H,W,C], got [${s.join(',')}]`);
}

/** Turns a FeatureMap into a [H,W,C] tensor (caller disposes). */
export function featureMapToTensor(m: FeatureMap): tf.Tensor3D {
  return tf.tensor3d(m.data, [m.height, m.width, m.channels]);
}

/** Checks that a tensor is a single NHWC image: [1,H,W,C]. */
export function assertSingleImage(x: tf.Tensor, what = 'input'): asserts x is tf.Tensor4D {
  if (x.rank !== 4 || x.shape[0] !== 1) {
    throw new Error(`${what} must be one NHWC image of shape [1,H,W,C], got [${x.shape.join(',')}]`);
  }
}

/** Index of the largest entry (first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A model input converted back to displayable RGB pixels (clipped to 0..255). */
export function inputToRgb(x: tf.Tensor4D, meta: Pick<ModelMeta, 'preprocessing'>): RgbImage {
  const [, h, w] = x.shape;
  const first = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]);
  const data = first.dataSync();
  first.dispose();
  return inputPixelsToRgb(data, h, w, meta);
}

/**
 * Model-input values ([H,W,3], the model's normalization and channel order) read back to the CPU → displayable RGB
 * (clipped to 0..255). Tensor-free, so hosts whose backend cannot read synchronously (WebGPU in Node) can use it.
 */
export function inputPixelsToRgb(data: ArrayLike<number>, height: number, width: number, meta: Pick<ModelMeta, 'preprocessing'>): RgbImage {
  const p = meta.preprocessing;
  const bgr = p.channelOrder === 'BGR';
  const out = new Uint8ClampedArray(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    for (let k = 0; k < 3; k++) {
      // Channel k of the RGB output is channel j of the input (reversed for BGR models), normalized with j's mean/std.
      const j = bgr ? 2 - k : k;
      const c = bgr ? 2 - j : j;
      out[i * 3 + k] = Math.round(Math.min(255, Math.max(0, (data[i * 3 + j] * p.std[c] + p.mean[c]) / p.scale)));
    }
  }
  return { width, height, data: out };
}
