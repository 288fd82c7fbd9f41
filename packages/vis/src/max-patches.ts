import * as tf from '@tensorflow/tfjs-core';
import { assertSingleImage, throwIfAborted, yieldToEventLoop, type FeatureMap, type LongRunOptions } from './common';

/**
 * Maximally activating patches: stream images, keep the k strongest (image, position) responses of
 * one channel of one layer, and cut each winner's receptive field out of the preprocessed input.
 */

/** A layer's activation for a batch: NHWC in, [N, h, w, channels] out (caller disposes). */
export type LayerActivation = (batch: tf.Tensor4D) => tf.Tensor4D;

/** Receptive field of the layer (same shape as `ReceptiveField` in `@convlab/nets`). */
export interface PatchReceptiveField {
  size: [number, number];
  jump: [number, number];
  /** Input coordinate of the centre of output position 0. */
  start: [number, number];
}

/** One image of the stream. `index` orders ties and must be unique over the whole set (also across shards). */
export interface PatchImage {
  id: string;
  index: number;
  /** Preprocessed [1,H,W,C] input; the search disposes it after use. */
  input: tf.Tensor4D;
}

/** One winner. */
export interface PatchEntry {
  id: string;
  index: number;
  value: number;
  /** The argmax position in the layer's feature map. */
  y: number;
  x: number;
  /** Input-pixel box [top, left, bottom, right], inclusive; may extend past the image (zero padded). */
  box: [number, number, number, number];
  /** The receptive field cut out of the preprocessed input. */
  patch: FeatureMap;
}

/** Options of the search. */
export interface PatchSearchOptions extends LongRunOptions {
  channel: number;
  receptiveField: PatchReceptiveField;
  /** How many winners to keep (default 9). */
  k?: number;
  /** For progress reports when the stream length is known. */
  totalImages?: number;
}

/** Input-pixel box seen by feature-map position (y, x); the same arithmetic as nets' receptiveFieldBox. */
export function patchBox(rf: PatchReceptiveField, y: number, x: number): [number, number, number, number] {
  const top = Math.ceil(rf.start[0] + y * rf.jump[0] - (rf.size[0] - 1) / 2);
  const left = Math.ceil(rf.start[1] + x * rf.jump[1] - (rf.size[1] - 1) / 2);
  return [top, left, top + rf.size[0] - 1, left + rf.size[1] - 1];
}

/** Cuts box [top,left,bottom,right] (inclusive) out of an HWC array, zero outside the image. */
export function cutPatch(data: ArrayLike<number>, height: number, width: number, channels: number, box: [number, number, number, number]): FeatureMap {
  const [top, left, bottom, right] = box;
  const ph = bottom - top + 1;
  const pw = right - left + 1;
  const out = new Float32Array(ph * pw * channels);
  for (let y = 0; y < ph; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < pw; x++) {
      const sx = left + x;
      if (sx < 0 || sx >= width) continue;
      for (let c = 0; c < channels; c++) out[(y * pw + x) * channels + c] = data[(sy * width + sx) * channels + c];
    }
  }
  return { height: ph, width: pw, channels, data: out };
}

/** The order of winners: larger value first, then smaller image index, then raster position. Total, so merges are exact. */
export function comparePatches(a: Pick<PatchEntry, 'value' | 'index' | 'y' | 'x'>, b: Pick<PatchEntry, 'value' | 'index' | 'y' | 'x'>): number {
  return b.value - a.value || a.index - b.index || a.y - b.y || a.x - b.x;
}

/** Merges the top-k lists of disjoint image subsets into the top k of their union. */
export function mergePatchResults<T extends Pick<PatchEntry, 'value' | 'index' | 'y' | 'x'>>(parts: readonly (readonly T[])[], k = 9): T[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const seen = new Set<number>();
  for (const part of parts) {
    const own = new Set(part.map((e) => e.index));
    for (const i of own) {
      if (seen.has(i)) throw new Error(`mergePatchResults: image index ${i} appears in two partial results`);
      seen.add(i);
    }
  }
  return parts.flat().sort(comparePatches).slice(0, k);
}

/** A winner of a search over several channels: as {@link PatchEntry}, the crop only when asked for. */
export type PatchHit = Omit<PatchEntry, 'patch'> & { patch?: FeatureMap };

/** Options of a search over several channels at once (one forward pass per image serves them all). */
export interface ChannelsSearchOptions extends Omit<PatchSearchOptions, 'channel'> {
  channels: readonly number[];
  /** Cut each winner's receptive field out of the input (default true; a class search sends positions only). */
  crops?: boolean;
}

/**
 * Streams the images and returns, per channel (in the order of `channels`), the top k (image, position)
 * responses: at most one per image (its strongest position), ordered by {@link comparePatches}.
 */
export async function maxActivatingPatchesByChannel(
  activate: LayerActivation,
  images: AsyncIterable<PatchImage> | Iterable<PatchImage>,
  opts: ChannelsSearchOptions,
): Promise<PatchHit[][]> {
  const k = opts.k ?? 9;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (opts.channels.length === 0) throw new Error('pick at least one channel');
  for (const c of opts.channels) if (!Number.isInteger(c) || c < 0) throw new Error(`channel must be an integer >= 0, got ${c}`);
  if (new Set(opts.channels).size !== opts.channels.length) throw new Error('each channel once');
  const tops: PatchHit[][] = opts.channels.map(() => []);
  const indices = new Set<number>();
  let done = 0;
  for await (const img of images as AsyncIterable<PatchImage>) {
    try {
      throwIfAborted(opts.signal);
      assertSingleImage(img.input, `image ${img.id}`);
      if (indices.has(img.index)) throw new Error(`image index ${img.index} (${img.id}) is used twice`);
      indices.add(img.index);
      const act = activate(img.input);
      let values: Float32Array;
      let h: number;
      let w: number;
      try {
        if (act.rank !== 4) throw new Error(`the layer must be a feature map [N,h,w,c], got [${act.shape.join(',')}]`);
        const channels = act.shape[3];
        const outside = opts.channels.find((c) => c >= channels);
        if (outside !== undefined) throw new Error(`channel ${outside} is outside 0..${channels - 1}`);
        [, h, w] = act.shape;
        // [1, h, w, n]: the picked channels only, read back once.
        const picked = tf.gather(act, [...opts.channels], 3);
        values = (await picked.data()) as Float32Array;
        picked.dispose();
      } finally {
        act.dispose();
      }
      const n = opts.channels.length;
      let pixels: ArrayLike<number> | undefined;
      for (let j = 0; j < n; j++) {
        let best = 0;
        for (let i = 1; i < h * w; i++) if (values[i * n + j] > values[best * n + j]) best = i;
        const cand = { value: values[best * n + j], index: img.index, y: Math.floor(best / w), x: best % w };
        const top = tops[j];
        if (top.length < k || comparePatches(cand, top[top.length - 1]) < 0) {
          const box = patchBox(opts.receptiveField, cand.y, cand.x);
          let patch: FeatureMap | undefined;
          if (opts.crops ?? true) {
            pixels ??= await img.input.data();
            const [, ih, iw, ic] = img.input.shape;
            patch = cutPatch(pixels, ih, iw, ic, box);
          }
          top.push({ id: img.id, ...cand, box, ...(patch ? { patch } : {}) });
          top.sort(comparePatches);
          if (top.length > k) top.pop();
        }
      }
    } finally {
      img.input.dispose();
    }
    done++;
    opts.onProgress?.({ step: done, total: opts.totalImages ?? done });
    await yieldToEventLoop();
  }
  return tops;
}

/** Streams the images and returns the top k (image, position) responses of one channel. */
export async function maxActivatingPatches(
  activate: LayerActivation,
  images: AsyncIterable<PatchImage> | Iterable<PatchImage>,
  opts: PatchSearchOptions,
): Promise<PatchEntry[]> {
  if (!Number.isInteger(opts.channel) || opts.channel < 0) throw new Error(`channel must be an integer >= 0, got ${opts.channel}`);
  const { channel, ...rest } = opts;
  const [top] = await maxActivatingPatchesByChannel(activate, images, { ...rest, channels: [channel], crops: true });
  return top as PatchEntry[];
}
