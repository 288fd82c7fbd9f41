import { z } from 'zod';
import { DisplayNameSchema } from './display-name';
import { ImageRefSchema, JOB_LIMITS } from './jobs';

/** Limits that keep one lesson plan (and one `session:state` broadcast) to a sane size. */
export const LIMITS = {
  titleMax: 200,
  stepIdMax: 64,
  markdownMax: 20_000,
  urlMax: 2048,
  stepsMax: 200,
  pauseMessageMax: 280,
  resumeTokenMax: 128,
  idMax: 64,
  /** A lab step's preset parameters, serialized as JSON. */
  labParamsJsonMax: 20_000,
  /** Names in a lab step's `studentControls`. */
  studentControlsMax: 32,
} as const;

const IsoDate = z.string().max(40);
const Id = z.string().min(1).max(LIMITS.idMax);

/** Image of a slide: a path served by ConvLab ("/…", not "//…") or an absolute https URL. */
export const ImageUrlSchema = z
  .string()
  .max(LIMITS.urlMax)
  .refine((u) => (u.startsWith('/') && !u.startsWith('//')) || /^https:\/\/[^\s]+$/i.test(u), {
    message: 'an image URL is a path on this server ("/…") or an https:// URL',
  });

const StepIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.stepIdMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'a step id uses letters, digits, "-" and "_"');
const StepTitleSchema = z.string().trim().min(1).max(LIMITS.titleMax);

/** A slide step: a title, a markdown body and an optional image. */
export const SlideStepSchema = z.strictObject({
  kind: z.literal('slide'),
  id: StepIdSchema,
  title: StepTitleSchema,
  markdown: z.string().max(LIMITS.markdownMax),
  imageUrl: ImageUrlSchema.optional(),
});
export type SlideStep = z.infer<typeof SlideStepSchema>;

/** The id of a lab definition in `@convlab/labs` ("occlusion", "neuron", "ascent", …). */
export const LabIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.idMax)
  .regex(/^[a-z][a-z0-9-]*$/, 'a lab id uses lower-case letters, digits and "-"');

/** A parameter name of a lab (a top-level key of its parameter schema). */
const ParamNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a parameter name uses letters, digits and "_"');

/** A grading rule of a lab (`LabDefinition.gradingRules` in `@convlab/labs`) with its parameters (checked there). */
export const StepRuleSchema = z.strictObject({
  id: z.string().min(1).max(LIMITS.idMax).regex(/^[a-z][a-z0-9-]*$/, 'a rule id uses lower-case letters, digits and "-"'),
  params: z.record(z.string().max(64), z.json()),
});
export type StepRule = z.infer<typeof StepRuleSchema>;

/** One criterion of a step's rubric, graded by hand. */
export const RubricCriterionSchema = z.strictObject({
  id: z.string().min(1).max(40).regex(/^[A-Za-z0-9_-]+$/, 'a criterion id uses letters, digits, "-" and "_"'),
  label: z.string().trim().min(1).max(200),
  points: z.number().min(0).max(1000),
});
export type RubricCriterion = z.infer<typeof RubricCriterionSchema>;

/**
 * How a lab step is graded in an assignment. SERVER-ONLY: rule parameters may hold hidden targets, so this never
 * reaches a student's browser (`forStudents` strips it from every step a student receives).
 */
export const StepGradingSchema = z.strictObject({
  /** Points of the auto-graded rule (its fraction of these); 0 with no rule. */
  points: z.number().min(0).max(1000),
  rule: StepRuleSchema.optional(),
  /** Criteria graded by hand, each with its own points. */
  rubric: z.array(RubricCriterionSchema).max(20).default([]),
  /** Submissions a student may make of this step. */
  attempts: z.number().int().min(1).max(100).default(3),
  /** Which attempt counts. */
  counts: z.enum(['best', 'last']).default('best'),
});
export type StepGrading = z.output<typeof StepGradingSchema>;
export type StepGradingInput = z.input<typeof StepGradingSchema>;

/**
 * A lab step: the lab to run (`labId`) with its preset parameters. Here the parameters are only checked to be a
 * bounded JSON object; `@convlab/labs` (`parseLabStep`) checks them against the lab's own schema, so adding a lab
 * never touches the protocol.
 */
export const LabStepSchema = z.strictObject({
  kind: z.literal('lab'),
  id: StepIdSchema,
  title: StepTitleSchema,
  /** Instructions shown above the lab (markdown, may be empty). */
  markdown: z.string().max(LIMITS.markdownMax),
  /** Optional illustration shown with the instructions. */
  imageUrl: ImageUrlSchema.optional(),
  labId: LabIdSchema,
  params: z
    .record(ParamNameSchema, z.json())
    .refine((p) => JSON.stringify(p).length <= LIMITS.labParamsJsonMax, {
      message: `a lab step's parameters are at most ${LIMITS.labParamsJsonMax} characters of JSON`,
    }),
  /** Parameters students may change; absent means the lab's default list, empty means none. */
  studentControls: z.array(ParamNameSchema).max(LIMITS.studentControlsMax).optional(),
  /** How the step is graded (assignments); server-only, never sent to students. */
  grading: StepGradingSchema.optional(),
});
export type LabStep = z.infer<typeof LabStepSchema>;

/** The steps as a student may see them: every server-only part (grading rules, rubrics, hidden targets) removed. */
export function forStudents<S extends { kind: string }>(steps: readonly S[]): S[] {
  return steps.map((step) => {
    if (step.kind !== 'lab' || !('grading' in step)) return step;
    const { grading: _hidden, ...visible } = step as S & { grading?: unknown };
    return visible as S;
  });
}

/** One step of a lesson plan: slides and labs share one list. */
export const StepSchema = z.discriminatedUnion('kind', [SlideStepSchema, LabStepSchema]);
export type Step = z.infer<typeof StepSchema>;

/** Refinement of a list of steps (a plan or a draft): every step id once. */
export function uniqueStepIds(steps: readonly { id: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  steps.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate step id "${s.id}"`, path: [i, 'id'] });
    seen.add(s.id);
  });
}

/** An ordered lesson plan: at least one step, step ids unique. */
export const StepsSchema = z.array(StepSchema).min(1, 'a lesson plan has at least one step').max(LIMITS.stepsMax).superRefine(uniqueStepIds);

export const SessionStatusSchema = z.enum(['live', 'ended']);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

/**
 * What the instructor's "present" view (the projector) shows besides the current step: one submission, or one of a
 * lab step's class views (an aggregation id of its lab: "class-map", "sweep", "gallery-by-layer", "lambda-sweep", …).
 */
export const PresentTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('submission'), submissionId: Id }),
  z.strictObject({ kind: z.literal('view'), stepId: StepIdSchema, view: z.string().min(1).max(40).regex(/^[a-z][a-z0-9-]*$/) }),
]);
export type PresentTarget = z.infer<typeof PresentTargetSchema>;

/** What every client of a session sees; broadcast as `session:state` after every change. */
export const SessionStateSchema = z.object({
  sessionId: Id,
  code: z.string(),
  title: z.string(),
  steps: z.array(StepSchema),
  currentStep: z.number().int().min(0),
  locked: z.boolean(),
  paused: z.boolean(),
  pauseMessage: z.string().nullable(),
  status: SessionStatusSchema,
  /** What the instructor pinned to the present view (the projector); null: it shows the current step. */
  presenting: PresentTargetSchema.nullable(),
  /** The instructor closed joining: new students are refused, joined ones still resume. */
  joiningClosed: z.boolean(),
});
export type SessionState = z.infer<typeof SessionStateSchema>;

/** A session's state as its students receive it (`forStudents` on the steps). */
export function studentSessionState(state: SessionState): SessionState {
  return { ...state, steps: forStudents(state.steps) };
}

/** Projects a stored session (any record with the session's fields) onto what every client of the session sees. */
export function toSessionState(s: { id: string } & Omit<SessionState, 'sessionId'>): SessionState {
  return {
    sessionId: s.id,
    code: s.code,
    title: s.title,
    steps: s.steps,
    currentStep: s.currentStep,
    locked: s.locked,
    paused: s.paused,
    pauseMessage: s.pauseMessage,
    status: s.status,
    presenting: s.presenting,
    joiningClosed: s.joiningClosed,
  };
}

export const PresenceSchema = z.enum(['online', 'reconnecting', 'offline']);
export type Presence = z.infer<typeof PresenceSchema>;

/** A participant as the instructor's presence list shows it. */
export const ParticipantPresenceSchema = z.object({
  id: Id,
  displayName: z.string(),
  presence: PresenceSchema,
  joinedAt: IsoDate,
});
export type ParticipantPresence = z.infer<typeof ParticipantPresenceSchema>;

/** A student's own identity, returned by `student:join`. */
export const ParticipantSelfSchema = z.object({
  id: Id,
  sessionId: Id,
  displayName: z.string(),
  joinedAt: IsoDate,
});
export type ParticipantSelf = z.infer<typeof ParticipantSelfSchema>;

/** A participant in the instructor's session record (HTTP), including removed ones. */
export const ParticipantRecordSchema = z.object({
  id: Id,
  displayName: z.string(),
  joinedAt: IsoDate,
  lastSeenAt: IsoDate,
  removedAt: IsoDate.nullable(),
});
export type ParticipantRecord = z.infer<typeof ParticipantRecordSchema>;

export const InstructorSchema = z.object({
  id: Id,
  email: z.string(),
  name: z.string(),
  createdAt: IsoDate,
});
export type Instructor = z.infer<typeof InstructorSchema>;

/** A session as its instructor sees it over HTTP. */
export const LiveSessionSchema = z.object({
  id: Id,
  code: z.string(),
  title: z.string(),
  instructorId: Id,
  steps: z.array(StepSchema),
  currentStep: z.number().int().min(0),
  locked: z.boolean(),
  paused: z.boolean(),
  pauseMessage: z.string().nullable(),
  status: SessionStatusSchema,
  presenting: PresentTargetSchema.nullable(),
  joiningClosed: z.boolean(),
  createdAt: IsoDate,
  endedAt: IsoDate.nullable(),
  /** Absolute URL a student opens to join (`<public url>/join/<code>`). */
  joinUrl: z.string(),
  /** Why `joinUrl` is not the page's own address (opened at localhost: students use the LAN address), or a warning. */
  joinNote: z.string().optional(),
  /** The same join link at this machine's other network addresses. */
  joinAlternatives: z.array(z.string()).optional(),
});
export type LiveSession = z.infer<typeof LiveSessionSchema>;

/** A content hash: sha256 as 64 lower-case hex digits. */
export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a content hash is 64 lower-case hex digits (sha256)');

/** The image types ConvLab accepts and stores. */
export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const ImageMimeSchema = z.enum(IMAGE_MIME_TYPES);
export type ImageMime = z.infer<typeof ImageMimeSchema>;

/** A stored image (an upload or a result image), addressed by the sha256 of its stored bytes. */
export const ImageAssetSchema = z.object({
  hash: Sha256HexSchema,
  mime: ImageMimeSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Size of the stored file in bytes. */
  bytes: z.number().int().positive(),
  /** Where to fetch it (`/api/images/<hash>`). */
  url: z.string(),
  createdAt: IsoDate,
});
export type ImageAsset = z.infer<typeof ImageAssetSchema>;

export const ComputedWhereSchema = z.enum(['browser', 'server']);
export type ComputedWhere = z.infer<typeof ComputedWhereSchema>;

/** A stored lab submission as clients see it. `params` and `result` follow the lab's own schemas. */
export const SubmissionSchema = z.object({
  id: Id,
  sessionId: Id,
  /** null: submitted by the instructor (or computed by the server for the class). */
  participantId: Id.nullable(),
  labId: LabIdSchema,
  stepId: StepIdSchema,
  params: z.json(),
  result: z.json(),
  resultImageHash: Sha256HexSchema.nullable(),
  computedWhere: ComputedWhereSchema,
  backend: z.string().max(40),
  ms: z.number().min(0),
  shared: z.boolean(),
  createdAt: IsoDate,
});
export type Submission = z.infer<typeof SubmissionSchema>;

/** Secret a student's browser keeps to resume the same participant (stored hashed on the server). */
export const ResumeTokenSchema = z
  .string()
  .min(16)
  .max(LIMITS.resumeTokenMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'a resume token is base64url');

export { DisplayNameSchema };

/** localStorage key under which the browser keeps a student's resume token for a join code. */
export function resumeTokenStorageKey(code: string): string {
  return `convlab:resume:${code}`;
}

// ── labs over the live connection ─────────────────────────────────────────────────────────────────

/** Size limits of lab events. */
export const LAB_LIMITS = {
  /**
   * The JSON part of a `lab:submit` (parameters and result; brush masks make it larger than other events). It stays
   * under the transport's 64 KiB cap on text frames.
   */
  submitJsonMaxBytes: 48 * 1024,
  /** A submission's result image (a PNG, sent as a binary attachment). */
  resultImageMaxBytes: 2 * 1024 * 1024,
  /** Its sides in pixels. */
  resultImageMaxSide: 2048,
  /** Positions of one sweep shard (one `occlusion-masks` job). */
  shardPositionsMax: 64,
} as const;

/** Binary data as Socket.io delivers it: a Node Buffer/Uint8Array, an ArrayBuffer or another view. */
export const BinarySchema = z.custom<Uint8Array | ArrayBuffer>(
  (v) => v instanceof Uint8Array || v instanceof ArrayBuffer || ArrayBuffer.isView(v),
  { message: 'expected binary data (a PNG as a binary attachment)' },
);

/** A JSON object (a lab's parameters or result; the lab's own schema checks it on the server). */
const JsonObjectSchema = z.record(z.string().max(64), z.json());

/** `lab:submit`: a student's (or the instructor's) result for a lab step of the session. */
export const LabSubmitPayloadSchema = z.strictObject({
  stepId: StepIdSchema,
  /** The parameters as used: the step's, with changes only to the controls students may change. */
  params: JsonObjectSchema,
  /** The result, in the lab's result schema. */
  result: JsonObjectSchema,
  computedWhere: ComputedWhereSchema,
  /** The tfjs backend that computed it (webgl, wasm, …). */
  backend: z.string().trim().min(1).max(40),
  ms: z.number().finite().min(0).max(24 * 3600 * 1000),
  /** The result image: a PNG, sent as a binary attachment (required by some labs, refused by others). */
  image: BinarySchema.optional(),
});

/**
 * `lab:image`: one more result PNG for a lab step (a lab whose result names several images by content hash, as the
 * neuron lab's one per method). The ack is the stored image's hash (of the re-encoded bytes, as `/api/images/<hash>`).
 */
export const LabImagePayloadSchema = z.strictObject({
  stepId: StepIdSchema,
  image: BinarySchema,
});

/** `lab:submissions`: which of the session's submissions to list (narrowed further by the sender's role). */
export const LabSubmissionsPayloadSchema = z.strictObject({
  stepId: StepIdSchema.optional(),
  labId: LabIdSchema.optional(),
});

/** `lab:share` (instructor): show a submission to the class, or stop showing it. */
export const LabSharePayloadSchema = z.strictObject({ submissionId: Id, shared: z.boolean() });

/** `lab:share-step` (instructor): open (or close) the whole gallery of a lab step to the class at once. */
export const LabShareStepPayloadSchema = z.strictObject({ stepId: StepIdSchema, shared: z.boolean() });

/** `lab:shared` (server → the session): a submission was shared (with it) or unshared (id only). */
export const LabSharedEventSchema = z.object({
  submissionId: Id,
  shared: z.boolean(),
  submission: SubmissionSchema.optional(),
});

/**
 * `sweep:start` (instructor): run the occlusion sliding-window sweep of a lab step as a class. The step's
 * parameters give the window, stride, shard size and timeout; the optional fields override them for this sweep.
 */
export const SweepStartPayloadSchema = z.strictObject({
  stepId: StepIdSchema,
  classIndex: z.number().int().min(0).max(100_000).optional(),
  window: z.number().int().min(2).max(1024).optional(),
  stride: z.number().int().min(1).max(1024).optional(),
  shardSize: z.number().int().min(1).max(LAB_LIMITS.shardPositionsMax).optional(),
  shardTimeoutSeconds: z.number().min(1).max(600).optional(),
});

/** Shards dealt per participant id, in the ack of a class-wide run's start (the server takes the rest). */
const DealtSchema = z.record(z.string(), z.number().int());

/**
 * A shard of a class-wide run (a sweep, a patch search) sent to one student: its step, its index and slice of the
 * work, the JobSpec to run, and when the server takes it over (ms since the epoch).
 */
const shardEventFields = {
  stepId: StepIdSchema,
  shard: z.object({ index: z.number().int().min(0), start: z.number().int().min(0), count: z.number().int().min(1) }),
  job: z.json(),
  deadline: z.number(),
};

/** Who holds each shard of a class-wide run, and how many are back. */
const shardProgressFields = {
  shards: z.array(z.object({ index: z.number().int(), status: z.enum(['assigned', 'server', 'done']), holder: z.string().nullable() })),
  done: z.number().int(),
  total: z.number().int(),
};

/** The ack of `sweep:start`. */
export const SweepStartedSchema = z.object({
  sweepId: Id,
  stepId: StepIdSchema,
  classIndex: z.number().int(),
  rows: z.number().int(),
  cols: z.number().int(),
  shards: z.number().int(),
  dealt: DealtSchema,
});

/**
 * `sweep:shard` (server → one student): compute this shard and answer `sweep:result`; its job is an
 * `occlusion-masks` JobSpec (a rectangle per position, the sweep's class).
 */
export const SweepShardEventSchema = z.object({ sweepId: Id, ...shardEventFields });

/** `sweep:result` (student): the target probability per position of a shard dealt to them. */
export const SweepResultPayloadSchema = z.strictObject({
  sweepId: Id,
  shard: z.number().int().min(0).max(4096),
  probabilities: z.array(z.number().min(0).max(1)).min(1).max(LAB_LIMITS.shardPositionsMax),
  /** The target probability without a mask (the job's `baseline`). */
  baseline: z.number().min(0).max(1).optional(),
});

/** The merged grid of a sweep so far (row-major, null until its shard is back) and who holds each shard. */
export const SweepSnapshotSchema = z.object({
  rows: z.number().int(),
  cols: z.number().int(),
  window: z.number().int(),
  stride: z.number().int(),
  probabilities: z.array(z.number().nullable()),
  ...shardProgressFields,
});

/** `sweep:progress` (server → the session): the grid filling in. */
export const SweepProgressEventSchema = z.object({
  sweepId: Id,
  stepId: StepIdSchema,
  classIndex: z.number().int(),
  inputSize: z.tuple([z.number().int(), z.number().int()]),
  baseline: z.number().nullable(),
  snapshot: SweepSnapshotSchema,
  byStudents: z.number().int(),
  byServer: z.number().int(),
});

/** `sweep:done` (server → the session): the finished sweep, stored as a shared submission with no participant; or why it failed. */
export const SweepDoneEventSchema = z.object({
  sweepId: Id,
  stepId: StepIdSchema,
  ok: z.boolean(),
  submission: SubmissionSchema.optional(),
  message: z.string().optional(),
});

/** Input-pixel box [top, left, bottom, right] of a receptive field (inclusive; may reach past the zero-padded image). */
export const PatchBoxSchema = z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]);

/** One winner a shard of a class max-patch search claims: `index` is the image's place within the shard. */
export const ShardPatchSchema = z.strictObject({
  channel: z.number().int().min(0).max(100_000),
  index: z.number().int().min(0).max(JOB_LIMITS.patchImagesMax),
  value: z.number().finite(),
  y: z.number().int().min(0).max(4096),
  x: z.number().int().min(0).max(4096),
  box: PatchBoxSchema,
});

/** One winner of a search: the image (its place in the search and its reference), the server's value, position and box. */
export const MaxPatchEntrySchema = z.strictObject({
  index: z.number().int().min(0),
  image: ImageRefSchema,
  value: z.number().finite(),
  y: z.number().int().min(0),
  x: z.number().int().min(0),
  box: PatchBoxSchema,
});

/**
 * `patches:start` (instructor): run the class search of maximally activating patches of a max-patches step. The
 * step's parameters give the model, image set and shards; `layer` and `channels` override its pick.
 */
export const PatchesStartPayloadSchema = z.strictObject({
  stepId: StepIdSchema,
  layer: z.string().min(1).max(128).optional(),
  channels: z.array(z.number().int().min(0).max(100_000)).min(1).max(JOB_LIMITS.patchChannelsMax).optional(),
});

/** The ack of `patches:start`. */
export const PatchesStartedSchema = z.object({
  searchId: Id,
  stepId: StepIdSchema,
  layer: z.string(),
  channels: z.array(z.number().int()),
  images: z.number().int(),
  shards: z.number().int(),
  dealt: DealtSchema,
});

/**
 * `patches:shard` (server → one student): search these images and answer `patches:result`; its job is a `patches`
 * JobSpec (the shard's images, every searched channel, no crops).
 */
export const PatchesShardEventSchema = z.object({ searchId: Id, ...shardEventFields });

/** `patches:result` (student): the `patches` job's entries of a shard dealt to them. */
export const PatchesResultPayloadSchema = z.strictObject({
  searchId: Id,
  shard: z.number().int().min(0).max(10_000),
  entries: z.array(ShardPatchSchema).min(1).max(JOB_LIMITS.patchKMax * JOB_LIMITS.patchChannelsMax),
});

/** `patches:progress` (server → the session): each channel's top 9 so far, by the server's values, and the shards. */
export const PatchesProgressEventSchema = z.object({
  searchId: Id,
  stepId: StepIdSchema,
  model: z.string(),
  layer: z.string(),
  inputSize: z.tuple([z.number().int(), z.number().int()]),
  channels: z.array(z.object({ channel: z.number().int(), top: z.array(MaxPatchEntrySchema) })),
  ...shardProgressFields,
  images: z.number().int(),
  byStudents: z.number().int(),
  byServer: z.number().int(),
});

/** `patches:done` (server → the session): the finished search, stored as a shared submission with no participant; or why it failed. */
export const PatchesDoneEventSchema = SweepDoneEventSchema.omit({ sweepId: true }).extend({ searchId: Id });

/** `ascent:deal-lambdas` (instructor): hand each online student a λ of the step's sweep. */
export const DealLambdasPayloadSchema = z.strictObject({ stepId: StepIdSchema });

/** `lab:task`: which lab step's task to fetch. */
export const LabTaskPayloadSchema = z.strictObject({ stepId: StepIdSchema });

/** A small map of numbers on the wire, row-major, channels last. */
export const NumberMapSchema = z.object({
  height: z.number().int().min(1),
  width: z.number().int().min(1),
  channels: z.number().int().min(1),
  data: z.array(z.number()),
});
export type NumberMap = z.infer<typeof NumberMapSchema>;

/**
 * What the server hands a lab step's student before they work: the convolution lab's photo (8-bit RGB as the server
 * scaled it, so browser and server convolve the same numbers) and the "make this output" target (never the hidden
 * kernel); the pooling lab's quiz question (never its answer).
 */
export const LabTaskSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('convolution'), photo: NumberMapSchema.nullable(), target: NumberMapSchema.nullable() }),
  z.object({
    kind: z.literal('pooling'),
    quiz: z
      .object({
        grid: z.array(z.array(z.number())),
        op: z.enum(['max', 'avg']),
        size: z.number().int(),
        stride: z.number().int(),
        outY: z.number().int(),
        outX: z.number().int(),
        question: z.string(),
      })
      .nullable(),
  }),
]);
export type LabTask = z.infer<typeof LabTaskSchema>;

/** `ascent:lambda` (server → one student): the λ to use for the step's gradient ascent. */
export const AscentLambdaEventSchema = z.object({
  stepId: StepIdSchema,
  lambda: z.number(),
  /** Its column in `lambdas`. */
  index: z.number().int().min(0),
  lambdas: z.array(z.number()),
});
