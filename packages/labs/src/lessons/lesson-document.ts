/**
 * A lesson as a document: what keeps a draft from being taught (in words, step by step) and which uploaded images
 * it uses (so an export carries them and an import can re-point them). Pure: the server and the editor share it.
 */
import { LIMITS, StepsSchema, type LabStep, type SlideStep, type Step } from '@convlab/protocol';
import { LabError, checkLabStep } from '../registry';

/** A step of a draft: a title may still be empty. */
export type DraftStep = (Omit<SlideStep, 'title'> | Omit<LabStep, 'title'>) & { title: string };

function stepName(step: DraftStep, index: number): string {
  const title = step.title.trim();
  return `Step ${index + 1}${title ? ` (“${title}”)` : ''}`;
}

/**
 * What keeps a lesson from being taught now, one sentence each; empty when a session can start from it. The same
 * checks as `POST /api/sessions` (the protocol's plan schema, then each lab's own parameter check).
 */
export function lessonProblems(title: string, steps: readonly DraftStep[]): string[] {
  const problems: string[] = [];
  if (!title.trim()) problems.push('The lesson needs a title.');
  if (steps.length === 0) problems.push('The lesson has no steps yet.');
  steps.forEach((step, i) => {
    if (!step.title.trim()) problems.push(`${stepName(step, i)} needs a title.`);
    else if (step.kind === 'lab') {
      try {
        checkLabStep(step as LabStep);
      } catch (err) {
        if (!(err instanceof LabError)) throw err;
        problems.push(`${stepName(step, i)}: ${err.message.replace(/^step "[^"]*": /, '')}`);
      }
    }
  });
  if (problems.length === 0) {
    const parsed = StepsSchema.safeParse(steps);
    if (!parsed.success) problems.push(`The plan does not fit: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
    if (title.trim().length > LIMITS.titleMax) problems.push(`The title is longer than ${LIMITS.titleMax} characters.`);
  }
  return problems;
}

/** The draft as a plan a session can run, or the problems that keep it from one. */
export function teachableSteps(title: string, steps: readonly DraftStep[]): { steps: Step[] } | { problems: string[] } {
  const problems = lessonProblems(title, steps);
  return problems.length ? { problems } : { steps: StepsSchema.parse(steps) };
}

const HASH = /[0-9a-f]{64}/g;
const IMAGE_PATH = /\/api\/images\/([0-9a-f]{64})/g;

/**
 * The uploaded images a lesson uses (sha256 hashes): image URLs and Markdown images (`/api/images/<hash>`) and lab
 * images (`{ kind: "upload", sha256 }`), in order of first use.
 */
export function lessonImageHashes(steps: readonly DraftStep[]): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') for (const m of value.matchAll(IMAGE_PATH)) found.add(m[1]!);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record.kind === 'upload' && typeof record.sha256 === 'string') found.add(record.sha256);
      Object.values(record).forEach(visit);
    }
  };
  visit(steps);
  return [...found];
}

/** The steps with image hashes replaced (`from` → `to`), e.g. after an import stored an image under a new hash. */
export function replaceImageHashes<S extends DraftStep>(steps: readonly S[], renamed: ReadonlyMap<string, string>): S[] {
  if (renamed.size === 0) return structuredClone([...steps]);
  return JSON.parse(JSON.stringify(steps).replace(HASH, (hash) => renamed.get(hash) ?? hash)) as S[];
}
