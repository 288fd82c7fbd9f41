import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './testing/backends';
import { centerCropBox, denormalizePixels, normalizePixels, preprocessImage } from './preprocess';
import { IMAGENET_MEAN_STD, MINUS_ONE_TO_ONE } from './models';
import type { Preprocessing } from './model.types';

describe('preprocessing', () => {
  beforeAll(() => useBackend('cpu'));

  it('centre-crops 87.5% of the shorter side', () => {
    expect(centerCropBox(256, 256, 0.875)).toEqual([16, 16, 224]);
    expect(centerCropBox(256, 341, 0.875)).toEqual([16, 58, 224]);
    expect(centerCropBox(300, 200, 0.875)).toEqual([62, 12, 175]);
    expect(() => centerCropBox(10, 10, 0)).toThrow(/crop fraction/);
  });

  it('scales pixels per model and inverts', () => {
    const px = tf.tensor3d([0, 127.5, 255, 255, 0, 51], [1, 2, 3]);
    const m = normalizePixels(px, MINUS_ONE_TO_ONE).dataSync();
    [-1, 0, 1, 1, -1, 51 / 127.5 - 1].forEach((v, i) => expect(m[i]).toBeCloseTo(v, 6));
    const n = normalizePixels(px, IMAGENET_MEAN_STD).dataSync();
    expect(n[0]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    expect(n[4]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    const bgr: Preprocessing = { ...IMAGENET_MEAN_STD, channelOrder: 'BGR' };
    const b = normalizePixels(px, bgr).dataSync();
    // First pixel RGB (0, 127.5, 255) becomes BGR (255, 127.5, 0), each with its own channel's mean/std.
    expect(b[0]).toBeCloseTo((1 - 0.406) / 0.225, 5);
    expect(b[2]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    const back = denormalizePixels(normalizePixels(px, bgr), bgr).dataSync();
    Array.from(px.dataSync()).forEach((v, i) => expect(back[i]).toBeCloseTo(v, 3));
  });

  it('crops, resizes bilinearly and batches one image', () => {
    // A horizontal ramp: after a centre crop and resize it must still increase left to right.
    const w = 64;
    const h = 48;
    const ramp = tf.tidy(() => tf.tile(tf.reshape(tf.linspace(0, 255, w), [1, w, 1]), [h, 1, 3])) as tf.Tensor3D;
    const x = preprocessImage(ramp, { inputSize: [16, 16], preprocessing: MINUS_ONE_TO_ONE });
    expect(x.shape).toEqual([1, 16, 16, 3]);
    const row = tf.slice(x, [0, 0, 0, 0], [1, 1, 16, 1]).dataSync();
    for (let i = 1; i < 16; i++) expect(row[i]).toBeGreaterThan(row[i - 1]);
    // The crop (42 px wide, from column 11) keeps values strictly inside the ramp.
    expect(row[0]).toBeGreaterThan(-1 + (2 * 10) / 63);
    expect(row[15]).toBeLessThan(1 - (2 * 10) / 63);
    expect(() => preprocessImage(tf.zeros([4, 4]) as unknown as tf.Tensor3D, { inputSize: [2, 2], preprocessing: MINUS_ONE_TO_ONE })).toThrow(/RGB image/);
  });

  it('leaks no tensors', () => {
    const img = tf.randomUniform([40, 30, 3], 0, 255) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    preprocessImage(img, { inputSize: [8, 8], preprocessing: IMAGENET_MEAN_STD }).dispose();
    normalizePixels(img, MINUS_ONE_TO_ONE).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
