/**
 * Image preprocessing per model with tfjs ops (the same code in the browser and on the server): centre crop of
 * `cropFraction` of the shorter side, bilinear resize to the input size, `(pixel * scale - mean) / std`, channel order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelMeta, Preprocessing } from './model.types';

/** Crop box `[top, left, size]` of the centre square covering `fraction` of the shorter side. */
export function centerCropBox(height: number, width: number, fraction: number): [number, number, number] {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`crop fraction must be in (0, 1], got ${fraction}`);
  const size = Math.max(1, Math.round(Math.min(height, width) * fraction));
  return [Math.floor((height - size) / 2), Math.floor((width - size) / 2), size];
}

/** Scales pixel values (0..255, RGB, last axis) to the network's input range; works on any batch shape. */
export function normalizePixels(pixels: tf.Tensor, p: Preprocessing): tf.Tensor {
  return tf.tidy(() => {
    let x = tf.cast(pixels, 'float32');
    if (p.channelOrder === 'BGR') x = tf.reverse(x, -1);
    const mean = p.channelOrder === 'BGR' ? [...p.mean].reverse() : p.mean;
    const std = p.channelOrder === 'BGR' ? [...p.std].reverse() : p.std;
    return tf.div(tf.sub(tf.mul(x, p.scale), tf.tensor1d(mean)), tf.tensor1d(std));
  });
}

/** Inverse of {@link normalizePixels}: network input back to RGB pixel values (0..255, not clipped). */
export function denormalizePixels(input: tf.Tensor, p: Preprocessing): tf.Tensor {
  return tf.tidy(() => {
    const mean = p.channelOrder === 'BGR' ? [...p.mean].reverse() : p.mean;
    const std = p.channelOrder === 'BGR' ? [...p.std].reverse() : p.std;
    let x = tf.div(tf.add(tf.mul(input, tf.tensor1d(std)), tf.tensor1d(mean)), p.scale);
    if (p.channelOrder === 'BGR') x = tf.reverse(x, -1);
    return x;
  });
}

/**
 * One decoded RGB image `[h, w, 3]` (or `[h, w, 4]`: alpha is dropped) with values 0..255 → network input
 * `[1, inputH, inputW, 3]` for a model: centre crop, bilinear resize, normalization.
 */
export function preprocessImage(image: tf.Tensor3D, meta: Pick<ModelMeta, 'inputSize' | 'preprocessing'>): tf.Tensor4D {
  if (image.rank !== 3 || (image.shape[2] !== 3 && image.shape[2] !== 4)) {
    throw new Error(`expected an RGB image [h, w, 3], got [${image.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const [h, w] = image.shape;
    const [top, left, size] = centerCropBox(h, w, meta.preprocessing.cropFraction);
    const crop = tf.slice(image, [top, left, 0], [size, size, 3]);
    const resized = tf.image.resizeBilinear(tf.cast(crop, 'float32') as tf.Tensor3D, meta.inputSize);
    return tf.expandDims(normalizePixels(resized, meta.preprocessing), 0) as tf.Tensor4D;
  });
}

/** Several images (any sizes) → one batch `[N, inputH, inputW, 3]`. */
export function preprocessBatch(images: tf.Tensor3D[], meta: Pick<ModelMeta, 'inputSize' | 'preprocessing'>): tf.Tensor4D {
  return tf.tidy(() => tf.concat(images.map((im) => preprocessImage(im, meta)), 0));
}
