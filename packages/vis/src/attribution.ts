import * as tf from '@tensorflow/tfjs-core';
import { assertSingleImage, throwIfAborted, yieldToEventLoop, type FeatureMap, type LongRunOptions } from './common';
import { createRng, normalArray } from './rng';

/** How gradients pass backwards through ReLUs (the same names as `@convlab/nets`). */
export type ReluMode = 'standard' | 'guided' | 'deconvnet';

/**
 * What the attribution methods need from a model for one fixed objective (a class score before
 * softmax, a neuron, a channel mean): the input gradient under a ReLU mode — per image for a batch —
 * and, for Grad-CAM, a layer's activation with the objective's gradient with respect to it.
 * Returned tensors belong to the caller.
 */
export interface AttributionProvider {
  inputGradient(x: tf.Tensor4D, mode: ReluMode): { gradient: tf.Tensor4D; value: tf.Tensor };
  layerGradient?(x: tf.Tensor4D): { activation: tf.Tensor4D; gradient: tf.Tensor4D; value: tf.Tensor };
}

/** The attribution methods of the lecture. */
export type AttributionMethod = 'vanilla' | 'saliency' | 'guided' | 'deconvnet' | 'smoothgrad' | 'gradient-x-input' | 'gradcam';

/** All method names (for CLIs and UIs). */
export const ATTRIBUTION_METHODS: readonly AttributionMethod[] = ['vanilla', 'saliency', 'guided', 'deconvnet', 'smoothgrad', 'gradient-x-input', 'gradcam'];

/** Options of {@link attribute}. */
export interface AttributionOptions extends LongRunOptions {
  method: AttributionMethod;
  /** SmoothGrad: number of noisy samples (default 25). */
  samples?: number;
  /** SmoothGrad: noise standard deviation as a fraction of the input's range max−min (default 0.15). */
  noiseLevel?: number;
  /** SmoothGrad: samples per gradient batch (default 8). */
  batchSize?: number;
  /** SmoothGrad: ReLU mode of each sample's gradient (default standard). */
  reluMode?: ReluMode;
  seed?: number;
}

/** An attribution: the raw per-pixel tensor and a one-channel map for display. */
export interface AttributionResult {
  method: AttributionMethod;
  /** The objective's value on the (noise-free) input. */
  value: number;
  /**
   * Raw attribution with the input's shape: the gradient (vanilla, saliency, guided, deconvnet), the mean
   * gradient (smoothgrad) or gradient × input. Absent for Grad-CAM. Caller disposes.
   */
  raw?: tf.Tensor4D;
  /**
   * One value per pixel: max over channels of |raw| (Simonyan et al. 2013) for gradient methods, Σ_c raw
   * for gradient × input, and for Grad-CAM the ReLU of the weighted activation sum at the layer's resolution.
   */
  map: FeatureMap;
}

/** Simonyan et al.'s saliency map: max over channels of |gradient| → [H, W] (first image of the batch). */
export async function saliencyMap(gradient: tf.Tensor4D): Promise<FeatureMap> {
  const [, h, w] = gradient.shape;
  const m = tf.tidy(() => tf.max(tf.abs(tf.slice(gradient, [0, 0, 0, 0], [1, -1, -1, -1])), 3));
  // Read asynchronously: WebGPU in Node cannot read a GPU buffer synchronously.
  const data = (await m.data()) as Float32Array;
  m.dispose();
  return { height: h, width: w, channels: 1, data: Float32Array.from(data) };
}

async function scalar(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0];
  t.dispose();
  return v;
}

/** Computes one attribution method for one image. */
export async function attribute(provider: AttributionProvider, input: tf.Tensor4D, opts: AttributionOptions): Promise<AttributionResult> {
  assertSingleImage(input);
  const [, h, w] = input.shape;
  const method = opts.method;
  throwIfAborted(opts.signal);
  switch (method) {
    case 'vanilla':
    case 'saliency':
    case 'guided':
    case 'deconvnet': {
      const mode: ReluMode = method === 'guided' ? 'guided' : method === 'deconvnet' ? 'deconvnet' : 'standard';
      const { gradient, value } = provider.inputGradient(input, mode);
      opts.onProgress?.({ step: 1, total: 1 });
      return { method, value: await scalar(value), raw: gradient, map: await saliencyMap(gradient) };
    }
    case 'gradient-x-input': {
      const { gradient, value } = provider.inputGradient(input, 'standard');
      const raw = tf.mul(gradient, input) as tf.Tensor4D;
      gradient.dispose();
      const s = tf.sum(raw, 3);
      const map: FeatureMap = { height: h, width: w, channels: 1, data: Float32Array.from(await s.data()) };
      s.dispose();
      opts.onProgress?.({ step: 1, total: 1 });
      return { method, value: await scalar(value), raw, map };
    }
    case 'smoothgrad':
      return smoothGrad(provider, input, opts);
    case 'gradcam':
      return gradCam(provider, input, opts);
    default:
      throw new Error(`unknown attribution method "${method}"; known: ${ATTRIBUTION_METHODS.join(', ')}`);
  }
}

async function smoothGrad(provider: AttributionProvider, input: tf.Tensor4D, opts: AttributionOptions): Promise<AttributionResult> {
  const samples = opts.samples ?? 25;
  const level = opts.noiseLevel ?? 0.15;
  const batchSize = opts.batchSize ?? 8;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`smoothgrad samples must be a positive integer, got ${samples}`);
  if (!(level >= 0)) throw new Error(`smoothgrad noise level must be >= 0, got ${level}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const [, h, w, c] = input.shape;
  const rangeT = tf.tidy(() => tf.sub(tf.max(input), tf.min(input)));
  const sigma = level * (await scalar(rangeT));
  const rng = createRng(opts.seed ?? 0);
  let sum: tf.Tensor4D = tf.zerosLike(input);
  try {
    for (let done = 0; done < samples; ) {
      throwIfAborted(opts.signal);
      const n = Math.min(batchSize, samples - done);
      const noise = normalArray(rng, n * h * w * c, sigma);
      const batch = tf.tidy(() => tf.add(input, tf.tensor4d(noise, [n, h, w, c])) as tf.Tensor4D);
      const { gradient, value } = provider.inputGradient(batch, opts.reluMode ?? 'standard');
      batch.dispose();
      value.dispose();
      const next = tf.tidy(() => tf.add(sum, tf.sum(gradient, 0, true)) as tf.Tensor4D);
      gradient.dispose();
      sum.dispose();
      sum = next;
      done += n;
      opts.onProgress?.({ step: done, total: samples });
      await yieldToEventLoop();
    }
    const raw = tf.div(sum, samples) as tf.Tensor4D;
    const clean = provider.inputGradient(input, opts.reluMode ?? 'standard');
    clean.gradient.dispose();
    return { method: 'smoothgrad', value: await scalar(clean.value), raw, map: await saliencyMap(raw) };
  } finally {
    sum.dispose();
  }
}

async function gradCam(provider: AttributionProvider, input: tf.Tensor4D, opts: AttributionOptions): Promise<AttributionResult> {
  if (!provider.layerGradient) throw new Error('Grad-CAM needs a layer: choose a convolutional layer for the provider');
  const { activation, gradient, value } = provider.layerGradient(input);
  try {
    if (activation.rank !== 4) throw new Error(`Grad-CAM needs a feature-map layer [1,h,w,k], got [${activation.shape.join(',')}]`);
    const [, h, w] = activation.shape;
    // Selvaraju et al. 2017: channel weights are the spatially averaged gradients; ReLU keeps positive evidence.
    const cam = tf.tidy(() => {
      const alpha = tf.mean(gradient, [1, 2], true);
      return tf.squeeze(tf.relu(tf.sum(tf.mul(activation, alpha), 3)), [0]);
    });
    const data = Float32Array.from(await cam.data());
    cam.dispose();
    opts.onProgress?.({ step: 1, total: 1 });
    return { method: 'gradcam', value: await scalar(value), map: { height: h, width: w, channels: 1, data } };
  } finally {
    activation.dispose();
    gradient.dispose();
  }
}
