import { describe, expect, it } from 'vitest';
import { asGrid, gridText, parseGrid, resizeGrid, sameGrid } from './number-grid';

describe('a grid of numbers as the lesson editor edits it', () => {
  it('shows numbers as text and reads them back; what is not a number yet reads as NaN', () => {
    expect(gridText([[1, -0.5], [Number.NaN, 0]])).toEqual([['1', '-0.5'], ['', '0']]);
    const read = parseGrid([['2', ' -1 '], ['', '-'], ['1e2', 'x']]);
    expect(read[0]).toEqual([2, -1]);
    expect(read[1]!.every(Number.isNaN)).toBe(true);
    expect(read[2]![0]).toBe(100);
    expect(read[2]![1]).toBeNaN();
  });

  it('compares grids, counting NaN and null (a JSON round trip) as the same blank', () => {
    expect(sameGrid([[1, 2]], [[1, 2]])).toBe(true);
    expect(sameGrid([[1, Number.NaN]], [[1, null]])).toBe(true);
    expect(sameGrid([[1, 2]], [[1, 3]])).toBe(false);
    expect(sameGrid([[1, 2]], [[1, 2, 3]])).toBe(false);
    expect(sameGrid([[1]], [[1], [1]])).toBe(false);
  });

  it('resizes, keeping what fits and filling new cells', () => {
    expect(resizeGrid([[1, 2], [3, 4]], 3, 1)).toEqual([[1], [3], [0]]);
    expect(resizeGrid([[1]], 2, 2, 9)).toEqual([[1, 9], [9, 9]]);
  });

  it('accepts only grids', () => {
    expect(asGrid([[1, 2], [3, 'x']])).toEqual([[1, 2], [3, Number.NaN]]);
    expect(asGrid('[[1]]')).toBeNull();
    expect(asGrid([])).toBeNull();
    expect(asGrid([1, 2])).toBeNull();
  });
});
