/**
 * What a lab is: one definition holds its id and title, its parameter schema with presets and defaults, which
 * parameters students may change, the compute jobs it runs (by JobSpec kind), the result a submission stores
 * and the aggregations the instructor sees. The UI registers a student panel and an instructor panel per lab id;
 * nothing else has to change to add a lab. A lab brings its own grading rules too.
 */
import type { z } from 'zod';
import type { LabJobKind } from './common.schemas';
import type { AnyGradingRule } from './grading.types';
import type { ModelParams } from './model-fit';

/** A compute job a lab runs, as data. */
export interface LabJob {
  kind: LabJobKind;
  /** What it computes, in words. */
  purpose: string;
  /** Each student for their own panel, the whole class together (sharded), or the instructor on demand. */
  runBy: 'student' | 'class' | 'instructor';
}

/** A view of many submissions the instructor sees (a class map, a grid, a gallery). */
export interface LabAggregation {
  id: string;
  title: string;
  description: string;
}

/** A named set of parameters the panel offers ("Simonyan et al.", "Yosinski et al."). */
export interface LabPreset<P> {
  title: string;
  description?: string;
  params: Partial<P>;
}

/** A parameter in words: its name in a sentence ("window") and its unit ("pixels"), if any. */
export interface ParamWords {
  name: string;
  unit?: string;
}

/** The definition of one lab. `P` is its parameter schema, `R` the schema of a submission's result. */
export interface LabDefinition<P extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>, R extends z.ZodType = z.ZodType> {
  id: string;
  title: string;
  summary: string;
  /** Parameter schema; parsing fills in the defaults. A lab step's `params` is its input. */
  params: P;
  /** Named parameter sets offered in the panel. */
  presets: Record<string, LabPreset<z.input<P>>>;
  /**
   * How parameters read to people (editor labels, validation messages, "students may change"): a name and a unit
   * ("Window", "pixels"). A parameter left out reads as its code name in words ("shard size").
   */
  paramWords?: Partial<Record<keyof z.input<P> & string, ParamWords>>;
  /**
   * The parameters that depend on the step's `model` (its layers, channels, classes): the editor refits them when the
   * model changes and the server refuses a step whose values the model lacks (`model-fit.ts`).
   */
  modelParams?: ModelParams;
  /** The lab differentiates the model (saliency, gradient ascent): a quantized model cannot serve it. */
  needsGradients?: boolean;
  /** The lab shows a model's first ordinary convolution (first-layer filters): a model without one cannot serve it. */
  needsFirstConv?: boolean;
  /** Parameters students may change when the step does not say (`LabStep.studentControls`). */
  studentControls: readonly (keyof z.output<P> & string)[];
  jobs: readonly LabJob[];
  /** Schema of a submission's result (stored as JSON). */
  result: R;
  /** Whether a submission carries a result image (stored by content hash). */
  resultImage: 'none' | 'optional' | 'required';
  aggregations: readonly LabAggregation[];
  /**
   * How an assignment can grade this lab's submissions automatically (grading.types.ts): each rule's parameters
   * are server-only; the server evaluates them by recomputing. None: graded by hand only.
   */
  gradingRules?: readonly AnyGradingRule<z.output<P>, z.output<R>>[];
}

/** Declares a lab with its types inferred and its id checked (registry.test.ts checks controls and presets name real parameters). */
export function defineLab<P extends z.ZodType<Record<string, unknown>>, R extends z.ZodType>(def: LabDefinition<P, R>): LabDefinition<P, R> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.id)) throw new Error(`lab id "${def.id}" must use lower-case letters, digits and "-"`);
  const ruleIds = (def.gradingRules ?? []).map((r) => r.id);
  const twice = ruleIds.find((id, i) => ruleIds.indexOf(id) !== i);
  if (twice) throw new Error(`lab ${def.id}: grading rule "${twice}" is declared twice`);
  return def;
}
