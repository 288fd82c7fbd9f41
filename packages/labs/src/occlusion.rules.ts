/**
 * The occlusion lab's grading rule: masks whose union covers at most A % of the image and, applied together,
 * lower the step's target-class probability by at least D percentage points — both probabilities recomputed.
 */
import { MASK_LIMITS, encodeBitmapMask, rasterizeMask, type Mask } from '@convlab/protocol';
import { z } from 'zod';
import { ClassIndexSchema } from './common.schemas';
import { PercentSchema, defineRule, noPoints } from './grading.types';
import type { OcclusionParams, OcclusionResult } from './occlusion.lab';
import type { SweepResult } from './sweep';

/** The pixels of an [height, width] input covered by any of the masks (1 = covered). */
export function maskUnion(masks: readonly Mask[], [height, width]: readonly [number, number]): Uint8Array {
  const union = new Uint8Array(width * height);
  for (const mask of masks) {
    const px = rasterizeMask(mask, width, height);
    for (let i = 0; i < px.length; i++) union[i]! |= px[i]!;
  }
  return union;
}

/** Percentage points lost to floating-point rounding; a boundary case counts as met. */
export const ROUNDING = 1e-9;

export const OcclusionDropRuleParamsSchema = z.strictObject({
  /** A: the masks together cover at most this share of the image, in %. */
  maxCoveragePercent: PercentSchema,
  /** D: the target probability drops by at least this many percentage points. */
  minDropPoints: PercentSchema,
  /** The target class (hidden from students); the step's class, else the model's top class, when absent. */
  classIndex: ClassIndexSchema.optional(),
});

export const occlusionDropRule = defineRule<typeof OcclusionDropRuleParamsSchema, OcclusionParams, OcclusionResult | SweepResult>({
  id: 'occlusion-drop',
  title: 'Small masks, large drop',
  description: 'The union of the masks covers at most A % of the image and lowers the target-class probability by at least D percentage points (the server recomputes both probabilities).',
  params: OcclusionDropRuleParamsSchema,
  partialCredit: false,
  async evaluate({ params, submission, compute }) {
    const { step, result } = submission;
    if (!('masks' in result)) return noPoints('no masks were submitted');
    const { inputSize } = await compute.model(step.model);
    const [height, width] = inputSize;
    if (height > MASK_LIMITS.bitmapMax || width > MASK_LIMITS.bitmapMax) throw new RangeError(`occlusion-drop: a ${width}×${height} input is larger than a mask bitmap allows`);
    const union = maskUnion(result.masks.map((m) => m.mask), inputSize);
    const covered = union.reduce((n, c) => n + c, 0);
    const coverage = (100 * covered) / union.length;
    const classIndex = params.classIndex ?? step.classIndex;
    const r = await compute.occlusion({
      model: step.model,
      image: step.image,
      fill: step.fill,
      ...(classIndex !== undefined ? { classIndex } : {}),
      masks: [encodeBitmapMask(union, width, height)],
    });
    const drop = 100 * (r.baseline - r.probabilities[0]!);
    const smallEnough = coverage <= params.maxCoveragePercent + ROUNDING;
    const largeEnough = drop >= params.minDropPoints - ROUNDING;
    const detail =
      `masks cover ${coverage.toFixed(1)} % (${smallEnough ? '≤' : '>'} ${params.maxCoveragePercent} %); ` +
      `probability ${(100 * r.baseline).toFixed(1)} % → ${(100 * r.probabilities[0]!).toFixed(1)} %, a drop of ${drop.toFixed(1)} pp (${largeEnough ? '≥' : '<'} ${params.minDropPoints} pp)`;
    return {
      fraction: smallEnough && largeEnough ? 1 : 0,
      detail,
      measured: { coveragePercent: coverage, baseline: r.baseline, masked: r.probabilities[0]!, dropPoints: drop, classIndex: r.classIndex },
    };
  },
});
