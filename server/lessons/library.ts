/**
 * Instructors' lesson libraries: lessons as documents (owned, autosaved with a revision, deleted with Undo), copies
 * of ready-made lessons, sharing, export/import with images, and the snapshot a session or an assignment starts from.
 */
import { getLab, lessonImageHashes, lessonProblems, modelMismatches, modelUnsuitability, replaceImageHashes, teachableSteps, type DraftStep, type ModelFacts } from '@convlab/labs';
import { BUILTIN_GRAPH_FACTS, BUILTIN_MODELS, defaultFeatureLayer } from '@convlab/nets';
import { loadHowCnnsSeeLesson, resolveImagesDir } from '@convlab/labs/node';
import {
  DraftStepsSchema,
  LESSON_FILE_FORMAT,
  LessonFileSchema,
  ProtocolError,
  READY_LESSON_PREFIX,
  type Lesson,
  type LessonFile,
  type LessonSummary,
  type Step,
} from '@convlab/protocol';
import type { ServerContext } from '../context';
import type { LessonRecord } from '../db';
import { ImageService } from '../images/image.service';

/** Deleted lessons stay restorable (Undo) this long, then go for good. */
export const DELETED_LESSON_KEEP_MS = 30 * 24 * 3600_000;

type LibraryContext = Pick<ServerContext, 'lessons' | 'store' | 'config' | 'models'>;

function draftSteps(record: LessonRecord): DraftStep[] {
  // Stored through DraftStepsSchema; a row that no longer parses (a schema change) shows as empty rather than failing.
  const parsed = DraftStepsSchema.safeParse(record.steps);
  return parsed.success ? parsed.data : [];
}

/** What the labs know of every built-in model (its metadata in @convlab/nets): name, weights, layers, classes, first convolution. */
export const BUILTIN_MODEL_FACTS: readonly ModelFacts[] = BUILTIN_MODELS.map(({ meta }) => {
  const facts = BUILTIN_GRAPH_FACTS[meta.id];
  const layers = facts?.layers;
  return {
    id: meta.id, displayName: meta.displayName, weights: meta.weights, numClasses: meta.numClasses, layers, defaultLayer: layers ? defaultFeatureLayer(layers, meta.numClasses) : null,
    firstConv: facts?.firstConv,
  };
});

/** The built-in models and this server's uploaded ones, as the labs judge them. */
export async function knownModelFacts(ctx: Pick<ServerContext, 'models'>): Promise<ModelFacts[]> {
  return [...BUILTIN_MODEL_FACTS, ...(await ctx.models.list())];
}

/**
 * Lab steps whose model cannot serve them, one sentence each: a quantized model where gradients are needed, or a
 * layer, channel or class the model lacks ("Layer fire9_concat does not exist in MobileNet v1 0.75 (224)."). Judged
 * from the model metadata (`@convlab/nets`, the uploaded models' stored facts), so a new model or lab needs no
 * change here. A model not in `models` is left to the compute service's own check.
 */
export function modelProblems(steps: readonly DraftStep[], models: readonly ModelFacts[] = BUILTIN_MODEL_FACTS): string[] {
  const problems: string[] = [];
  steps.forEach((step, i) => {
    if (step.kind !== 'lab') return;
    const lab = getLab(step.labId);
    if (!lab) return;
    const model = models.find((m) => m.id === step.params.model);
    // A lab showing several models (the first-layer filters) needs each to serve it.
    const shown = Array.isArray(step.params.models) ? models.filter((m) => (step.params.models as unknown[]).includes(m.id)) : [];
    // Checked as students get them: a setting left out takes the lab's default (which must exist in the model too).
    const parsed = lab.params.safeParse(step.params);
    const params = parsed.success ? (parsed.data as Record<string, unknown>) : step.params;
    const found = [
      ...(model ? [modelUnsuitability(lab, model), ...modelMismatches(lab, params, model)] : []),
      ...shown.map((m) => modelUnsuitability(lab, m)),
    ].filter((p) => p !== null);
    for (const problem of found) problems.push(`Step ${i + 1}${step.title.trim() ? ` (“${step.title.trim()}”)` : ''}: ${problem}`);
  });
  return problems;
}

/** Everything that keeps a draft from being taught: the plan's own problems, then its models'. */
function allProblems(title: string, steps: readonly DraftStep[]): string[] {
  return [...lessonProblems(title, steps), ...modelProblems(steps)];
}

/** A stored lesson as its owner sees it, with what keeps it from being taught. */
export function toLesson(record: LessonRecord): Lesson {
  const steps = draftSteps(record);
  const { id, title, origin, revision, createdAt, updatedAt, deletedAt } = record;
  return { id, title, steps, origin, revision, createdAt, updatedAt, deletedAt, problems: allProblems(title, steps) };
}

/** The library's list entry of a lesson. */
export function toLessonSummary(record: LessonRecord): LessonSummary {
  const { steps, ...lesson } = toLesson(record);
  return { ...lesson, stepCount: steps.length, labCount: steps.filter((s) => s.kind === 'lab').length };
}

/** A lesson of `instructorId` (deleted ones only with `includeDeleted`); NOT_FOUND otherwise, also for someone else's. */
export async function ownedLesson(ctx: LibraryContext, instructorId: string, id: string, includeDeleted = false): Promise<LessonRecord> {
  const record = await ctx.lessons.findById(id);
  // Someone else's lesson answers like a missing one: ids are not secrets, but libraries are private.
  if (!record || record.instructorId !== instructorId || (record.deletedAt && !includeDeleted)) throw new ProtocolError('NOT_FOUND', 'no such lesson in your library');
  return record;
}

/** A ready-made lesson by its id (`how-cnns-see`), built for the images this server has. */
function readyLesson(ctx: LibraryContext, id: string): { title: string; steps: Step[] } {
  if (id !== 'how-cnns-see') throw new ProtocolError('NOT_FOUND', `no ready-made lesson "${id.slice(0, 64)}"`);
  const { title, steps } = loadHowCnnsSeeLesson({ imagesDir: resolveImagesDir() });
  return { title, steps };
}

/** The title and steps of a source: `ready:<id>` (a ready-made lesson) or one of the instructor's lessons. */
async function sourceDraft(ctx: LibraryContext, instructorId: string, source: string): Promise<{ title: string; steps: DraftStep[] }> {
  if (source.startsWith(READY_LESSON_PREFIX)) return readyLesson(ctx, source.slice(READY_LESSON_PREFIX.length));
  const record = await ownedLesson(ctx, instructorId, source);
  return { title: record.title, steps: draftSteps(record) };
}

/**
 * The plan a session (or a graded assignment) starts from: a copy of the lesson's steps as they are now, fully
 * checked. `source` is a lesson id of `instructorId` or `ready:<id>`. BAD_REQUEST lists what keeps it from being
 * taught; later edits of the lesson never reach the copy.
 */
export async function lessonSteps(ctx: LibraryContext, source: string, instructorId: string): Promise<{ title: string; steps: Step[] }> {
  const draft = await sourceDraft(ctx, instructorId, source);
  const checked = teachableSteps(draft.title, draft.steps);
  const problems = 'problems' in checked ? checked.problems : modelProblems(checked.steps, await knownModelFacts(ctx));
  if (problems.length || 'problems' in checked) throw new ProtocolError('BAD_REQUEST', `This lesson cannot be taught yet: ${problems.join(' ')}`);
  return { title: draft.title.trim(), steps: checked.steps };
}

/** Creates (or, for an id already used by the same instructor, returns) a lesson; someone else's id is refused. */
export async function createLesson(
  ctx: LibraryContext,
  input: { id: string; instructorId: string; title: string; steps: readonly DraftStep[]; origin?: string | null },
): Promise<LessonRecord> {
  const record = await ctx.lessons.create({ ...input, steps: [...input.steps] });
  if (record.instructorId !== input.instructorId) throw new ProtocolError('CONFLICT', 'this lesson id is taken; make a new one');
  return record;
}

/** A copy of a ready-made lesson or of one of the instructor's lessons, under `id`. */
export async function copyLesson(ctx: LibraryContext, instructorId: string, id: string, source: string): Promise<LessonRecord> {
  const draft = await sourceDraft(ctx, instructorId, source);
  return createLesson(ctx, { id, instructorId, title: draft.title, steps: draft.steps, origin: `Copy of ${draft.title.trim() || 'an untitled lesson'}` });
}

/** Gives a colleague (by email) a copy of a lesson; it lands in their library as "Shared by <name>". */
export async function shareLesson(ctx: LibraryContext, instructorId: string, id: string, email: string, copyId: string): Promise<{ recipient: string }> {
  const record = await ownedLesson(ctx, instructorId, id);
  const [sender, recipient] = await Promise.all([ctx.store.findInstructorById(instructorId), ctx.store.findInstructorByEmail(email)]);
  if (!recipient) throw new ProtocolError('NOT_FOUND', `no instructor on this server has the email ${email}`);
  if (recipient.id === instructorId) throw new ProtocolError('BAD_REQUEST', 'that is your own email; use Duplicate for a copy of your own');
  await createLesson(ctx, { id: copyId, instructorId: recipient.id, title: record.title, steps: draftSteps(record), origin: `Shared by ${sender?.name ?? 'a colleague'}` });
  return { recipient: recipient.name };
}

/** One JSON file with the lesson and the uploaded images it uses (base64), for another server or a colleague. */
export async function exportLesson(ctx: LibraryContext, record: LessonRecord): Promise<LessonFile> {
  const steps = draftSteps(record);
  const service = new ImageService(ctx.config.dataDir, ctx.store);
  const images: LessonFile['images'] = [];
  for (const hash of lessonImageHashes(steps)) {
    const found = await service.read(hash);
    // An image that is gone cannot travel; the step keeps its reference and the importing server reports it missing.
    if (found) images.push({ hash, mime: found.image.mime, base64: found.bytes.toString('base64') });
  }
  return { format: LESSON_FILE_FORMAT, version: 1, title: record.title, steps, images };
}

/**
 * A lesson file becomes a new lesson of `instructorId`: its images are checked and stored like uploads (a
 * re-encoded image gets a new hash, and the steps are re-pointed to it). Bad files are refused before anything is
 * stored in the library.
 */
export async function importLesson(ctx: LibraryContext, instructorId: string, id: string, raw: unknown): Promise<LessonRecord> {
  const parsed = LessonFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError('BAD_REQUEST', `This is not a ConvLab lesson file (${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}).`);
  }
  const file = parsed.data;
  const service = new ImageService(ctx.config.dataDir, ctx.store);
  const renamed = new Map<string, string>();
  for (const image of file.images) {
    try {
      const { image: stored } = await service.ingest(Buffer.from(image.base64, 'base64'), { kind: 'instructor', id: instructorId });
      if (stored.hash !== image.hash) renamed.set(image.hash, stored.hash);
    } catch (err) {
      if (err instanceof ProtocolError) throw new ProtocolError(err.code, `An image in the file was refused: ${err.message}`);
      throw err;
    }
  }
  const steps = replaceImageHashes(file.steps, renamed);
  return createLesson(ctx, { id, instructorId, title: file.title, steps, origin: 'Imported from a file' });
}
