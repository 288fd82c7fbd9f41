import { describe, expect, it } from 'vitest';
import { BitmapMaskSchema, MaskSchema, OcclusionMaskSchema, decodeBitmapMask, encodeBitmapMask, maskCoverage, rasterizeMask, type BitmapMask } from './masks';

describe('mask schemas', () => {
  it('accepts rectangles and consistent bitmaps, refuses the rest', () => {
    expect(MaskSchema.safeParse({ kind: 'rect', x: 0, y: 10, width: 20, height: 5 }).success).toBe(true);
    expect(MaskSchema.safeParse({ kind: 'rect', x: -1, y: 0, width: 2, height: 2 }).success).toBe(false);
    expect(MaskSchema.safeParse({ kind: 'rect', x: 0, y: 0, width: 0, height: 2 }).success).toBe(false);
    expect(MaskSchema.safeParse({ kind: 'rect', x: 0.5, y: 0, width: 2, height: 2 }).success).toBe(false);
    expect(MaskSchema.safeParse({ kind: 'rect', x: 0, y: 0, width: 2, height: 2, color: 'red' }).success).toBe(false);
    expect(MaskSchema.safeParse({ kind: 'bitmap', width: 2, height: 2, runs: [1, 2, 1] }).success).toBe(true);
    const bad = BitmapMaskSchema.safeParse({ kind: 'bitmap', width: 2, height: 2, runs: [1, 2] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/add up to width × height/);
    expect(MaskSchema.safeParse({ kind: 'bitmap', width: 2, height: 2, runs: [1, -1, 4] }).success).toBe(false);
    expect(MaskSchema.safeParse({ kind: 'polygon', points: [] }).success).toBe(false);
  });
});

describe('bitmap run-length encoding', () => {
  it('round-trips, including grids that start covered and all-empty grids', () => {
    const cases = [
      [0, 0, 1, 1, 1, 0, 1, 0, 0],
      [1, 1, 0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1, 1, 1, 1],
    ];
    for (const cells of cases) {
      const mask = encodeBitmapMask(cells, 3, 3);
      expect(BitmapMaskSchema.safeParse(mask).success).toBe(true);
      expect(Array.from(decodeBitmapMask(mask))).toEqual(cells);
    }
    expect(encodeBitmapMask([1, 1, 0, 0, 0, 0, 0, 0, 1], 3, 3).runs).toEqual([0, 2, 6, 1]);
    expect(() => encodeBitmapMask([1, 0], 3, 3)).toThrow(/2 cells/);
  });
});

describe('rasterizeMask', () => {
  it('takes width then height, row-major, for every kind', () => {
    // A 5-wide, 3-high input: the rectangle's last column and the bitmap's right half are on the right.
    expect(Array.from(rasterizeMask({ kind: 'rect', x: 4, y: 0, width: 1, height: 3 }, 5, 3))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(rasterizeMask(encodeBitmapMask([0, 1], 2, 1), 4, 2))).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    expect(Array.from(rasterizeMask({ kind: 'polygon', points: [[2, 0], [4, 0], [4, 3], [2, 3]] }, 4, 3))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(() => rasterizeMask({ kind: 'rect', x: 0, y: 0, width: 1, height: 1 }, 0, 3)).toThrow(/positive integers/);
  });

  it('covers a polygon by pixel centres (even-odd) and refuses one of fewer than 3 points', () => {
    const m = rasterizeMask({ kind: 'polygon', points: [[0, 0], [4, 0], [0, 4]] }, 4, 4);
    // The centres (x + ½, y + ½) strictly inside x + y < 4: x + y < 3.
    expect(Array.from(m)).toEqual(Array.from({ length: 16 }, (_, i) => ((i % 4) + Math.floor(i / 4) < 3 ? 1 : 0)));
    expect(() => rasterizeMask({ kind: 'polygon', points: [[0, 0], [1, 1]] }, 4, 4)).toThrow(/3 points/);
    expect(OcclusionMaskSchema.safeParse({ kind: 'polygon', points: [[0, 0], [1, 1]] }).success).toBe(false);
    expect(OcclusionMaskSchema.safeParse({ kind: 'polygon', points: [[0, 0], [1, 1], [0, 2]] }).success).toBe(true);
  });

  it('covers a rectangle, clipped to the input', () => {
    const px = rasterizeMask({ kind: 'rect', x: 2, y: 1, width: 10, height: 2 }, 4, 4);
    expect(Array.from(px)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0]);
    expect(maskCoverage({ kind: 'rect', x: 10, y: 10, width: 5, height: 5 }, 4, 4)).toBe(0);
  });

  it('stretches a coarse bitmap over the input', () => {
    // 2×2 grid with the top-left cell covered → the top-left quarter of a 4×4 input.
    const mask: BitmapMask = encodeBitmapMask([1, 0, 0, 0], 2, 2);
    expect(Array.from(rasterizeMask(mask, 4, 4))).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(maskCoverage(mask, 224, 224)).toBeCloseTo(0.25, 6);
    // Same resolution: identity.
    const fine = encodeBitmapMask([0, 1, 1, 0], 2, 2);
    expect(Array.from(rasterizeMask(fine, 2, 2))).toEqual([0, 1, 1, 0]);
  });
});
