import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cutPatch, maxActivatingPatches, mergePatchResults, patchBox, type PatchImage } from './max-patches';
import { createRng, normalArray } from './rng';
import { useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

const H = 12, W = 12, C = 3, N = 10;
const rng = createRng(5);
const images = Array.from({ length: N }, () => normalArray(rng, H * W * C));
const filter = normalArray(rng, 3 * 3 * C * 4);
// Layer: conv 3x3 stride 2 'valid' → receptive field size 3, jump 2, first centre at pixel 1.
const rf = { size: [3, 3] as [number, number], jump: [2, 2] as [number, number], start: [1, 1] as [number, number] };
const layer = (x: tf.Tensor4D) => tf.tidy(() => tf.conv2d(x, tf.tensor4d(filter, [3, 3, C, 4]), 2, 'valid'));

function* stream(indices: number[]): Generator<PatchImage> {
  for (const i of indices) yield { id: `img${i}`, index: i, input: tf.tensor4d(images[i], [1, H, W, C]) };
}

/** Brute force: every image's activation in JS, argmax per image, sorted. */
function bruteForce(channel: number, k: number) {
  const res: Array<{ index: number; value: number; y: number; x: number }> = [];
  images.forEach((img, index) => {
    const oh = 5, ow = 5;
    let best = { value: -Infinity, y: 0, x: 0 };
    for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) for (let c = 0; c < C; c++) {
        s += img[((2 * y + dy) * W + 2 * x + dx) * C + c] * filter[((dy * 3 + dx) * C + c) * 4 + channel];
      }
      if (s > best.value) best = { value: s, y, x };
    }
    res.push({ index, ...best });
  });
  return res.sort((a, b) => b.value - a.value).slice(0, k);
}

describe('maximally activating patches', () => {
  it('finds the same top k as brute force and cuts the receptive field', async () => {
    const before = tf.memory().numTensors;
    const top = await maxActivatingPatches(layer, stream([...Array(N).keys()]), { channel: 2, k: 4, receptiveField: rf });
    expect(tf.memory().numTensors).toBe(before);
    const ref = bruteForce(2, 4);
    expect(top.map((t) => [t.index, t.y, t.x])).toEqual(ref.map((r) => [r.index, r.y, r.x]));
    top.forEach((t, i) => expect(t.value).toBeCloseTo(ref[i].value, 4));
    // The patch holds exactly the pixels the winning neuron reads: re-convolving it gives its value.
    for (const t of top) {
      expect(t.box).toEqual([2 * t.y, 2 * t.x, 2 * t.y + 2, 2 * t.x + 2]);
      let s = 0;
      for (let i = 0; i < 9 * C; i++) s += t.patch.data[i] * filter[i * 4 + 2];
      expect(s).toBeCloseTo(t.value, 4);
    }
  });

  it('merges disjoint shards into the single-run top k', async () => {
    const whole = await maxActivatingPatches(layer, stream([...Array(N).keys()]), { channel: 1, receptiveField: rf });
    const a = await maxActivatingPatches(layer, stream([7, 2, 9, 0]), { channel: 1, receptiveField: rf });
    const b = await maxActivatingPatches(layer, stream([1, 3, 4, 5, 6, 8]), { channel: 1, receptiveField: rf });
    expect(mergePatchResults([a, b])).toEqual(whole);
    expect(mergePatchResults([b, a])).toEqual(whole);
    expect(() => mergePatchResults([a, a])).toThrow(/two partial/);
    expect(whole).toHaveLength(9);
  });

  it('zero-pads patches at the border and validates', async () => {
    const data = Float32Array.from({ length: 4 * 4 }, (_, i) => i + 1);
    const p = cutPatch(data, 4, 4, 1, patchBox({ size: [3, 3], jump: [1, 1], start: [0, 0] }, 0, 0));
    expect(Array.from(p.data)).toEqual([0, 0, 0, 0, 1, 2, 0, 5, 6]);
    await expect(maxActivatingPatches(layer, stream([0]), { channel: 9, receptiveField: rf })).rejects.toThrow(/channel 9/);
    await expect(maxActivatingPatches(layer, stream([0, 0]), { channel: 0, receptiveField: rf })).rejects.toThrow(/twice/);
  });
});
