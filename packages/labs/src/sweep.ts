/**
 * "Sweep together": the sliding-window occlusion heatmap computed by the whole class. The window positions are
 * split into shards; each student's browser computes the shards handed to it (one `occlusion-masks` job with a
 * rectangle per position); a shard not back by its deadline, or held by a student who left, is taken over by the
 * server; results merge into one grid that fills in live. Pure logic: the caller supplies the clock (`now`).
 */
import { windowCount, windowOrigin } from '@convlab/protocol';
import { z } from 'zod';
import { ClassIndexSchema, InputSizeSchema, ProbabilitySchema } from './common.schemas';
import type { RectMask } from './masks';
import type { OcclusionParams } from './occlusion.lab';
import { ShardLedger, SweepError, type CompleteOutcome, type LedgerState } from './shard-ledger';
import type { ShardRange } from './shard-runner';

export { SERVER, SweepError, type CompleteOutcome, type ShardState } from './shard-ledger';

/** Most window positions of one sweep (as the compute service allows for one occlusion job). */
export const SWEEP_POSITIONS_MAX = 4096;

/** Where the windows go and how they are split. */
export interface SweepPlan {
  inputSize: [number, number];
  window: number;
  stride: number;
  rows: number;
  cols: number;
  shards: ShardRange[];
}

/** A window position: grid cell (row, col) and its top-left pixel (y, x). */
export interface WindowPosition {
  index: number;
  row: number;
  col: number;
  y: number;
  x: number;
}

/** Splits the window positions over a `[height, width]` input into shards of at most `shardSize` positions. */
export function planSweep(inputSize: [number, number], window: number, stride: number, shardSize: number): SweepPlan {
  const [h, w] = inputSize;
  for (const [name, v] of [['window', window], ['stride', stride], ['shardSize', shardSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (window > Math.min(h, w)) throw new RangeError(`a ${window}-pixel window does not fit the ${h}×${w} input`);
  // The last row and column of windows sit flush with the edges, so every pixel is covered (protocol window-grid).
  const rows = windowCount(h, window, stride);
  const cols = windowCount(w, window, stride);
  const total = rows * cols;
  if (total > SWEEP_POSITIONS_MAX) throw new RangeError(`${total} window positions; at most ${SWEEP_POSITIONS_MAX} (use a larger stride)`);
  const shards: ShardRange[] = [];
  for (let start = 0; start < total; start += shardSize) shards.push({ index: shards.length, start, count: Math.min(shardSize, total - start) });
  return { inputSize: [h, w], window, stride, rows, cols, shards };
}

/** Top-left pixel of the window in grid cell (row, col). */
function windowTopLeft(plan: Pick<SweepPlan, 'inputSize' | 'window' | 'stride'>, row: number, col: number): { y: number; x: number } {
  return { y: windowOrigin(row, plan.inputSize[0], plan.window, plan.stride), x: windowOrigin(col, plan.inputSize[1], plan.window, plan.stride) };
}

/** The window positions of one shard. */
export function shardPositions(plan: SweepPlan, shard: ShardRange): WindowPosition[] {
  const out: WindowPosition[] = [];
  for (let i = shard.start; i < shard.start + shard.count; i++) {
    const row = Math.floor(i / plan.cols);
    const col = i % plan.cols;
    out.push({ index: i, row, col, ...windowTopLeft(plan, row, col) });
  }
  return out;
}

/** The rectangles a shard occludes, one per position, in position order. */
export function shardMasks(plan: SweepPlan, shard: ShardRange): RectMask[] {
  return shardPositions(plan, shard).map(({ x, y }) => ({ kind: 'rect', x, y, width: plan.window, height: plan.window }));
}

/**
 * The compute job of one shard: an `occlusion-masks` JobSpec (input form) with a rectangle per position. The
 * target class must be fixed for the whole sweep, so it is given explicitly.
 */
export function shardJob(params: Pick<OcclusionParams, 'model' | 'image' | 'fill'>, plan: SweepPlan, shard: ShardRange, classIndex: number) {
  return {
    kind: 'occlusion-masks' as const,
    model: params.model,
    image: params.image,
    params: { masks: shardMasks(plan, shard), fill: params.fill, classIndex },
  };
}

/** A student's answer to an occlusion shard: the target probability per position (and their baseline, if sent). */
export interface OcclusionAnswer {
  probabilities: number[];
  baseline: number | null;
}

/** Largest absolute difference of a probability from the server's that a spot check accepts (WebGL vs wasm). */
export const SPOT_CHECK_TOLERANCE = 2e-3;
/** Window positions of each student shard the server recomputes. */
export const SPOT_CHECK_POSITIONS = 3;

/**
 * The offsets (within the shard) of the positions a spot check recomputes: `n` distinct ones drawn with `random`
 * (every position of a smaller shard), ascending.
 */
export function spotCheckOffsets(count: number, random: () => number, n = SPOT_CHECK_POSITIONS): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, Math.min(n, count)).sort((a, b) => a - b);
}

/** The `occlusion-masks` job recomputing the given offsets of a shard (the same masks the shard's own job holds). */
export function spotCheckJob(params: Pick<OcclusionParams, 'model' | 'image' | 'fill'>, plan: SweepPlan, shard: ShardRange, classIndex: number, offsets: readonly number[]) {
  const job = shardJob(params, plan, shard, classIndex);
  return { ...job, params: { ...job.params, masks: offsets.map((k) => job.params.masks[k]!) } };
}

/**
 * True when a student's probabilities agree with the server's at the checked offsets (and their baseline, when
 * they sent one, with the server's), each within {@link SPOT_CHECK_TOLERANCE}.
 */
export function spotCheckPasses(
  student: { probabilities: readonly number[]; baseline: number | null },
  offsets: readonly number[],
  server: { probabilities: readonly number[]; baseline: number },
  tolerance = SPOT_CHECK_TOLERANCE,
): boolean {
  if (server.probabilities.length !== offsets.length) throw new SweepError(`the spot check computed ${server.probabilities.length} positions for ${offsets.length}`);
  const close = (a: number, b: number) => Math.abs(a - b) <= tolerance;
  if (student.baseline !== null && !close(student.baseline, server.baseline)) return false;
  return offsets.every((k, i) => close(student.probabilities[k]!, server.probabilities[i]!));
}

/** A coordinator's state as plain JSON (persisted so a restarted server resumes the sweep). */
export interface CoordinatorState extends LedgerState<OcclusionAnswer> {
  /** Row-major grid; null where unknown. */
  grid: (number | null)[];
}

/** Plain-JSON view of a sweep, for broadcasting and storing. */
export interface SweepSnapshot {
  rows: number;
  cols: number;
  window: number;
  stride: number;
  /** Row-major target probability per position; null until its shard is back. */
  probabilities: (number | null)[];
  shards: Array<{ index: number; status: 'assigned' | 'server' | 'done'; holder: string | null }>;
  done: number;
  total: number;
}

/** Hands out the window positions' shards (ShardLedger) and merges their probabilities into the grid. */
export class SweepCoordinator extends ShardLedger<OcclusionAnswer> {
  readonly grid: Float32Array;

  constructor(
    readonly plan: SweepPlan,
    timeoutMs: number,
  ) {
    super(plan.shards.length, timeoutMs);
    this.grid = new Float32Array(plan.rows * plan.cols).fill(Number.NaN);
  }

  /** The coordinator as plain JSON. */
  toJSON(): CoordinatorState {
    return { ...this.ledgerJSON(), grid: Array.from(this.grid, (v) => (Number.isNaN(v) ? null : v)) };
  }

  /** A coordinator resumed from {@link toJSON} (the plan and timeout as when it started). */
  static restore(plan: SweepPlan, timeoutMs: number, saved: CoordinatorState): SweepCoordinator {
    const c = new SweepCoordinator(plan, timeoutMs);
    if (saved.grid.length !== c.grid.length) throw new SweepError('the saved sweep does not fit its plan');
    c.restoreLedger(saved);
    saved.grid.forEach((v, i) => (c.grid[i] = v ?? Number.NaN));
    return c;
  }

  /**
   * Records a shard's probabilities (one per position, in position order); see {@link ShardLedger.record}. A
   * student's answer enters the grid once its spot check passed.
   */
  complete(index: number, by: string, probabilities: readonly number[], now: number, baseline?: number): CompleteOutcome {
    return this.record(index, by, { probabilities: [...probabilities], baseline: baseline ?? null }, now);
  }

  protected validate(index: number, { probabilities }: OcclusionAnswer): void {
    const shard = this.plan.shards[index]!;
    if (probabilities.length !== shard.count) throw new SweepError(`shard ${index} has ${shard.count} positions; got ${probabilities.length} probabilities`);
    if (probabilities.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) throw new SweepError(`shard ${index}: probabilities must be numbers in [0, 1]`);
  }

  protected merge(index: number, { probabilities }: OcclusionAnswer): void {
    const shard = this.plan.shards[index]!;
    probabilities.forEach((p, k) => (this.grid[shard.start + k] = p));
  }

  protected unmerge(index: number): void {
    const shard = this.plan.shards[index]!;
    this.grid.fill(Number.NaN, shard.start, shard.start + shard.count);
  }

  /** Plain JSON for broadcasting and storing. */
  snapshot(): SweepSnapshot {
    const { rows, cols, window, stride } = this.plan;
    return {
      rows,
      cols,
      window,
      stride,
      probabilities: Array.from(this.grid, (v) => (Number.isNaN(v) ? null : v)),
      shards: this.shardStatuses(),
      done: this.progress().done,
      total: this.plan.shards.length,
    };
  }
}

/** Per position drop (baseline − probability), NaN where unknown. */
export function sweepDrops(grid: Float32Array, baseline: number): Float32Array {
  return grid.map((p) => (Number.isNaN(p) ? Number.NaN : baseline - p));
}

/**
 * Per pixel heatmap of a sweep: for each input pixel, the mean drop over the known windows that cover it
 * (NaN where none does yet). Row-major over the input.
 */
export function sweepPixelMap(plan: SweepPlan, grid: Float32Array, baseline: number): Float32Array {
  const [h, w] = plan.inputSize;
  const sum = new Float64Array(h * w);
  const count = new Uint32Array(h * w);
  for (let r = 0; r < plan.rows; r++) {
    for (let c = 0; c < plan.cols; c++) {
      const p = grid[r * plan.cols + c]!;
      if (Number.isNaN(p)) continue;
      const drop = baseline - p;
      const { y: y0, x: x0 } = windowTopLeft(plan, r, c);
      for (let y = y0; y < y0 + plan.window; y++) {
        for (let x = x0; x < x0 + plan.window; x++) {
          sum[y * w + x]! += drop;
          count[y * w + x]!++;
        }
      }
    }
  }
  const out = new Float32Array(h * w);
  for (let i = 0; i < out.length; i++) out[i] = count[i] ? sum[i]! / count[i]! : Number.NaN;
  return out;
}

/** What a finished class sweep stores (as a submission with no participant). */
export const SweepResultSchema = z
  .strictObject({
    classIndex: ClassIndexSchema,
    baseline: ProbabilitySchema,
    inputSize: InputSizeSchema,
    window: z.number().int().min(1),
    stride: z.number().int().min(1),
    rows: z.number().int().min(1),
    cols: z.number().int().min(1),
    probabilities: z.array(ProbabilitySchema).max(SWEEP_POSITIONS_MAX),
    /** Who computed each shard: a participant id or "server". */
    shards: z.array(z.strictObject({ index: z.number().int().min(0), by: z.string().min(1).max(64) })),
  })
  .refine((r) => r.probabilities.length === r.rows * r.cols, { message: 'probabilities has rows × cols entries', path: ['probabilities'] });
export type SweepResult = z.infer<typeof SweepResultSchema>;

/** The stored result of a finished sweep. Throws when shards are missing. */
export function sweepResult(coordinator: SweepCoordinator, classIndex: number, baseline: number): SweepResult {
  if (!coordinator.isComplete()) throw new SweepError('the sweep is not complete');
  const { plan } = coordinator;
  return SweepResultSchema.parse({
    classIndex,
    baseline,
    inputSize: plan.inputSize,
    window: plan.window,
    stride: plan.stride,
    rows: plan.rows,
    cols: plan.cols,
    probabilities: Array.from(coordinator.grid),
    shards: coordinator.completedBy(),
  });
}
