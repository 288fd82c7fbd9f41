/**
 * The occlusion class map: for each pixel of the model input, the mean probability drop (baseline minus the
 * probability with the mask) over the submitted masks that cover it. Built incrementally so every new submission
 * updates the instructor's view without recomputing the others.
 */
import { rasterizeMask } from './masks';
import type { OcclusionResult } from './occlusion.lab';

/** The running sums behind a class map. */
export interface ClassMap {
  classIndex: number;
  width: number;
  height: number;
  /** Per pixel: sum of the drops of the masks covering it. */
  sum: Float64Array;
  /** Per pixel: how many masks cover it. */
  count: Uint32Array;
  /** Masks and submissions added. */
  masks: number;
  submissions: number;
  /** Submissions left out because they target another class or another input size. */
  skipped: number;
}

/** An empty class map for a target class on a `width`×`height` input. */
export function createClassMap(classIndex: number, width: number, height: number): ClassMap {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`class map size must be positive integers, got ${width}×${height}`);
  return { classIndex, width, height, sum: new Float64Array(width * height), count: new Uint32Array(width * height), masks: 0, submissions: 0, skipped: 0 };
}

/**
 * Adds one submission's masks to the map. A submission for another class or input size is counted as skipped
 * (its drops measure something else) and `false` is returned.
 */
export function addToClassMap(map: ClassMap, result: OcclusionResult): boolean {
  const [h, w] = result.inputSize;
  if (result.classIndex !== map.classIndex || h !== map.height || w !== map.width) {
    map.skipped++;
    return false;
  }
  for (const { mask, probability } of result.masks) {
    const drop = result.baseline - probability;
    const px = rasterizeMask(mask, map.width, map.height);
    for (let i = 0; i < px.length; i++) {
      if (px[i]) {
        map.sum[i]! += drop;
        map.count[i]!++;
      }
    }
    map.masks++;
  }
  map.submissions++;
  return true;
}

/** Builds the class map of many submissions at once. */
export function buildClassMap(results: Iterable<OcclusionResult>, classIndex: number, width: number, height: number): ClassMap {
  const map = createClassMap(classIndex, width, height);
  for (const r of results) addToClassMap(map, r);
  return map;
}

/** Per pixel mean drop (row-major); NaN where no mask covers the pixel. */
export function classMapMean(map: ClassMap): Float32Array {
  const out = new Float32Array(map.sum.length);
  for (let i = 0; i < out.length; i++) out[i] = map.count[i] ? map.sum[i]! / map.count[i]! : Number.NaN;
  return out;
}

/** The range of a mean map's defined values (for the colour scale and its legend); null when nothing is covered. */
export function classMapRange(mean: Float32Array): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of mean) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? null : { min, max };
}
