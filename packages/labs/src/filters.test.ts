import { describe, expect, it } from 'vitest';
import { sortFilters } from './filters.lab';

describe('filters lab', () => {
  const tiles = [
    { index: 0, norm: 1, hue: 200 },
    { index: 1, norm: 3, hue: 10 },
    { index: 2, norm: 2, hue: 10 },
  ];
  it('sorts by index, norm (strongest first) or colour (hue, then norm)', () => {
    expect(sortFilters(tiles, 'index').map((t) => t.index)).toEqual([0, 1, 2]);
    expect(sortFilters(tiles, 'norm').map((t) => t.index)).toEqual([1, 2, 0]);
    expect(sortFilters(tiles, 'colour').map((t) => t.index)).toEqual([1, 2, 0]);
  });
});
