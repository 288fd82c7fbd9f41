/**
 * Occlusion lab (Zeiler & Fergus 2014): students hide parts of the image and watch the target class probability
 * drop. Submissions feed the class map; "sweep together" runs the sliding-window heatmap as a class.
 */
import { z } from 'zod';
import { ClassIndexSchema, FillSchema, InputSizeSchema, LabImageSchema, ModelIdSchema, ProbabilitySchema } from './common.schemas';
import { defineLab } from './lab.types';
import { occlusionDropRule } from './occlusion.rules';
import { MaskSchema } from './masks';
import { SweepResultSchema, type SweepResult } from './sweep';

export const OcclusionParamsSchema = z
  .strictObject({
    model: ModelIdSchema.default('mobilenet_v1_0.75_224'),
    image: LabImageSchema,
    /** Target class; the model's top class when absent. */
    classIndex: ClassIndexSchema.optional(),
    fill: FillSchema.default('grey'),
    /** Brush diameter in input pixels. */
    brushSize: z.number().int().min(1).max(128).default(24),
    /** Masks per submission. */
    maxMasks: z.number().int().min(1).max(16).default(8),
    /** Sliding window of "sweep together": side and stride in input pixels. */
    window: z.number().int().min(2).max(1024).default(48),
    stride: z.number().int().min(1).max(1024).default(16),
    /** Window positions per shard handed to one student (at most 64: one `occlusion-masks` job). */
    shardSize: z.number().int().min(1).max(64).default(16),
    /** A shard not back after this long is taken over by the server. */
    shardTimeoutSeconds: z.number().min(1).max(600).default(20),
  })
  .refine((p) => p.stride <= p.window, { message: 'the stride must be at most the window, or pixels are skipped', path: ['stride'] });
export type OcclusionParams = z.output<typeof OcclusionParamsSchema>;
export type OcclusionParamsInput = z.input<typeof OcclusionParamsSchema>;

/** One submitted mask with the target probability the model gave with it applied. */
export const MaskedProbabilitySchema = z.strictObject({
  mask: MaskSchema,
  probability: ProbabilitySchema,
  /** The top class and its probability with the mask applied (what the model sees instead). */
  topClass: ClassIndexSchema.optional(),
  topProbability: ProbabilitySchema.optional(),
});
export type MaskedProbability = z.infer<typeof MaskedProbabilitySchema>;

/** What an occlusion submission stores. */
export const OcclusionResultSchema = z.strictObject({
  classIndex: ClassIndexSchema,
  /** Target probability without any mask. */
  baseline: ProbabilitySchema,
  /** The model input the masks are drawn on, [height, width]. */
  inputSize: InputSizeSchema,
  masks: z.array(MaskedProbabilitySchema).min(1).max(16),
});
export type OcclusionResult = z.infer<typeof OcclusionResultSchema>;

export const occlusionLab = defineLab({
  id: 'occlusion',
  title: 'Occlusion',
  summary: 'Hide parts of the image and see how much the class probability drops; together, map what the network looks at.',
  params: OcclusionParamsSchema,
  presets: {
    fine: { title: 'Fine sweep', description: 'Small window, small stride: a sharp heatmap, more positions.', params: { window: 32, stride: 8 } },
    coarse: { title: 'Coarse sweep', description: 'Large window: quick, blurry heatmap.', params: { window: 64, stride: 32 } },
  },
  paramWords: {
    model: { name: 'model' },
    image: { name: 'photo' },
    classIndex: { name: 'target class' },
    fill: { name: 'fill of the masks' },
    brushSize: { name: 'brush size', unit: 'pixels' },
    maxMasks: { name: 'number of masks per submission' },
    window: { name: 'window', unit: 'pixels' },
    stride: { name: 'stride', unit: 'pixels' },
    shardSize: { name: 'number of window positions per student', unit: 'positions' },
    shardTimeoutSeconds: { name: "time a student's share of the sweep may take", unit: 'seconds' },
  },
  modelParams: { classIndex: 'classIndex', classOptional: true },
  studentControls: ['fill', 'brushSize', 'classIndex'],
  jobs: [
    { kind: 'classify', purpose: 'the target probability and top classes without a mask', runBy: 'student' },
    { kind: 'occlusion-masks', purpose: 'the target probability with each drawn mask', runBy: 'student' },
    { kind: 'occlusion-masks', purpose: 'one shard of the class sliding-window sweep (a rectangle per window position)', runBy: 'class' },
    { kind: 'occlusion', purpose: 'the whole sliding-window heatmap at once (instructor fallback)', runBy: 'instructor' },
  ],
  // A student's masks, or (participant null) the class's finished sweep.
  result: z.union([OcclusionResultSchema, SweepResultSchema]),
  resultImage: 'none',
  aggregations: [
    { id: 'class-map', title: 'Class map', description: 'For each pixel, the mean probability drop over the submitted masks that cover it.' },
    { id: 'sweep', title: 'Sweep together', description: 'The sliding-window heatmap, computed in shards by the class and merged live.' },
  ],
  gradingRules: [occlusionDropRule],
});

/** True for the stored result of a finished class sweep (rather than a student's masks). */
export function isSweepResult(result: OcclusionResult | SweepResult): result is SweepResult {
  return 'rows' in result;
}
