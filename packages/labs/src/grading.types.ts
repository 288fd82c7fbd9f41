/**
 * How a lab grades a submission. Each lab declares its own rules (`LabDefinition.gradingRules`): a zod schema of
 * the rule's parameters (instructor-only: they may hold hidden targets and never reach a student's browser) and an
 * `evaluate` that recomputes what it needs through a `GradingCompute` the server injects — never from numbers the
 * browser sent — and returns the fraction of the step's points earned. Packages never import the server: the
 * compute interface is all a rule sees of it.
 */
import type { Mask } from '@convlab/protocol';
import { z } from 'zod';
import type { Fill, LabImage } from './common.schemas';

/** What a grading rule may ask the server to compute (on its compute service, below live-lecture jobs). */
export interface GradingCompute {
  /**
   * The target-class probability without any mask (`baseline`) and with each mask applied on its own, in one
   * batched pass. Without `classIndex`, the model's top class on the unmasked image.
   */
  occlusion(req: { model: string; image: LabImage; fill: Fill; classIndex?: number; masks: readonly Mask[] }): Promise<{ classIndex: number; baseline: number; probabilities: number[] }>;
  /** One channel's activation map of a layer (row-major, `height` × `width`). */
  channelMap(req: { model: string; image: LabImage; layer: string; channel: number }): Promise<{ height: number; width: number; data: Float32Array }>;
  /** The class score S_c (pre-softmax) of an image; `image` may be a stored float32 tensor in the model's input space. */
  classScore(req: { model: string; image: LabImage; classIndex: number }): Promise<number>;
  /** The model's input size [height, width] and its layer (node) ids in network order ("layer L or deeper"). */
  model(id: string): Promise<{ inputSize: readonly [number, number]; layers: readonly string[] }>;
}

/** A float32 image in the model's input space, stored beside its (quantized) PNG. */
export interface StoredTensor {
  /** The stored tensor as a job input (an upload reference the server resolves to the float32 file). */
  ref: LabImage;
  /** [height, width, channels] */
  shape: readonly [number, number, number];
  data: Float32Array;
}

/** What a rule grades: the step's lab parameters and the stored submission (the server's values, not the browser's). */
export interface GradedSubmission<StepParams, Result> {
  step: StepParams;
  result: Result;
  /** The submission's float32 image, for labs that submit one (gradient ascent). */
  tensor?: StoredTensor;
}

/** A rule's verdict. */
export interface RuleOutcome {
  /** Fraction of the step's points, in [0, 1] (all-or-nothing unless the rule gives partial credit). */
  fraction: number;
  /** One sentence a student and a grader can read ("drop 23.1 pp ≥ 20 pp; masks cover 12.0 % ≤ 15 %"). */
  detail: string;
  /** The figures the verdict rests on, as recomputed by the server (kept with the grade's history). */
  measured: Record<string, number>;
}

/**
 * One grading rule of a lab. `P` is the schema of its parameters; `StepParams` and `Result` are the lab's parsed
 * step parameters and submission result. `evaluate` is declared as a method so a lab can list rules with different
 * parameter types side by side.
 */
export interface GradingRule<P extends z.ZodType = z.ZodType, StepParams = Record<string, unknown>, Result = unknown> {
  /** Unique within its lab, lower-case with "-" (stored with each grade). */
  id: string;
  title: string;
  /** What it checks, in words, with the parameters' meaning (shown to instructors only). */
  description: string;
  /** Parameter schema; parsing fills in defaults. Server-only: may contain hidden targets. */
  params: P;
  /** Whether the rule can return fractions strictly between 0 and 1. */
  partialCredit: boolean;
  evaluate(input: { params: z.output<P>; submission: GradedSubmission<StepParams, Result>; compute: GradingCompute }): Promise<RuleOutcome>;
}

/** A verdict of no points (nothing to grade, or a condition failed before any computing). */
export function noPoints(detail: string, measured: Record<string, number> = {}): RuleOutcome {
  return { fraction: 0, detail, measured };
}

/** Declares a rule with its types inferred and its id checked. */
export function defineRule<P extends z.ZodType, StepParams, Result>(rule: GradingRule<P, StepParams, Result>): GradingRule<P, StepParams, Result> {
  if (!/^[a-z][a-z0-9-]*$/.test(rule.id)) throw new Error(`rule id "${rule.id}" must use lower-case letters, digits and "-"`);
  return rule;
}

/** A rule as a lab's definition lists it, its parameter type erased. */
export type AnyGradingRule<StepParams = any, Result = any> = GradingRule<z.ZodType, StepParams, Result>;

/**
 * Runs one rule: parses its parameters (a bad one throws zod's error naming it), evaluates it and keeps the
 * fraction within [0, 1] and, for an all-or-nothing rule, at 0 or 1.
 */
export async function evaluateRule<StepParams, Result>(
  rule: AnyGradingRule<StepParams, Result>,
  params: unknown,
  submission: GradedSubmission<StepParams, Result>,
  compute: GradingCompute,
): Promise<RuleOutcome> {
  const parsed = rule.params.parse(params);
  const outcome = await rule.evaluate({ params: parsed, submission, compute });
  const f = Number.isFinite(outcome.fraction) ? Math.min(1, Math.max(0, outcome.fraction)) : 0;
  return { ...outcome, fraction: rule.partialCredit ? f : f >= 1 ? 1 : 0 };
}

/** A percentage in [0, 100]. */
export const PercentSchema = z.number().min(0).max(100);
