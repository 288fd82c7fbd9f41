/**
 * Pooling lab: max and average pooling on a real feature map (the strongest channel of a layer of an installed model)
 * and on a small grid; the drawbacks the lecture names made visible — shift the input by one pixel and max-pool
 * outputs jump while average pooling blurs detail away — and how window size and stride grow the receptive field.
 * A quiz: each student gets their own small grid (made from the server's secret) and computes one pooled value by
 * hand; the server checks the answer, which never reaches the browser. The pooling itself is @convlab/vis'.
 */
import { featureMap, poolBreakdown, type FeatureMap, type PoolSpec } from '@convlab/vis';
import { z } from 'zod';
import { LabImageSchema, LayerIdSchema, ModelIdSchema } from './common.schemas';
import { CONV_DEFAULT_PHOTO, NumberGridSchema } from './convolution.lab';
import { defineRule } from './grading.types';
import { defineLab } from './lab.types';

export const PoolOpSchema = z.enum(['max', 'avg']);
export type PoolOp = z.infer<typeof PoolOpSchema>;

const DEFAULT_GRID = [
  [0, 9, 0, 0, 0, 0, 0, 0],
  [0, 9, 0, 0, 0, 0, 0, 0],
  [0, 9, 0, 0, 9, 0, 9, 0],
  [0, 9, 0, 0, 0, 9, 0, 9],
  [0, 9, 0, 0, 9, 0, 9, 0],
  [0, 9, 0, 0, 0, 9, 0, 9],
  [0, 9, 0, 0, 0, 0, 0, 0],
  [0, 9, 0, 0, 0, 0, 0, 0],
];

export const PoolingParamsSchema = z
  .strictObject({
    model: ModelIdSchema.default('squeezenet1.1_nchw'),
    image: LabImageSchema.default(CONV_DEFAULT_PHOTO),
    /** The layer whose strongest channel is pooled (a real feature map). */
    layer: LayerIdSchema.default('conv1_relu'),
    op: PoolOpSchema.default('max'),
    size: z.number().int().min(2).max(4).default(2),
    stride: z.number().int().min(1).max(4).default(2),
    /** The small grid of numbers (a line on the left, a fine checkerboard on the right). */
    grid: NumberGridSchema.default(() => DEFAULT_GRID.map((row) => row.slice())),
    /** Offer the quiz (a pooled value computed by hand, checked by the server). */
    quiz: z.boolean().default(true),
  })
  .refine((p) => p.grid.length >= p.size && p.grid[0]!.length >= p.size, { message: 'the grid is at least as large as the pooling window', path: ['size'] });
export type PoolingParams = z.output<typeof PoolingParamsSchema>;
export type PoolingParamsInput = z.input<typeof PoolingParamsSchema>;

/** What a quiz answer stores: the student's number; the server adds whether it is right (never the right value). */
export const PoolingResultSchema = z.strictObject({
  answer: z.number({ error: 'the answer must be a finite number' }).min(-1e6).max(1e6),
  correct: z.boolean().optional(),
  /** The question the server asked (filled in by the server). */
  question: z.string().max(200).optional(),
});
export type PoolingResult = z.infer<typeof PoolingResultSchema>;

/** The pooling quiz as a grading rule: the server's own check of the student's hand-computed value (`result.correct`). */
export const poolingQuizRule = defineRule<z.ZodObject<Record<string, never>>, PoolingParams, PoolingResult>({
  id: 'pooling-quiz',
  title: 'Pooled value by hand',
  description: "The student's pooled value is the right one for their own grid (checked by the server; the answer never reaches the browser).",
  params: z.strictObject({}),
  partialCredit: false,
  async evaluate({ submission }) {
    return quizOutcome(submission.result);
  },
});

export const poolingLab = defineLab({
  id: 'pooling',
  title: 'Pooling',
  summary: 'Max and average pooling on a real feature map and a small grid; shift by one pixel; receptive fields; a pooled value by hand.',
  params: PoolingParamsSchema,
  presets: {
    max: { title: 'Max pooling 2×2, stride 2', params: { op: 'max', size: 2, stride: 2 } },
    avg: { title: 'Average pooling 2×2, stride 2', params: { op: 'avg', size: 2, stride: 2 } },
    overlap: { title: 'Overlapping 3×3, stride 2 (AlexNet)', params: { op: 'max', size: 3, stride: 2 } },
  },
  paramWords: {
    model: { name: 'model' },
    image: { name: 'photo' },
    layer: { name: 'layer pooled' },
    op: { name: 'pooling (max or average)' },
    size: { name: 'window', unit: 'pixels' },
    stride: { name: 'stride', unit: 'pixels' },
    grid: { name: 'number grid' },
    quiz: { name: 'quiz' },
  },
  modelParams: { layer: 'layer' },
  studentControls: ['op', 'size', 'stride'],
  jobs: [{ kind: 'activations', purpose: 'the strongest channel of the chosen layer, to pool', runBy: 'student' }],
  result: PoolingResultSchema,
  resultImage: 'none',
  aggregations: [{ id: 'quiz-answers', title: 'Quiz answers', description: 'Each student’s answer and whether the server found it right.' }],
  gradingRules: [poolingQuizRule],
});

/** A pooled map in plain JavaScript (valid windows), from vis' breakdown of each output value. */
export function poolMap(input: FeatureMap, spec: PoolSpec): FeatureMap {
  const stride = spec.stride ?? spec.size;
  const oh = Math.floor((input.height - spec.size) / stride) + 1;
  const ow = Math.floor((input.width - spec.size) / stride) + 1;
  if (oh <= 0 || ow <= 0) throw new Error(`the map (${input.height}×${input.width}) is smaller than the ${spec.size}×${spec.size} window`);
  const out = new Float32Array(oh * ow * input.channels);
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let c = 0; c < input.channels; c++) {
    out[(y * ow + x) * input.channels + c] = poolBreakdown(input, spec, y, x, c).output;
  }
  return { height: oh, width: ow, channels: input.channels, data: out };
}

/** The map moved right by `dx` pixels (down by `dy`); what comes in from the border is 0. */
export function shiftMap(input: FeatureMap, dx: number, dy = 0): FeatureMap {
  const out = new Float32Array(input.data.length);
  const { height: h, width: w, channels: c } = input;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sy = y - dy;
    const sx = x - dx;
    if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
    for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = input.data[(sy * w + sx) * c + k]!;
  }
  return { height: h, width: w, channels: c, data: out };
}

/** One pooling of the shift-by-one demo: outputs before and after the shift, and how much they changed. */
export interface ShiftDemo {
  before: FeatureMap;
  after: FeatureMap;
  /** Σ |after − before| over the pooled map. */
  change: number;
  /** Output cells whose value changed. */
  changedCells: number;
}

/** Pools a map and the map shifted right by one pixel: max pooling's outputs jump, average pooling's blur. */
export function shiftByOneDemo(input: FeatureMap, op: PoolOp, size: number, stride: number): ShiftDemo {
  const spec: PoolSpec = { kind: op, size, stride };
  const before = poolMap(input, spec);
  const after = poolMap(shiftMap(input, 1), spec);
  let change = 0;
  let changedCells = 0;
  for (let i = 0; i < before.data.length; i++) {
    const d = Math.abs(after.data[i]! - before.data[i]!);
    change += d;
    if (d > 1e-9) changedCells++;
  }
  return { before, after, change, changedCells };
}

/** Input pixels one value sees after `layers` stacked poolings of this size and stride: 1 + Σ (k − 1)·Π earlier strides. */
export function stackedReceptiveField(size: number, stride: number, layers: number): number {
  let field = 1;
  let jump = 1;
  for (let i = 0; i < layers; i++) {
    field += (size - 1) * jump;
    jump *= stride;
  }
  return field;
}

/** A quiz question: a 4×4 grid of digits, a pooling and the output cell to compute. */
export interface PoolQuiz {
  grid: number[][];
  op: PoolOp;
  size: number;
  stride: number;
  outY: number;
  outX: number;
}

/** A student's quiz, from the server's per-student seed: 2×2 windows, stride 2, one of the four output cells. */
export function poolQuiz(seed: string, op: PoolOp): PoolQuiz {
  // xorshift32 from an FNV-1a hash of the seed: the same seed gives the same grid on every call.
  let s = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) s = Math.imul(s ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const grid = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => next() % 10));
  const cell = next() % 4;
  return { grid, op, size: 2, stride: 2, outY: Math.floor(cell / 2), outX: cell % 2 };
}

/** The question in words, e.g. "max pooling 2×2, stride 2: the output at row 1, column 2". */
export function describeQuiz(q: Pick<PoolQuiz, 'op' | 'size' | 'stride' | 'outY' | 'outX'>): string {
  return `${q.op === 'max' ? 'max' : 'average'} pooling ${q.size}×${q.size}, stride ${q.stride}: the output at row ${q.outY + 1}, column ${q.outX + 1}`;
}

/** Whether a hand-computed answer is the pooled value (averages to within 0.01, for answers rounded to 2 decimals). */
export function checkPoolQuiz(q: PoolQuiz, answer: number): boolean {
  const map = featureMap(q.grid.length, q.grid[0]!.length, 1, q.grid.flat());
  const value = poolBreakdown(map, { kind: q.op, size: q.size, stride: q.stride }, q.outY, q.outX).output;
  return Number.isFinite(answer) && Math.abs(answer - value) <= 0.005 + 1e-9;
}

/** The quiz's grading verdict from a stored answer (the server's check), shaped as the assignments' RuleOutcome. */
export function quizOutcome(result: PoolingResult): { fraction: number; detail: string; measured: Record<string, number> } {
  if (result.correct === undefined) return { fraction: 0, detail: 'the server has not checked this answer', measured: {} };
  return { fraction: result.correct ? 1 : 0, detail: `${result.question ?? 'the pooled value'}: ${result.correct ? 'right' : 'not right'}`, measured: { answer: result.answer } };
}
