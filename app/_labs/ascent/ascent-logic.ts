/**
 * Pure helpers of the gradient-ascent panels: the λ slider's log scale, number formatting, the student's changes
 * against the step, and the sparkline's geometry. No React, so they are unit-tested on their own.
 */
import { ascentLab } from '@convlab/labs';

/** The λ slider spans 10^-5 … 10^1 in steps of 0.05 decades; its leftmost position means λ = 0 (no penalty). */
export const LAMBDA_LOG_MIN = -5;
export const LAMBDA_LOG_MAX = 1;
export const LAMBDA_LOG_STEP = 0.05;
export const LAMBDA_SLIDER_MAX = Math.round((LAMBDA_LOG_MAX - LAMBDA_LOG_MIN) / LAMBDA_LOG_STEP) + 1;

/** The slider position (0 … LAMBDA_SLIDER_MAX) nearest to λ. */
export function lambdaToSlider(lambda: number): number {
  if (!(lambda > 0)) return 0;
  const pos = Math.round((Math.log10(lambda) - LAMBDA_LOG_MIN) / LAMBDA_LOG_STEP) + 1;
  return Math.min(LAMBDA_SLIDER_MAX, Math.max(1, pos));
}

/** λ at a slider position, rounded to 3 significant digits so the number field stays readable. */
export function sliderToLambda(position: number): number {
  if (position <= 0) return 0;
  const exponent = LAMBDA_LOG_MIN + (Math.min(position, LAMBDA_SLIDER_MAX) - 1) * LAMBDA_LOG_STEP;
  return Number((10 ** exponent).toPrecision(3));
}

/** A λ or learning rate for people: "0", "0.001", "0.000398", "2.5e-5" (3 significant digits). */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-4 || abs >= 1e5) return value.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(3)));
}

/** A λ for a narrow column header: 2 significant digits ("0.0004", "0.025", "1e-5"); the full value goes in the text for screen readers. */
export function formatShort(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) < 1e-4) return value.toExponential(1).replace(/\.0e/, 'e');
  return String(Number(value.toPrecision(2)));
}

/** A class score: two decimals (scores are logits, roughly −20 … 60). */
export function formatScore(value: number): string {
  return value.toFixed(2);
}

/** The numeric parameters a student edits, in the order the panel shows them. */
export const NUMERIC_CONTROLS = ['lambda', 'learningRate', 'steps', 'blurEvery', 'blurWidth', 'jitter', 'decay', 'seed'] as const;
export type NumericControl = (typeof NUMERIC_CONTROLS)[number];
export type AscentControl = NumericControl | 'classIndex';

/**
 * The student's changes against the step's parameters: only the keys that differ (so a locked control is never
 * sent unless the student changed it, which the panel prevents).
 */
export function studentChanges(stepParams: Record<string, unknown>, values: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (values[key] !== undefined && values[key] !== stepParams[key]) out[key] = values[key];
  return out;
}

/**
 * Applies a preset to the values a student edits: only the parameters the student may change, and not λ when the
 * instructor assigned one. Returns the new values and the preset's parameters that were kept out.
 */
export function presetValues(
  values: Record<string, unknown>,
  presetId: string,
  controls: readonly string[],
  keepLambda: boolean,
): { values: Record<string, unknown>; skipped: string[] } {
  const preset = ascentLab.presets[presetId];
  if (!preset) throw new Error(`unknown preset "${presetId}"`);
  const next = { ...values };
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(preset.params as Record<string, unknown>)) {
    if (value === values[key]) continue;
    if (!controls.includes(key) || (keepLambda && key === 'lambda')) skipped.push(key);
    else next[key] = value;
  }
  return { values: next, skipped };
}

/** Which preset the values match exactly (all its parameters), if any. */
export function matchingPreset(values: Record<string, unknown>): string | null {
  for (const [id, preset] of Object.entries(ascentLab.presets)) {
    if (Object.entries(preset.params as Record<string, unknown>).every(([k, v]) => values[k] === v)) return id;
  }
  return null;
}

/** The SVG polyline points of a sparkline of `values` in a width × height box (y up), or '' for fewer than 2. */
export function sparklinePoints(values: readonly number[], width: number, height: number, pad = 2): string {
  if (values.length < 2) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const dx = (width - 2 * pad) / (values.length - 1);
  return values
    .map((v, i) => {
      const x = pad + i * dx;
      const y = height - pad - ((v - min) / span) * (height - 2 * pad);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** How many students hold each λ of a deal: counts[i] for lambdas[i]. */
export function countPerLambda(lambdaCount: number, assignments: ReadonlyArray<{ index: number }>): number[] {
  const counts = new Array<number>(lambdaCount).fill(0);
  for (const a of assignments) if (a.index >= 0 && a.index < lambdaCount) counts[a.index]!++;
  return counts;
}

/** How often a run sends a snapshot: about 20 pictures per run, at least every 2 and at most every 10 steps. */
export function snapshotEveryFor(steps: number): number {
  return Math.min(10, Math.max(2, Math.round(steps / 20)));
}

/** What the panels show of a stored submission (its JSON read defensively), and what the grid needs. */
export interface AscentEntry<S> {
  submission: S;
  params: { lambda: number; classIndex: number };
  result: { classIndex: number; score: number; objective: number };
}

/** Reads an ascent submission's λ, class and score; null when it does not look like one. */
export function toAscentEntry<S extends { params: unknown; result: unknown }>(submission: S): AscentEntry<S> | null {
  const p = submission.params as { lambda?: unknown; classIndex?: unknown } | null;
  const r = submission.result as { classIndex?: unknown; score?: unknown; objective?: unknown } | null;
  if (!p || !r || typeof p.lambda !== 'number' || typeof r.classIndex !== 'number' || typeof r.score !== 'number') return null;
  const classIndex = typeof p.classIndex === 'number' ? p.classIndex : r.classIndex;
  return {
    submission,
    params: { lambda: p.lambda, classIndex },
    result: { classIndex: r.classIndex, score: r.score, objective: typeof r.objective === 'number' ? r.objective : r.score },
  };
}
