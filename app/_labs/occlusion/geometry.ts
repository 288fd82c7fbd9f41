/**
 * Pure geometry of the occlusion lab's drawing: rectangles from a drag, brush strokes painted on a coarse grid,
 * the union of all masks, and run-length encoding that stays inside the compute job's budget of brush runs
 * (JOB_LIMITS.maskRunsMax for all masks of one job together). Coordinates are pixels of the model input.
 */
import { JOB_LIMITS, encodeBitmapMask, rasterizeMask, type BitmapMask, type Mask, type RectMask } from '@convlab/protocol';

export interface Point {
  x: number;
  y: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The rectangle spanned by two corners of a drag, clipped to a `width`×`height` input; null when too small to mean anything. */
export function rectFromDrag(a: Point, b: Point, width: number, height: number, minSide = 2): RectMask | null {
  const x0 = Math.round(clamp(Math.min(a.x, b.x), 0, width));
  const y0 = Math.round(clamp(Math.min(a.y, b.y), 0, height));
  const x1 = Math.round(clamp(Math.max(a.x, b.x), 0, width));
  const y1 = Math.round(clamp(Math.max(a.y, b.y), 0, height));
  if (x1 - x0 < minSide || y1 - y0 < minSide) return null;
  return { kind: 'rect', x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** A keyboard-driven selection box moved by `dx`, `dy` (or resized when `resize`), kept inside the input. */
export function moveBox(box: RectMask, dx: number, dy: number, resize: boolean, width: number, height: number): RectMask {
  if (resize) {
    const w = clamp(box.width + dx, 4, width - box.x);
    const h = clamp(box.height + dy, 4, height - box.y);
    return { ...box, width: w, height: h };
  }
  return { ...box, x: clamp(box.x + dx, 0, width - box.width), y: clamp(box.y + dy, 0, height - box.height) };
}

/** The side of the brush grid for an input side: half the input (112 cells for 224 pixels), at most the bitmap limit. */
export function brushGridSide(inputSide: number): number {
  return clamp(Math.round(inputSide / 2), 1, 512);
}

/** A brush stroke being painted: covered cells of a grid stretched over the input. */
export interface BrushGrid {
  cols: number;
  rows: number;
  cells: Uint8Array;
}

export function createBrushGrid(inputWidth: number, inputHeight: number): BrushGrid {
  const cols = brushGridSide(inputWidth);
  const rows = brushGridSide(inputHeight);
  return { cols, rows, cells: new Uint8Array(cols * rows) };
}

/**
 * Paints a disc of `diameter` input pixels centred at `p` (input pixels) into the grid; with `from`, paints the
 * whole segment from there (so a fast stroke has no gaps). Returns the grid for chaining.
 */
export function paintBrush(grid: BrushGrid, inputWidth: number, inputHeight: number, p: Point, diameter: number, from?: Point): BrushGrid {
  const sx = grid.cols / inputWidth;
  const sy = grid.rows / inputHeight;
  const r = Math.max(0.5, diameter / 2);
  const start = from ?? p;
  const dist = Math.hypot(p.x - start.x, p.y - start.y);
  const steps = Math.max(1, Math.ceil(dist / Math.max(1, r / 2)));
  for (let s = 0; s <= steps; s++) {
    const cx = start.x + ((p.x - start.x) * s) / steps;
    const cy = start.y + ((p.y - start.y) * s) / steps;
    const c0 = Math.max(0, Math.floor((cx - r) * sx));
    const c1 = Math.min(grid.cols - 1, Math.floor((cx + r) * sx));
    const r0 = Math.max(0, Math.floor((cy - r) * sy));
    const r1 = Math.min(grid.rows - 1, Math.floor((cy + r) * sy));
    for (let row = r0; row <= r1; row++) {
      const y = (row + 0.5) / sy; // the cell's centre in input pixels
      for (let col = c0; col <= c1; col++) {
        const x = (col + 0.5) / sx;
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) grid.cells[row * grid.cols + col] = 1;
      }
    }
  }
  return grid;
}

/** Covered cells of a grid halved in each direction (a coarse cell is covered when any of its fine cells is). */
function halve(cells: Uint8Array, cols: number, rows: number): { cells: Uint8Array; cols: number; rows: number } {
  const c2 = Math.max(1, Math.ceil(cols / 2));
  const r2 = Math.max(1, Math.ceil(rows / 2));
  const out = new Uint8Array(c2 * r2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (cells[r * cols + c]) out[(r >> 1) * c2 + (c >> 1)] = 1;
  }
  return { cells: out, cols: c2, rows: r2 };
}

/**
 * Encodes covered cells as a brush mask of at most `maxRuns` runs: the grid is halved until it fits (a 1×1 grid
 * needs at most 2 runs, so this always ends). Returns null for an empty grid.
 */
export function encodeWithinRuns(cells: Uint8Array, cols: number, rows: number, maxRuns: number): BitmapMask | null {
  if (!cells.some((c) => c !== 0)) return null;
  let grid = { cells, cols, rows };
  for (;;) {
    const mask = encodeBitmapMask(grid.cells, grid.cols, grid.rows);
    if (mask.runs.length <= Math.max(2, maxRuns) || (grid.cols === 1 && grid.rows === 1)) return mask;
    grid = halve(grid.cells, grid.cols, grid.rows);
  }
}

/** Brush runs a mask costs in a job (rectangles cost none). */
export function runsOf(mask: Mask): number {
  return mask.kind === 'bitmap' ? mask.runs.length : 0;
}

/** Runs left for a new brush stroke when `masks` are drawn, keeping `reserve` for the union mask of the job. */
export function runsLeftForStroke(masks: readonly Mask[], reserve = 256): number {
  return JOB_LIMITS.maskRunsMax - reserve - masks.reduce((n, m) => n + runsOf(m), 0);
}

/** The union of several masks as one brush mask on the input's own grid (coarser if needed to fit `maxRuns`). */
export function unionMask(masks: readonly Mask[], inputWidth: number, inputHeight: number, maxRuns: number): Mask | null {
  if (masks.length === 0) return null;
  if (masks.length === 1) return masks[0]!;
  const covered = new Uint8Array(inputWidth * inputHeight);
  for (const m of masks) {
    const px = rasterizeMask(m, inputWidth, inputHeight);
    for (let i = 0; i < px.length; i++) covered[i] |= px[i]!;
  }
  return encodeWithinRuns(covered, inputWidth, inputHeight, maxRuns);
}

/**
 * The masks of one `occlusion-masks` job: with several masks, their union first ("all masks at once") and then
 * each mask alone; with one mask, just it. `combined` says whether the first probability is the union's.
 */
export function masksForJob(masks: readonly Mask[], inputWidth: number, inputHeight: number): { masks: Mask[]; combined: boolean } {
  if (masks.length <= 1) return { masks: [...masks], combined: false };
  const used = masks.reduce((n, m) => n + runsOf(m), 0);
  const union = unionMask(masks, inputWidth, inputHeight, JOB_LIMITS.maskRunsMax - used)!;
  return { masks: [union, ...masks], combined: true };
}

/** Fraction of the input a mask covers, as a whole percentage for labels. */
export function coveragePercent(mask: Mask, inputWidth: number, inputHeight: number): number {
  const px = rasterizeMask(mask, inputWidth, inputHeight);
  let n = 0;
  for (let i = 0; i < px.length; i++) n += px[i]!;
  return Math.round((100 * n) / px.length);
}
