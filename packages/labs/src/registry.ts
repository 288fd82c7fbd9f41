/**
 * The labs ConvLab knows and the checks that use their definitions: a lab step's parameters against its lab's
 * schema, the controls students may change, a student's changes, a submission's result.
 */
import type { LabStep, Step } from '@convlab/protocol';
import type { z } from 'zod';
import { ascentLab } from './ascent.lab';
import type { AnyGradingRule } from './grading.types';
import { convolutionLab } from './convolution.lab';
import { filtersLab } from './filters.lab';
import type { LabDefinition } from './lab.types';
import { maxPatchesLab } from './max-patches.lab';
import { neuronLab } from './neuron.lab';
import { occlusionLab } from './occlusion.lab';
import { poolingLab } from './pooling.lab';

/** Every lab, in the order the lesson editor offers them. */
export const LABS: readonly LabDefinition[] = [convolutionLab, poolingLab, filtersLab, maxPatchesLab, occlusionLab, neuronLab, ascentLab] as unknown as LabDefinition[];

/** Thrown for a lab step, a student change or a result that does not fit its lab; the message is safe to show. */
export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

/** The lab with this id, or undefined. */
export function getLab(id: string): LabDefinition | undefined {
  return LABS.find((l) => l.id === id);
}

/** The lab with this id; throws LabError naming the known ones. */
export function requireLab(id: string): LabDefinition {
  const lab = getLab(id);
  if (!lab) throw new LabError(`unknown lab "${id}" (known: ${LABS.map((l) => l.id).join(', ')})`);
  return lab;
}

/** The first problem of a failed parse as "path: message". */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}invalid`;
  const path = [prefix.replace(/\.$/, ''), ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path ? `${path}: ` : ''}${issue.message}`.slice(0, 300);
}

/** The top-level parameter names of a lab (the keys of its object schema). */
export function paramNames(lab: LabDefinition): string[] {
  const shape = (lab.params as unknown as { shape?: Record<string, unknown> }).shape;
  if (!shape) throw new Error(`lab ${lab.id}: its parameter schema is not an object schema`);
  return Object.keys(shape);
}

/** Parses a lab's parameters (defaults filled in); throws LabError with the offending field. */
export function parseLabParams(labId: string, params: unknown): Record<string, unknown> {
  const lab = requireLab(labId);
  const parsed = lab.params.safeParse(params);
  if (!parsed.success) throw new LabError(`${lab.title}: ${describeIssue(parsed.error, 'params.')}`);
  return parsed.data;
}

/** The parameters students may change in a step: the step's own list, else the lab's default list. */
export function studentControlsOf(step: Pick<LabStep, 'labId' | 'studentControls'>): string[] {
  const lab = requireLab(step.labId);
  const names = paramNames(lab);
  const controls = step.studentControls ?? [...lab.studentControls];
  const unknown = controls.find((c) => !names.includes(c));
  if (unknown) throw new LabError(`${lab.title}: "${unknown}" is not a parameter (parameters: ${names.join(', ')})`);
  return controls;
}

/** The grading rule `ruleId` of a lab; throws LabError naming the lab's rules. */
export function requireRule(labId: string, ruleId: string): AnyGradingRule {
  const lab = requireLab(labId);
  const rule = lab.gradingRules?.find((r) => r.id === ruleId);
  if (!rule) throw new LabError(`${lab.title} has no grading rule "${ruleId}" (rules: ${(lab.gradingRules ?? []).map((r) => r.id).join(', ') || 'none'})`);
  return rule;
}

/** Checks a step's grading: its rule is one of its lab's and the rule's parameters parse. */
function checkGrading(step: LabStep): void {
  if (!step.grading?.rule) return;
  const rule = requireRule(step.labId, step.grading.rule.id);
  const parsed = rule.params.safeParse(step.grading.rule.params);
  if (!parsed.success) throw new LabError(`${rule.title}: ${describeIssue(parsed.error, 'grading.rule.params.')}`);
}

/** Checks one lab step: a known lab, parameters that parse, controls that name parameters, a grading rule of its lab. Returns the parsed parameters. */
export function checkLabStep(step: LabStep): { params: Record<string, unknown>; studentControls: string[] } {
  try {
    checkGrading(step);
    return { params: parseLabParams(step.labId, step.params), studentControls: studentControlsOf(step) };
  } catch (err) {
    if (err instanceof LabError) throw new LabError(`step "${step.id}": ${err.message}`);
    throw err;
  }
}

/** Checks every lab step of a lesson plan (slides pass as they are); throws LabError naming the first bad step. */
export function checkLessonSteps(steps: readonly Step[]): void {
  for (const step of steps) if (step.kind === 'lab') checkLabStep(step);
}

/**
 * The parameters a student runs with: the step's presets with the student's changes applied. Changing a
 * parameter that is not a student control is refused (LabError naming it); the result must parse.
 */
export function applyStudentParams(step: LabStep, changes: Record<string, unknown>): Record<string, unknown> {
  const controls = studentControlsOf(step);
  for (const key of Object.keys(changes)) {
    if (!controls.includes(key)) {
      throw new LabError(`step "${step.id}": students may not change "${key}"${controls.length ? ` (they may change: ${controls.join(', ')})` : ''}`);
    }
  }
  try {
    return parseLabParams(step.labId, { ...step.params, ...changes });
  } catch (err) {
    if (err instanceof LabError) throw new LabError(`step "${step.id}": ${err.message}`);
    throw err;
  }
}

/** Applies a lab's named preset on top of parameters (preset values win); throws LabError for an unknown preset. */
export function applyPreset(labId: string, params: Record<string, unknown>, preset: string): Record<string, unknown> {
  const lab = requireLab(labId);
  const found = lab.presets[preset];
  if (!found) throw new LabError(`${lab.title}: unknown preset "${preset}" (known: ${Object.keys(lab.presets).join(', ')})`);
  return { ...params, ...(found.params as Record<string, unknown>) };
}

/** Parses a submission's result against its lab's result schema; throws LabError with the offending field. */
export function parseLabResult(labId: string, result: unknown): Record<string, unknown> {
  const lab = requireLab(labId);
  const parsed = lab.result.safeParse(result);
  if (!parsed.success) throw new LabError(`${lab.title}: ${describeIssue(parsed.error, 'result.')}`);
  return parsed.data as Record<string, unknown>;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
    .join(',')}}`;
}

/** The parameters (after defaults) whose values differ between two parameter sets of one lab. */
export function changedParams(labId: string, base: unknown, next: unknown): string[] {
  const a = parseLabParams(labId, base);
  const b = parseLabParams(labId, next);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => stableJson(a[k]) !== stableJson(b[k]));
}

/**
 * Checks a submission against its lab step before it is stored: the parameters parse and differ from the step's
 * only in student controls (`by: 'student'`), the result fits the lab's result schema, and a result image is
 * there exactly when the lab has one. Class-sweep results come only from the server. Returns the parsed values.
 */
export function checkSubmission(
  step: LabStep,
  input: { params: unknown; result: unknown; resultImageHash: string | null },
  by: 'student' | 'instructor' | 'server' = 'student',
): { params: Record<string, unknown>; result: Record<string, unknown> } {
  const lab = requireLab(step.labId);
  const fail = (message: string): never => {
    throw new LabError(`step "${step.id}": ${message}`);
  };
  let params: Record<string, unknown> = {};
  let result: Record<string, unknown> = {};
  try {
    params = parseLabParams(step.labId, input.params);
    result = parseLabResult(step.labId, input.result);
  } catch (err) {
    if (err instanceof LabError) fail(err.message);
    throw err;
  }
  if (by === 'student') {
    const controls = studentControlsOf(step);
    const forbidden = changedParams(step.labId, step.params, params).filter((k) => !controls.includes(k));
    if (forbidden.length) fail(`students may not change ${forbidden.map((k) => `"${k}"`).join(', ')}`);
    if ('rows' in result && 'probabilities' in result) fail('sweep results are merged by the server, not submitted');
  }
  if (by !== 'server' && lab.id === maxPatchesLab.id) fail('a class max-patch search is merged by the server, not submitted');
  if (lab.resultImage === 'required' && !input.resultImageHash) fail(`${lab.title} submissions carry a result image`);
  if (lab.resultImage === 'none' && input.resultImageHash) fail(`${lab.title} submissions carry no result image`);
  return { params, result };
}
