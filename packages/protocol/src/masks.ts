/**
 * Occlusion masks a student draws on the model input: rectangles, polygons and brush strokes — the one mask model of
 * ConvLab, defined here, in the protocol, because the same masks travel in a lab submission and in an
 * `occlusion-masks` compute job, and vis occludes with them. Rasterized by `rasterizeMask(mask, width, height)`. A brush stroke travels as a
 * run-length-encoded bitmap on its own grid (coarser than the input is fine), so a 224×224 stroke costs a few
 * hundred numbers instead of 50,176 flags. Coordinates are pixels of the model input.
 */
import { z } from 'zod';

/** Bounds that keep one mask small on the wire. */
export const MASK_LIMITS = {
  /** Side of the model input a mask may address. */
  inputMax: 1024,
  /** Side of a brush bitmap's grid. */
  bitmapMax: 512,
  /** Runs of one brush bitmap. */
  runsMax: 65_536,
  /** Corners of one polygon. */
  polygonPointsMax: 64,
} as const;

const Px = z.number().int().min(0).max(MASK_LIMITS.inputMax);

/** An axis-aligned rectangle: top-left (x, y), size in pixels. */
export const RectMaskSchema = z.strictObject({
  kind: z.literal('rect'),
  x: Px,
  y: Px,
  width: z.number().int().min(1).max(MASK_LIMITS.inputMax),
  height: z.number().int().min(1).max(MASK_LIMITS.inputMax),
});
export type RectMask = z.infer<typeof RectMaskSchema>;

/**
 * A brush mask: a `width`×`height` bitmap stretched over the whole input, row-major, run-length encoded as
 * alternating counts of uncovered and covered cells, starting with uncovered (so a leading 0 means "starts
 * covered"). The counts add up to width × height.
 */
export const BitmapMaskSchema = z
  .strictObject({
    kind: z.literal('bitmap'),
    width: z.number().int().min(1).max(MASK_LIMITS.bitmapMax),
    height: z.number().int().min(1).max(MASK_LIMITS.bitmapMax),
    runs: z.array(z.number().int().min(0)).min(1).max(MASK_LIMITS.runsMax),
  })
  .refine((m) => m.runs.reduce((a, b) => a + b, 0) === m.width * m.height, {
    message: 'the runs of a bitmap mask add up to width × height',
    path: ['runs'],
  });
export type BitmapMask = z.infer<typeof BitmapMaskSchema>;

/** A polygon: corners [x, y] in pixels; the pixels whose centres are inside (even-odd rule) are covered. */
export const PolygonMaskSchema = z.strictObject({
  kind: z.literal('polygon'),
  points: z
    .array(z.tuple([z.number().min(0).max(MASK_LIMITS.inputMax), z.number().min(0).max(MASK_LIMITS.inputMax)]))
    .min(3)
    .max(MASK_LIMITS.polygonPointsMax),
});
export type PolygonMask = z.infer<typeof PolygonMaskSchema>;

/** The masks a lab submission stores: rectangles and brush strokes. */
export const MaskSchema = z.union([RectMaskSchema, BitmapMaskSchema]);
export type Mask = z.infer<typeof MaskSchema>;

/** Every mask an `occlusion-masks` job (and vis' occludeMasks) takes: a rectangle, a polygon or a brush stroke. */
export const OcclusionMaskSchema = z.discriminatedUnion('kind', [RectMaskSchema, PolygonMaskSchema, BitmapMaskSchema]);
export type OcclusionMask = z.infer<typeof OcclusionMaskSchema>;

/** Run-length encodes a bitmap (non-zero = covered) of `width`×`height` cells into a brush mask. */
export function encodeBitmapMask(cells: ArrayLike<number>, width: number, height: number): BitmapMask {
  if (cells.length !== width * height) throw new Error(`encodeBitmapMask: ${cells.length} cells for a ${width}×${height} grid`);
  const runs: number[] = [];
  let covered = false;
  let run = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] !== 0;
    if (c !== covered) {
      runs.push(run);
      covered = c;
      run = 0;
    }
    run++;
  }
  runs.push(run);
  return { kind: 'bitmap', width, height, runs };
}

/** Decodes a brush mask into its grid cells (1 = covered). */
export function decodeBitmapMask(mask: BitmapMask): Uint8Array {
  const cells = new Uint8Array(mask.width * mask.height);
  let pos = 0;
  mask.runs.forEach((run, i) => {
    if (i % 2 === 1) cells.fill(1, pos, pos + run);
    pos += run;
  });
  if (pos !== cells.length) throw new Error(`bitmap mask runs cover ${pos} cells, expected ${cells.length}`);
  return cells;
}

/**
 * The pixels of a `width`×`height` input that a mask covers (1 = covered), row-major. Rectangles are clipped to the
 * input; a polygon covers the pixels whose centres are inside; a brush bitmap is stretched over the input (each
 * pixel takes the cell its centre falls in).
 */
export function rasterizeMask(mask: OcclusionMask, width: number, height: number): Uint8Array {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`rasterizeMask: the input must be positive integers width × height, got ${width}×${height}`);
  }
  const out = new Uint8Array(width * height);
  if (mask.kind === 'rect') {
    const x0 = Math.min(mask.x, width);
    const y0 = Math.min(mask.y, height);
    const x1 = Math.min(mask.x + mask.width, width);
    const y1 = Math.min(mask.y + mask.height, height);
    for (let y = y0; y < y1; y++) out.fill(1, y * width + x0, y * width + x1);
    return out;
  }
  if (mask.kind === 'polygon') {
    const pts = mask.points;
    if (!Array.isArray(pts) || pts.length < 3) throw new RangeError('a polygon mask needs at least 3 points');
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      for (let x = 0; x < width; x++) {
        const cx = x + 0.5;
        // Even-odd rule on the pixel centre.
        let inside = false;
        for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
          const [xi, yi] = pts[i]!;
          const [xj, yj] = pts[j]!;
          if (yi > cy !== yj > cy && cx < ((xj - xi) * (cy - yi)) / (yj - yi) + xi) inside = !inside;
        }
        if (inside) out[y * width + x] = 1;
      }
    }
    return out;
  }
  const cells = decodeBitmapMask(mask);
  const colOf = new Int32Array(width);
  for (let x = 0; x < width; x++) colOf[x] = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / width));
  for (let y = 0; y < height; y++) {
    const row = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / height)) * mask.width;
    for (let x = 0; x < width; x++) out[y * width + x] = cells[row + colOf[x]!]!;
  }
  return out;
}

/** Fraction of the input a mask covers (0..1). */
export function maskCoverage(mask: OcclusionMask, width: number, height: number): number {
  const px = rasterizeMask(mask, width, height);
  let n = 0;
  for (let i = 0; i < px.length; i++) n += px[i]!;
  return n / px.length;
}
