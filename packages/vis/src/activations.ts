import * as tf from '@tensorflow/tfjs-core';
import { type FeatureMap, type RgbImage } from './common';
import { colorize, tileGrid, upscaleNearest, type ColormapName } from './colormap';

/** A channel and its mean activation. */
export interface ChannelRank {
  channel: number;
  mean: number;
}

/** Channels of a [1,h,w,c] (or [h,w,c]) activation ranked by mean activation, largest first. */
export function rankChannels(activation: tf.Tensor): ChannelRank[] {
  if (activation.rank !== 3 && !(activation.rank === 4 && activation.shape[0] === 1)) {
    throw new Error(`rankChannels: expected a feature map [1,h,w,c] or [h,w,c], got [${activation.shape.join(',')}]`);
  }
  const m = tf.tidy(() => tf.mean(tf.reshape(activation, [-1, activation.shape[activation.rank - 1]]), 0));
  const means = m.dataSync();
  m.dispose();
  return rankMeans(Array.from(means));
}

/**
 * Channels of a feature map already read back to the CPU, ranked by mean activation, largest first (for hosts whose
 * backend cannot read synchronously: WebGPU in Node).
 */
export function rankFeatureMapChannels(map: FeatureMap): ChannelRank[] {
  const sums = new Float64Array(map.channels);
  for (let i = 0; i < map.data.length; i++) sums[i % map.channels] += map.data[i];
  return rankMeans(Array.from(sums, (s) => s / (map.height * map.width)));
}

function rankMeans(means: number[]): ChannelRank[] {
  return means.map((mean, channel) => ({ channel, mean })).sort((a, b) => b.mean - a.mean || a.channel - b.channel);
}

/** Options of the channel grid. */
export interface ActivationGridOptions {
  /** Which channels, in order (default all, in channel order). */
  channels?: number[];
  /** Per-channel contrast (default) or one scale for all channels, so magnitudes compare. */
  normalize?: 'per-channel' | 'global';
  colormap?: ColormapName;
  /** Integer upscaling of every tile (default: tiles of about 64 px). */
  scale?: number;
  columns?: number;
  gap?: number;
}

/** Draws the channels of a feature map as a grid of colour-mapped tiles. */
export function activationGrid(map: FeatureMap, opts: ActivationGridOptions = {}): RgbImage {
  const channels = opts.channels ?? Array.from({ length: map.channels }, (_, i) => i);
  if (channels.length === 0) throw new Error('activationGrid: no channels selected');
  for (const c of channels) if (!Number.isInteger(c) || c < 0 || c >= map.channels) throw new Error(`channel ${c} is outside 0..${map.channels - 1}`);
  const n = map.height * map.width;
  const planes = channels.map((c) => {
    const p = new Float32Array(n);
    for (let i = 0; i < n; i++) p[i] = map.data[i * map.channels + c];
    return p;
  });
  let gmin = Infinity;
  let gmax = -Infinity;
  for (const p of planes) for (const v of p) {
    if (v < gmin) gmin = v;
    if (v > gmax) gmax = v;
  }
  const scale = opts.scale ?? Math.max(1, Math.round(64 / Math.max(map.height, map.width)));
  const tiles = planes.map((p) =>
    upscaleNearest(
      colorize(p, map.width, map.height, {
        colormap: opts.colormap ?? 'viridis',
        ...(opts.normalize === 'global' ? { min: gmin, max: gmax } : {}),
      }),
      scale,
    ),
  );
  return tileGrid(tiles, opts.columns, opts.gap ?? 2, [255, 255, 255]);
}
