/**
 * Compute jobs: one JobSpec format for the browser and the compute server (zod), its stable content hash,
 * the result envelope that records where and how a result was computed, progress events, and the compute
 * error codes. Depends on zod only (the hash is a small pure SHA-256, so it is synchronous in both places).
 */
import { z } from 'zod';
import { MASK_LIMITS, OcclusionMaskSchema } from './masks';

/** Hard bounds that keep one job from monopolizing a worker; refused before any work starts. */
export const JOB_LIMITS = {
  /** Model ids: built-in folder names or TFLite file names. */
  modelIdMax: 100,
  /** Node ids of a model graph. */
  layerIdMax: 128,
  /** Class index bound before the model is known (the real bound is the model's numClasses). */
  classIndexMax: 100_000,
  /** Occlusion: positions (rows × cols) of one sliding-window job. */
  occlusionPositionsMax: 4096,
  occlusionMasksMax: 64,
  polygonPointsMax: MASK_LIMITS.polygonPointsMax,
  /** All polygon points of one job together: keeps a JobSpec well under the socket payload cap (16 KB). */
  maskPointsMax: 512,
  /** All brush-bitmap runs of one job together (a 224×224 stroke takes a few hundred). */
  maskRunsMax: 2048,
  /** Pixels; the real bound is the model's input size. */
  windowMax: 1024,
  smoothGradSamplesMax: 100,
  ascentStepsMax: 1000,
  activationChannelsMax: 64,
  patchImagesMax: 64,
  patchKMax: 36,
  patchChannelsMax: 16,
  topMax: 20,
  seedMax: 2 ** 31 - 1,
} as const;

/** Every kind of job the compute service runs. */
export const JOB_KINDS = ['classify', 'activations', 'occlusion', 'occlusion-masks', 'saliency', 'ascent', 'patches'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Kinds that are forward passes only: these are gathered into batches across jobs. */
export const FORWARD_ONLY_KINDS: readonly JobKind[] = ['classify', 'activations', 'occlusion', 'occlusion-masks'];

const ModelId = z
  .string()
  .min(1)
  .max(JOB_LIMITS.modelIdMax)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a model id is letters, digits, ".", "_" and "-"');
const LayerId = z.string().min(1).max(JOB_LIMITS.layerIdMax);
const ClassIndex = z.number().int().min(0).max(JOB_LIMITS.classIndexMax);
const ChannelIndex = z.number().int().min(0).max(100_000);
const Seed = z.number().int().min(0).max(JOB_LIMITS.seedMax);
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lowercase hex digits');

/**
 * The input image of a job: an image a student uploaded (its content sha256, known to the server) or one of the
 * built-in samples (`photos/<file>` or `imagenet-samples/<file>`).
 */
export const ImageRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('upload'), sha256: Sha256Hex }),
  z.strictObject({
    kind: z.literal('sample'),
    id: z
      .string()
      .max(200)
      .regex(/^(photos|imagenet-samples)\/[A-Za-z0-9][A-Za-z0-9._-]*\.(jpe?g|png|webp)$/i, 'a sample id is photos/<file> or imagenet-samples/<file>'),
  }),
]);
export type ImageRef = z.infer<typeof ImageRefSchema>;

/** The scalar a gradient method differentiates: a class score before softmax, one neuron, or a channel's mean. */
export const GradientTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('class'), index: ClassIndex }),
  z.strictObject({
    kind: z.literal('neuron'),
    layer: LayerId,
    channel: z.number().int().min(0).max(100_000),
    y: z.number().int().min(0).max(4096).optional(),
    x: z.number().int().min(0).max(4096).optional(),
  }),
  z.strictObject({ kind: z.literal('channelMean'), layer: LayerId, channel: z.number().int().min(0).max(100_000) }),
]);
export type GradientTarget = z.infer<typeof GradientTargetSchema>;

const Fill = z.enum(['zero', 'grey', 'blur', 'noise']).default('zero');

export const ATTRIBUTION_METHOD_NAMES = ['vanilla', 'saliency', 'guided', 'deconvnet', 'smoothgrad', 'gradient-x-input', 'gradcam'] as const;

const base = { model: ModelId };

/** classify: the top classes of one image. */
export const ClassifyJobSchema = z.strictObject({
  kind: z.literal('classify'),
  ...base,
  image: ImageRefSchema,
  params: z.strictObject({ top: z.number().int().min(1).max(JOB_LIMITS.topMax).default(5) }).default({ top: 5 }),
});

/** activations: the feature maps of one layer, channels ranked by mean activation; the strongest `channels` kept. */
export const ActivationsJobSchema = z.strictObject({
  kind: z.literal('activations'),
  ...base,
  image: ImageRefSchema,
  params: z.strictObject({
    layer: LayerId,
    channels: z.number().int().min(1).max(JOB_LIMITS.activationChannelsMax).default(16),
    /** Only this channel's map (whatever its rank), instead of the strongest `channels`. */
    channel: z.number().int().min(0).max(100_000).optional(),
  }),
});

/** occlusion: sliding window (Zeiler & Fergus 2014). */
export const OcclusionJobSchema = z.strictObject({
  kind: z.literal('occlusion'),
  ...base,
  image: ImageRefSchema,
  params: z.strictObject({
    window: z.number().int().min(1).max(JOB_LIMITS.windowMax),
    stride: z.number().int().min(1).max(JOB_LIMITS.windowMax),
    fill: Fill,
    classIndex: ClassIndex.optional(),
    seed: Seed.default(0),
  }),
});

/** occlusion-masks: the target probability with each drawn mask applied. */
export const OcclusionMasksJobSchema = z.strictObject({
  kind: z.literal('occlusion-masks'),
  ...base,
  image: ImageRefSchema,
  params: z.strictObject({
    masks: z
      .array(OcclusionMaskSchema)
      .min(1)
      .max(JOB_LIMITS.occlusionMasksMax)
      .refine((ms) => ms.reduce((n, m) => n + (m.kind === 'polygon' ? m.points.length : 0), 0) <= JOB_LIMITS.maskPointsMax, {
        message: `at most ${JOB_LIMITS.maskPointsMax} polygon points in all`,
      })
      .refine((ms) => ms.reduce((n, m) => n + (m.kind === 'bitmap' ? m.runs.length : 0), 0) <= JOB_LIMITS.maskRunsMax, {
        message: `at most ${JOB_LIMITS.maskRunsMax} brush runs in all (use a coarser brush grid)`,
      }),
    fill: Fill,
    classIndex: ClassIndex.optional(),
    seed: Seed.default(0),
  }),
});

/** saliency: attribution to pixels by one method. */
export const SaliencyJobSchema = z.strictObject({
  kind: z.literal('saliency'),
  ...base,
  image: ImageRefSchema,
  params: z
    .strictObject({
      method: z.enum(ATTRIBUTION_METHOD_NAMES),
      target: GradientTargetSchema,
      /** Grad-CAM's convolutional layer. */
      layer: LayerId.optional(),
      samples: z.number().int().min(1).max(JOB_LIMITS.smoothGradSamplesMax).default(25),
      noiseLevel: z.number().min(0).max(1).default(0.15),
      seed: Seed.default(0),
      /** Also return the raw per-pixel attribution (input-sized), not only the one-channel map. */
      raw: z.boolean().default(false),
    })
    .refine((p) => p.method !== 'gradcam' || p.layer !== undefined, { message: 'Grad-CAM needs a layer', path: ['layer'] }),
});

/** ascent: gradient-ascent class (or neuron) visualization, from zeros or seeded noise. */
export const AscentJobSchema = z.strictObject({
  kind: z.literal('ascent'),
  ...base,
  params: z.strictObject({
    target: GradientTargetSchema,
    steps: z.number().int().min(1).max(JOB_LIMITS.ascentStepsMax),
    learningRate: z.number().positive().max(1e4),
    optimizer: z.enum(['sgd', 'adam']).default('sgd'),
    l2: z.number().min(0).max(10).default(0),
    decay: z.number().min(0).lt(1).default(0),
    blurEvery: z.number().int().min(0).max(JOB_LIMITS.ascentStepsMax).default(0),
    blurWidth: z.number().min(0).max(10).default(0),
    normPercentile: z.number().min(0).max(100).default(0),
    contributionPercentile: z.number().min(0).max(100).default(0),
    jitter: z.number().int().min(0).max(32).default(0),
    init: z.enum(['zeros', 'noise']).default('zeros'),
    clip: z.boolean().default(true),
    seed: Seed.default(0),
    /** Stream the current image every k steps (0 = only progress counts). */
    snapshotEvery: z.number().int().min(0).max(JOB_LIMITS.ascentStepsMax).default(0),
  }),
});

/** patches: the top-k maximally activating patches of (layer, channel) over a set of images. */
export const PatchesJobSchema = z.strictObject({
  kind: z.literal('patches'),
  ...base,
  params: z
    .strictObject({
      layer: LayerId,
      /** One channel, or several (`channels`, searched in one pass over the images): exactly one of the two. */
      channel: ChannelIndex.optional(),
      channels: z.array(ChannelIndex).min(1).max(JOB_LIMITS.patchChannelsMax).optional(),
      k: z.number().int().min(1).max(JOB_LIMITS.patchKMax).default(9),
      images: z.array(ImageRefSchema).min(1).max(JOB_LIMITS.patchImagesMax),
      /** Send each winner's receptive field crop (false: positions and values only, as a class search does). */
      crops: z.boolean().default(true),
    })
    .refine((p) => (p.channel === undefined) !== (p.channels === undefined), { message: 'give either channel or channels', path: ['channels'] })
    .refine((p) => !p.channels || new Set(p.channels).size === p.channels.length, { message: 'each channel once', path: ['channels'] }),
});

/** Any job. Parse with it (defaults filled in) before hashing, so equal jobs hash equally. */
export const JobSpecSchema = z.discriminatedUnion('kind', [
  ClassifyJobSchema,
  ActivationsJobSchema,
  OcclusionJobSchema,
  OcclusionMasksJobSchema,
  SaliencyJobSchema,
  AscentJobSchema,
  PatchesJobSchema,
]);
export type JobSpec = z.output<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;
export type JobSpecOf<K extends JobKind> = Extract<JobSpec, { kind: K }>;

/** What the service needs to know about a model to check a job before running it. */
export interface ModelBounds {
  inputSize: [number, number];
  numClasses: number;
  /** Node ids of the graph (when known); null skips layer checks. */
  layers?: ReadonlySet<string> | null;
}

/** The class indices and layers a job names (for UNKNOWN_CLASS / UNKNOWN_LAYER checks). */
export function jobReferences(spec: JobSpec): { classes: number[]; layers: string[]; images: ImageRef[] } {
  const classes: number[] = [];
  const layers: string[] = [];
  const images: ImageRef[] = 'image' in spec ? [spec.image] : [];
  const target = (t: GradientTarget) => (t.kind === 'class' ? classes.push(t.index) : layers.push(t.layer));
  switch (spec.kind) {
    case 'activations':
      layers.push(spec.params.layer);
      break;
    case 'occlusion':
    case 'occlusion-masks':
      if (spec.params.classIndex !== undefined) classes.push(spec.params.classIndex);
      break;
    case 'saliency':
      target(spec.params.target);
      if (spec.params.layer) layers.push(spec.params.layer);
      break;
    case 'ascent':
      target(spec.params.target);
      break;
    case 'patches':
      layers.push(spec.params.layer);
      images.push(...spec.params.images);
      break;
    default:
      break;
  }
  return { classes, layers, images };
}

/**
 * Checks a parsed job against its model: class indices, layer ids and sizes. Returns the first problem as a
 * compute error (code + message), or null when the job can run.
 */
export function checkJobAgainstModel(spec: JobSpec, model: ModelBounds): { code: ComputeErrorCode; message: string } | null {
  const refs = jobReferences(spec);
  for (const c of refs.classes) {
    if (c >= model.numClasses) return { code: 'UNKNOWN_CLASS', message: `class ${c} is outside the outputs 0..${model.numClasses - 1} of '${spec.model}'` };
  }
  if (model.layers) {
    for (const l of refs.layers) {
      if (!model.layers.has(l)) return { code: 'UNKNOWN_LAYER', message: `model '${spec.model}' has no layer '${l}'` };
    }
  }
  const [h, w] = model.inputSize;
  if (spec.kind === 'occlusion') {
    const { window, stride } = spec.params;
    if (window > Math.min(h, w)) return { code: 'JOB_TOO_LARGE', message: `window ${window} is larger than the ${h}x${w} input` };
    const positions = (Math.floor((h - window) / stride) + 1) * (Math.floor((w - window) / stride) + 1);
    if (positions > JOB_LIMITS.occlusionPositionsMax) {
      return { code: 'JOB_TOO_LARGE', message: `${positions} window positions; at most ${JOB_LIMITS.occlusionPositionsMax} (use a larger stride)` };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Stable content hash: canonical JSON (keys sorted at every level, no whitespace) → SHA-256 hex.

/** Canonical JSON: object keys sorted, undefined members dropped, numbers as JSON writes them. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 of bytes as lowercase hex (pure and synchronous, so browser and server hash identically). */
export function sha256Hex(bytes: Uint8Array): string {
  const len = bytes.length;
  const padded = new Uint8Array(((len + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[len] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(len / 0x20000000));
  view.setUint32(padded.length - 4, (len << 3) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

/**
 * The content hash of a job: sha256 of the canonical JSON of the parsed spec (defaults filled in), so key order and
 * explicitly-written defaults do not change it. Throws on a spec that does not parse.
 */
export function jobHash(spec: JobSpecInput | JobSpec): string {
  return parsedJobHash(JobSpecSchema.parse(spec));
}

/**
 * The shape of each kind's result data, as a number: bump a kind's number whenever {@link JobResultData} of that
 * kind changes. It is part of the job hash, which keys every result cache (memory, database, browser), so a result
 * stored in an older shape is never served in place of the new one. saliency 2: `field`, the neuron's receptive field.
 */
export const RESULT_VERSIONS: Readonly<Record<JobKind, number>> = {
  classify: 1,
  activations: 1,
  occlusion: 1,
  'occlusion-masks': 1,
  saliency: 2,
  ascent: 1,
  patches: 1,
};

/** {@link jobHash} of a spec that has been parsed already. */
export function parsedJobHash(spec: JobSpec): string {
  const version = RESULT_VERSIONS[spec.kind];
  // Version 1 hashes the spec alone, so results stored before versions existed keep their keys.
  const key = version === 1 ? canonicalJson(spec) : `${canonicalJson(spec)}\nresult-version:${version}`;
  return sha256Hex(new TextEncoder().encode(key));
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Error codes of compute jobs (in acks of job:submit / job:cancel and in failed job:result events). */
export const COMPUTE_ERROR_CODES = [
  /** The JobSpec does not parse (the message names the field). */
  'BAD_JOB',
  'UNKNOWN_MODEL',
  'UNKNOWN_LAYER',
  'UNKNOWN_CLASS',
  'UNKNOWN_IMAGE',
  /** Valid fields, impossible combination: too many occlusion positions, a window larger than the input. */
  'JOB_TOO_LARGE',
  /** This student already has the maximum number of jobs waiting. */
  'TOO_MANY_JOBS',
  /** The server's queue is full; `position` says how many jobs are ahead. Compute in the browser or retry later. */
  'SERVER_BUSY',
  'JOB_TIMEOUT',
  'JOB_CANCELLED',
  /** The worker running the job died twice (the job was retried once). */
  'WORKER_CRASHED',
  /** The algorithm refused or failed (message from the algorithm). */
  'JOB_FAILED',
  'UNKNOWN_JOB',
] as const;
export const ComputeErrorCodeSchema = z.enum(COMPUTE_ERROR_CODES);
export type ComputeErrorCode = z.infer<typeof ComputeErrorCodeSchema>;

/** HTTP statuses, should compute errors travel over HTTP. */
export const COMPUTE_HTTP_STATUS_OF: Record<ComputeErrorCode, number> = {
  BAD_JOB: 400,
  UNKNOWN_MODEL: 404,
  UNKNOWN_LAYER: 400,
  UNKNOWN_CLASS: 400,
  UNKNOWN_IMAGE: 404,
  JOB_TOO_LARGE: 413,
  TOO_MANY_JOBS: 429,
  SERVER_BUSY: 503,
  JOB_TIMEOUT: 504,
  JOB_CANCELLED: 409,
  WORKER_CRASHED: 500,
  JOB_FAILED: 422,
  UNKNOWN_JOB: 404,
};

/** An error with a compute error code; its message is safe to show to clients. */
export class ComputeError extends Error {
  constructor(
    readonly code: ComputeErrorCode,
    message: string,
    /** SERVER_BUSY: jobs ahead in the queue. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ComputeError';
  }
}

/** True for a ComputeError (also across module copies and worker boundaries, by shape). */
export function isComputeError(err: unknown): err is ComputeError {
  return (
    err instanceof ComputeError ||
    (err instanceof Error && err.name === 'ComputeError' && (COMPUTE_ERROR_CODES as readonly string[]).includes((err as { code?: string }).code ?? ''))
  );
}

export const JobFailureSchema = z.object({ code: ComputeErrorCodeSchema, message: z.string(), position: z.number().int().min(0).optional() });
export type JobFailure = z.infer<typeof JobFailureSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Events and results

/** Where and how a result was computed. */
export const ComputedBySchema = z.object({
  where: z.enum(['browser', 'server']),
  /** tfjs backend name: 'wasm', 'cpu', 'tensorflow' (tfjs-node / -gpu), 'webgl', 'webgpu'. */
  backend: z.string().max(40),
  /** Milliseconds of computation (not counting the wait in the queue). */
  ms: z.number().min(0),
  /** Milliseconds the job waited in the server's queue. */
  queuedMs: z.number().min(0).optional(),
  /** Served from the result cache (the figures above describe the original computation). */
  cached: z.boolean().default(false),
  /** Forward passes shared a batch with other jobs. */
  batched: z.boolean().optional(),
  /** Server worker that ran it (thread id). */
  worker: z.number().int().optional(),
  /** The worker process that ran it, when jobs go through the shared queue (scale-out: `npm run worker`). */
  workerProcess: z.string().max(120).optional(),
  /** The GPU adapter that ran it (server WebGPU), e.g. "NVIDIA H200" or "SwiftShader Device Subzero (software)". */
  device: z.string().max(80).optional(),
});
export type ComputedBy = z.infer<typeof ComputedBySchema>;

/** Ack data of a submitted job: its id, its hash and its place in the queue (0 = running or next). */
export const JobAcceptedSchema = z.object({
  jobId: z.string(),
  specHash: z.string(),
  position: z.number().int().min(0),
  /** The result is already known (cache) and follows at once. */
  cached: z.boolean(),
});
export type JobAccepted = z.infer<typeof JobAcceptedSchema>;

/** A progress event of a running job. `image` (gradient ascent snapshots) is a PNG. */
export const JobProgressSchema = z.object({
  jobId: z.string(),
  step: z.number().int().min(0),
  total: z.number().int().min(0),
  /** Queue position while waiting (then step/total are 0). */
  position: z.number().int().min(0).optional(),
  score: z.number().optional(),
  image: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'a PNG as bytes').optional(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

/** A feature map or image as it travels: row-major HWC float32 (binary over Socket.io). */
export interface WireMap {
  height: number;
  width: number;
  channels: number;
  data: Float32Array;
}

/** The result data per job kind. Maps travel as typed arrays (binary), images as PNG bytes. */
export interface JobResultData {
  classify: { predictions: Array<{ index: number; probability: number; imagenetIndex: number; label?: string }> };
  activations: {
    layer: string;
    height: number;
    width: number;
    /** All channels ranked by mean activation (strongest first). */
    ranking: Array<{ channel: number; mean: number }>;
    /** The strongest `channels` maps, in ranking order: [n, h, w]. */
    channels: number[];
    maps: Float32Array;
  };
  occlusion: {
    classIndex: number;
    baseline: number;
    rows: number;
    cols: number;
    window: number;
    stride: number;
    /** Row-major [rows, cols]: target probability with the window's top-left at (i·stride, j·stride). */
    probabilities: Float32Array;
    topClass: Int32Array;
    topProbability: Float32Array;
  };
  'occlusion-masks': { classIndex: number; baseline: number; probabilities: number[]; topClass: number[]; topProbability: number[] };
  /** `png`: the map through a colour map (present when the side that computed it encodes PNGs; the server does). */
  saliency: { method: string; value: number; map: WireMap; raw?: WireMap; png?: Uint8Array; field?: NeuronField };
  ascent: { score: number; objective: number; scores: number[]; image: WireMap; png?: Uint8Array };
  patches: {
    /**
     * The winners of every channel (in the job's channel order, best first within a channel): `index` is the image's
     * place in the job's list; `patch` is absent when the job asked for no crops.
     */
    entries: Array<{ channel: number; index: number; image: ImageRef; value: number; y: number; x: number; box: [number, number, number, number]; patch?: WireMap }>;
  };
}

/**
 * The receptive field of a neuron at a position: the input-pixel box `[top, left, bottom, right]` (inclusive, may
 * reach into the padding) on the model's input of `inputSize`, cut from the photo as its centre `cropFraction`.
 */
export interface NeuronField {
  box: [number, number, number, number];
  inputSize: [number, number];
  cropFraction: number;
}

/** A job's result with its provenance. */
export interface JobResult<K extends JobKind = JobKind> {
  jobId: string;
  specHash: string;
  kind: K;
  computedBy: ComputedBy;
  data: JobResultData[K];
}

/** The event payload of a finished job: a result or a failure. */
export type JobOutcome = ({ ok: true } & JobResult) | { ok: false; jobId: string; error: ComputeErrorCode; message: string };

/** Schema of a `job:result` event (the per-kind data is typed by {@link JobResultData}, checked loosely here). */
export const JobOutcomeSchema = z.union([
  z.object({
    ok: z.literal(true),
    jobId: z.string(),
    specHash: z.string(),
    kind: z.enum(JOB_KINDS),
    computedBy: ComputedBySchema,
    data: z.custom<JobResultData[JobKind]>((v) => typeof v === 'object' && v !== null, 'result data'),
  }),
  z.object({ ok: z.literal(false), jobId: z.string(), error: ComputeErrorCodeSchema, message: z.string() }),
]) as unknown as z.ZodType<JobOutcome>;

/** Payloads of the job events (register them in events.schemas.ts). */
export const JobSubmitPayloadSchema = z.strictObject({ spec: JobSpecSchema });
export const JobCancelPayloadSchema = z.strictObject({ jobId: z.string().min(1).max(64) });
