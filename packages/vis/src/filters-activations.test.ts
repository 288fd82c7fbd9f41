import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activationGrid, rankChannels } from './activations';
import { featureMap } from './common';
import { filterGrid, filterTiles } from './filters';
import { useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

describe('first-layer filter grid', () => {
  it('draws each filter as an RGB tile, per-filter or globally normalized', () => {
    // Two 1x1 filters: (r,g,b) = (1, 0, -1) and (2, 2, 2)·0.5 → per-filter: red-ish / flat; global: different.
    const k = tf.tensor4d([1, 1, 0, 1, -1, 1], [1, 1, 3, 2]);
    const g = filterGrid(k, { scale: 1, gap: 1, columns: 2 });
    expect([g.width, g.height]).toEqual([5, 3]);
    const px = (img: typeof g, x: number, y: number) => Array.from(img.data.slice((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    expect(px(g, 1, 1)).toEqual([255, 128, 0]);
    expect(px(g, 3, 1)).toEqual([0, 0, 0]); // constant filter: span 0 → all at the bottom
    const gl = filterGrid(k, { scale: 1, gap: 1, columns: 2, normalize: 'global' });
    expect(px(gl, 1, 1)).toEqual([255, 128, 0]);
    expect(px(gl, 3, 1)).toEqual([255, 255, 255]);
    expect(px(g, 0, 0)).toEqual([255, 255, 255]); // the gap
    const bgr = filterGrid(k, { scale: 1, gap: 1, columns: 2, channelOrder: 'BGR' });
    expect(px(bgr, 1, 1)).toEqual([0, 128, 255]);
    k.dispose();
  });

  it('gives each filter its norm and the hue of its mean colour (for sorting)', () => {
    // Filter 0: (r,g,b) = (1, 0, -1): norm √2, r > g > b halfway → orange, hue 30. Filter 1: (0, 0, 3): norm 3, blue → 240.
    const tiles = filterTiles([1, 0, 0, 0, -1, 3], [1, 1, 3, 2]);
    expect(tiles.map((t) => t.norm)).toEqual([Math.SQRT2, 3]);
    expect(tiles.map((t) => t.hue)).toEqual([30, 240]);
    expect(Array.from(tiles[0]!.tile.data)).toEqual([255, 128, 0]);
    expect(() => filterTiles([1, 2], [1, 1, 3, 1])).toThrow(/2 values/);
  });

  it('handles 7x7 and 11x11 kernels with upscaling', () => {
    for (const size of [3, 7, 11]) {
      const k = tf.randomNormal([size, size, 3, 5]) as tf.Tensor4D;
      const g = filterGrid(k, { scale: 4, gap: 2 });
      expect(g.width).toBe(3 * size * 4 + 4 * 2);
      expect(g.height).toBe(2 * size * 4 + 3 * 2);
      k.dispose();
    }
    const bad = tf.zeros([3, 3, 8, 4]) as tf.Tensor4D;
    expect(() => filterGrid(bad)).toThrow(/1 or 3 channels/);
    bad.dispose();
  });
});

describe('activations', () => {
  it('ranks channels by mean and draws a grid', () => {
    const t = tf.tensor4d([1, 5, 3, 1, 5, 3, 1, 5, 9, 1, 5, -9], [1, 2, 2, 3]);
    expect(rankChannels(t)).toEqual([{ channel: 1, mean: 5 }, { channel: 0, mean: 1 }, { channel: 2, mean: 1.5 }].sort((a, b) => b.mean - a.mean));
    const map = featureMap(2, 2, 3, t.dataSync());
    const g = activationGrid(map, { channels: [2, 0], scale: 1, gap: 1, columns: 2, colormap: 'gray' });
    expect([g.width, g.height]).toEqual([7, 4]);
    // channel 2 = [3,3,9,-9]: pixel (1,0) of the tile is 9 → white; (1,1) is -9 → black.
    expect(Array.from(g.data.slice((2 * 7 + 1) * 3, (2 * 7 + 1) * 3 + 3))).toEqual([255, 255, 255]);
    expect(Array.from(g.data.slice((2 * 7 + 2) * 3, (2 * 7 + 2) * 3 + 3))).toEqual([0, 0, 0]);
    expect(() => activationGrid(map, { channels: [3] })).toThrow(/outside/);
    t.dispose();
  });
});
