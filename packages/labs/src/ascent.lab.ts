/**
 * Gradient-ascent lab (Simonyan et al. 2013; Yosinski et al. 2015): I* = argmax_I S_c(I) − λ‖I‖². Students tune
 * λ, the learning rate, steps, blur and jitter (or pick a preset), watch the image evolve and submit it. The
 * instructor can hand each student a different λ from a sweep and watch the class × λ grid fill in.
 */
import { z } from 'zod';
import { ClassIndexSchema, ModelIdSchema } from './common.schemas';
import { defineLab } from './lab.types';
import { ascentObjectiveRule } from './ascent.rules';

/** The λ values of a sweep: `count` values from `from` to `to`, evenly spaced on a log or linear scale. */
export const LambdaSweepSchema = z
  .strictObject({
    from: z.number().min(0).max(10),
    to: z.number().min(0).max(10),
    count: z.number().int().min(2).max(64),
    scale: z.enum(['log', 'linear']).default('log'),
  })
  .refine((s) => s.scale === 'linear' || (s.from > 0 && s.to > 0), { message: 'a log-scale sweep needs λ > 0 at both ends', path: ['from'] })
  .refine((s) => s.from !== s.to, { message: 'a sweep needs two different ends', path: ['to'] });
export type LambdaSweep = z.output<typeof LambdaSweepSchema>;

export const AscentParamsSchema = z
  .strictObject({
    model: ModelIdSchema.default('squeezenet1.1_nchw'),
    /** Classes offered, in the order of the grid's rows and the galleries. */
    classes: z.array(ClassIndexSchema).min(1).max(64),
    classIndex: ClassIndexSchema,
    /** λ of the L2 penalty λ‖I‖² (input units). */
    lambda: z.number().min(0).max(10).default(0.001),
    learningRate: z.number().positive().max(1e4).default(10),
    steps: z.number().int().min(1).max(1000).default(40),
    /** Yosinski's decay: I ← (1 − decay)·I after each step. */
    decay: z.number().min(0).lt(1).default(0),
    /** Gaussian blur of σ = blurWidth pixels every blurEvery steps (0 = never). */
    blurEvery: z.number().int().min(0).max(1000).default(0),
    blurWidth: z.number().min(0).max(10).default(0),
    /** Random shift of up to ±jitter pixels before each gradient. */
    jitter: z.number().int().min(0).max(32).default(0),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    /** The λ sweep the instructor can hand out (one λ per student). */
    sweep: LambdaSweepSchema.optional(),
  })
  .refine((p) => p.classes.includes(p.classIndex), { message: 'the class must be one of the list of classes', path: ['classIndex'] })
  .refine((p) => new Set(p.classes).size === p.classes.length, { message: 'each class once', path: ['classes'] });
export type AscentParams = z.output<typeof AscentParamsSchema>;
export type AscentParamsInput = z.input<typeof AscentParamsSchema>;

/** What a gradient-ascent submission stores (the image itself is the submission's result image). */
export const AscentResultSchema = z.strictObject({
  classIndex: ClassIndexSchema,
  /** S_c(I*) before the penalty, and S_c(I*) − λ‖I*‖². */
  score: z.number().finite(),
  objective: z.number().finite(),
  /** The class score along the way (for a sparkline), at most one per step. */
  scores: z.array(z.number().finite()).max(1001),
});
export type AscentResult = z.infer<typeof AscentResultSchema>;

export const ascentLab = defineLab({
  id: 'ascent',
  title: 'Gradient ascent',
  summary: 'Start from a grey image and change its pixels to raise one class score, with a penalty λ‖I‖² keeping it natural.',
  params: AscentParamsSchema,
  presets: {
    simonyan: {
      title: 'Simonyan et al. (L2 only)',
      description: 'The lecture’s objective: S_c(I) − λ‖I‖², plain gradient steps.',
      params: { lambda: 0.001, decay: 0, blurEvery: 0, blurWidth: 0, jitter: 0, learningRate: 10, steps: 40 },
    },
    yosinski: {
      title: 'Yosinski et al. (blur + jitter)',
      description: 'Small decay, a Gaussian blur every 10 steps and random shifts: smoother, more recognizable images.',
      params: { lambda: 0, decay: 0.0001, blurEvery: 10, blurWidth: 0.5, jitter: 8, learningRate: 10, steps: 40 },
    },
    'no-penalty': {
      title: 'No regularization',
      description: 'λ = 0: what the network "wants" without any prior — usually high-frequency noise.',
      params: { lambda: 0, decay: 0, blurEvery: 0, blurWidth: 0, jitter: 0 },
    },
  },
  needsGradients: true,
  paramWords: {
    model: { name: 'model' },
    classes: { name: 'list of classes' },
    classIndex: { name: 'class' },
    lambda: { name: 'regularization λ' },
    learningRate: { name: 'learning rate' },
    steps: { name: 'number of steps', unit: 'steps' },
    decay: { name: 'decay' },
    blurEvery: { name: 'blur interval', unit: 'steps' },
    blurWidth: { name: 'blur width', unit: 'pixels' },
    jitter: { name: 'jitter', unit: 'pixels' },
    seed: { name: 'random seed' },
    sweep: { name: 'λ sweep' },
  },
  modelParams: { classes: 'classes', classIndex: 'classIndex' },
  studentControls: ['classIndex', 'lambda', 'learningRate', 'steps', 'decay', 'blurEvery', 'blurWidth', 'jitter', 'seed'],
  jobs: [{ kind: 'ascent', purpose: 'the image, with snapshots and the class score while it evolves', runBy: 'student' }],
  result: AscentResultSchema,
  resultImage: 'required',
  aggregations: [
    { id: 'lambda-sweep', title: 'λ sweep', description: 'Each student gets a different λ; the class × λ grid fills in as they submit.' },
    { id: 'gallery-by-class', title: 'Gallery per class', description: 'Every submitted image, grouped by class.' },
  ],
  gradingRules: [ascentObjectiveRule],
});

/** The compute job (JobSpec input form) of one run. */
export function ascentJob(params: AscentParams, snapshotEvery = 10) {
  return {
    kind: 'ascent' as const,
    model: params.model,
    params: {
      target: { kind: 'class' as const, index: params.classIndex },
      steps: params.steps,
      learningRate: params.learningRate,
      l2: params.lambda,
      decay: params.decay,
      blurEvery: params.blurEvery,
      blurWidth: params.blurWidth,
      jitter: params.jitter,
      seed: params.seed,
      snapshotEvery,
    },
  };
}

/** The λ values of a sweep, in increasing order of index (from → to). */
export function lambdaValues(sweep: z.input<typeof LambdaSweepSchema>): number[] {
  const s = LambdaSweepSchema.parse(sweep);
  const out: number[] = [];
  for (let i = 0; i < s.count; i++) {
    const t = i / (s.count - 1);
    out.push(s.scale === 'log' ? Math.exp(Math.log(s.from) + t * (Math.log(s.to) - Math.log(s.from))) : s.from + t * (s.to - s.from));
  }
  // The ends exactly as written (no rounding drift), so a student's λ matches the grid's column.
  out[0] = s.from;
  out[s.count - 1] = s.to;
  return out;
}

/**
 * Hands each participant one λ (an index into `lambdas`). Earlier assignments stay; each newcomer, in the given
 * order, gets the λ held by the fewest participants (the lowest index on a tie), so the grid's columns fill
 * evenly whatever the class size.
 */
export function dealLambdas(lambdas: readonly number[], participants: readonly string[], previous: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  if (lambdas.length === 0) throw new RangeError('a sweep needs at least one λ');
  const out = new Map<string, number>();
  const held = new Array<number>(lambdas.length).fill(0);
  for (const p of participants) {
    const i = previous.get(p);
    if (i !== undefined && Number.isInteger(i) && i >= 0 && i < lambdas.length) {
      out.set(p, i);
      held[i]!++;
    }
  }
  for (const p of participants) {
    if (out.has(p)) continue;
    let best = 0;
    for (let i = 1; i < held.length; i++) if (held[i]! < held[best]!) best = i;
    out.set(p, best);
    held[best]!++;
  }
  return out;
}

/** The column of `lambda` among `lambdas` (equal up to rounding), or -1. */
export function lambdaColumn(lambdas: readonly number[], lambda: number): number {
  return lambdas.findIndex((l) => l === lambda || Math.abs(l - lambda) <= 1e-9 * Math.max(Math.abs(l), Math.abs(lambda)));
}

/** What the grid needs of a submission. */
export interface AscentItem {
  params: { lambda: number; classIndex: number };
  result: Pick<AscentResult, 'classIndex' | 'score'>;
}

/** The class × λ grid: per cell the submissions in it (in the given order), `best` the highest score. */
export interface AscentSweepGrid<T> {
  classes: number[];
  lambdas: number[];
  /** cells[row = class][col = λ] */
  cells: Array<Array<{ items: T[]; best: T | null }>>;
  /** Submissions whose class or λ is not on the grid. */
  offGrid: T[];
  /** Cells with at least one submission. */
  filled: number;
}

/** Places ascent submissions on the class × λ grid. */
export function ascentSweepGrid<T extends AscentItem>(items: readonly T[], classes: readonly number[], lambdas: readonly number[]): AscentSweepGrid<T> {
  const cells = classes.map(() => lambdas.map(() => ({ items: [] as T[], best: null as T | null })));
  const offGrid: T[] = [];
  for (const item of items) {
    const row = classes.indexOf(item.result.classIndex);
    const col = lambdaColumn(lambdas, item.params.lambda);
    if (row < 0 || col < 0) {
      offGrid.push(item);
      continue;
    }
    const cell = cells[row]![col]!;
    cell.items.push(item);
    if (!cell.best || item.result.score > cell.best.result.score) cell.best = item;
  }
  const filled = cells.reduce((n, r) => n + r.filter((c) => c.items.length > 0).length, 0);
  return { classes: [...classes], lambdas: [...lambdas], cells, offGrid, filled };
}

/** Groups submissions per class: the classes of `classOrder` first, in that order, then others by first appearance. */
export function galleryByClass<T extends { result: Pick<AscentResult, 'classIndex'> }>(items: readonly T[], classOrder: readonly number[] = []): Array<{ classIndex: number; items: T[] }> {
  const groups = new Map<number, T[]>();
  for (const c of classOrder) groups.set(c, []);
  for (const item of items) {
    if (!groups.has(item.result.classIndex)) groups.set(item.result.classIndex, []);
    groups.get(item.result.classIndex)!.push(item);
  }
  return [...groups.entries()].filter(([, list]) => list.length > 0).map(([classIndex, list]) => ({ classIndex, items: list }));
}
