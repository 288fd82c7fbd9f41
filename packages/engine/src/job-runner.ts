/**
 * Runs one JobSpec with the real algorithms of @convlab/vis over a @convlab/nets model. Used inside the compute
 * workers; free of worker plumbing (models, inputs and the batched forward pass come from a context), so it also
 * runs in-process in tests. Forward-only kinds go through `ctx.forward`, which the worker backs with a dynamic
 * batcher shared by every job running on that worker. Browser-safe (no fs, no sharp: PNG encoding is injected), so a
 * browser Web Worker can run the same JobSpec through the same code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward, outputToImageNetIndex, receptiveFieldBox, type GradientObjective, type ImageNetClass, type Model } from '@convlab/nets';
import {
  attribute,
  attributionImage,
  gradientAscent,
  greyValue,
  inputRange,
  maxActivatingPatchesByChannel,
  netsAttributionProvider,
  netsClassifier,
  netsIncremental,
  occludeMasks,
  occludeSlidingWindow,
  netsLayerActivation,
  netsReceptiveField,
  netsScore,
  rankFeatureMapChannels,
  strongestInChannel,
  throwIfAborted,
  VisAbortError,
  inputPixelsToRgb,
  type AttributionMethod,
  type FeatureMap,
  type OcclusionPartial,
  type RgbImage,
  type PatchImage,
} from '@convlab/vis';
import { type GradientTarget, type ImageRef, type JobResultData, type JobSpec, type JobSpecOf, type WireMap } from '@convlab/protocol';

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

/**
 * The input pixels a neuron sees, and how the model's input was cut from the photo (for crops). A pick without a
 * position is the channel's strongest (the executor's rule), found here with one forward pass to its layer.
 */
async function neuronField(model: Model, t: GradientTarget, input: tf.Tensor4D): Promise<JobResultData['saliency']['field']> {
  if (t.kind !== 'neuron') return undefined;
  let at = t.y !== undefined && t.x !== undefined ? { y: t.y, x: t.x } : null;
  if (!at) {
    const act = netsLayerActivation(model, t.layer)(input);
    try {
      const [, h, w, c] = act.shape;
      at = strongestInChannel(await act.data(), h!, w!, c!, t.channel);
    } finally {
      act.dispose();
    }
  }
  const [top, left, bottom, right] = receptiveFieldBox(netsReceptiveField(model, t.layer), at.y, at.x);
  return { box: [top, left, bottom, right], inputSize: [model.meta.inputSize[0], model.meta.inputSize[1]], cropFraction: model.meta.preprocessing.cropFraction };
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
    const label = model.meta.classNames?.[index] ?? (imagenetIndex < 0 ? (model.meta.backgroundClass ? 'background' : undefined) : labels?.[imagenetIndex]?.name);
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
  const only = spec.params.channel;
  if (only !== undefined && only >= c) throw new Error(`layer '${layer}' has ${c} channels, not channel ${only}`);
  const channels = only !== undefined ? [only] : ranking.slice(0, spec.params.channels).map((r) => r.channel);
  const maps = new Float32Array(channels.length * h * w);
  channels.forEach((ch, k) => {
    for (let i = 0; i < h * w; i++) maps[k * h * w + i] = tap.data[i * c + ch];
  });
  ctx.onProgress({ step: 1, total: 1 });
  return { data: { layer, height: h, width: w, ranking, channels, maps }, batched: res.batched };
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
  return { data: slidingWindowData(r), batched: false };
}

/**
 * Sliding-window and mask occlusion: vis' `occludeSlidingWindow` / `occludeMasks` (one implementation of the grid,
 * fills, masks and batching), with forward passes through `ctx.forward`, so rows of several students' jobs share
 * batches; sliding windows may take vis' incremental passes instead (`ctx.incremental`).
 */
async function occlusion(spec: JobSpecOf<'occlusion'> | JobSpecOf<'occlusion-masks'>, model: Model, ctx: RunnerContext): Promise<RunnerOutput> {
  const input = await ctx.input(spec.image, model);
  try {
    if (spec.kind === 'occlusion' && ctx.incremental) {
      const out = await incrementalOcclusion(spec, model, input, ctx);
      if (out) return out;
    }
    let batched = false;
    const classify = async (batch: tf.Tensor4D) => {
      const res = await ctx.forward(model, { input: batch });
      batched ||= res.batched;
      return res.rows;
    };
    const opts = {
      ...(spec.params.classIndex !== undefined ? { classIndex: spec.params.classIndex } : {}),
      batchSize: Math.max(1, ctx.rowsPerRequest),
      fill: spec.params.fill,
      greyValue: greyValue(model.meta.preprocessing),
      seed: spec.params.seed,
      signal: ctx.signal,
      onProgress: (p: { step: number; total: number }) => ctx.onProgress({ step: p.step, total: p.total }),
    };
    if (spec.kind === 'occlusion') {
      const r = await occludeSlidingWindow(classify, input, { ...opts, window: spec.params.window, stride: spec.params.stride, incremental: false });
      return { data: slidingWindowData(r), batched };
    }
    const r = await occludeMasks(classify, input, spec.params.masks, opts);
    return { data: r, batched };
  } finally {
    input.dispose();
  }
}

/** The wire form of a sliding-window result. */
function slidingWindowData(r: OcclusionPartial): JobResultData['occlusion'] {
  const { grid } = r;
  return { classIndex: r.classIndex, baseline: r.baseline, rows: grid.rows, cols: grid.cols, window: grid.window, stride: grid.stride, probabilities: r.probabilities, topClass: r.topClass, topProbability: r.topProbability };
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
    const png = ctx.encodePng?.(attributionImage(p.method, r.map, rawValues));
    const field = await neuronField(model, p.target, input);
    return { data: { method: r.method, value: r.value, map: toWire(r.map), ...(raw ? { raw } : {}), ...(png ? { png } : {}), ...(field ? { field } : {}) }, batched: false };
  } finally {
    input.dispose();
  }
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
  const channels = p.channels ?? [p.channel!];
  async function* images(): AsyncGenerator<PatchImage> {
    for (let i = 0; i < refs.length; i++) {
      throwIfAborted(ctx.signal);
      yield { id: String(i), index: i, input: await ctx.input(refs[i], model) };
    }
  }
  const tops = await maxActivatingPatchesByChannel(netsLayerActivation(model, p.layer), images(), {
    channels,
    receptiveField: netsReceptiveField(model, p.layer),
    k: p.k,
    crops: p.crops,
    totalImages: refs.length,
    signal: ctx.signal,
    onProgress: (q) => ctx.onProgress({ step: q.step, total: q.total }),
  });
  const entries = tops.flatMap((top, j) =>
    top.map((e) => ({ channel: channels[j], index: e.index, image: refs[e.index], value: e.value, y: e.y, x: e.x, box: e.box, ...(e.patch ? { patch: toWire(e.patch) } : {}) })),
  );
  return { data: { entries }, batched: false };
}

/** True for the error an aborted job throws. */
export function isAbort(err: unknown): boolean {
  return err instanceof VisAbortError || (err instanceof Error && err.name === 'AbortError');
}
