/** Model inputs back to displayable RGB without a tensor read: equal to nets' denormalizePixels, for RGB and BGR models. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { denormalizePixels, type Preprocessing } from '@convlab/nets';
import { useBackend } from '@convlab/nets/testing/backends';
import { inputPixelsToRgb, inputToRgb } from './common';

const RGB: Preprocessing = { scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1], channelOrder: 'RGB', cropFraction: 0.875 };
const BGR: Preprocessing = { scale: 1, mean: [103.9, 116.8, 123.7], std: [1, 1, 1], channelOrder: 'BGR', cropFraction: 0.875 };
const CAFFE_STD: Preprocessing = { ...BGR, std: [57.4, 57.1, 58.4] };

describe('inputPixelsToRgb', () => {
  it.each([['RGB', RGB], ['BGR', BGR], ['BGR with std', CAFFE_STD]] as const)('%s: equals denormalizePixels, clipped and rounded', async (_name, p) => {
    await useBackend('cpu');
    const x = tf.randomUniform([1, 3, 4, 3], -3, 3, 'float32', 5) as tf.Tensor4D;
    const expected = tf.tidy(() => tf.round(tf.clipByValue(denormalizePixels(x, p), 0, 255)));
    const got = inputPixelsToRgb(await x.data(), 3, 4, { preprocessing: p });
    expect(got).toMatchObject({ height: 3, width: 4 });
    expect(Array.from(got.data)).toEqual(Array.from(await expected.data()));
    expect(inputToRgb(x, { preprocessing: p })).toEqual(got);
    tf.dispose([x, expected]);
  });
});
