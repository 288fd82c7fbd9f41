/**
 * Assignments, self-paced submissions, grades and the gradebook over HTTP (`/api/courses/:id/assignments*`,
 * `/api/assignments/*`). A step's grading (rule parameters, rubric) travels only in staff DTOs; the student's
 * assignment carries its steps through `forStudents`.
 */
import { z } from 'zod';
import { RequestIdSchema } from './request-id';
import { LIMITS, StepGradingSchema, StepsSchema, type LabStep } from './dto.schemas';
import { MASK_LIMITS } from './masks';

const Id = z.string().min(1).max(LIMITS.idMax);
const StepId = z.string().min(1).max(LIMITS.stepIdMax);
/** An instant with its offset ("2026-12-04T23:59:00+01:00" or "…Z"): stored in UTC, shown in the viewer's zone. */
const Instant = z.iso.datetime({ offset: true });

/** Refuse late work, or accept it with a penalty per started 24 hours after the due time, up to a cap. */
export const LatePolicySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('refuse') }),
  z.strictObject({ kind: z.literal('penalty'), percentPerDay: z.number().min(0).max(100), capPercent: z.number().min(0).max(100) }),
]);
export type LatePolicy = z.infer<typeof LatePolicySchema>;

/** Where an assignment's steps come from: the built-in lesson, or a steps array (a saved lesson's, for now). */
export const AssignmentSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), lessonId: z.literal('how-cnns-see') }),
  z.strictObject({ kind: z.literal('steps'), steps: StepsSchema }),
]);

export const CreateAssignmentBodySchema = z
  .strictObject({
    title: z.string().trim().min(1).max(LIMITS.titleMax),
    source: AssignmentSourceSchema,
    /** The lab steps chosen, each with its grading (the snapshot keeps only these, in the lesson's order). */
    steps: z.array(z.strictObject({ stepId: StepId, grading: StepGradingSchema })).min(1).max(LIMITS.stepsMax),
    opensAt: Instant,
    dueAt: Instant,
    latePolicy: LatePolicySchema,
    /** The client's id for this creation: a retry with the same one returns the assignment made the first time. */
    requestId: RequestIdSchema.optional(),
  })
  .refine((b) => Date.parse(b.opensAt) < Date.parse(b.dueAt), { message: 'the assignment opens before it is due', path: ['dueAt'] });
export type CreateAssignmentBody = z.input<typeof CreateAssignmentBodySchema>;

/** An assignment as its course's staff see it (steps with their grading). */
export const AssignmentSchema = z.object({
  id: Id,
  courseId: Id,
  title: z.string(),
  source: z.string(),
  steps: z.array(z.custom<LabStep>()),
  opensAt: z.string(),
  dueAt: z.string(),
  latePolicy: LatePolicySchema,
  releasedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

/**
 * A student's own view of one step: attempts used and left (decided by the server), and what the step is worth —
 * its points, attempts, which attempt counts and the rubric's criteria, never the rule's parameters.
 */
export const StudentStepStatusSchema = z.object({
  stepId: StepId,
  attemptsUsed: z.number().int(),
  attemptsLeft: z.number().int(),
  attempts: z.number().int(),
  counts: z.enum(['best', 'last']),
  /** The step's points: the automatic rule's and the rubric's. */
  maxPoints: z.number(),
  /** True when the server grades the step by a rule (its parameters stay on the server). */
  autoGraded: z.boolean(),
  rubric: z.array(z.object({ id: z.string(), label: z.string(), points: z.number() })),
  /** The attempt that counts (best or last), once grades are released; null before or without one. */
  countedId: z.string().nullable(),
});
export type StudentStepStatus = z.infer<typeof StudentStepStatusSchema>;

/** What the server would decide of a submission arriving now, by its own clock and the student's due time. */
export const SubmitWindowSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('on-time') }),
  z.object({ status: z.literal('late'), lateDays: z.number().int(), penaltyPercent: z.number() }),
  z.object({ status: z.enum(['not-open', 'refused']), reason: z.string() }),
]);
export type SubmitWindow = z.infer<typeof SubmitWindowSchema>;

/** What a student sees of an assignment: no grading, their own due time, attempts, and grades once released. */
export const StudentAssignmentSchema = AssignmentSchema.extend({
  /** The student's due time (an extension, when granted). */
  myDueAt: z.string(),
  status: z.array(StudentStepStatusSchema),
  /** A submission now: on time, late (with its penalty), refused or not open yet. */
  window: SubmitWindowSchema,
  /** The server's clock when this was read (its tests may set it). */
  serverNow: z.string(),
});
export type StudentAssignment = z.infer<typeof StudentAssignmentSchema>;

export const ExtensionBodySchema = z.strictObject({ accountId: Id, dueAt: Instant });
export type ExtensionBody = z.input<typeof ExtensionBodySchema>;

export const DRAFT_JSON_MAX = 48 * 1024;
/** A step's draft: whatever the panel needs to restore itself exactly (parameters, masks, picks), as JSON. */
export const DraftBodySchema = z.strictObject({
  draft: z.json().refine((d) => JSON.stringify(d).length <= DRAFT_JSON_MAX, { message: `a draft is at most ${DRAFT_JSON_MAX} characters of JSON` }),
});

const tensorMaxSide = MASK_LIMITS.inputMax;
const tensorMaxBytes = tensorMaxSide * tensorMaxSide * 3 * 4;
/**
 * A submission's float32 image (gradient ascent): at most as large as the largest model input the labs address
 * (`MASK_LIMITS.inputMax` a side), 3 channels. Its base64 is the one part of a JSON body that may pass the general body
 * limit (`Limits.maxBodyBytes`): a 299×299 image alone is 1.4 MB of base64.
 */
export const TENSOR_UPLOAD_LIMITS = {
  maxSide: tensorMaxSide,
  maxBytes: tensorMaxBytes,
  maxBase64Chars: 4 * Math.ceil(tensorMaxBytes / 3),
} as const;

/** A float32 image in the model's input space ([height, width, channels], little-endian, base64). */
export const TensorUploadSchema = z.strictObject({
  shape: z.tuple([z.number().int().min(1).max(TENSOR_UPLOAD_LIMITS.maxSide), z.number().int().min(1).max(TENSOR_UPLOAD_LIMITS.maxSide), z.literal(3)]),
  base64: z.string().max(TENSOR_UPLOAD_LIMITS.maxBase64Chars),
});

/** A self-paced submission of one step. The browser's numbers in `result` are hints: the server recomputes. */
export const AssignmentSubmitBodySchema = z.strictObject({
  requestId: z.string().min(8).max(64),
  stepId: StepId,
  params: z.record(z.string().max(64), z.json()),
  result: z.record(z.string().max(64), z.json()),
  /** A PNG the student uploaded before (content sha256). */
  resultImageHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  tensor: TensorUploadSchema.optional(),
  /** What the browser believes (ignored: the server decides lateness from its own clock). */
  claimedLate: z.boolean().optional(),
});
export type AssignmentSubmitBody = z.input<typeof AssignmentSubmitBodySchema>;

/** An auto-graded rule's verdict as stored. */
export const AutoGradeSchema = z.object({ ruleId: z.string(), fraction: z.number(), points: z.number(), detail: z.string(), measured: z.record(z.string(), z.number()) });
export type AutoGrade = z.infer<typeof AutoGradeSchema>;

/** Hand grading of one submission: points per rubric criterion and a comment. */
export const ManualGradeSchema = z.object({ rubric: z.record(z.string(), z.number()), comment: z.string(), points: z.number() });
export type ManualGrade = z.infer<typeof ManualGradeSchema>;

/** One attempt at one step with its grade (staff see all; a student their own, grades once released). */
export const AssignmentSubmissionSchema = z.object({
  id: Id,
  assignmentId: Id,
  accountId: Id,
  stepId: StepId,
  attempt: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  result: z.record(z.string(), z.unknown()),
  resultImageHash: z.string().nullable(),
  tensorHash: z.string().nullable(),
  submittedAt: z.string(),
  lateDays: z.number().int(),
  penaltyPercent: z.number(),
  auto: AutoGradeSchema.nullable(),
  manual: ManualGradeSchema.nullable(),
  overridePoints: z.number().nullable(),
  overrideReason: z.string().nullable(),
  /** (auto or override) + manual, less the late penalty. */
  points: z.number(),
});
export type AssignmentSubmission = z.infer<typeof AssignmentSubmissionSchema>;

export const SubmitResponseSchema = z.object({ submission: AssignmentSubmissionSchema, attemptsLeft: z.number().int() });

export const ManualGradeBodySchema = z.strictObject({
  requestId: z.string().min(8).max(64),
  rubric: z.record(z.string().max(40), z.number().min(0).max(1000)),
  comment: z.string().max(4000).default(''),
});
export const OverrideBodySchema = z.strictObject({
  requestId: z.string().min(8).max(64),
  points: z.number().min(0).max(1000).nullable(),
  reason: z.string().trim().min(1, 'an override needs a reason').max(1000),
});
export const RegradeBodySchema = z.strictObject({
  requestId: z.string().min(8).max(64),
  stepId: StepId,
  /** A changed rule for this step (kept in the assignment), or absent to recompute with the current one. */
  grading: StepGradingSchema.optional(),
});

export const GradeEventSchema = z.object({ kind: z.string(), byId: z.string().nullable(), data: z.unknown(), createdAt: z.string() });

/** One gradebook cell: the counting attempt of one student at one step. */
export const GradebookCellSchema = z.object({
  stepId: StepId,
  submissionId: Id.nullable(),
  attempts: z.number().int(),
  auto: z.number().nullable(),
  manual: z.number().nullable(),
  late: z.boolean(),
  points: z.number(),
});
export const GradebookRowSchema = z.object({
  accountId: Id,
  name: z.string(),
  email: z.string(),
  studentNumber: z.string().nullable(),
  cells: z.array(GradebookCellSchema),
  total: z.number(),
});
export type GradebookRow = z.infer<typeof GradebookRowSchema>;
export const GradebookSchema = z.object({
  assignment: AssignmentSchema,
  steps: z.array(z.object({ stepId: StepId, title: z.string(), maxPoints: z.number() })),
  rows: z.array(GradebookRowSchema),
});
export type Gradebook = z.infer<typeof GradebookSchema>;

/** The assignment routes' paths (server/http/assignments.routes.ts). */
export const ASSIGNMENT_API = {
  ofCourse: (courseId: string) => `/api/courses/${encodeURIComponent(courseId)}/assignments`,
  assignment: (id: string) => `/api/assignments/${encodeURIComponent(id)}`,
  action: (id: string, action: 'release' | 'regrade' | 'extensions' | 'submissions' | 'gradebook' | 'gradebook.csv' | 'my-submissions.json') => `/api/assignments/${encodeURIComponent(id)}/${action}`,
  /** A student's draft of one step (GET, POST). */
  draft: (id: string, stepId: string) => `/api/assignments/${encodeURIComponent(id)}/drafts/${encodeURIComponent(stepId)}`,
  /** A student's result PNG for one step (POST, the PNG as the body), before the submission names it by hash. */
  images: (id: string, stepId: string) => `/api/assignments/${encodeURIComponent(id)}/images?stepId=${encodeURIComponent(stepId)}`,
  /** The task of a convolution or pooling step for this student (GET). */
  task: (id: string, stepId: string) => `/api/assignments/${encodeURIComponent(id)}/tasks/${encodeURIComponent(stepId)}`,
  submission: (id: string) => `/api/assignment-submissions/${encodeURIComponent(id)}`,
  grade: (id: string, action: 'grade' | 'override') => `/api/assignment-submissions/${encodeURIComponent(id)}/${action}`,
} as const;
