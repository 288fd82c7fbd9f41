/**
 * Schemas every lab shares: model ids, image references, class indices, layer ids. They accept exactly what the
 * compute JobSpec (`@convlab/protocol`, jobs.ts) accepts, so a lab's parameters turn into jobs without a second
 * check (jobs.compat.test.ts holds them to that).
 */
import { ImageRefSchema, JOB_KINDS, type ImageRef, type JobKind } from '@convlab/protocol';
import { z } from 'zod';

/** The kinds of compute jobs a lab may run: the `kind` of a JobSpec. */
export const LAB_JOB_KINDS: readonly JobKind[] = JOB_KINDS;
export type LabJobKind = JobKind;

/** A built-in model id (folder name under the models dir, or a TFLite file name without extension). */
export const ModelIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a model id is letters, digits, ".", "_" and "-"');

/** A node id of a model graph (e.g. "fire9_concat", "conv_pw_13_relu"). */
export const LayerIdSchema = z.string().min(1).max(128);

/** One of a model's output classes (the real bound is the model's number of classes). */
export const ClassIndexSchema = z.number().int().min(0).max(100_000);

/** A probability. */
export const ProbabilitySchema = z.number().min(0).max(1);

/** The image a lab works on: an uploaded image (content sha256) or a built-in sample by path — a job's ImageRef. */
export const LabImageSchema = ImageRefSchema;
export type LabImage = ImageRef;

/**
 * A sample image id: `photos/<file>` or `imagenet-samples/<file>`, relative to the images directory (the `id` of
 * a JobSpec's sample ImageRef; the type check fails should that variant move).
 */
export const SampleIdSchema = ImageRefSchema.options[1].shape.id;

/** How an occluded region is filled (as the compute jobs do it). */
export const FillSchema = z.enum(['zero', 'grey', 'blur', 'noise']);
export type Fill = z.infer<typeof FillSchema>;

/** Size of a model input in pixels, [height, width]. */
export const InputSizeSchema = z.tuple([z.number().int().min(1).max(4096), z.number().int().min(1).max(4096)]);
export type InputSize = z.infer<typeof InputSizeSchema>;

/** The short caption a student writes with a pick. */
export const CaptionSchema = z.string().trim().max(280, 'a caption has at most 280 characters');
