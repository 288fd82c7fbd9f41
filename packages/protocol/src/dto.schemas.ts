import { z } from 'zod';
import { DisplayNameSchema } from './display-name';

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

/** A slide step. Lab steps of later issues join the `StepSchema` union with their own `kind`. */
export const SlideStepSchema = z.strictObject({
  kind: z.literal('slide'),
  id: z
    .string()
    .min(1)
    .max(LIMITS.stepIdMax)
    .regex(/^[A-Za-z0-9_-]+$/, 'a step id uses letters, digits, "-" and "_"'),
  title: z.string().trim().min(1).max(LIMITS.titleMax),
  markdown: z.string().max(LIMITS.markdownMax),
  imageUrl: ImageUrlSchema.optional(),
});

export const StepSchema = z.discriminatedUnion('kind', [SlideStepSchema]);
export type Step = z.infer<typeof StepSchema>;

/** An ordered lesson plan: at least one step, step ids unique. */
export const StepsSchema = z
  .array(StepSchema)
  .min(1, 'a lesson plan has at least one step')
  .max(LIMITS.stepsMax)
  .superRefine((steps, ctx) => {
    const seen = new Set<string>();
    steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate step id "${s.id}"`, path: [i, 'id'] });
      seen.add(s.id);
    });
  });

export const SessionStatusSchema = z.enum(['live', 'ended']);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

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
});
export type SessionState = z.infer<typeof SessionStateSchema>;

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
  createdAt: IsoDate,
  endedAt: IsoDate.nullable(),
  /** Absolute URL a student opens to join (`<public url>/join/<code>`). */
  joinUrl: z.string(),
});
export type LiveSession = z.infer<typeof LiveSessionSchema>;

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
