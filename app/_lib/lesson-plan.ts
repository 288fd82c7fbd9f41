/**
 * Editing model of a lesson plan (ordered slide and lab steps) and its validation, kept out of the components
 * so the rules sit in one place. Lab steps are checked by their lab's own definition (`@convlab/labs`), exactly
 * as the server re-checks them on create.
 */
import { LabError, checkLabStep, describeParamIssue, fitParamsToModel, howCnnsSeeLesson, modelUnsuitability, requireLab, unknownPlaceholders, type LabDefinition, type ModelFacts } from '@convlab/labs';
import { ImageUrlSchema, LIMITS, type LabStep, type Step } from '@convlab/protocol';

export type SlideStep = Extract<Step, { kind: 'slide' }>;
export type { LabStep, Step };

/** The protocol's limits, named for the editor. */
export const PLAN_LIMITS = {
  sessionTitle: LIMITS.titleMax,
  stepTitle: LIMITS.titleMax,
  markdown: LIMITS.markdownMax,
  imageUrl: LIMITS.urlMax,
  steps: LIMITS.stepsMax,
} as const;

/** A random id with a prefix; works on plain http (a lecture-hall LAN), where crypto.randomUUID is unavailable. */
function randomId(prefix: string): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A random step id. */
export function newStepId(): string {
  return randomId('step');
}

/** The id of a new lesson, made here so that a retried create never makes two. */
export function newLessonId(): string {
  return randomId('lesson');
}

/** A fresh, empty slide. */
export function blankStep(): SlideStep {
  return { kind: 'slide', id: newStepId(), title: '', markdown: '' };
}

/** Moves the item at `from` to `to`, returning a new array. */
export function moveItem<T>(items: readonly T[], from: number, to: number): T[] {
  if (to < 0 || to >= items.length || from === to) return [...items];
  const next = [...items];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

/**
 * Starting parameters of a new lab step: the ready-made lesson's first step of that lab, with the photos the
 * repository carries (always served), so a new step is valid before the instructor changes anything.
 */
export function starterParams(labId: string): Record<string, unknown> {
  const lesson = howCnnsSeeLesson({ hasImage: (id) => id.startsWith('photos/') });
  const found = lesson.steps.find((s): s is LabStep => s.kind === 'lab' && s.labId === labId);
  return structuredClone(found?.params ?? {});
}

/** A fresh lab step of `lab`, titled after it, with starter parameters and the lab's default student controls. */
export function blankLabStep(lab: LabDefinition): LabStep {
  return { kind: 'lab', id: newStepId(), title: lab.title, markdown: '', labId: lab.id, params: starterParams(lab.id) as LabStep['params'], studentControls: [...lab.studentControls] };
}

/** Errors of one step; `params` maps a lab parameter to its problem, `lab` is the lab check's whole message. */
export interface StepErrors {
  title?: string;
  markdown?: string;
  imageUrl?: string;
  lab?: string;
  params?: Record<string, string>;
}

export interface PlanErrors {
  title?: string;
  plan?: string;
  steps: Record<string, StepErrors>;
}

/**
 * Problems of a lab step's parameters by top-level parameter name (from the lab's schema, so refinements such as
 * "the stride is at most the window" land on their field). Empty when the parameters parse.
 */
export function labParamErrors(labId: string, params: unknown): Record<string, string> {
  const lab = requireLab(labId);
  const parsed = lab.params.safeParse(params);
  if (parsed.success) return {};
  const out: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '';
    out[key] ??= describeParamIssue(lab, issue);
  }
  return out;
}

/** The lab check (`checkLabStep`) of one step: null, or its message naming the step, lab and field. */
export function labStepProblem(step: LabStep): string | null {
  try {
    checkLabStep(step);
    return null;
  } catch (err) {
    if (err instanceof LabError) return err.message;
    throw err;
  }
}

/** Same rule as the server (`ImageUrlSchema`): an https:// URL or a path on this server; explained in words. */
export function imageUrlProblem(url: string): string | null {
  if (url.length > PLAN_LIMITS.imageUrl) return 'That URL is too long.';
  if (ImageUrlSchema.safeParse(url).success) return null;
  if (/^http:\/\//i.test(url)) return 'Use the https:// address of the image (plain http:// images are blocked).';
  return 'Use an https:// image address (e.g. https://example.org/filters.png) or a path starting with /.';
}

/**
 * What keeps a lab step's parameters from working with its model, by parameter (as the server judges it): a
 * quantized model where gradients are needed, a layer, channel or class the model lacks. Empty while the model is unknown.
 */
export function modelParamErrors(step: LabStep, models: readonly ModelFacts[] | null | undefined): Record<string, string> {
  const model = models?.find((m) => m.id === step.params.model);
  if (!model) return {};
  const lab = requireLab(step.labId);
  const out: Record<string, string> = {};
  const unsuitable = modelUnsuitability(lab, model);
  if (unsuitable) out.model = unsuitable;
  for (const note of fitParamsToModel(lab, step.params as Record<string, unknown>, model).notes) {
    if (note.fix !== undefined) out[note.param] ??= `${note.problem}.`;
  }
  return out;
}

/** Validates a plan (lab steps against `models`, the server's model list, once loaded); returns null when it can be sent. */
export function validatePlan(title: string, steps: Step[], models?: readonly ModelFacts[] | null): PlanErrors | null {
  const errors: PlanErrors = { steps: {} };
  let bad = false;
  const t = title.trim();
  if (!t) (errors.title = 'Give the session a title.'), (bad = true);
  else if (t.length > PLAN_LIMITS.sessionTitle) (errors.title = `Keep the title under ${PLAN_LIMITS.sessionTitle} characters.`), (bad = true);
  if (steps.length === 0) (errors.plan = 'Add at least one step.'), (bad = true);
  if (steps.length > PLAN_LIMITS.steps) (errors.plan = `A plan can have at most ${PLAN_LIMITS.steps} steps.`), (bad = true);
  for (const step of steps) {
    const e: StepErrors = {};
    const st = step.title.trim();
    if (!st) e.title = 'Every step needs a title.';
    else if (st.length > PLAN_LIMITS.stepTitle) e.title = `Keep step titles under ${PLAN_LIMITS.stepTitle} characters.`;
    if (step.markdown.length > PLAN_LIMITS.markdown) e.markdown = `Keep the text under ${PLAN_LIMITS.markdown.toLocaleString('en')} characters.`;
    const url = step.imageUrl?.trim();
    if (url) {
      const problem = imageUrlProblem(url);
      if (problem) e.imageUrl = problem;
    }
    if (step.kind === 'lab') {
      const unknown = unknownPlaceholders(step.markdown, step.params);
      if (unknown.length) {
        e.markdown = `${unknown.map((n) => `{{${n}}}`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a setting of this lab, so students would see it as written.`;
      }
      const problem = labStepProblem(cleanStep(step) as LabStep);
      if (problem) {
        e.lab = problem;
        e.params = labParamErrors(step.labId, cleanParams(step.params));
      } else {
        const mismatch = modelParamErrors(step, models);
        const first = Object.values(mismatch)[0];
        if (first) (e.lab = first), (e.params = mismatch);
      }
    }
    if (Object.keys(e).length) (errors.steps[step.id] = e), (bad = true);
  }
  return bad ? errors : null;
}

/** A lab step's parameters as JSON would carry them: unset (undefined) fields dropped, at any depth. */
export function cleanParams(params: Record<string, unknown>): LabStep['params'] {
  return JSON.parse(JSON.stringify(params)) as LabStep['params'];
}

/** One step trimmed, an empty image URL dropped; a lab step keeps its lab, parameters and student controls. */
export function cleanStep(s: Step): Step {
  const imageUrl = s.imageUrl?.trim();
  const common = { id: s.id, title: s.title.trim(), markdown: s.markdown, ...(imageUrl ? { imageUrl } : {}) };
  if (s.kind === 'slide') return { kind: 'slide', ...common };
  return {
    kind: 'lab',
    ...common,
    labId: s.labId,
    params: cleanParams(s.params),
    ...(s.studentControls ? { studentControls: [...s.studentControls] } : {}),
  };
}

/** Every step cleaned, ready for `POST /api/sessions`. */
export function cleanPlan(steps: Step[]): Step[] {
  return steps.map(cleanStep);
}

/** A starter plan that follows the CNN-visualization lecture; instructors edit it or start blank. */
export function lectureOutline(): SlideStep[] {
  const slide = (title: string, markdown: string): SlideStep => ({ kind: 'slide', id: newStepId(), title, markdown });
  return [
    slide('Welcome', '# How CNNs see\n\nToday we open up a convolutional network and look at what each part responds to.'),
    slide('Convolution is a weighted sum', 'Each output pixel is a **dot product** of a small kernel with the patch under it.\n\n- 3×3 kernel, stride 1\n- one bias per filter'),
    slide('Pooling and its drawbacks', 'Max pooling keeps the strongest response in each window — and throws away *where* it was.'),
    slide('First-layer filters', 'The first layer learns oriented edges and colour blobs. What do you expect to see?'),
    slide('Occlusion experiments', 'Slide a grey square over the image and watch the class score drop.'),
    slide('Gradient ascent', 'Find the image that maximises a class score:\n\n`I* = argmax_I S_c(I) − λ‖I‖²`'),
  ];
}

/**
 * Moves focus to the first field with a problem (after the next paint, when the messages are shown): the first
 * control marked invalid, else the title of the first step with a problem.
 */
export function focusFirstProblem(errors: PlanErrors, steps: readonly Step[]): void {
  requestAnimationFrame(() => {
    const invalid = document.querySelector<HTMLElement>('[aria-invalid="true"]');
    const step = steps.find((s) => errors.steps[s.id]);
    const target = invalid ?? (step ? document.getElementById(`${step.id}-title`) : null);
    target?.focus();
    target?.scrollIntoView({ block: 'center' });
  });
}
