/**
 * Runs one JobSpec with the real algorithms of @convlab/vis over a @convlab/nets model. Used inside the compute
 * workers; free of worker plumbing (models, inputs and the batched forward pass come from a context), so it also
 * runs in-process in tests. Forward-only kinds go through `ctx.forward`, which the worker backs with a dynamic
 * batcher shared by every job running on that worker. Browser-safe (no fs, no sharp: PNG encoding is injected), so a
 * browser Web Worker can run the same JobSpec through the same code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward, outputToImageNetIndex, type GradientObjective, type ImageNetClass, type Model } from '@convlab/nets';
import {
  argmax,
  attribute,
  colorize,
  gradientAscent,
  greyValue,
  inputRange,
  makeFillImage,
  maxActivatingPatches,
  netsAttributionProvider,
  netsClassifier,
  netsIncremental,
  occludeSlidingWindow,
  netsLayerActivation,
  netsReceptiveField,
  netsScore,
  occlusionGrid,
  rankFeatureMapChannels,
  rasterizeMask,
  robustMax,
  signedRgb,
  throwIfAborted,
  VisAbortError,
  inputPixelsToRgb,
  type AttributionMethod,
  type FeatureMap,
  type RgbImage,
  type PatchImage,
} from '@convlab/vis';
import { rasterizeMask as maskPixels, type GradientTarget, type ImageRef, type JobResultData, type JobSpec, type JobSpecOf, type WireMap } from '@convlab/protocol';

/** One forward request: `input` rows ([n,H,W,C], owned by the caller), optional taps. */
export interface ForwardRequest {
  input: tf.Tensor4D;
  taps?: string[];
}

/** Its result, as plain arrays: probabilities [n × classes] and each tap's rows. */
export interface ForwardRows {
  probabilities: Float32Array;
  classes: number;
  taps: Record<string, { data: Float32Array; shape: number[] }>;
}

/** Progress of a running job (an ascent snapshot carries a PNG). */
export interface RunnerProgress {
  step: number;
  total: number;
  score?: number;
  image?: Uint8Array;
}

/** What a job needs from its host. */
export interface RunnerContext {
  model(id: string): Promise<Model>;
  /** The preprocessed [1,H,W,3] input (caller-owned: the runner disposes it). */
  input(ref: ImageRef, model: Model): Promise<tf.Tensor4D>;
  /** A forward pass, possibly batched with other jobs' rows. `batched` is true when the batch held other jobs. */
  forward(model: Model, req: ForwardRequest): Promise<{ rows: ForwardRows; batched: boolean }>;
  /** Rows per forward request (part of one batch, so that requests of several jobs share it). */
  rowsPerRequest: number;
  /** Positions per incremental pass (those passes are per job, never shared; default rowsPerRequest). */
  incrementalRows?: number;
  /**
   * Sliding-window occlusion may use vis' incremental passes (recompute only the window's footprint up to a cut
   * layer, `incrementalRows` positions per pass) when vis' cost model says they are faster — on wasm/cpu about ×1.5–2
   * per job. Those passes are per job (they reuse the job's own unoccluded activations), so they do not share batches
   * with other jobs; where the cost model declines, the batched full passes run as before. Off by default.
   */
  incremental?: boolean;
  labels?(): Promise<ImageNetClass[] | null>;
  /** PNG encoder for result images (Node: vis' encodePng); without one, results carry no PNG. */
  encodePng?(img: RgbImage): Uint8Array;
  signal: AbortSignal;
  onProgress(p: RunnerProgress): void;
}

/** The result data of a job and whether its forward passes shared batches with other jobs. */
export interface RunnerOutput {
  data: JobResultData[keyof JobResultData];
  batched: boolean;
}

/**
 * One forward pass of a model without batching (the reference path; also the batcher's `run`). Reads back
 * asynchronously: the WebGPU backend cannot read synchronously in Node (and should not anywhere).
 */
export async function forwardRows(model: Model, input: tf.Tensor4D, taps: string[] = []): Promise<ForwardRows> {
  const r = forward(model, input, { taps });
  try {
    const out: ForwardRows = { probabilities: (await r.probabilities.data()) as Float32Array, classes: r.probabilities.shape[1], taps: {} };
    for (const t of taps) out.taps[t] = { data: (await r.taps[t].data()) as Float32Array, shape: r.taps[t].shape };
    return out;
  } finally {
    tf.dispose([r.output, r.logits, r.probabilities, ...Object.values(r.taps)]);
  }
}

function objectiveOf(t: GradientTarget): GradientObjective {
  if (t.kind === 'class') return { kind: 'class', index: t.index };
  if (t.kind === 'neuron') return { kind: 'neuron', node: t.layer, channel: t.channel, y: t.y, x: t.x };
  return { kind: 'channelMean', node: t.layer, channel: t.channel };
}

function toWire(m: FeatureMap): WireMap {
  return { height: m.height, width: m.width, channels: m.channels, data: m.data };
}

/** Runs a job to its result data. Throws VisAbortError when `ctx.signal` fires. */
export async function runJob(spec: JobSpec, ctx: RunnerContext): Promise<RunnerOutput> {
  throwIfAborted(ctx.signal);
  const model = await ctx.model(spec.model);
  switch (spec.kind) {
    case 'classify':
      return classify(spec, model, ctx);
    case 'activations':
      return activationsJob(spec, model, ctx);
    case 'occlusion':
    case 'occlusion-masks':
      return occlusion(spec, model, ctx);
    case 'saliency':
      return saliency(spec, model, ctx);
    case 'ascent':
      return ascent(spec, model, ctx);
    case 'patches':
      return patches(spec, model, ctx);
    default:
      throw new Error(`unknown job kind '${(spec as { kind: string }).kind}'`);
  }
}

async function classify(spec: JobSpecOf<'classify'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const input = await ctx.input(spec.image, model);
  let res;
  try {
    res = await ctx.forward(model, { input });
  } finally {
    input.dispose();
  }
  const p = res.rows.probabilities;
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b).slice(0, spec.params.top);
  const toStd = outputToImageNetIndex(model.meta);
  const labels = (await ctx.labels?.()) ?? null;
  const predictions = order.map((index) => {
    const imagenetIndex = toStd[index] ?? -1;
    const label = imagenetIndex < 0 ? (model.meta.backgroundClass ? 'background' : undefined) : labels?.[imagenetIndex]?.name;
    return { index, probability: p[index], imagenetIndex, ...(label ? { label } : {}) };
  });
  ctx.onProgress({ step: 1, total: 1 });
  return { data: { predictions }, batched: res.batched };
}

async function activationsJob(spec: JobSpecOf<'activations'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const { layer } = spec.params;
  const input = await ctx.input(spec.image, model);
  let res;
  try {
    res = await ctx.forward(model, { input, taps: [layer] });
  } finally {
    input.dispose();
  }
  const tap = res.rows.taps[layer];
  if (tap.shape.length !== 4) throw new Error(`layer '${layer}' is not a feature map (shape [${tap.shape.join(', ')}])`);
  const [, h, w, c] = tap.shape;
  const ranking = rankFeatureMapChannels({ height: h, width: w, channels: c, data: tap.data });
  const channels = ranking.slice(0, spec.params.channels).map((r) => r.channel);
  const maps = new Float32Array(channels.length * h * w);
  channels.forEach((ch, k) => {
    for (let i = 0; i < h * w; i++) maps[k * h * w + i] = tap.data[i * c + ch];
  });
  ctx.onProgress({ step: 1, total: 1 });
  return { data: { layer, height: h, width: w, ranking, channels, maps }, batched: res.batched };
}

/** Per-channel minimum and maximum of an image batch, read back asynchronously. */
async function channelRange(input: tf.Tensor4D): Promise<{ min: number[]; max: number[] }> {
  const [lo, hi] = [tf.min(input, [0, 1, 2]), tf.max(input, [0, 1, 2])];
  try {
    return { min: Array.from(await lo.data()), max: Array.from(await hi.data()) };
  } finally {
    tf.dispose([lo, hi]);
  }
}

/** (backend, model, window) for which vis' cost model found incremental passes no faster. */
const declinedIncremental = new Set<string>();

/**
 * Sliding-window occlusion through vis' `occludeSlidingWindow` with incremental passes, or null when vis' cost model
 * finds them no faster for this window (the caller then runs batched full passes).
 */
async function incrementalOcclusion(spec: JobSpecOf<'occlusion'>, model: Model, input: tf.Tensor4D, ctx: RunnerContext): Promise<RunnerOutput | null> {
  const { window, stride } = spec.params;
  // The cost model's answer depends on the model, the window and the backend only, not on the image: a decline is
  // remembered, so later jobs skip planning (several ms of geometry per job).
  const declineKey = `${tf.getBackend()}|${model.meta.id}|${window}`;
  if (declinedIncremental.has(declineKey)) return null;
  const session = await netsIncremental(model).prepare(input, [window, window], false);
  if (!session) {
    declinedIncremental.add(declineKey);
    return null;
  }
  // vis disposes the session when the run ends; this classifier hands it the one prepared above.
  const classify = Object.assign(netsClassifier(model), { incremental: { prepare: async () => session } });
  let r;
  try {
    r = await occludeSlidingWindow(classify, input, {
      window,
      stride,
      ...(spec.params.classIndex !== undefined ? { classIndex: spec.params.classIndex } : {}),
      batchSize: Math.max(1, ctx.incrementalRows ?? ctx.rowsPerRequest),
      incremental: true,
      fill: spec.params.fill,
      greyValue: greyValue(model.meta.preprocessing),
      seed: spec.params.seed,
      signal: ctx.signal,
      onProgress: (p) => ctx.onProgress({ step: p.step, total: p.total }),
    });
  } catch (err) {
    session.dispose(); // idempotent where vis disposed it already
    throw err;
  }
  const { grid } = r;
  return {
    data: { classIndex: r.classIndex, baseline: r.baseline, rows: grid.rows, cols: grid.cols, window: grid.window, stride: grid.stride, probabilities: r.probabilities, topClass: r.topClass, topProbability: r.topProbability },
    batched: false,
  };
}

/**
 * Sliding-window and mask occlusion with forward passes through `ctx.forward`, so rows of several students' jobs
 * share batches. The fill image, grid and mask rasterization are vis' own; the blend `input + (fill − input)·mask`
 * is the one vis uses, and the result equals vis' `occludeSlidingWindow` / `occludeMasks` (tested).
 */
async function occlusion(spec: JobSpecOf<'occlusion'> | JobSpecOf<'occlusion-masks'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const input = await ctx.input(spec.image, model);
  let batched = false;
  try {
    if (spec.kind === 'occlusion' && ctx.incremental) {
      const out = await incrementalOcclusion(spec, model, input, ctx);
      if (out) return out;
    }
    const [, h, w] = input.shape;
    const base = await ctx.forward(model, { input });
    batched ||= base.batched;
    const classes = base.rows.classes;
    const classIndex = spec.params.classIndex ?? argmax(base.rows.probabilities);
    if (classIndex >= classes) throw new Error(`class index ${classIndex} is outside 0..${classes - 1}`);
    const baseline = base.rows.probabilities[classIndex];
    const grid = spec.kind === 'occlusion' ? occlusionGrid(h, w, spec.params.window, spec.params.stride) : null;
    // Brush strokes travel run-length encoded on their own grid: stretch them over the input first.
    const rasters =
      spec.kind === 'occlusion-masks'
        ? spec.params.masks.map((m) => rasterizeMask(m.kind === 'bitmap' ? { kind: 'bitmap', height: h, width: w, data: maskPixels(m, w, h) } : m, h, w))
        : null;
    const total = grid ? grid.rows * grid.cols : rasters!.length;
    const probabilities = new Float32Array(total);
    const topClass = new Int32Array(total);
    const topProbability = new Float32Array(total);
    // Noise spans each channel's range in the input; read here asynchronously (WebGPU cannot read synchronously).
    const noiseRange = spec.params.fill === 'noise' ? await channelRange(input) : undefined;
    const fillImage = makeFillImage(input, { fill: spec.params.fill, greyValue: greyValue(model.meta.preprocessing), seed: spec.params.seed, noiseRange });
    // Windows are rectangles of fill pixels: copy them into copies of the input (as vis does), no per-row masks.
    // Masks may be fractional (antialiased edges): blend `input + (fill − input)·mask` on the backend.
    const c = input.shape[3];
    const pixels = grid ? ((await input.data()) as Float32Array) : null;
    const fillPixels = grid ? ((await fillImage.data()) as Float32Array) : null;
    const delta = grid ? null : tf.sub(fillImage, input);
    fillImage.dispose();
    const occluded = (first: number, n: number): tf.Tensor4D => {
      if (grid) {
        const size = h * w * c;
        const data = new Float32Array(n * size);
        for (let k = 0; k < n; k++) {
          const off = k * size;
          data.set(pixels!, off);
          const y0 = Math.floor((first + k) / grid.cols) * grid.stride;
          const x0 = ((first + k) % grid.cols) * grid.stride;
          for (let y = y0; y < y0 + grid.window; y++) {
            const a = (y * w + x0) * c;
            data.set(fillPixels!.subarray(a, a + grid.window * c), off + a);
          }
        }
        return tf.tensor4d(data, [n, h, w, c]);
      }
      const maskData = new Float32Array(n * h * w);
      for (let k = 0; k < n; k++) maskData.set(rasters![first + k], k * h * w);
      return tf.tidy(() => tf.add(input, tf.mul(delta!, tf.tensor4d(maskData, [n, h, w, 1]))) as tf.Tensor4D);
    };
    try {
      const chunk = Math.max(1, ctx.rowsPerRequest);
      for (let b0 = 0; b0 < total; b0 += chunk) {
        throwIfAborted(ctx.signal);
        const n = Math.min(chunk, total - b0);
        const batch = occluded(b0, n);
        let res;
        try {
          res = await ctx.forward(model, { input: batch });
        } finally {
          batch.dispose();
        }
        batched ||= res.batched;
        for (let k = 0; k < n; k++) {
          const row = res.rows.probabilities.subarray(k * classes, (k + 1) * classes);
          probabilities[b0 + k] = row[classIndex];
          const t = argmax(row);
          topClass[b0 + k] = t;
          topProbability[b0 + k] = row[t];
        }
        ctx.onProgress({ step: b0 + n, total });
      }
    } finally {
      delta?.dispose();
    }
    if (grid) {
      return {
        data: { classIndex, baseline, rows: grid.rows, cols: grid.cols, window: grid.window, stride: grid.stride, probabilities, topClass, topProbability },
        batched,
      };
    }
    return {
      data: { classIndex, baseline, probabilities: Array.from(probabilities), topClass: Array.from(topClass), topProbability: Array.from(topProbability) },
      batched,
    };
  } finally {
    input.dispose();
  }
}

async function saliency(spec: JobSpecOf<'saliency'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const p = spec.params;
  const input = await ctx.input(spec.image, model);
  try {
    const provider = netsAttributionProvider(model, objectiveOf(p.target), p.method === 'gradcam' ? p.layer : undefined);
    const r = await attribute(provider, input, {
      method: p.method as AttributionMethod,
      samples: p.samples,
      noiseLevel: p.noiseLevel,
      seed: p.seed,
      signal: ctx.signal,
      onProgress: (q) => ctx.onProgress({ step: q.step, total: q.total }),
    });
    let raw: WireMap | undefined;
    let rawValues: Float32Array | null = null;
    if (r.raw) {
      const [, h, w, c] = r.raw.shape;
      rawValues = Float32Array.from(await r.raw.data());
      if (p.raw) raw = { height: h, width: w, channels: c, data: rawValues };
      r.raw.dispose();
    }
    const png = ctx.encodePng?.(saliencyImage(p.method, r.map, rawValues));
    return { data: { method: r.method, value: r.value, map: toWire(r.map), ...(raw ? { raw } : {}), ...(png ? { png } : {}) }, batched: false };
  } finally {
    input.dispose();
  }
}

/**
 * The picture of an attribution, as the lecture shows it: guided backprop and deconvnet as the signed RGB gradient
 * around grey; the other methods as a heatmap whose top is the 99.5th percentile, so a few extreme pixels do not
 * leave the rest black.
 */
function saliencyImage(method: string, map: FeatureMap, raw: Float32Array | null): RgbImage {
  if ((method === 'guided' || method === 'deconvnet') && raw && raw.length === map.width * map.height * 3) return signedRgb(raw, map.width, map.height);
  return colorize(map.data, map.width, map.height, { colormap: 'inferno', min: 0, max: robustMax(map.data) });
}

async function ascent(spec: JobSpecOf<'ascent'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const p = spec.params;
  const [h, w] = model.meta.inputSize;
  const range = inputRange(model.meta.preprocessing);
  // From the values already on the CPU: no tensor to read back (WebGPU in Node cannot read synchronously).
  const snapshotPng = (image: FeatureMap) => ctx.encodePng?.(inputPixelsToRgb(image.data, image.height, image.width, model.meta));
  const r = await gradientAscent(netsScore(model, objectiveOf(p.target)), {
    shape: [1, h, w, 3],
    steps: p.steps,
    learningRate: p.learningRate,
    optimizer: p.optimizer,
    l2: p.l2,
    decay: p.decay,
    blurEvery: p.blurEvery,
    blurWidth: p.blurWidth,
    normPercentile: p.normPercentile,
    contributionPercentile: p.contributionPercentile,
    jitter: p.jitter,
    init: p.init,
    seed: p.seed,
    clip: p.clip ? range : null,
    snapshotEvery: p.snapshotEvery,
    onSnapshot: (s) => ctx.onProgress({ step: s.step, total: p.steps, score: s.score, image: snapshotPng(s.image) }),
    signal: ctx.signal,
    onProgress: (q) => ctx.onProgress({ step: q.step, total: q.total }),
  });
  try {
    const data = Float32Array.from(await r.image.data());
    const png = ctx.encodePng?.(inputPixelsToRgb(data, h, w, model.meta));
    return { data: { score: r.score, objective: r.objective, scores: r.scores, image: { height: h, width: w, channels: 3, data }, ...(png ? { png } : {}) }, batched: false };
  } finally {
    r.image.dispose();
  }
}

async function patches(spec: JobSpecOf<'patches'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const p = spec.params;
  const refs = p.images;
  async function* images(): AsyncGenerator<PatchImage> {
    for (let i = 0; i < refs.length; i++) {
      throwIfAborted(ctx.signal);
      yield { id: String(i), index: i, input: await ctx.input(refs[i], model) };
    }
  }
  const entries = await maxActivatingPatches(netsLayerActivation(model, p.layer), images(), {
    channel: p.channel,
    receptiveField: netsReceptiveField(model, p.layer),
    k: p.k,
    totalImages: refs.length,
    signal: ctx.signal,
    onProgress: (q) => ctx.onProgress({ step: q.step, total: q.total }),
  });
  return {
    data: { entries: entries.map((e) => ({ image: refs[e.index], value: e.value, y: e.y, x: e.x, box: e.box, patch: toWire(e.patch) })) },
    batched: false,
  };
}

/** True for the error an aborted job throws. */
export function isAbort(err: unknown): boolean {
  return err instanceof VisAbortError || (err instanceof Error && err.name === 'AbortError');
}
