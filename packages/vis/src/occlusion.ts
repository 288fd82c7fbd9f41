import * as tf from '@tensorflow/tfjs-core';
import { rasterizeMask, windowCount, windowOrigin, type OcclusionMask } from '@convlab/protocol';
import { argmax, assertSingleImage, throwIfAborted, yieldToEventLoop, type LongRunOptions } from './common';
import { gaussianBlur } from './image-ops';
import { createRng, uniformArray } from './rng';

/**
 * Occlusion experiments (Zeiler & Fergus 2014). The model is any batched classifier returning
 * probabilities, so the same code runs on a nets model in a browser tab or a server worker.
 */

/**
 * Batched classifier: preprocessed NHWC batch in, [N, classes] probabilities out (caller disposes the result).
 * It may carry an {@link IncrementalClassifier} for images that differ from one image only inside a box.
 */
export type BatchClassifier = ((batch: tf.Tensor4D) => tf.Tensor2D) & { incremental?: IncrementalClassifier };

/** [N, classes] probabilities as plain numbers, row-major (what a host's shared batcher returns). */
export interface ClassRows {
  probabilities: Float32Array;
  classes: number;
}

/**
 * A classifier behind a host that gathers rows of several jobs into one batch: a promise of plain rows (the batch
 * stays the caller's and lives until the promise settles).
 */
export type RowClassifier = (batch: tf.Tensor4D) => Promise<ClassRows>;

/** What the occlusion experiments classify with. */
export type OcclusionClassifier = BatchClassifier | RowClassifier;

/** A changed image: `data` (box height × width × channels, HWC) replaces the input at top-left (y, x). */
export interface BoxPatch {
  y: number;
  x: number;
  data: Float32Array;
}

/** Classifies many copies of one image that each differ inside a box, faster than full passes (same results). */
export interface IncrementalSession {
  /** [patches, classes] probabilities (caller disposes). */
  classify(patches: BoxPatch[]): Promise<tf.Tensor2D>;
  /** Where the session starts full passes again (for displays and benchmarks). */
  description: string;
  dispose(): void;
}

/**
 * Optional capability of a classifier (see `netsClassifier`): prepares an {@link IncrementalSession} for one input and
 * box size, or returns null when it would not be faster (unless `force`).
 */
export interface IncrementalClassifier {
  prepare(input: tf.Tensor4D, box: [number, number], force: boolean): Promise<IncrementalSession | null>;
}

/** What replaces the occluded pixels. `zero` is 0 in the model's input space (the dataset mean for mean-centred inputs). */
export type OcclusionFill = 'zero' | 'grey' | 'blur' | 'noise';

/** How to build the fill image. */
export interface FillOptions {
  fill?: OcclusionFill;
  /** Per-channel value of mid-grey (pixel 128) in the model's input space; required for `grey`. */
  greyValue?: number[];
  /** Standard deviation in pixels of the blur fill (default 8). */
  blurSigma?: number;
  /** Per-channel range of uniform noise in input space (default: the input's own min/max). */
  noiseRange?: { min: number[]; max: number[] };
  /** Seed of the noise fill: every shard draws the same noise image. */
  seed?: number;
}

/** Per-channel minimum and maximum of an image batch, read back asynchronously (WebGPU in Node cannot read synchronously). */
export async function channelRange(input: tf.Tensor4D): Promise<{ min: number[]; max: number[] }> {
  const [lo, hi] = [tf.min(input, [0, 1, 2]), tf.max(input, [0, 1, 2])];
  try {
    return { min: Array.from(await lo.data()), max: Array.from(await hi.data()) };
  } finally {
    tf.dispose([lo, hi]);
  }
}

/** The fill image, with the noise range read asynchronously when a noise fill needs it and none was given. */
async function fillImageFor(input: tf.Tensor4D, opts: FillOptions): Promise<tf.Tensor4D> {
  const noiseRange = opts.noiseRange ?? (opts.fill === 'noise' ? await channelRange(input) : undefined);
  return makeFillImage(input, { ...opts, noiseRange });
}

/** An image of the same shape as `input` whose pixels replace the occluded ones. Caller disposes. */
export function makeFillImage(input: tf.Tensor4D, opts: FillOptions = {}): tf.Tensor4D {
  assertSingleImage(input);
  const fill = opts.fill ?? 'zero';
  const [, h, w, c] = input.shape;
  switch (fill) {
    case 'zero':
      return tf.zerosLike(input);
    case 'grey': {
      const g = opts.greyValue;
      if (!g || g.length !== c) throw new Error(`grey fill needs greyValue with ${c} per-channel values in input space`);
      return tf.tidy(() => tf.mul(tf.onesLike(input), tf.tensor1d(g)) as tf.Tensor4D);
    }
    case 'blur':
      return gaussianBlur(input, opts.blurSigma ?? 8);
    case 'noise': {
      const rng = createRng(opts.seed ?? 0);
      let lo: number[];
      let hi: number[];
      if (opts.noiseRange) {
        ({ min: lo, max: hi } = opts.noiseRange);
      } else {
        const data = input.dataSync();
        lo = new Array(c).fill(Infinity);
        hi = new Array(c).fill(-Infinity);
        for (let i = 0; i < data.length; i++) {
          const k = i % c;
          if (data[i] < lo[k]) lo[k] = data[i];
          if (data[i] > hi[k]) hi[k] = data[i];
        }
      }
      const u = uniformArray(rng, h * w * c);
      for (let i = 0; i < u.length; i++) u[i] = lo[i % c] + (hi[i % c] - lo[i % c]) * u[i];
      return tf.tensor4d(u, input.shape);
    }
    default:
      throw new Error(`fill must be zero, grey, blur or noise, got "${fill}"`);
  }
}

/** Grid of sliding-window positions over a height×width input (see {@link windowAt}). */
export interface OcclusionGrid {
  rows: number;
  cols: number;
  window: number;
  stride: number;
  height: number;
  width: number;
}

/**
 * The window positions over an h×w image: every stride, plus a last row and column flush with the far edges when the
 * stride does not divide (size − window), so every pixel is covered (the protocol's window-grid rule).
 */
export function occlusionGrid(height: number, width: number, window: number, stride: number): OcclusionGrid {
  if (!Number.isInteger(window) || window < 1) throw new Error(`window must be a positive integer, got ${window}`);
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`stride must be a positive integer, got ${stride}`);
  if (window > height || window > width) throw new Error(`window ${window} is larger than the ${height}x${width} input`);
  return { rows: windowCount(height, window, stride), cols: windowCount(width, window, stride), window, stride, height, width };
}

/** Top-left pixel (y, x) of the window at row-major position `index` of a grid. */
export function windowAt(grid: OcclusionGrid, index: number): { y: number; x: number } {
  return {
    y: windowOrigin(Math.floor(index / grid.cols), grid.height, grid.window, grid.stride),
    x: windowOrigin(index % grid.cols, grid.width, grid.window, grid.stride),
  };
}

/** A half-open range [start, end) of row-major position indices. */
export interface PositionRange {
  start: number;
  end: number;
}

/**
 * Splits `total` positions into `shards` contiguous ranges whose boundaries fall on multiples of
 * `batchSize`, so every shard forms exactly the batches one run would (bit-identical merges).
 */
export function splitPositions(total: number, shards: number, batchSize = 1): PositionRange[] {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a positive integer, got ${shards}`);
  const batches = Math.ceil(total / batchSize);
  const out: PositionRange[] = [];
  for (let s = 0; s < shards; s++) {
    const start = Math.min(total, Math.round((s * batches) / shards) * batchSize);
    const end = Math.min(total, Math.round(((s + 1) * batches) / shards) * batchSize);
    if (end > start) out.push({ start, end });
  }
  return out;
}

/** Options of the sliding-window experiment. */
export interface OcclusionOptions extends FillOptions, LongRunOptions {
  window: number;
  stride: number;
  /** Target class (model output index); default the top-1 class of the unoccluded input. */
  classIndex?: number;
  /** Positions per forward pass (1 = the per-position loop). */
  batchSize?: number;
  /** Only these positions (a shard); default all. */
  range?: PositionRange;
  /**
   * Recompute only what the window changes (when the classifier offers it, see {@link IncrementalClassifier}):
   * 'auto' (default) when its cost estimate says it is faster, true whenever the classifier can, false never.
   * Results equal full passes within float tolerance; every shard of one map should use the same setting.
   */
  incremental?: boolean | 'auto';
}

/** Result of one shard (or a whole run) of the sliding-window experiment. */
export interface OcclusionPartial {
  grid: OcclusionGrid;
  classIndex: number;
  baseline: number;
  range: PositionRange;
  /** Target probability at each position of the range. */
  probabilities: Float32Array;
  /** Top-1 class and its probability at each position of the range. */
  topClass: Int32Array;
  topProbability: Float32Array;
}

/** A complete occlusion map. */
export interface OcclusionMap {
  grid: OcclusionGrid;
  classIndex: number;
  baseline: number;
  /** probabilities[i][j]: target probability with the window's top-left corner at windowAt(grid, i·cols + j). */
  probabilities: number[][];
  topClass: number[][];
  topProbability: number[][];
}

async function classifyRows(classify: OcclusionClassifier, batch: tf.Tensor4D): Promise<{ probs: Float32Array; classes: number }> {
  const n = batch.shape[0];
  const out = await classify(batch);
  if (!(out instanceof tf.Tensor)) {
    if (out.probabilities.length !== n * out.classes) throw new Error(`classifier must return ${n} rows of ${out.classes} classes, got ${out.probabilities.length} values`);
    return { probs: out.probabilities, classes: out.classes };
  }
  try {
    if (out.rank !== 2 || out.shape[0] !== n) throw new Error(`classifier must return [${n}, classes], got [${out.shape.join(',')}]`);
    return { probs: (await out.data()) as Float32Array, classes: out.shape[1] };
  } finally {
    out.dispose();
  }
}

/** Probabilities of the unoccluded input: baseline and default class. */
export async function classifyOne(classify: OcclusionClassifier, input: tf.Tensor4D): Promise<Float32Array> {
  assertSingleImage(input);
  return (await classifyRows(classify, input)).probs;
}

function checkClass(classIndex: number, classes: number): void {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new Error(`class index ${classIndex} is outside 0..${classes - 1}`);
  }
}

/**
 * Runs occluded copies of the input in batches. Each copy is built on the CPU side (the input with the fill's
 * pixels pasted where the mask is set) and uploaded once per batch: cheaper than mask arithmetic on the device,
 * whose broadcasting kernels are slow on wasm. Batches start at multiples of batchSize in global index space.
 */
/** Runs [b0, b1) batches aligned to multiples of batchSize, with progress, abort and periodic yields. */
async function runBatches(
  start: number,
  end: number,
  batchSize: number,
  run: (b0: number, b1: number) => Promise<{ probs: Float32Array; classes: number }>,
  onRows: (index: number, row: Float32Array) => void,
  opts: LongRunOptions,
): Promise<void> {
  let lastYield = performance.now();
  for (let b0 = start; b0 < end; ) {
    throwIfAborted(opts.signal);
    const b1 = Math.min(end, (Math.floor(b0 / batchSize) + 1) * batchSize);
    const rows = await run(b0, b1);
    for (let k = 0; k < b1 - b0; k++) onRows(b0 + k, rows.probs.subarray(k * rows.classes, (k + 1) * rows.classes));
    opts.onProgress?.({ step: b1 - start, total: end - start });
    b0 = b1;
    // Let sockets, UI and abort events in about every 50 ms, not after every pass (a timer costs >= 1 ms).
    if (performance.now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
}

async function runMasked(
  classify: OcclusionClassifier,
  input: tf.Tensor4D,
  fillImage: tf.Tensor4D,
  start: number,
  end: number,
  batchSize: number,
  /** Pastes fill pixels into target (a copy of the input at `offset`) for position `index`. */
  paste: (index: number, target: Float32Array, offset: number, fill: Float32Array) => void,
  onRows: (index: number, row: Float32Array) => void,
  opts: LongRunOptions,
): Promise<void> {
  const size = input.size;
  const inputData = (await input.data()) as Float32Array;
  const fillData = (await fillImage.data()) as Float32Array;
  const [, h, w, c] = input.shape;
  await runBatches(start, end, batchSize, async (b0, b1) => {
    const n = b1 - b0;
    const data = new Float32Array(n * size);
    for (let k = 0; k < n; k++) {
      data.set(inputData, k * size);
      paste(b0 + k, data, k * size, fillData);
    }
    const batch = tf.tensor4d(data, [n, h, w, c]);
    try {
      return await classifyRows(classify, batch);
    } finally {
      batch.dispose();
    }
  }, onRows, opts);
}

/** The incremental counterpart of runMasked for sliding windows: each position sends only the window's fill pixels. */
async function runIncremental(
  session: IncrementalSession,
  grid: OcclusionGrid,
  fillImage: tf.Tensor4D,
  range: PositionRange,
  batchSize: number,
  onRows: (index: number, row: Float32Array) => void,
  opts: LongRunOptions,
): Promise<void> {
  const fillData = (await fillImage.data()) as Float32Array;
  const [, , w, c] = fillImage.shape;
  const win = grid.window;
  await runBatches(range.start, range.end, batchSize, async (b0, b1) => {
    const patches: BoxPatch[] = [];
    for (let index = b0; index < b1; index++) {
      const { y, x } = windowAt(grid, index);
      const data = new Float32Array(win * win * c);
      for (let r = 0; r < win; r++) data.set(fillData.subarray(((y + r) * w + x) * c, ((y + r) * w + x + win) * c), r * win * c);
      patches.push({ y, x, data });
    }
    const p = await session.classify(patches);
    try {
      if (p.rank !== 2 || p.shape[0] !== patches.length) throw new Error(`incremental classifier must return [${patches.length}, classes], got [${p.shape.join(',')}]`);
      return { probs: (await p.data()) as Float32Array, classes: p.shape[1] };
    } finally {
      p.dispose();
    }
  }, onRows, opts);
}

/** Sliding-window occlusion over a range of positions (all by default) with batched forward passes. */
export async function occludeSlidingWindow(classify: OcclusionClassifier, input: tf.Tensor4D, opts: OcclusionOptions): Promise<OcclusionPartial> {
  assertSingleImage(input);
  const [, h, w, c] = input.shape;
  const grid = occlusionGrid(h, w, opts.window, opts.stride);
  const total = grid.rows * grid.cols;
  const range = opts.range ?? { start: 0, end: total };
  if (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start < 0 || range.end > total || range.start > range.end) {
    throw new Error(`position range [${range.start}, ${range.end}) is not within [0, ${total})`);
  }
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const base = await classifyOne(classify, input);
  const classIndex = opts.classIndex ?? argmax(base);
  checkClass(classIndex, base.length);
  const n = range.end - range.start;
  const probabilities = new Float32Array(n);
  const topClass = new Int32Array(n);
  const topProbability = new Float32Array(n);
  const fillImage = await fillImageFor(input, opts);
  const onRows = (index: number, row: Float32Array) => {
    const k = index - range.start;
    probabilities[k] = row[classIndex];
    const t = argmax(row);
    topClass[k] = t;
    topProbability[k] = row[t];
  };
  const mode = opts.incremental ?? 'auto';
  let session: IncrementalSession | null = null;
  try {
    const incremental = 'incremental' in classify ? classify.incremental : undefined;
    if (mode !== false && incremental && n > 0) {
      session = await incremental.prepare(input, [grid.window, grid.window], mode === true);
    }
    if (session) {
      await runIncremental(session, grid, fillImage, range, batchSize, onRows, opts);
      return { grid, classIndex, baseline: base[classIndex], range: { ...range }, probabilities, topClass, topProbability };
    }
    await runMasked(
      classify,
      input,
      fillImage,
      range.start,
      range.end,
      batchSize,
      (index, target, offset, fill) => {
        const { y: y0, x: x0 } = windowAt(grid, index);
        for (let y = y0; y < y0 + grid.window; y++) {
          const a = (y * w + x0) * c;
          target.set(fill.subarray(a, a + grid.window * c), offset + a);
        }
      },
      onRows,
      opts,
    );
  } finally {
    session?.dispose();
    fillImage.dispose();
  }
  return { grid, classIndex, baseline: base[classIndex], range: { ...range }, probabilities, topClass, topProbability };
}

/** Merges partial results that together cover every position exactly once into the full map. */
export function mergeOcclusion(partials: OcclusionPartial[]): OcclusionMap {
  if (partials.length === 0) throw new Error('mergeOcclusion: no partial results');
  const { grid, classIndex, baseline } = partials[0];
  const total = grid.rows * grid.cols;
  const covered = new Uint8Array(total);
  const probs = new Float32Array(total);
  const top = new Int32Array(total);
  const topP = new Float32Array(total);
  for (const p of partials) {
    if ((['rows', 'cols', 'window', 'stride', 'height', 'width'] as const).some((k) => p.grid[k] !== grid[k])) {
      throw new Error('mergeOcclusion: partial results come from different grids');
    }
    if (p.classIndex !== classIndex) throw new Error(`mergeOcclusion: partials target different classes (${classIndex} vs ${p.classIndex})`);
    for (let i = p.range.start; i < p.range.end; i++) {
      if (covered[i]) throw new Error(`mergeOcclusion: position ${i} appears in two partial results`);
      covered[i] = 1;
      probs[i] = p.probabilities[i - p.range.start];
      top[i] = p.topClass[i - p.range.start];
      topP[i] = p.topProbability[i - p.range.start];
    }
  }
  const missing = covered.indexOf(0);
  if (missing >= 0) throw new Error(`mergeOcclusion: position ${missing} is in no partial result`);
  const rows = <T extends ArrayLike<number>>(a: T) =>
    Array.from({ length: grid.rows }, (_, i) => Array.from(a).slice(i * grid.cols, (i + 1) * grid.cols));
  return { grid, classIndex, baseline, probabilities: rows(probs), topClass: rows(top), topProbability: rows(topP) };
}

export type { OcclusionMask } from '@convlab/protocol';

/** Options of the arbitrary-mask experiment. */
export interface MaskOcclusionOptions extends FillOptions, LongRunOptions {
  classIndex?: number;
  batchSize?: number;
}

/** The target probability (and top class) with each mask (the protocol's mask model) applied, in batches. */
export async function occludeMasks(
  classify: OcclusionClassifier,
  input: tf.Tensor4D,
  masks: OcclusionMask[],
  opts: MaskOcclusionOptions = {},
): Promise<{ classIndex: number; baseline: number; probabilities: number[]; topClass: number[]; topProbability: number[] }> {
  assertSingleImage(input);
  const [, h, w, c] = input.shape;
  const raster = masks.map((m) => rasterizeMask(m, w, h));
  const base = await classifyOne(classify, input);
  const classIndex = opts.classIndex ?? argmax(base);
  checkClass(classIndex, base.length);
  const probabilities: number[] = [];
  const topClass: number[] = [];
  const topProbability: number[] = [];
  const fillImage = await fillImageFor(input, opts);
  try {
    await runMasked(
      classify,
      input,
      fillImage,
      0,
      masks.length,
      opts.batchSize ?? 16,
      (i, target, offset, fill) => {
        const m = raster[i];
        for (let p = 0; p < m.length; p++) {
          if (m[p]) for (let k = 0; k < c; k++) target[offset + p * c + k] = fill[p * c + k];
        }
      },
      (i, row) => {
        probabilities[i] = row[classIndex];
        topClass[i] = argmax(row);
        topProbability[i] = row[topClass[i]];
      },
      opts,
    );
  } finally {
    fillImage.dispose();
  }
  return { classIndex, baseline: base[classIndex], probabilities, topClass, topProbability };
}
