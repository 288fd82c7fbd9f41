import * as tf from '@tensorflow/tfjs-core';
import { type RgbImage } from './common';
import { tileGrid, upscaleNearest } from './colormap';

/** Options of the first-layer filter grid. */
export interface FilterGridOptions {
  /** Stretch each filter to its own min..max, or all filters to the global min..max (default per-filter). */
  normalize?: 'per-filter' | 'global';
  /** Integer upscaling of every tile (default: so that tiles are about 48 px). */
  scale?: number;
  columns?: number;
  gap?: number;
  /** Channel order of the kernel's input channels (BGR models are flipped to RGB for display). */
  channelOrder?: 'RGB' | 'BGR';
}

/**
 * A grid image of first-layer filters. `kernel` is HWIO `[kh, kw, in, filters]` with in = 3 (shown as
 * RGB tiles) or 1 (grey tiles); any kernel size.
 */
export function filterGrid(kernel: tf.Tensor4D, opts: FilterGridOptions = {}): RgbImage {
  if (kernel.rank !== 4) throw new Error(`filterGrid: kernel must be HWIO [kh,kw,in,filters], got [${kernel.shape.join(',')}]`);
  const [kh, kw, cin, n] = kernel.shape;
  if (cin !== 3 && cin !== 1) throw new Error(`filterGrid: the first layer must read 1 or 3 channels, got ${cin}`);
  const normalize = opts.normalize ?? 'per-filter';
  if (normalize !== 'per-filter' && normalize !== 'global') throw new Error(`normalize must be per-filter or global, got "${normalize}"`);
  const scale = opts.scale ?? Math.max(1, Math.round(48 / Math.max(kh, kw)));
  const data = kernel.dataSync();
  const at = (y: number, x: number, c: number, f: number) => data[((y * kw + x) * cin + c) * n + f];
  const ranges: Array<[number, number]> = [];
  for (let f = 0; f < n; f++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) {
      const v = at(y, x, c, f);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    ranges.push([lo, hi]);
  }
  if (normalize === 'global') {
    const lo = Math.min(...ranges.map((r) => r[0]));
    const hi = Math.max(...ranges.map((r) => r[1]));
    ranges.fill([lo, hi]);
  }
  const tiles: RgbImage[] = [];
  for (let f = 0; f < n; f++) {
    const [lo, hi] = ranges[f];
    const span = hi - lo || 1;
    const px = new Uint8ClampedArray(kh * kw * 3);
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < 3; c++) {
      const src = cin === 1 ? 0 : opts.channelOrder === 'BGR' ? 2 - c : c;
      px[(y * kw + x) * 3 + c] = Math.round(((at(y, x, src, f) - lo) / span) * 255);
    }
    tiles.push(upscaleNearest({ width: kw, height: kh, data: px }, scale));
  }
  return tileGrid(tiles, opts.columns ?? Math.ceil(Math.sqrt(n)), opts.gap ?? Math.max(1, Math.round(scale / 2)), [255, 255, 255]);
}
