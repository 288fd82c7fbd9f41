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

/** The HWIO shape of a first-layer kernel: [kh, kw, in, filters]. */
export type FilterShape = readonly [number, number, number, number];

/** One first-layer filter as an RGB tile at its own size, with what a sorted view needs. */
export interface FilterTile {
  index: number;
  tile: RgbImage;
  /** L2 norm of its weights. */
  norm: number;
  /** Hue (0..360) of its mean colour, the weights per input channel summed over space (grey filters: 0). */
  hue: number;
}

/**
 * First-layer filters as RGB tiles (in = 3) or grey tiles (in = 1), each stretched to its own min..max or all to the
 * global min..max. `values` is the HWIO kernel's data: plain numbers, so a browser draws them without tensors.
 */
export function filterTiles(values: ArrayLike<number>, shape: FilterShape, opts: Pick<FilterGridOptions, 'normalize' | 'channelOrder'> = {}): FilterTile[] {
  const [kh, kw, cin, n] = shape;
  if (cin !== 3 && cin !== 1) throw new Error(`filterTiles: the first layer must read 1 or 3 channels, got ${cin}`);
  if (values.length !== kh * kw * cin * n) throw new Error(`filterTiles: ${values.length} values for shape [${shape.join(',')}]`);
  const normalize = opts.normalize ?? 'per-filter';
  if (normalize !== 'per-filter' && normalize !== 'global') throw new Error(`normalize must be per-filter or global, got "${normalize}"`);
  const at = (y: number, x: number, c: number, f: number) => values[((y * kw + x) * cin + c) * n + f];
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
  const rgbChannel = (c: number) => (cin === 1 ? 0 : opts.channelOrder === 'BGR' ? 2 - c : c);
  return ranges.map(([lo, hi], f) => {
    const span = hi - lo || 1;
    const px = new Uint8ClampedArray(kh * kw * 3);
    let sq = 0;
    const mean = [0, 0, 0];
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < 3; c++) {
      const v = at(y, x, rgbChannel(c), f);
      px[(y * kw + x) * 3 + c] = Math.round(((v - lo) / span) * 255);
      mean[c] += v;
      if (cin === 3 || c === 0) sq += v * v;
    }
    return { index: f, tile: { width: kw, height: kh, data: px }, norm: Math.sqrt(sq), hue: cin === 1 ? 0 : hueOf(mean[0], mean[1], mean[2]) };
  });
}

/** The hue in degrees of an RGB triple of any scale. */
function hueOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/**
 * A grid image of first-layer filters. `kernel` is HWIO `[kh, kw, in, filters]` with in = 3 (shown as
 * RGB tiles) or 1 (grey tiles); any kernel size.
 */
export function filterGrid(kernel: tf.Tensor4D, opts: FilterGridOptions = {}): RgbImage {
  if (kernel.rank !== 4) throw new Error(`filterGrid: kernel must be HWIO [kh,kw,in,filters], got [${kernel.shape.join(',')}]`);
  const [kh, kw, , n] = kernel.shape;
  const scale = opts.scale ?? Math.max(1, Math.round(48 / Math.max(kh, kw)));
  const tiles = filterTiles(kernel.dataSync(), kernel.shape, opts).map((t) => upscaleNearest(t.tile, scale));
  return tileGrid(tiles, opts.columns ?? Math.ceil(Math.sqrt(n)), opts.gap ?? Math.max(1, Math.round(scale / 2)), [255, 255, 255]);
}
