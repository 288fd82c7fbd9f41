import * as tf from '@tensorflow/tfjs-core';
import { type FeatureMap } from './common';

/**
 * Convolution explainer. "Convolution" here is what CNN layers compute — cross-correlation, the
 * kernel is not flipped — applied to every channel of the image separately (a depthwise filter), so
 * a grey image gives a grey result and an RGB image a filtered RGB image.
 */

/**
 * How the border is handled. `zero`/`reflect` pad (k-1)/2 on each side; `same` pads like TensorFlow so out =
 * ceil(in/stride); a number P pads P zeros on each side (the lecture's (W − K + 2P) / S + 1).
 */
export type ConvPadding = 'valid' | 'zero' | 'reflect' | 'same' | number;

/** A user kernel and how to apply it. */
export interface ConvSpec {
  /** Square kernel with an odd size from 1 to 7, kernel[dy][dx]. */
  kernel: number[][];
  stride?: number;
  bias?: number;
  padding?: ConvPadding;
}

/** Names of the preset kernels. */
export type PresetKernelName =
  | 'identity'
  | 'box-blur'
  | 'gaussian'
  | 'sharpen'
  | 'sobel-x'
  | 'sobel-y'
  | 'laplacian'
  | 'emboss';

/** All preset names, in the order a UI lists them. */
export const PRESET_KERNEL_NAMES: readonly PresetKernelName[] = [
  'identity',
  'box-blur',
  'gaussian',
  'sharpen',
  'sobel-x',
  'sobel-y',
  'laplacian',
  'emboss',
];

const FIXED_3X3: Partial<Record<PresetKernelName, number[][]>> = {
  sharpen: [
    [0, -1, 0],
    [-1, 5, -1],
    [0, -1, 0],
  ],
  'sobel-x': [
    [-1, 0, 1],
    [-2, 0, 2],
    [-1, 0, 1],
  ],
  'sobel-y': [
    [-1, -2, -1],
    [0, 0, 0],
    [1, 2, 1],
  ],
  laplacian: [
    [0, 1, 0],
    [1, -4, 1],
    [0, 1, 0],
  ],
  emboss: [
    [-2, -1, 0],
    [-1, 1, 1],
    [0, 1, 2],
  ],
};

/** A normalized 1-D Gaussian of odd length `size` (sigma defaults to OpenCV's choice for that size). */
export function gaussianKernel1d(size: number, sigma?: number): number[] {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new Error(`gaussian size must be a positive odd integer, got ${size}`);
  const s = sigma ?? 0.3 * ((size - 1) * 0.5 - 1) + 0.8;
  if (!(s > 0)) throw new Error(`gaussian sigma must be > 0, got ${s}`);
  const r = (size - 1) / 2;
  const w: number[] = [];
  for (let i = -r; i <= r; i++) w.push(Math.exp(-(i * i) / (2 * s * s)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** A preset kernel. identity, box-blur and gaussian take any odd size 1–7; the others are 3×3. */
export function presetKernel(name: PresetKernelName, size = 3): number[][] {
  checkKernelSize(size);
  const fixed = FIXED_3X3[name];
  if (fixed) {
    if (size !== 3) throw new Error(`preset kernel "${name}" is 3x3 only, got size ${size}`);
    return fixed.map((row) => row.slice());
  }
  const grid = (f: (y: number, x: number) => number) =>
    Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => f(y, x)));
  const c = (size - 1) / 2;
  switch (name) {
    case 'identity':
      return grid((y, x) => (y === c && x === c ? 1 : 0));
    case 'box-blur':
      return grid(() => 1 / (size * size));
    case 'gaussian': {
      const g = gaussianKernel1d(size);
      return grid((y, x) => g[y] * g[x]);
    }
    default:
      throw new Error(`unknown preset kernel "${name}"; known: ${PRESET_KERNEL_NAMES.join(', ')}`);
  }
}

function checkKernelSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > 7 || size % 2 === 0) {
    throw new Error(`kernel size must be odd and between 1 and 7, got ${size}`);
  }
}

/** Validates a spec and fills in defaults. */
export function normalizeConvSpec(spec: ConvSpec): Required<ConvSpec> {
  const k = spec.kernel;
  if (!Array.isArray(k) || k.length === 0) throw new Error('kernel must be a non-empty square array of rows');
  checkKernelSize(k.length);
  for (const row of k) {
    if (!Array.isArray(row) || row.length !== k.length) throw new Error(`kernel must be square (${k.length}x${k.length})`);
    for (const v of row) if (!Number.isFinite(v)) throw new Error(`kernel entries must be finite numbers, got ${v}`);
  }
  const stride = spec.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`stride must be a positive integer, got ${stride}`);
  const bias = spec.bias ?? 0;
  if (!Number.isFinite(bias)) throw new Error(`bias must be a finite number, got ${bias}`);
  const padding = spec.padding ?? 'zero';
  if (typeof padding === 'number' ? !Number.isInteger(padding) || padding < 0 : !['valid', 'zero', 'reflect', 'same'].includes(padding)) {
    throw new Error(`padding must be valid, zero, reflect, same or a whole number of pixels ≥ 0, got "${padding}"`);
  }
  return { kernel: k, stride, bias, padding };
}

/** Padding on each side and output size for one spatial axis. */
export interface AxisGeometry {
  before: number;
  after: number;
  out: number;
}

/** Where the padding goes along one axis of length `n` for kernel `k` and `stride`. */
export function axisGeometry(n: number, k: number, stride: number, padding: ConvPadding): AxisGeometry {
  let before = 0;
  let after = 0;
  if (typeof padding === 'number') {
    before = after = padding;
  } else if (padding === 'zero' || padding === 'reflect') {
    before = after = (k - 1) / 2;
  } else if (padding === 'same') {
    const out = Math.ceil(n / stride);
    const total = Math.max((out - 1) * stride + k - n, 0);
    before = Math.floor(total / 2);
    after = total - before;
  }
  const padded = n + before + after;
  if (padded < k) throw new Error(`image side ${n} is smaller than the kernel (${k}) with ${padding} padding`);
  if (padding === 'reflect' && before > n - 1) {
    throw new Error(`reflect padding of ${before} needs an image side of at least ${before + 1}, got ${n}`);
  }
  return { before, after, out: Math.floor((padded - k) / stride) + 1 };
}

/** Convolves a [H,W] or [H,W,C] image with the kernel, channel by channel; returns [outH,outW,C]. */
export function convolve(image: tf.Tensor2D | tf.Tensor3D, spec: ConvSpec): tf.Tensor3D {
  const s = normalizeConvSpec(spec);
  if (image.rank !== 2 && image.rank !== 3) throw new Error(`convolve: image must be [H,W] or [H,W,C], got [${image.shape.join(',')}]`);
  const k = s.kernel.length;
  return tf.tidy(() => {
    const x3 = image.rank === 2 ? tf.expandDims(image as tf.Tensor2D, 2) : (image as tf.Tensor3D);
    const [h, w, c] = x3.shape as [number, number, number];
    const gy = axisGeometry(h, k, s.stride, s.padding);
    const gx = axisGeometry(w, k, s.stride, s.padding);
    const pads: Array<[number, number]> = [[gy.before, gy.after], [gx.before, gx.after], [0, 0]];
    const padded = s.padding === 'reflect' ? tf.mirrorPad(x3, pads, 'reflect') : tf.pad(x3, pads);
    const filter = tf.tile(tf.tensor4d(s.kernel.flat(), [k, k, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(tf.expandDims(padded, 0) as tf.Tensor4D, filter, s.stride, 'valid');
    return tf.squeeze(tf.add(y, s.bias), [0]) as tf.Tensor3D;
  });
}

/** Everything that went into one output pixel. */
export interface ConvBreakdown {
  /** The output pixel and channel explained. */
  outY: number;
  outX: number;
  channel: number;
  /** The source pixel the window is centred on, in image coordinates (may lie outside for padding). */
  centerY: number;
  centerX: number;
  /** window[dy][dx]: the (padded) input values under the kernel. */
  window: number[][];
  /** true where a window cell is padding rather than image. */
  isPadding: boolean[][];
  kernel: number[][];
  /** products[dy][dx] = window[dy][dx] * kernel[dy][dx]. */
  products: number[][];
  /** Sum of the products. */
  sum: number;
  bias: number;
  /** sum + bias: equals the convolved image at (outY, outX, channel). */
  output: number;
}

function reflectIndex(i: number, n: number): number {
  // numpy/tf 'reflect': the edge pixel is not repeated.
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Where the windows of a spec sit on an image: the normalized spec, both axes' geometry, and one input value by window cell. */
function windowReader(image: FeatureMap, spec: ConvSpec) {
  const s = normalizeConvSpec(spec);
  const k = s.kernel.length;
  const gy = axisGeometry(image.height, k, s.stride, s.padding);
  const gx = axisGeometry(image.width, k, s.stride, s.padding);
  /** The input under window cell (dy, dx) of output pixel (outY, outX): its value and whether it is padding. */
  const read = (outY: number, outX: number, dy: number, dx: number, channel: number): { value: number; outside: boolean } => {
    let y = outY * s.stride - gy.before + dy;
    let x = outX * s.stride - gx.before + dx;
    const outside = y < 0 || y >= image.height || x < 0 || x >= image.width;
    if (outside && s.padding !== 'reflect') return { value: 0, outside };
    if (outside) {
      y = reflectIndex(y, image.height);
      x = reflectIndex(x, image.width);
    }
    return { value: image.data[(y * image.width + x) * image.channels + channel], outside };
  };
  return { s, k, gy, gx, read };
}

/** The convolved map in plain JavaScript (no tensors): the same values as `convolve`, for small maps in a browser or a check. */
export function convolveMap(image: FeatureMap, spec: ConvSpec): FeatureMap {
  const { s, k, gy, gx, read } = windowReader(image, spec);
  const out = new Float32Array(gy.out * gx.out * image.channels);
  for (let oy = 0; oy < gy.out; oy++) for (let ox = 0; ox < gx.out; ox++) for (let c = 0; c < image.channels; c++) {
    let sum = s.bias;
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) sum += read(oy, ox, dy, dx, c).value * s.kernel[dy][dx];
    out[(oy * gx.out + ox) * image.channels + c] = sum;
  }
  return { height: gy.out, width: gx.out, channels: image.channels, data: out };
}

/** The breakdown of output pixel (outY, outX) in `channel`: window, kernel, products and their sum. */
export function convolutionBreakdown(image: FeatureMap, spec: ConvSpec, outY: number, outX: number, channel = 0): ConvBreakdown {
  const { s, k, gy, gx, read } = windowReader(image, spec);
  if (!Number.isInteger(outY) || outY < 0 || outY >= gy.out || !Number.isInteger(outX) || outX < 0 || outX >= gx.out) {
    throw new Error(`output pixel (${outY}, ${outX}) is outside the ${gy.out}x${gx.out} output`);
  }
  if (!Number.isInteger(channel) || channel < 0 || channel >= image.channels) {
    throw new Error(`channel ${channel} is outside 0..${image.channels - 1}`);
  }
  const window: number[][] = [];
  const isPadding: boolean[][] = [];
  const products: number[][] = [];
  let sum = 0;
  for (let dy = 0; dy < k; dy++) {
    const wRow: number[] = [];
    const pRow: boolean[] = [];
    const prRow: number[] = [];
    for (let dx = 0; dx < k; dx++) {
      const { value, outside } = read(outY, outX, dy, dx, channel);
      const p = value * s.kernel[dy][dx];
      wRow.push(value);
      pRow.push(outside);
      prRow.push(p);
      sum += p;
    }
    window.push(wRow);
    isPadding.push(pRow);
    products.push(prRow);
  }
  const c = (k - 1) / 2;
  return {
    outY,
    outX,
    channel,
    centerY: outY * s.stride - gy.before + c,
    centerX: outX * s.stride - gx.before + c,
    window,
    isPadding,
    kernel: s.kernel.map((r) => r.slice()),
    products,
    sum,
    bias: s.bias,
    output: sum + s.bias,
  };
}
