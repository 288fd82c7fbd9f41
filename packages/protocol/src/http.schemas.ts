import { z } from 'zod';
import { AccountSchema } from './courses.schemas';
import {
  IMAGE_MIME_TYPES,
  ImageAssetSchema,
  SubmissionSchema,
  InstructorSchema,
  LIMITS,
  LiveSessionSchema,
  ParticipantRecordSchema,
  ParticipantSelfSchema,
  ResumeTokenSchema,
  SessionStateSchema,
  SessionStatusSchema,
  StepsSchema,
} from './dto.schemas';

/** Paths of the JSON API, so UI and server never spell them separately. */
export const API = {
  signup: '/api/auth/signup',
  signin: '/api/auth/signin',
  signout: '/api/auth/signout',
  me: '/api/auth/me',
  /** GET (instructor): their signed-in sessions (browsers), newest first. */
  authSessions: '/api/auth/sessions',
  /** POST (instructor): end one of their signed-in sessions on the server. */
  revokeAuthSession: (id: string) => `/api/auth/sessions/${encodeURIComponent(id)}/revoke`,
  sessions: '/api/sessions',
  session: (id: string) => `/api/sessions/${encodeURIComponent(id)}`,
  join: (code: string) => `/api/join/${encodeURIComponent(code)}`,
  /** POST (a student, by the resume token saved when they joined): their own work in the session, also after it ended. */
  myWork: (code: string) => `/api/join/${encodeURIComponent(code)}/work`,
  health: '/api/health',
  /** POST (instructor): upload an image as the raw request body; GET: the instructor's uploads; GET `image(hash)`: fetch it. */
  images: '/api/images',
  image: (hash: string) => `/api/images/${encodeURIComponent(hash)}`,
  /** GET (instructor owning the session): its stored submissions, oldest first; `?labId=&stepId=` narrow them. */
  submissions: (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}/submissions`,
  /** GET (instructor): their lesson library; POST: a new lesson (empty, a plan, or a copy). */
  library: '/api/library',
  /** GET: one lesson of the library; POST: save it (autosave). */
  libraryLesson: (id: string) => `/api/library/${encodeURIComponent(id)}`,
  /** POST: delete (`delete`), undo that (`restore`), start a session from a snapshot (`start`), `share`; GET `export`. */
  libraryAction: (id: string, action: 'delete' | 'restore' | 'start' | 'share' | 'export') => `/api/library/${encodeURIComponent(id)}/${action}`,
  /** POST: a lesson file (`GET …/export`) becomes a new lesson. */
  libraryImport: '/api/library/import',
  /** POST (instructor owning the session): delete it with everything students did in it; `duplicate`: a new session with its plan. */
  sessionAction: (id: string, action: 'delete' | 'duplicate') => `/api/sessions/${encodeURIComponent(id)}/${action}`,
  /** GET (instructor): the ready-made lessons, built for the images this server has. */
  lessons: '/api/lessons',
  /** GET: a built-in sample image by its id (`photos/<file>` or `imagenet-samples/<file>`). */
  sample: (sampleId: string) => `/api/samples/${sampleId.split('/').map(encodeURIComponent).join('/')}`,
  /** GET: the ids of the built-in sample images this server has. */
  samples: '/api/samples',
  /**
   * GET: the models this server has (built-in ones whose files are present, and uploaded ones), with input size and
   * number of classes. POST (instructor): upload an ONNX model as `multipart/form-data` (see {@link MODEL_UPLOAD}).
   */
  models: '/api/models',
  /** GET: one model's catalog entry and (uploaded models) its metadata and file, for browsers that compute locally. */
  model: (id: string) => `/api/models/${encodeURIComponent(id)}`,
  /** POST: deletes an uploaded model (its uploader or an admin; refused while a live session or an open assignment uses it). */
  modelDelete: (id: string) => `/api/models/${encodeURIComponent(id)}/delete`,
  /** GET: an uploaded model's .onnx file (versioned by `?v=<sha256>`); refused for models computed on the server only. */
  modelFile: (id: string) => `/api/models/${encodeURIComponent(id)}/model.onnx`,
  /** GET: a model's first convolution (the first-layer filters lab): layer, HWIO shape, stride and weights. */
  firstConv: (modelId: string) => `/api/models/${encodeURIComponent(modelId)}/first-conv`,
} as const;

/** What `POST /api/images` accepts: the body is the file itself, with its type as the content-type. */
export const IMAGE_UPLOAD_LIMITS = {
  maxBytes: 5 * 1024 * 1024,
  maxWidth: 4096,
  maxHeight: 4096,
  types: IMAGE_MIME_TYPES,
} as const;

export const ImageResponseSchema = z.object({ image: ImageAssetSchema });
/** `GET /api/images` (instructor): their uploads, newest first — an image library reusable in any step. */
export const ImageLibraryResponseSchema = z.object({ images: z.array(ImageAssetSchema) });
export type ImageLibraryResponse = z.infer<typeof ImageLibraryResponseSchema>;

/** A ready-made lesson an instructor can start from (copy, edit, run). */
export const ReadyLessonSchema = z.object({
  id: z.string(),
  title: z.string(),
  steps: StepsSchema,
  /** Set when some labs use the repository's photos because the lecture's are not on this server. */
  notice: z.string().nullable(),
});
export type ReadyLesson = z.infer<typeof ReadyLessonSchema>;
export const LessonsResponseSchema = z.object({ lessons: z.array(ReadyLessonSchema) });
export type LessonsResponse = z.infer<typeof LessonsResponseSchema>;
export type ImageResponse = z.infer<typeof ImageResponseSchema>;

/** A model the server has: what a lesson editor needs to offer it. */
/** A layer labs can offer: its id in the model's graph and its output [height, width, channels]. */
export const ModelLayerSchema = z.object({ id: z.string(), shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]) });
export type ModelLayer = z.infer<typeof ModelLayerSchema>;

/** What a student laptop can expect from a model, from its floating-point operations per image (`laptopSpeedClass`). */
export const LAPTOP_SPEEDS = ['fast', 'medium', 'slow'] as const;
export type LaptopSpeed = (typeof LAPTOP_SPEEDS)[number];

/**
 * A model's speed: one forward pass of one image on this server's compute worker (median of 5 after a warm-up, measured
 * once per model in the background after the first model list asks, and kept) and the class a laptop falls in by the
 * model's size in GFLOPs (known without measuring).
 */
export const ModelSpeedSchema = z.object({
  /** Milliseconds per image on this server; null until measured. */
  serverMs: z.number().min(0).nullable(),
  /** Where it was measured: the compute backend ('wasm', 'webgpu', 'tensorflow', …); null until measured. */
  backend: z.string().nullable(),
  gflops: z.number().min(0),
  laptop: z.enum(LAPTOP_SPEEDS),
});
export type ModelSpeed = z.infer<typeof ModelSpeedSchema>;

/**
 * The documented rule for laptops: a student laptop computing in its browser (WebGL on an integrated GPU) manages
 * about 10–20 GFLOP/s on these networks, so up to 1 GFLOP per image answers in well under 0.1 s ("fast"), up to
 * 4 GFLOP in a few tenths of a second ("medium"), and beyond that a second or more per image ("slow": an occlusion
 * sweep or gradient ascent will crawl; prefer the class server).
 */
export function laptopSpeedClass(gflops: number): LaptopSpeed {
  return gflops <= 1 ? 'fast' : gflops <= 4 ? 'medium' : 'slow';
}

export const InstalledModelSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  family: z.string(),
  /** [height, width] in pixels. */
  inputSize: z.tuple([z.number().int(), z.number().int()]),
  numClasses: z.number().int(),
  /** 'quantized' models give no usable gradients: labs that need them refuse them. */
  weights: z.enum(['float', 'quantized']),
  /** 'builtin': one of ConvLab's models; 'upload': an ONNX model an instructor uploaded. */
  source: z.enum(['builtin', 'upload']),
  /** Size of the model's files in bytes (what a browser downloads to compute locally). */
  sizeBytes: z.number().int().min(0),
  /** Too large to send to laptops (CONVLAB_BROWSER_MODEL_MAX_MB): every job on it runs on the server. */
  serverOnly: z.boolean(),
  /** The layers labs offer (neuron, max patches, pooling), in network order, from the model's metadata. */
  layers: z.array(ModelLayerSchema),
  /** The layer labs start on (the last feature map before the classifier), or null for a model without layers. */
  defaultLayer: z.string().nullable(),
  /** An uploaded model's own class names, in output order; absent: the 1000 ImageNet classes. */
  classNames: z.array(z.string()).optional(),
  /** How fast it runs: measured on this server, and what a laptop can expect (null: an upload stored before sizes were kept). */
  speed: ModelSpeedSchema.nullable(),
  /**
   * Its first ordinary convolution (the first-layer filters lab shows its kernels): `filters` kernels of `kernelSize`
   * with `stride`. Null: the model has none. Absent: not known (an upload stored before this was kept).
   */
  firstConv: z
    .object({ layer: z.string(), kernelSize: z.tuple([z.number().int(), z.number().int()]), filters: z.number().int(), stride: z.tuple([z.number().int(), z.number().int()]) })
    .nullable()
    .optional(),
});
export type InstalledModel = z.infer<typeof InstalledModelSchema>;
export const ModelsResponseSchema = z.object({ models: z.array(InstalledModelSchema) });
export type ModelsResponse = z.infer<typeof ModelsResponseSchema>;

/** Ids the server gives uploaded models: `onnx-<name>-<12 hex digits of the file and its settings>`. */
export const UPLOADED_MODEL_ID = /^onnx-[a-z0-9_]{1,40}-[0-9a-f]{12}$/;

/** What `POST /api/models` accepts: a multipart form with these fields. */
export const MODEL_UPLOAD = {
  /** The .onnx file (float32, weights inside the file). */
  file: 'file',
  /** JSON of {@link ModelUploadSettingsSchema}. */
  settings: 'settings',
  /** Optional: a text file with one class name per line, for models whose outputs are not the 1000 ImageNet classes. */
  labels: 'labels',
  /** Default upload limit in MB (CONVLAB_MODEL_UPLOAD_MB). */
  defaultMaxMb: 250,
  /** Default largest model browsers compute on, in MB (CONVLAB_BROWSER_MODEL_MAX_MB). */
  defaultBrowserMaxMb: 50,
} as const;

const Rgb = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

/** How an uploaded model wants its pixels: `(pixel * scale - mean[c]) / std[c]` in `channelOrder`. */
export const PreprocessingSchema = z.strictObject({
  scale: z.number().positive().max(1),
  mean: Rgb,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  channelOrder: z.enum(['RGB', 'BGR']),
});
export type PreprocessingSettings = z.infer<typeof PreprocessingSchema>;

/** torchvision's preprocessing: RGB / 255, ImageNet mean and std. */
export const TORCHVISION_PREPROCESSING: PreprocessingSettings = {
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  channelOrder: 'RGB',
};

/** The settings an instructor gives with an uploaded model. */
export const ModelUploadSettingsSchema = z.strictObject({
  displayName: z.string().trim().min(1, 'a model needs a name').max(80),
  preprocessing: PreprocessingSchema.default(TORCHVISION_PREPROCESSING),
});
export type ModelUploadSettings = z.input<typeof ModelUploadSettingsSchema>;

/** Largest label file: enough for ~20k class names. */
export const MODEL_LABELS_MAX_BYTES = 1024 * 1024;

/** An uploaded model as the catalog describes it to browsers: the entry, its metadata and its one file. */
export const ModelDetailSchema = z.object({
  model: InstalledModelSchema,
  /** Present for uploaded models: what the browser's importer needs (a ModelMeta of @convlab/nets). */
  meta: z
    .object({
      id: z.string(),
      displayName: z.string(),
      preprocessing: PreprocessingSchema.extend({ cropFraction: z.number() }),
      labels: z.enum(['imagenet-1k', 'custom']),
      classNames: z.array(z.string()).optional(),
    })
    .passthrough()
    .optional(),
  file: z.object({ size: z.number().int(), sha256: z.string() }).optional(),
});
export type ModelDetail = z.infer<typeof ModelDetailSchema>;
export const ModelUploadResponseSchema = z.object({ model: InstalledModelSchema, created: z.boolean() });
export type ModelUploadResponse = z.infer<typeof ModelUploadResponseSchema>;
/** A model's first convolution that reads the image: its weights as HWIO `[kh, kw, in, filters]`, row-major. */
export const FirstConvSchema = z.object({
  model: z.string(),
  layer: z.string(),
  shape: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  stride: z.tuple([z.number().int(), z.number().int()]),
  /** BGR models' input channels are flipped to RGB for display. */
  channelOrder: z.enum(['RGB', 'BGR']),
  weights: z.array(z.number()),
});
export type FirstConv = z.infer<typeof FirstConvSchema>;

/** The built-in sample images: ids `photos/<file>` and `imagenet-samples/<file>`, sorted. */
export const SamplesResponseSchema = z.object({ samples: z.array(z.string()) });
export type SamplesResponse = z.infer<typeof SamplesResponseSchema>;

/** Name of the instructor's session cookie (httpOnly, signed, expiring). */
export const SESSION_COOKIE = 'convlab_session';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email('a valid email address is required'));

export const SignupBodySchema = z.strictObject({
  email: Email,
  password: z
    .string()
    .min(PASSWORD_MIN, `a password has at least ${PASSWORD_MIN} characters`)
    .max(PASSWORD_MAX, `a password has at most ${PASSWORD_MAX} characters`),
  name: z.string().trim().min(1, 'a name is required').max(100),
});
export type SignupBody = z.input<typeof SignupBodySchema>;

export const SigninBodySchema = z.strictObject({
  email: Email,
  password: z.string().min(1).max(PASSWORD_MAX),
});
export type SigninBody = z.input<typeof SigninBodySchema>;

/** Sign-up, sign-in and "who am I": the account (instructor or student), and under `instructor` its basic fields. */
export const InstructorResponseSchema = z.object({ instructor: InstructorSchema, account: AccountSchema });
export type InstructorResponse = z.infer<typeof InstructorResponseSchema>;

/** One of an instructor's signed-in sessions (a browser that signed in), as listed to them. */
export const SignedInSessionSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  /** The session of the request that asked. */
  current: z.boolean(),
});
export type SignedInSession = z.infer<typeof SignedInSessionSchema>;

export const SignedInSessionListResponseSchema = z.object({ sessions: z.array(SignedInSessionSchema) });
export type SignedInSessionListResponse = z.infer<typeof SignedInSessionListResponseSchema>;

export const CreateSessionBodySchema = z.strictObject({
  title: z.string().trim().min(1, 'a title is required').max(LIMITS.titleMax),
  steps: StepsSchema,
});
export type CreateSessionBody = z.input<typeof CreateSessionBodySchema>;

export const SessionResponseSchema = z.object({ session: LiveSessionSchema });
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

export const SessionListResponseSchema = z.object({ sessions: z.array(LiveSessionSchema) });
export type SessionListResponse = z.infer<typeof SessionListResponseSchema>;

export const SessionDetailResponseSchema = z.object({
  session: LiveSessionSchema,
  participants: z.array(ParticipantRecordSchema),
});
export type SessionDetailResponse = z.infer<typeof SessionDetailResponseSchema>;

export const JoinInfoResponseSchema = z.object({ code: z.string(), title: z.string(), status: SessionStatusSchema });
export type JoinInfoResponse = z.infer<typeof JoinInfoResponseSchema>;

/** The GPU adapter the server computes on (CONVLAB_COMPUTE_BACKEND=webgpu, or auto on a GPU machine). */
export const GpuAdapterSchema = z.object({
  /** e.g. "NVIDIA H200". */
  name: z.string(),
  vendor: z.string(),
  architecture: z.string(),
  description: z.string(),
  /** A software rasterizer (SwiftShader, llvmpipe): correct, slow. */
  software: z.boolean(),
});

/**
 * The compute service in /api/health. It starts with the first job: before that `started: false` and the backend
 * that will serve ('wasm', 'cpu', 'tensorflow', 'webgpu', or 'auto' while undecided), with `configured` as set.
 */
export const ComputeHealthSchema = z.discriminatedUnion('started', [
  z.object({
    started: z.literal(false),
    backend: z.string(),
    configured: z.string(),
    workers: z.number().int().min(1),
    adapter: GpuAdapterSchema.optional(),
  }),
  z.object({
    started: z.literal(true),
    /**
     * What the workers run: 'wasm', 'cpu', 'tensorflow' (then `backendPackage` says tfjs-node or tfjs-node-gpu) or
     * 'webgpu' (one GPU worker on `adapter`, the other workers wasm).
     */
    backend: z.string(),
    backendPackage: z.string().optional(),
    adapter: GpuAdapterSchema.optional(),
    workers: z.number().int().min(0),
    slotsPerWorker: z.number().int(),
    maxBatch: z.number().int(),
    replacedWorkers: z.number().int(),
    queued: z.number().int(),
    running: z.number().int(),
    cache: z.object({ entries: z.number(), bytes: z.number(), hits: z.number(), misses: z.number(), joins: z.number(), inFlight: z.number() }),
    /** Scaled out (REDIS_URL): jobs go through a BullMQ queue to worker processes (`npm run worker`), listed live here. */
    queue: z
      .object({
        kind: z.literal('bullmq'),
        /** Jobs waiting in the shared queue (all nodes). */
        waiting: z.number().int(),
        processes: z.array(
          z.object({
            id: z.string(),
            host: z.string(),
            pid: z.number().int(),
            /** What this process computes on, chosen as a node would ('wasm', 'tensorflow', 'webgpu'…). */
            backend: z.string(),
            backendPackage: z.string().optional(),
            adapter: GpuAdapterSchema.optional(),
            threads: z.number().int(),
            slots: z.number().int(),
            running: z.number().int(),
            since: z.string(),
          }),
        ),
      })
      .optional(),
  }),
]);
export type ComputeHealthInfo = z.infer<typeof ComputeHealthSchema>;

export const HealthResponseSchema = z.object({
  version: z.string(),
  database: z.enum(['sqlite', 'postgresql']),
  migrations: z.object({ current: z.boolean(), applied: z.array(z.string()), pending: z.array(z.string()) }),
  compute: ComputeHealthSchema,
  /** Present when the node runs scaled out on Redis: this node's name and whether Redis is reachable right now. */
  scale: z.object({ node: z.string(), redis: z.enum(['up', 'down']), downSince: z.string().optional() }).optional(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

export const SubmissionListResponseSchema = z.object({ submissions: z.array(SubmissionSchema) });
export type SubmissionListResponse = z.infer<typeof SubmissionListResponseSchema>;

/** `POST /api/join/:code/work`: who asks (the resume token this browser saved when it joined the session). */
export const MyWorkBodySchema = z.strictObject({ resumeToken: ResumeTokenSchema });
export type MyWorkBody = z.infer<typeof MyWorkBodySchema>;

/**
 * A student's work in a session, readable also after the session ended: the session as students see it, who they
 * are, and the submissions they may see (their own and those the instructor shared), oldest first.
 */
export const MyWorkResponseSchema = z.object({ state: SessionStateSchema, participant: ParticipantSelfSchema, submissions: z.array(SubmissionSchema) });
export type MyWorkResponse = z.infer<typeof MyWorkResponseSchema>;
