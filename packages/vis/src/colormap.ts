import { type FeatureMap, type RgbImage } from './common';

/** Colour maps for heatmaps. `coolwarm` is diverging (for signed values such as raw gradients). */
export type ColormapName = 'viridis' | 'inferno' | 'jet' | 'gray' | 'coolwarm';

const hex = (s: string): [number, number, number] => [
  parseInt(s.slice(1, 3), 16),
  parseInt(s.slice(3, 5), 16),
  parseInt(s.slice(5, 7), 16),
];

// Ten evenly spaced samples of each map; linear interpolation between them is visually indistinguishable.
const STOPS: Record<ColormapName, Array<[number, number, number]>> = {
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'].map(hex),
  inferno: ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'].map(hex),
  jet: ['#00007f', '#0000ff', '#007fff', '#00ffff', '#7fff7f', '#ffff00', '#ff7f00', '#ff0000', '#7f0000'].map(hex),
  gray: ['#000000', '#ffffff'].map(hex),
  coolwarm: ['#3b4cc0', '#7396f5', '#b0cbfc', '#dddddd', '#f6bfa6', '#e57058', '#b40426'].map(hex),
};

/** The colour of t in [0,1] (clamped) under a colour map. */
export function colormapColor(name: ColormapName, t: number): [number, number, number] {
  const stops = STOPS[name];
  if (!stops) throw new Error(`unknown colormap "${name}"; known: ${Object.keys(STOPS).join(', ')}`);
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Min and max of finite values. */
export function valueRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

/** Options for mapping scalar values to colours. */
export interface ColorizeOptions {
  colormap?: ColormapName;
  /** Value range mapped to [0,1]; defaults to the data's range (symmetric around 0 for coolwarm). */
  min?: number;
  max?: number;
}

/** Maps a height×width array of scalars to an RGB image through a colour map. */
export function colorize(values: ArrayLike<number>, width: number, height: number, opts: ColorizeOptions = {}): RgbImage {
  if (values.length !== width * height) throw new Error(`colorize: expected ${width * height} values, got ${values.length}`);
  const name = opts.colormap ?? 'viridis';
  let { min, max } = valueRange(values);
  if (name === 'coolwarm' && opts.min === undefined && opts.max === undefined) {
    const m = Math.max(Math.abs(min), Math.abs(max));
    min = -m;
    max = m;
  }
  min = opts.min ?? min;
  max = opts.max ?? max;
  const span = max - min || 1;
  const data = new Uint8ClampedArray(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const c = colormapColor(name, (values[i] - min) / span);
    data[3 * i] = c[0];
    data[3 * i + 1] = c[1];
    data[3 * i + 2] = c[2];
  }
  return { width, height, data };
}

/** The `pct`-th percentile of |v| (a display scale that a few extreme pixels cannot wash out). */
export function robustMax(values: ArrayLike<number>, pct = 99.5): number {
  const a = Float32Array.from(values, Math.abs).sort();
  return a[Math.min(a.length - 1, Math.floor((pct / 100) * a.length))] || a[a.length - 1] || 1;
}

/**
 * Signed HWC values with 3 channels as RGB around mid-grey: 0 → 128, ±(the `pct`-th percentile of |v|) → 0/255,
 * beyond clipped — how guided backprop and deconvnet images are shown.
 */
export function signedRgb(values: ArrayLike<number>, width: number, height: number, pct = 99.5): RgbImage {
  if (values.length !== width * height * 3) throw new Error(`signedRgb: expected ${width * height * 3} values, got ${values.length}`);
  const m = robustMax(values, pct);
  const data = new Uint8ClampedArray(values.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(128 + (127 * values[i]!) / m);
  return { width, height, data };
}

/** Bilinear resampling of a single-channel h×w array to outH×outW (pixel centres aligned). */
export function resizeScalarBilinear(values: ArrayLike<number>, w: number, h: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / outH - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / outW - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = values[y0 * w + x0] * (1 - fx) + values[y0 * w + x1] * fx;
      const bot = values[y1 * w + x0] * (1 - fx) + values[y1 * w + x1] * fx;
      out[y * outW + x] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

/** Options for a heatmap drawn over a photo. */
export interface OverlayOptions extends ColorizeOptions {
  /** Opacity of the heatmap, 0..1. */
  alpha?: number;
}

/** Draws a (possibly coarser) heatmap over an RGB image, upsampled bilinearly to the image size. */
export function overlayHeatmap(base: RgbImage, heat: ArrayLike<number>, heatWidth: number, heatHeight: number, opts: OverlayOptions = {}): RgbImage {
  const alpha = opts.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay alpha must be in [0,1], got ${alpha}`);
  const { min, max } = valueRange(heat);
  const up = resizeScalarBilinear(heat, heatWidth, heatHeight, base.width, base.height);
  const colored = colorize(up, base.width, base.height, { colormap: opts.colormap, min: opts.min ?? min, max: opts.max ?? max });
  const data = new Uint8ClampedArray(base.data.length);
  for (let i = 0; i < data.length; i++) data[i] = base.data[i] * (1 - alpha) + colored.data[i] * alpha;
  return { width: base.width, height: base.height, data };
}

/** Converts an [H,W,3] (or 1-channel) feature map to 8-bit RGB by mapping [lo,hi] to [0,255]. */
export function featureMapToRgb(map: FeatureMap, lo?: number, hi?: number): RgbImage {
  if (map.channels !== 3 && map.channels !== 1) throw new Error(`featureMapToRgb: need 1 or 3 channels, got ${map.channels}`);
  const r = valueRange(map.data);
  const a = lo ?? r.min;
  const b = hi ?? r.max;
  const span = b - a || 1;
  const n = map.height * map.width;
  const data = new Uint8ClampedArray(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = map.data[map.channels === 3 ? 3 * i + c : i];
      data[3 * i + c] = Math.round(((v - a) / span) * 255);
    }
  }
  return { width: map.width, height: map.height, data };
}

/** Nearest-neighbour upscaling by an integer factor (keeps filter pixels crisp). */
export function upscaleNearest(img: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upscale factor must be a positive integer, got ${factor}`);
  const w = img.width * factor;
  const h = img.height * factor;
  const data = new Uint8ClampedArray(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (Math.floor(y / factor) * img.width + Math.floor(x / factor)) * 3;
      const d = (y * w + x) * 3;
      data[d] = img.data[s];
      data[d + 1] = img.data[s + 1];
      data[d + 2] = img.data[s + 2];
    }
  }
  return { width: w, height: h, data };
}

/** Lays equally sized tiles out in a grid with `gap` pixels of `background` between them. */
export function tileGrid(tiles: RgbImage[], columns?: number, gap = 1, background: [number, number, number] = [255, 255, 255]): RgbImage {
  if (tiles.length === 0) throw new Error('tileGrid: no tiles');
  const tw = tiles[0].width;
  const th = tiles[0].height;
  for (const t of tiles) if (t.width !== tw || t.height !== th) throw new Error('tileGrid: tiles must all have the same size');
  const cols = columns ?? Math.ceil(Math.sqrt(tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const w = cols * tw + (cols + 1) * gap;
  const h = rows * th + (rows + 1) * gap;
  const data = new Uint8ClampedArray(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(background, 3 * i);
  tiles.forEach((t, k) => {
    const ox = gap + (k % cols) * (tw + gap);
    const oy = gap + Math.floor(k / cols) * (th + gap);
    for (let y = 0; y < th; y++) data.set(t.data.subarray(y * tw * 3, (y + 1) * tw * 3), ((oy + y) * w + ox) * 3);
  });
  return { width: w, height: h, data };
}

/** Places images side by side (same height) with a gap. */
export function hconcat(images: RgbImage[], gap = 4, background: [number, number, number] = [255, 255, 255]): RgbImage {
  const h = Math.max(...images.map((i) => i.height));
  const w = images.reduce((a, i) => a + i.width, 0) + gap * (images.length - 1);
  const data = new Uint8ClampedArray(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(background, 3 * i);
  let ox = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), (y * w + ox) * 3);
    ox += img.width + gap;
  }
  return { width: w, height: h, data };
}
