import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './testing/backends';
import { outputNames, outputToImageNetIndex, parseImageNetTsv, toImageNetOrder, topK } from './labels';
import { getModelEntry } from './models';
import type { ModelMeta } from './model.types';

const tsv = ['index\twnid\tshort\tfull\timage', ...Array.from({ length: 1000 }, (_, i) => `${i}\tn${i}\tname${i}\tfull name ${i}\tf${i}.JPEG`)].join('\n');

describe('labels and output maps', () => {
  beforeAll(() => useBackend('cpu'));
  const classes = parseImageNetTsv(tsv);

  it('maps background-first outputs and custom orders to standard indices', () => {
    const bg = getModelEntry('squeezenet1.0_nhwc').meta;
    expect(outputToImageNetIndex(bg).slice(0, 3)).toEqual([-1, 0, 1]);
    expect(outputNames(bg, classes).slice(0, 2)).toEqual(['background', 'name0']);
    const std = getModelEntry('mobilenet_v1_0.25_224').meta;
    expect(outputToImageNetIndex(std)[999]).toBe(999);
    const perm = Array.from({ length: 1000 }, (_, i) => 999 - i);
    const custom: ModelMeta = { ...std, outputToImageNet: perm };
    expect(outputNames(custom, classes)[0]).toBe('name999');
    expect(() => outputToImageNetIndex({ ...std, outputToImageNet: [1, 2] })).toThrow(/2 entries, expected 1000/);
  });

  it('ranks predictions with names and reorders scores to the standard order', async () => {
    const meta = getModelEntry('squeezenet1.0_nhwc').meta;
    const scores = tf.tidy(() => tf.cast(tf.oneHot([387, 0], 1001), 'float32')) as tf.Tensor2D;
    const [a, b] = await topK(scores, 2, meta, classes);
    expect(a[0]).toEqual({ outputIndex: 387, imagenetIndex: 386, name: 'name386', score: 1 });
    expect(b[0].name).toBe('background');
    const std = toImageNetOrder(meta, scores);
    expect(std.shape).toEqual([2, 1000]);
    expect(Array.from(tf.argMax(std, 1).dataSync())[0]).toBe(386);
  });

  it('rejects a malformed label table', () => {
    expect(() => parseImageNetTsv('index\twnid\n0\tn1\tx\ty')).toThrow(/1 rows/);
  });
});
