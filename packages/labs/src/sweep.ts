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

/** Most window positions of one sweep (as the compute service allows for one occlusion job). */
export const SWEEP_POSITIONS_MAX = 4096;
/** The id under which the server holds and completes shards. */
export const SERVER = 'server';

/** A contiguous run of window positions, row-major. */
export interface ShardRange {
  index: number;
  /** First position (row-major index into the rows × cols grid). */
  start: number;
  count: number;
}

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

export type ShardState =
  | { status: 'assigned'; to: string; deadline: number }
  | { status: 'server'; since: number; /** The student it was taken from (null: never handed out). */ from: string | null }
  /** A student's answer, waiting for the server's spot check before it enters the grid. */
  | { status: 'checking'; by: string; probabilities: number[]; baseline: number | null }
  | { status: 'done'; by: string; at: number };

/** The answer to a shard result. */
export type CompleteOutcome =
  | {
      accepted: true;
      /** The server was running it: cancel that job. */
      cancelServerJob: boolean;
      complete: boolean;
      /** A student's answer: it enters the grid only once `verified` says the spot check passed. */
      check: boolean;
    }
  | { accepted: false; reason: 'duplicate' | 'not-assigned' | 'untrusted' };

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
export interface CoordinatorState {
  states: ShardState[];
  /** Row-major grid; null where unknown. */
  grid: (number | null)[];
  /** Students whose answers failed a spot check. */
  untrusted: string[];
}

/** Thrown for a malformed shard result (wrong shard, wrong length, not a probability). */
export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
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

/** Hands out shards, takes them over when late, and merges the results. */
export class SweepCoordinator {
  readonly grid: Float32Array;
  private states: ShardState[] = [];
  /** Students whose answers failed a spot check: none of their shards is trusted any more. */
  private readonly untrusted = new Set<string>();

  constructor(
    readonly plan: SweepPlan,
    private readonly timeoutMs: number,
  ) {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.grid = new Float32Array(plan.rows * plan.cols).fill(Number.NaN);
  }

  /**
   * Deals the shards round-robin to the participants (in the given order). A student's k-th shard is due k+1
   * timeouts from now, since a browser computes its shards one after another. With no participants the server
   * takes every shard. Returns each participant's shard indices.
   */
  start(participants: readonly string[], now: number): Map<string, number[]> {
    if (this.states.length) throw new SweepError('the sweep has already started');
    const unique = [...new Set(participants)].filter((p) => p !== SERVER);
    const dealt = new Map<string, number[]>(unique.map((p) => [p, []]));
    this.plan.shards.forEach((shard, i) => {
      if (unique.length === 0) {
        this.states[shard.index] = { status: 'server', since: now, from: null };
        return;
      }
      const to = unique[i % unique.length]!;
      const mine = dealt.get(to)!;
      this.states[shard.index] = { status: 'assigned', to, deadline: now + this.timeoutMs * (mine.length + 1) };
      mine.push(shard.index);
    });
    return dealt;
  }

  /** The coordinator as plain JSON. */
  toJSON(): CoordinatorState {
    return { states: this.states.map((s) => ({ ...s })), grid: Array.from(this.grid, (v) => (Number.isNaN(v) ? null : v)), untrusted: [...this.untrusted] };
  }

  /** A coordinator resumed from {@link toJSON} (the plan and timeout as when it started). */
  static restore(plan: SweepPlan, timeoutMs: number, saved: CoordinatorState): SweepCoordinator {
    const c = new SweepCoordinator(plan, timeoutMs);
    if (saved.states.length !== plan.shards.length || saved.grid.length !== c.grid.length) throw new SweepError('the saved sweep does not fit its plan');
    c.states = saved.states.map((s) => ({ ...s }));
    saved.grid.forEach((v, i) => (c.grid[i] = v ?? Number.NaN));
    for (const u of saved.untrusted) c.untrusted.add(u);
    return c;
  }

  /** Shards whose student answers wait for their spot check. */
  checking(): number[] {
    return this.states.flatMap((s, i) => (s.status === 'checking' ? [i] : []));
  }

  /** True when a student's answers are no longer trusted. */
  isUntrusted(participant: string): boolean {
    return this.untrusted.has(participant);
  }

  /**
   * The spot check of a shard in `checking` came back. Passed: its probabilities enter the grid. Failed: the shard
   * goes to the server, and so does every other shard of that student — dealt, waiting or already merged (those
   * leave the grid again) — since their answers are no longer trusted. Returns the shards the server takes.
   */
  verified(index: number, passed: boolean, now: number): { taken: number[]; complete: boolean } {
    const state = this.state(index);
    if (state.status !== 'checking') return { taken: [], complete: this.isComplete() };
    if (passed) {
      const shard = this.plan.shards[index]!;
      state.probabilities.forEach((p, k) => (this.grid[shard.start + k] = p));
      this.states[index] = { status: 'done', by: state.by, at: now };
      return { taken: [], complete: this.isComplete() };
    }
    const cheat = state.by;
    this.untrusted.add(cheat);
    const taken: number[] = [];
    this.states.forEach((s, i) => {
      const held = s.status === 'assigned' ? s.to : s.status === 'checking' || s.status === 'done' ? s.by : null;
      if (held !== cheat) return;
      if (s.status === 'done') {
        const shard = this.plan.shards[i]!;
        this.grid.fill(Number.NaN, shard.start, shard.start + shard.count);
      }
      this.states[i] = { status: 'server', since: now, from: cheat };
      taken.push(i);
    });
    return { taken, complete: false };
  }

  /** A spot check that could not run (the server was busy): the server computes the shard itself, nobody is blamed. */
  uncheck(index: number, now: number): boolean {
    const state = this.state(index);
    if (state.status !== 'checking') return false;
    this.states[index] = { status: 'server', since: now, from: state.by };
    return true;
  }

  /** The state of one shard. */
  state(index: number): ShardState {
    const s = this.states[index];
    if (!s) throw new SweepError(`no shard ${index} (the sweep has ${this.plan.shards.length}; started: ${this.states.length > 0})`);
    return s;
  }

  /** Shards handed to a participant and not yet back. */
  assignedTo(participant: string): number[] {
    return this.states.flatMap((s, i) => (s.status === 'assigned' && s.to === participant ? [i] : []));
  }

  /** Shards the server holds and must compute. */
  serverQueue(): number[] {
    return this.states.flatMap((s, i) => (s.status === 'server' ? [i] : []));
  }

  /** Moves every shard past its deadline to the server; returns those it took over. */
  expire(now: number): number[] {
    const taken: number[] = [];
    this.states.forEach((s, i) => {
      if (s.status === 'assigned' && s.deadline <= now) {
        this.states[i] = { status: 'server', since: now, from: s.to };
        taken.push(i);
      }
    });
    return taken;
  }

  /** A participant left (closed the tab, was removed): the server takes over their open shards at once. */
  leave(participant: string, now: number): number[] {
    const taken: number[] = [];
    this.states.forEach((s, i) => {
      if (s.status === 'assigned' && s.to === participant) {
        this.states[i] = { status: 'server', since: now, from: participant };
        taken.push(i);
      }
    });
    return taken;
  }

  /** The earliest deadline still open (for the caller's timer), or null. */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const s of this.states) if (s.status === 'assigned' && (next === null || s.deadline < next)) next = s.deadline;
    return next;
  }

  /**
   * Records a shard's probabilities (one per position, in position order). The first result wins. A student may
   * complete only a shard dealt to them, even after the server took it over (then the server's job can be
   * cancelled), and their answer waits in `checking` for the server's spot check (`verified`); a student whose
   * answer failed a check is refused. The server may complete any shard, a shard in `checking` included.
   */
  complete(index: number, by: string, probabilities: readonly number[], now: number, baseline?: number): CompleteOutcome {
    const state = this.state(index);
    const shard = this.plan.shards[index]!;
    if (probabilities.length !== shard.count) throw new SweepError(`shard ${index} has ${shard.count} positions; got ${probabilities.length} probabilities`);
    if (probabilities.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) throw new SweepError(`shard ${index}: probabilities must be numbers in [0, 1]`);
    if (by !== SERVER && this.untrusted.has(by)) return { accepted: false, reason: 'untrusted' };
    if (state.status === 'done') return { accepted: false, reason: 'duplicate' };
    if (by !== SERVER) {
      if (state.status === 'checking') return { accepted: false, reason: 'duplicate' };
      const holder = state.status === 'assigned' ? state.to : state.from;
      if (holder !== by) return { accepted: false, reason: 'not-assigned' };
      this.states[index] = { status: 'checking', by, probabilities: [...probabilities], baseline: baseline ?? null };
      return { accepted: true, cancelServerJob: state.status === 'server', complete: false, check: true };
    }
    probabilities.forEach((p, k) => (this.grid[shard.start + k] = p));
    this.states[index] = { status: 'done', by, at: now };
    return { accepted: true, cancelServerJob: false, complete: this.isComplete(), check: false };
  }

  /** True once every shard is back. */
  isComplete(): boolean {
    return this.states.length === this.plan.shards.length && this.states.every((s) => s.status === 'done');
  }

  /** Counts for a progress bar. */
  progress(): { total: number; done: number; byStudents: number; byServer: number; assigned: number; server: number } {
    const p = { total: this.plan.shards.length, done: 0, byStudents: 0, byServer: 0, assigned: 0, server: 0 };
    for (const s of this.states) {
      if (s.status === 'done') {
        p.done++;
        if (s.by === SERVER) p.byServer++;
        else p.byStudents++;
      } else if (s.status === 'assigned' || s.status === 'checking') p.assigned++;
      else p.server++;
    }
    return p;
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
      // A shard being checked is still waiting: shown as its student's.
      shards: this.states.map((s, index) => ({
        index,
        status: s.status === 'checking' ? 'assigned' : s.status,
        holder: s.status === 'assigned' ? s.to : s.status === 'done' || s.status === 'checking' ? s.by : SERVER,
      })),
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
    shards: plan.shards.map((s) => {
      const state = coordinator.state(s.index);
      return { index: s.index, by: state.status === 'done' ? state.by : SERVER };
    }),
  });
}
