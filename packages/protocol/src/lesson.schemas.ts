/**
 * Lessons in an instructor's library (documents edited over several visits, copied, shared, exported) and their
 * HTTP bodies. A lesson's steps are a draft: they may be unfinished while the instructor edits (an empty title, a
 * lab parameter out of range); starting a session checks them fully and copies them (a snapshot).
 */
import { z } from 'zod';
import { IMAGE_MIME_TYPES, LIMITS, LabStepSchema, Sha256HexSchema, SlideStepSchema } from './dto.schemas';

const IsoDate = z.string().max(40);

/** A lesson id: made by the client (so a retried create, copy or import never makes two), or cuid. */
export const LessonIdSchema = z
  .string()
  .min(8)
  .max(LIMITS.idMax)
  .regex(/^[A-Za-z0-9_-]+$/, 'a lesson id uses letters, digits, "-" and "_"');

/** The built-in lesson ids (`GET /api/lessons`), usable wherever a lesson can be copied or started from. */
export const READY_LESSON_PREFIX = 'ready:';

const DraftTitle = z.string().max(LIMITS.titleMax);

/** A step as a draft keeps it: a title may still be empty. */
export const DraftStepSchema = z.discriminatedUnion('kind', [
  SlideStepSchema.extend({ title: DraftTitle }),
  LabStepSchema.extend({ title: DraftTitle }),
]);

/** A draft plan: at most `stepsMax` steps (possibly none yet), step ids unique. */
export const DraftStepsSchema = z
  .array(DraftStepSchema)
  .max(LIMITS.stepsMax)
  .superRefine((steps, ctx) => {
    const seen = new Set<string>();
    steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate step id "${s.id}"`, path: [i, 'id'] });
      seen.add(s.id);
    });
  });

/** A lesson as its owner sees it. */
export const LessonSchema = z.object({
  id: z.string(),
  title: z.string(),
  steps: DraftStepsSchema,
  /** Where it came from ("Copy of How CNNs see", "Shared by Ada Lovelace"); null for a new lesson. */
  origin: z.string().nullable(),
  /** Counts saves; send it back with the next save. */
  revision: z.number().int().min(1),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  deletedAt: IsoDate.nullable(),
  /** What keeps it from being taught now (empty: a session can start from it), in words. */
  problems: z.array(z.string()),
});
export type Lesson = z.infer<typeof LessonSchema>;

/** A lesson in the library list. */
export const LessonSummarySchema = LessonSchema.omit({ steps: true }).extend({
  stepCount: z.number().int(),
  labCount: z.number().int(),
});
export type LessonSummary = z.infer<typeof LessonSummarySchema>;

export const LessonResponseSchema = z.object({ lesson: LessonSchema });
export type LessonResponse = z.infer<typeof LessonResponseSchema>;
/** `GET /api/library`: the lessons, last edited first, and those deleted lately (Undo). */
export const LibraryResponseSchema = z.object({ lessons: z.array(LessonSummarySchema), deleted: z.array(LessonSummarySchema) });
export type LibraryResponse = z.infer<typeof LibraryResponseSchema>;

/**
 * `POST /api/library`: a new lesson with the client's id — empty or with a plan, or a copy of one of the
 * instructor's lessons or of a ready-made one (`copyOf`: a lesson id or `ready:<id>`). Sent again, it answers
 * with the lesson made the first time.
 */
export const CreateLessonBodySchema = z.union([
  z.strictObject({ id: LessonIdSchema, title: DraftTitle, steps: DraftStepsSchema }),
  z.strictObject({ id: LessonIdSchema, copyOf: z.string().min(1).max(LIMITS.idMax + READY_LESSON_PREFIX.length) }),
]);
export type CreateLessonBody = z.input<typeof CreateLessonBodySchema>;

/** `POST /api/library/:id` (autosave): the whole draft and the revision it was based on. */
export const SaveLessonBodySchema = z.strictObject({
  title: DraftTitle,
  steps: DraftStepsSchema,
  /** The revision the editor loaded or last saved; an older one is refused (CONFLICT) instead of winning. */
  revision: z.number().int().min(1),
});
export type SaveLessonBody = z.input<typeof SaveLessonBodySchema>;

/** `POST /api/library/:id/share`: a copy of the lesson (id `copyId`) lands in the library of the colleague with this email. */
export const ShareLessonBodySchema = z.strictObject({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email('a valid email address is required')),
  copyId: LessonIdSchema,
});
export type ShareLessonBody = z.input<typeof ShareLessonBodySchema>;

/** Limits of an exported lesson file. */
export const LESSON_FILE_LIMITS = {
  images: 50,
  /** The whole file as uploaded (images as base64). */
  maxBytes: 40 * 1024 * 1024,
} as const;

export const LESSON_FILE_FORMAT = 'convlab-lesson';

/** An exported lesson: one JSON file with the uploaded images it uses (base64), so it works on another server. */
export const LessonFileSchema = z.strictObject({
  format: z.literal(LESSON_FILE_FORMAT),
  version: z.literal(1),
  title: DraftTitle,
  steps: DraftStepsSchema,
  images: z
    .array(z.strictObject({ hash: Sha256HexSchema, mime: z.enum(IMAGE_MIME_TYPES), base64: z.string().max(LESSON_FILE_LIMITS.maxBytes) }))
    .max(LESSON_FILE_LIMITS.images),
});
export type LessonFile = z.infer<typeof LessonFileSchema>;

/** `POST /api/library/import`: the file, and the client's id for the new lesson. */
export const ImportLessonBodySchema = z.strictObject({ id: LessonIdSchema, file: LessonFileSchema });
export type ImportLessonBody = z.input<typeof ImportLessonBodySchema>;
