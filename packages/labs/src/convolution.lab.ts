/**
 * Convolution lab: a student edits a 3×3 or 5×5 kernel (or picks a preset), a stride and a zero padding, and sees the
 * output map of a photo (grey, or each RGB channel) or of a small grid of numbers, with the output size worked out.
 * Clicking an output pixel writes its weighted sum out term by term. The "make this output" challenge shows a target
 * made by a hidden kernel the server picks from its secret (it never leaves the server) and the server checks the
 * student's kernel against it. The arithmetic is @convlab/vis' explainer; this file adds the lab's rules.
 */
import { convolutionBreakdown, convolveMap, featureMap, presetKernel, type ConvBreakdown, type FeatureMap } from '@convlab/vis';
import { z } from 'zod';
import { LabImageSchema } from './common.schemas';
import { defineRule } from './grading.types';
import { defineLab } from './lab.types';

/** The kernel presets the lab offers, in the lecture's order. */
export const CONV_PRESETS = ['identity', 'box-blur', 'gaussian', 'sharpen', 'sobel-x', 'sobel-y', 'laplacian'] as const;
export type ConvPreset = (typeof CONV_PRESETS)[number];

/** The presets' names as students and instructors read them. */
export const CONV_PRESET_NAMES: Readonly<Record<ConvPreset, string>> = {
  identity: 'Identity',
  'box-blur': 'Box blur',
  gaussian: 'Gaussian',
  sharpen: 'Sharpen',
  'sobel-x': 'Sobel x',
  'sobel-y': 'Sobel y',
  laplacian: 'Laplacian',
};

/** Presets that exist at 5×5 too (the others are 3×3 only). */
export const CONV_PRESETS_5X5: readonly ConvPreset[] = ['identity', 'box-blur', 'gaussian'];

/** The repository photo the lab starts from (it always ships, so the lab works without ../shared). */
export const CONV_DEFAULT_PHOTO = { kind: 'sample' as const, id: 'photos/skimage_chelsea.png' };

const finite = (what: string) => z.number({ error: `${what} must be a finite number (not NaN or ∞)` });

/** The kernel sizes the lab offers (square, odd, so a kernel has a centre). */
export const KERNEL_SIZES = [3, 5] as const;
export type KernelSize = (typeof KERNEL_SIZES)[number];

/** Largest value a kernel entry or a grid value may have (and its negative the smallest). */
export const CONV_VALUE_LIMIT = 1000;

/** A 3×3 or 5×5 kernel of finite numbers, kernel[row][column]. */
export const KernelSchema = z
  .array(z.array(finite('each kernel entry').min(-CONV_VALUE_LIMIT).max(CONV_VALUE_LIMIT)).max(5, 'a kernel is 3×3 or 5×5'))
  .max(5, 'a kernel is 3×3 or 5×5')
  .refine((k) => (KERNEL_SIZES as readonly number[]).includes(k.length) && k.every((row) => row.length === k.length), { message: 'a kernel is 3×3 or 5×5' });

/** Most rows and most columns of the number grid. */
export const NUMBER_GRID_MAX = 12;

/** A small grid of numbers (at most 12×12, rectangular). */
export const NumberGridSchema = z
  .array(z.array(finite('each grid value').min(-CONV_VALUE_LIMIT).max(CONV_VALUE_LIMIT)).min(1).max(NUMBER_GRID_MAX))
  .min(1)
  .max(NUMBER_GRID_MAX)
  .refine((g) => g.every((row) => row.length === g[0]!.length), { message: 'every row of the grid has the same length' });

const DEFAULT_GRID = [
  [0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 9, 0, 0, 0],
  [0, 0, 9, 9, 9, 0, 0],
  [0, 9, 9, 9, 9, 9, 0],
  [0, 0, 9, 9, 9, 0, 0],
  [0, 0, 0, 9, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0],
];

/** Output length along one axis: ⌊(W − K + 2P) / S⌋ + 1. */
export function convOutputSize(inputSize: number, kernel: number, padding: number, stride: number): number {
  return Math.floor((inputSize - kernel + 2 * padding) / stride) + 1;
}

/** The output size worked out as the lecture writes it, e.g. "(64 − 3 + 2·1) / 1 + 1 = 64". */
export function explainOutputSize(inputSize: number, kernel: number, padding: number, stride: number): string {
  const top = inputSize - kernel + 2 * padding;
  const out = convOutputSize(inputSize, kernel, padding, stride);
  const fraction = `(${inputSize} − ${kernel} + 2·${padding}) / ${stride}`;
  return `${top % stride === 0 || top < 0 ? fraction : `⌊${fraction}⌋`} + 1 = ${out}`;
}

export const ConvolutionParamsSchema = z
  .strictObject({
    /** Convolve a photo or the small number grid. */
    source: z.enum(['photo', 'grid']).default('photo'),
    image: LabImageSchema.default(CONV_DEFAULT_PHOTO),
    /** Side of the photo after the server scales it (pixels). */
    size: z.number().int().min(16).max(96).default(64),
    /** Grey photo (luminance) or each RGB channel on its own. */
    color: z.enum(['gray', 'rgb']).default('gray'),
    grid: NumberGridSchema.default(() => DEFAULT_GRID.map((row) => row.slice())),
    kernel: KernelSchema.default(() => presetKernel('identity', 3)),
    stride: z.number().int().min(1).max(4).default(1),
    /** Zeros added on each side. */
    padding: z.number().int().min(0).max(3).default(0),
    /** Show the "make this output" target (a hidden kernel's output on the grey input). */
    challenge: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const k = p.kernel.length;
    const [h, w] = p.source === 'grid' ? [p.grid.length, p.grid[0]!.length] : [p.size, p.size];
    for (const [axis, n] of [['height', h], ['width', w]] as const) {
      if (convOutputSize(n, k, p.padding, p.stride) <= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['padding'],
          message: `the output ${axis} would be ${convOutputSize(n, k, p.padding, p.stride)} ≤ 0: (W − K + 2P) / S + 1 with W = ${n}, K = ${k}, P = ${p.padding}, S = ${p.stride}; add padding or use a smaller kernel`,
        });
        return;
      }
    }
  });
export type ConvolutionParams = z.output<typeof ConvolutionParamsSchema>;
export type ConvolutionParamsInput = z.input<typeof ConvolutionParamsSchema>;

/** The server's check of a "make this output" attempt. */
export const ChallengeCheckSchema = z.strictObject({
  passed: z.boolean(),
  /** Largest |output − target| over the map (Infinity-free: a size mismatch is reported in `message`). */
  maxError: z.number().finite().nullable(),
  /** 1 % of the target's range. */
  tolerance: z.number().finite(),
  message: z.string().max(300),
});
export type ChallengeCheck = z.infer<typeof ChallengeCheckSchema>;

/** What a convolution submission stores: filled in by the server from the submitted kernel (anything sent is replaced). */
export const ConvolutionResultSchema = z.strictObject({
  output: z.strictObject({ height: z.number().int().min(1), width: z.number().int().min(1), min: z.number().finite(), max: z.number().finite() }).optional(),
  challenge: ChallengeCheckSchema.optional(),
});
export type ConvolutionResult = z.infer<typeof ConvolutionResultSchema>;

/**
 * "Make this output" as a grading rule: the server convolved the submitted kernel and compared it with the hidden
 * kernel's target when the submission was stored (`result.challenge`, never the browser's); the rule grades that check
 * against its own tolerance.
 */
export const MakeThisOutputRuleParamsSchema = z.strictObject({
  /** The largest absolute error allowed, in % of the target's range. */
  tolerancePercent: z.number().positive().max(100).default(1),
});

export const makeThisOutputRule = defineRule<typeof MakeThisOutputRuleParamsSchema, ConvolutionParams, ConvolutionResult>({
  id: 'make-this-output',
  title: 'Make this output',
  description: "The output of the student's kernel is within the tolerance of the hidden kernel's target (largest absolute error at most the given % of the target's range; the server convolves both).",
  params: MakeThisOutputRuleParamsSchema,
  partialCredit: false,
  async evaluate({ params, submission }) {
    return challengeOutcome(submission.result, params.tolerancePercent);
  },
});

export const convolutionLab = defineLab({
  id: 'convolution',
  title: 'Convolution',
  summary: 'Edit a kernel, a stride and a padding; see the output map, the output size and any pixel’s weighted sum term by term.',
  params: ConvolutionParamsSchema,
  presets: {
    photo: { title: 'A grey photo', params: { source: 'photo', color: 'gray' } },
    rgb: { title: 'Each RGB channel', params: { source: 'photo', color: 'rgb' } },
    grid: { title: 'A small grid of numbers', params: { source: 'grid' } },
    challenge: { title: '“Make this output”', params: { source: 'photo', color: 'gray', challenge: true } },
  },
  paramWords: {
    source: { name: 'input (photo or number grid)' },
    image: { name: 'photo' },
    size: { name: 'photo size', unit: 'pixels' },
    color: { name: 'colour (grey or RGB channels)' },
    grid: { name: 'number grid' },
    kernel: { name: 'kernel' },
    stride: { name: 'stride', unit: 'pixels' },
    padding: { name: 'padding', unit: 'pixels' },
    challenge: { name: '“make this output” challenge' },
  },
  studentControls: ['kernel', 'stride', 'padding', 'source', 'color'],
  jobs: [],
  result: ConvolutionResultSchema,
  resultImage: 'optional',
  aggregations: [{ id: 'kernels-side-by-side', title: 'The class’s kernels', description: 'Every submitted kernel next to the output the server computed from it.' }],
  gradingRules: [makeThisOutputRule],
});

/** A kernel with its entries rounded to `decimals` places (a preset's 1/9 as 0.1111, as it is shown and typed). */
export function roundKernel(kernel: readonly (readonly number[])[], decimals = 4): number[][] {
  const f = 10 ** decimals;
  return kernel.map((row) => row.map((v) => Math.round(v * f) / f));
}

/** A preset kernel at size 3 or 5 (the fixed ones are 3×3 only). */
export function convPresetKernel(name: ConvPreset, size: KernelSize = 3): number[][] {
  return presetKernel(name, CONV_PRESETS_5X5.includes(name) ? size : 3);
}

/**
 * A kernel at another size that still does what it did: a preset with a version at that size becomes it (a 3×3
 * Gaussian the 5×5 one); other weights keep their centre (growing adds a ring of zeros, the same filter; shrinking
 * keeps the middle 3×3). Entries that are not numbers stay so, for the editor to point out.
 */
export function resizeKernel(kernel: readonly (readonly number[])[], size: KernelSize): number[][] {
  const from = kernel.length;
  const preset = CONV_PRESETS_5X5.find((name) => {
    const p = roundKernel(convPresetKernel(name, from as KernelSize));
    return p.length === from && p.every((row, y) => row.every((v, x) => v === kernel[y]?.[x]));
  });
  if (preset) return roundKernel(convPresetKernel(preset, size));
  const offset = (from - size) / 2;
  return Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => kernel[y + offset]?.[x + offset] ?? 0));
}

/** The grey (luminance, ITU-R 601, rounded) version of an 8-bit RGB map. */
export function grayscale(rgb: FeatureMap): FeatureMap {
  if (rgb.channels === 1) return rgb;
  const out = new Float32Array(rgb.height * rgb.width);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(0.299 * rgb.data[i * 3]! + 0.587 * rgb.data[i * 3 + 1]! + 0.114 * rgb.data[i * 3 + 2]!);
  return { height: rgb.height, width: rgb.width, channels: 1, data: out };
}

/** The map the lab convolves: the grid, or the photo (8-bit RGB from the server) in grey or RGB. */
export function convolutionInput(params: Pick<ConvolutionParams, 'source' | 'grid' | 'color'>, photo: FeatureMap | null): FeatureMap {
  if (params.source === 'grid') return featureMap(params.grid.length, params.grid[0]!.length, 1, params.grid.flat());
  if (!photo) throw new Error('the photo has not arrived yet');
  return params.color === 'rgb' ? photo : grayscale(photo);
}

/** The output map of a kernel with the step's stride and zero padding. */
export function convolutionOutput(input: FeatureMap, params: Pick<ConvolutionParams, 'kernel' | 'stride' | 'padding'>): FeatureMap {
  return convolveMap(input, { kernel: params.kernel, stride: params.stride, padding: params.padding });
}

/** One term of a weighted sum: input value × weight, and where it sits. */
export interface WeightedTerm {
  row: number;
  column: number;
  input: number;
  weight: number;
  product: number;
  padding: boolean;
}

/** Output pixel (outY, outX) explained: the input pixel the kernel is centred on, the terms and their sum. */
export interface WeightedSum {
  centerY: number;
  centerX: number;
  terms: WeightedTerm[];
  output: number;
  /** "12·0 + 15·(−1) + … = 37", as the lecture writes it. */
  text: string;
}

/** A number as the explanation writes it: at most 3 decimals, negatives in parentheses. */
export function formatTerm(v: number): string {
  const s = String(Math.round(v * 1000) / 1000 || 0).replace('-', '−');
  return v < 0 && s !== '0' ? `(${s})` : s;
}

/** The weighted sum behind one output pixel, term by term (row by row of the kernel). */
export function weightedSum(input: FeatureMap, params: Pick<ConvolutionParams, 'kernel' | 'stride' | 'padding'>, outY: number, outX: number, channel = 0): WeightedSum {
  const b: ConvBreakdown = convolutionBreakdown(input, { kernel: params.kernel, stride: params.stride, padding: params.padding }, outY, outX, channel);
  const terms = b.window.flatMap((row, dy) =>
    row.map((value, dx) => ({ row: dy, column: dx, input: value, weight: b.kernel[dy]![dx]!, product: b.products[dy]![dx]!, padding: b.isPadding[dy]![dx]! })),
  );
  const text = `${terms.map((t) => `${formatTerm(t.input)}·${formatTerm(t.weight)}`).join(' + ')} = ${formatTerm(b.output)}`;
  return { centerY: b.centerY, centerX: b.centerX, terms, output: b.output, text };
}

/** The kernels the challenge hides: the lab's presets other than the identity. */
const CHALLENGE_PRESETS: readonly ConvPreset[] = ['box-blur', 'gaussian', 'sharpen', 'sobel-x', 'sobel-y', 'laplacian'];

/** FNV-1a of a string: a well-spread index from the server's secret seed. */
function hashOf(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The hidden kernel of a challenge: a preset picked by the seed, an edge filter possibly flipped in sign. */
export function challengeKernel(seed: string): number[][] {
  const h = hashOf(seed);
  const name = CHALLENGE_PRESETS[h % CHALLENGE_PRESETS.length]!;
  const sign = name.startsWith('sobel') && (h >>> 8) % 2 === 1 ? -1 : 1;
  return convPresetKernel(name).map((row) => row.map((v) => v * sign || 0));
}

/** The challenge's target: the hidden kernel's output on the grey input, with the step's stride and padding. */
export function challengeTarget(input: FeatureMap, params: Pick<ConvolutionParams, 'stride' | 'padding'>, seed: string): FeatureMap {
  return convolutionOutput(grayscale(input), { kernel: challengeKernel(seed), stride: params.stride, padding: params.padding });
}

/** The lowest and highest value of a map. */
export function mapRange(map: FeatureMap): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Whether an output makes the target: passes when the largest absolute error is at most 1 % of the target's range. */
export function checkChallenge(target: FeatureMap, output: FeatureMap): ChallengeCheck {
  const { min, max } = mapRange(target);
  // A flat target (range 0) must be met to float precision.
  const tolerance = Math.max(0.01 * (max - min), 1e-6);
  if (output.height !== target.height || output.width !== target.width || output.channels !== target.channels) {
    return {
      passed: false,
      maxError: null,
      tolerance,
      message: `your output is ${output.height}×${output.width}×${output.channels}, the target ${target.height}×${target.width}×${target.channels}: keep the step's stride and padding and use the grey photo`,
    };
  }
  let maxError = 0;
  for (let i = 0; i < target.data.length; i++) maxError = Math.max(maxError, Math.abs(output.data[i]! - target.data[i]!));
  const passed = maxError <= tolerance;
  return {
    passed,
    maxError,
    tolerance,
    message: passed
      ? `made it: the largest error is ${formatTerm(maxError)} (allowed: ${formatTerm(tolerance)}, 1 % of the target's range)`
      : `not yet: the largest error is ${formatTerm(maxError)}, more than ${formatTerm(tolerance)} (1 % of the target's range)`,
  };
}

/**
 * The "make this output" grading verdict from a stored submission (the server's own check): full points when the
 * largest error is within `tolerancePercent` % of the target's range (the lab's rule is 1 %). Shaped as the
 * assignments' RuleOutcome, so the lab's grading rule (lane grading's `defineRule`) wraps it as it is.
 */
export function challengeOutcome(result: ConvolutionResult, tolerancePercent = 1): { fraction: number; detail: string; measured: Record<string, number> } {
  const check = result.challenge;
  if (!check) return { fraction: 0, detail: 'no challenge check was stored with this submission', measured: {} };
  if (check.maxError === null) return { fraction: 0, detail: check.message, measured: {} };
  const range = check.tolerance / 0.01;
  const allowed = (tolerancePercent / 100) * range;
  const ok = check.maxError <= allowed;
  return {
    fraction: ok ? 1 : 0,
    detail: `largest error ${formatTerm(check.maxError)} ${ok ? '≤' : '>'} ${formatTerm(allowed)} (${tolerancePercent} % of the target's range)`,
    measured: { maxError: check.maxError, range },
  };
}
