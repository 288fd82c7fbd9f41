/**
 * Where the sliding occlusion window goes: along each axis at 0, stride, 2·stride, … and, when the stride does not
 * divide (size − window), once more flush with the far edge, so every pixel is covered. One rule for the compute
 * (vis), the class sweep (labs) and every picture of a grid of positions.
 */

/** Window positions along an axis of `size` pixels (the last one flush with the edge). */
export function windowCount(size: number, window: number, stride: number): number {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  if (window > size) throw new RangeError(`a ${window}-pixel window does not fit ${size} pixels`);
  return Math.ceil((size - window) / stride) + 1;
}

/** The first pixel of window `index` along an axis: index·stride, the last one clamped to size − window. */
export function windowOrigin(index: number, size: number, window: number, stride: number): number {
  return Math.min(index * stride, size - window);
}
