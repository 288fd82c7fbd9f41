import { describe, expect, it } from 'vitest';
import { JOB_LIMITS, OcclusionMasksJobSchema, decodeBitmapMask, rasterizeMask, type Mask } from '@convlab/protocol';
import { createBrushGrid, encodeWithinRuns, masksForJob, moveBox, paintBrush, rectFromDrag, runsLeftForStroke, unionMask } from './geometry';

const count = (a: Uint8Array) => a.reduce((n, v) => n + v, 0);

describe('rectFromDrag', () => {
  it('normalizes corners dragged in any direction and clips to the input', () => {
    expect(rectFromDrag({ x: 100, y: 80 }, { x: 20, y: 10 }, 224, 224)).toEqual({ kind: 'rect', x: 20, y: 10, width: 80, height: 70 });
    expect(rectFromDrag({ x: -30, y: 200 }, { x: 50, y: 400 }, 224, 224)).toEqual({ kind: 'rect', x: 0, y: 200, width: 50, height: 24 });
  });
  it('ignores a click (no area)', () => {
    expect(rectFromDrag({ x: 10, y: 10 }, { x: 11, y: 10 }, 224, 224)).toBeNull();
  });
});

describe('moveBox', () => {
  const box = { kind: 'rect' as const, x: 10, y: 10, width: 40, height: 40 };
  it('moves inside the input and stops at its edges', () => {
    expect(moveBox(box, 8, 0, false, 224, 224)).toMatchObject({ x: 18, y: 10 });
    expect(moveBox(box, 0, 500, false, 224, 224)).toMatchObject({ y: 184 });
    expect(moveBox(box, -50, 0, false, 224, 224)).toMatchObject({ x: 0 });
  });
  it('resizes, never below a minimum nor past the edge', () => {
    expect(moveBox(box, 8, -100, true, 224, 224)).toMatchObject({ width: 48, height: 4 });
    expect(moveBox(box, 1000, 0, true, 224, 224)).toMatchObject({ width: 214 });
  });
});

describe('brush strokes', () => {
  it('paints a disc of the brush diameter in input pixels', () => {
    const grid = paintBrush(createBrushGrid(224, 224), 224, 224, { x: 112, y: 112 }, 40);
    expect(grid.cols).toBe(112);
    const mask = encodeWithinRuns(grid.cells, grid.cols, grid.rows, 2048)!;
    const px = rasterizeMask(mask, 224, 224);
    // A disc of radius 20 px covers about π·20² = 1257 pixels.
    expect(count(px)).toBeGreaterThan(1100);
    expect(count(px)).toBeLessThan(1450);
    expect(px[112 * 224 + 112]).toBe(1);
    expect(px[112 * 224 + 140]).toBe(0);
  });
  it('fills the segment between two pointer positions without gaps', () => {
    const grid = paintBrush(createBrushGrid(224, 224), 224, 224, { x: 200, y: 50 }, 10, { x: 20, y: 50 });
    const mask = encodeWithinRuns(grid.cells, grid.cols, grid.rows, 2048)!;
    const px = rasterizeMask(mask, 224, 224);
    for (let x = 20; x <= 200; x += 3) expect(px[50 * 224 + x]).toBe(1);
  });
  it('coarsens the grid until the runs fit the budget', () => {
    const cells = new Uint8Array(112 * 112).map((_, i) => ((i % 112) % 2 === 0 ? 1 : 0)); // stripes: many runs
    const fine = encodeWithinRuns(cells, 112, 112, 100_000)!;
    expect(fine.runs.length).toBeGreaterThan(10_000);
    const coarse = encodeWithinRuns(cells, 112, 112, 300)!;
    expect(coarse.runs.length).toBeLessThanOrEqual(300);
    expect(coarse.width).toBeLessThan(112);
    expect(decodeBitmapMask(coarse).some((c) => c === 1)).toBe(true);
  });
  it('encodes nothing for an empty stroke', () => {
    expect(encodeWithinRuns(new Uint8Array(16), 4, 4, 10)).toBeNull();
  });
});

describe('masks of one job', () => {
  const a: Mask = { kind: 'rect', x: 0, y: 0, width: 50, height: 50 };
  const b: Mask = { kind: 'rect', x: 100, y: 100, width: 30, height: 20 };

  it('sends one mask as is, several as their union followed by each', () => {
    expect(masksForJob([a], 224, 224)).toEqual({ masks: [a], combined: false });
    const job = masksForJob([a, b], 224, 224);
    expect(job.combined).toBe(true);
    expect(job.masks.slice(1)).toEqual([a, b]);
    expect(count(rasterizeMask(job.masks[0]!, 224, 224))).toBe(50 * 50 + 30 * 20);
  });

  it('keeps the whole job inside the brush-run limit the compute service checks', () => {
    // Eight noisy strokes drawn until the budget is used up, then the union on top.
    const masks: Mask[] = [];
    for (let k = 0; k < 8; k++) {
      const grid = createBrushGrid(224, 224);
      for (let i = 0; i < 40; i++) paintBrush(grid, 224, 224, { x: (i * 37 + k * 11) % 224, y: (i * 53 + k * 29) % 224 }, 6);
      const m = encodeWithinRuns(grid.cells, grid.cols, grid.rows, runsLeftForStroke(masks));
      if (m) masks.push(m);
    }
    const job = masksForJob(masks, 224, 224);
    const total = job.masks.reduce((n, m) => n + (m.kind === 'bitmap' ? m.runs.length : 0), 0);
    expect(total).toBeLessThanOrEqual(JOB_LIMITS.maskRunsMax);
    const parsed = OcclusionMasksJobSchema.safeParse({ kind: 'occlusion-masks', model: 'm', image: { kind: 'sample', id: 'photos/a.png' }, params: { masks: job.masks } });
    expect(parsed.success).toBe(true);
  });

  it('returns the single mask as the union of one', () => {
    expect(unionMask([b], 224, 224, 10)).toBe(b);
    expect(unionMask([], 224, 224, 10)).toBeNull();
  });
});
