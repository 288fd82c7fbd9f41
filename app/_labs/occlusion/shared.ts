/**
 * Small pure helpers the occlusion panels share: percentages, the model's input size, mask colours, the stored
 * results of a step split into students' masks and the class's sweeps, and the sweep's per-pixel drop map.
 */
import { isSweepResult, sweepPixelMap, type OcclusionResult, type SweepResult } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';

/** A probability as people read it: 83.1%. */
export function pct(p: number, digits = 1): string {
  return `${(p * 100).toFixed(digits)}%`;
}

/** A probability drop in percentage points, signed: "−70.7 points" reads as the mask hurt the class. */
export function dropText(baseline: number, p: number): string {
  const d = (p - baseline) * 100;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} points`;
}

/**
 * The model input [height, width] from its id ("mobilenet_v1_0.75_224" → 224×224), else what the browser's probe
 * measured for the same model, else 224×224 (what the lesson's models take).
 */
export function inputSizeOf(model: string, probe?: { model: string; inputSize: [number, number] } | null): [number, number] {
  const m = /_(\d{2,4})(?:_|$)/.exec(model);
  if (m) return [Number(m[1]), Number(m[1])];
  if (probe && probe.model === model) return probe.inputSize;
  return [224, 224];
}

/** Distinct, colour-blind friendly outline colours for masks 1, 2, 3 … */
export const MASK_COLORS = ['#2563eb', '#db2777', '#ea580c', '#059669', '#7c3aed', '#0891b2', '#ca8a04', '#dc2626'] as const;
export const maskColor = (i: number) => MASK_COLORS[i % MASK_COLORS.length]!;

/** A step's submissions split into students' (and the instructor's) masks and the class's finished sweeps. */
export function splitSubmissions(submissions: readonly Submission[]): {
  masks: Array<{ submission: Submission; result: OcclusionResult }>;
  sweeps: Array<{ submission: Submission; result: SweepResult }>;
} {
  const masks: Array<{ submission: Submission; result: OcclusionResult }> = [];
  const sweeps: Array<{ submission: Submission; result: SweepResult }> = [];
  for (const submission of submissions) {
    const result = submission.result as OcclusionResult | SweepResult;
    if (isSweepResult(result)) sweeps.push({ submission, result });
    else if (Array.isArray((result as OcclusionResult).masks)) masks.push({ submission, result: result as OcclusionResult });
  }
  return { masks, sweeps };
}

/** What a sweep heatmap draws: the per-pixel mean drop and its range (null where nothing is known yet). */
export interface SweepPicture {
  values: Float32Array;
  rows: number;
  cols: number;
  min: number;
  max: number;
}

/**
 * The per-pixel drop map of a sweep grid: each pixel the mean drop over the known windows covering it. The colour
 * scale starts at 0 (no drop) so a sweep that is half done keeps the colours it will end with.
 */
export function sweepPicture(
  grid: { rows: number; cols: number; window: number; stride: number; probabilities: ReadonlyArray<number | null> },
  inputSize: [number, number],
  baseline: number,
): SweepPicture {
  const values = Float32Array.from(grid.probabilities, (p) => (p === null ? Number.NaN : p));
  const plan = { inputSize, window: grid.window, stride: grid.stride, rows: grid.rows, cols: grid.cols, shards: [] };
  const map = sweepPixelMap(plan, values, baseline);
  let max = 0;
  let min = 0;
  for (const v of map) {
    if (Number.isNaN(v)) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return { values: map, rows: inputSize[0], cols: inputSize[1], min, max: Math.max(max, 0.01) };
}
