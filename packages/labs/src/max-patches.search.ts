/**
 * The class search of maximally activating patches on the shard runner: a shard is a run of images of the set;
 * a student's answer is, per picked channel, the shard's top min(9, images) (image, position, value) — at most one
 * per image. Before an answer counts the server recomputes every claimed patch that could still enter the top 9
 * and a random 5 % of the shard's images in full (one `patches` job over those images with k = their number): a
 * claimed value that differs, or a checked image stronger than the shard's weakest claim yet left out, fails the
 * check. What is merged are the server's own values and positions of the verified claims, so the ranking is the
 * server's.
 */
import { ShardPatchSchema, type ImageRef } from '@convlab/protocol';
import { mergePatchResults } from '@convlab/vis';
import { z } from 'zod';
import { MAX_PATCH_TOP, MaxPatchResultSchema, type MaxPatchEntry, type MaxPatchParams, type MaxPatchResult } from './max-patches.lab';
import { ShardLedger, SweepError, type LedgerState } from './shard-ledger';
import { spotCheckOffsets } from './sweep';
import { ShardRunner, type ShardAnswer, type ShardDealtOf, type ShardRange, type ShardRunCore, type ShardRunnerOptions, type ShardWork } from './shard-runner';

/** Share of a shard's images a check recomputes in full (at least one image). */
export const FULL_CHECK_SHARE = 0.05;

/**
 * How far a browser's activation may be from the server's: WebGL computes in float32 with other summation orders
 * (and float16 textures on some GPUs), so absolute and relative parts.
 */
export const PATCH_TOLERANCE = { absolute: 2e-3, relative: 2e-3 } as const;

/** One claimed winner of a shard (`index`: the image's place within the shard), as the wire carries it. */
export type ShardPatch = z.infer<typeof ShardPatchSchema>;

/** An answer to a shard: each picked channel's winners (a `patches` job's entries, as it returns them). */
export interface MaxPatchAnswer {
  entries: ShardPatch[];
}

/** How the images are split: `images` in order, shards of consecutive images. */
export interface MaxPatchPlan {
  images: ImageRef[];
  channels: number[];
  shards: ShardRange[];
}

/** Splits the images into shards of at most `shardSize`. */
export function planMaxPatchSearch(images: readonly ImageRef[], channels: readonly number[], shardSize: number): MaxPatchPlan {
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize must be a positive integer, got ${shardSize}`);
  if (images.length === 0) throw new RangeError('the search has no images');
  const shards: ShardRange[] = [];
  for (let start = 0; start < images.length; start += shardSize) shards.push({ index: shards.length, start, count: Math.min(shardSize, images.length - start) });
  return { images: [...images], channels: [...channels], shards };
}

/** The `patches` job of some of a shard's images (by their place in the shard), k = `k`, positions only. */
function patchesJob(params: Pick<MaxPatchParams, 'model' | 'layer'>, plan: MaxPatchPlan, shard: ShardRange, offsets: readonly number[], k: number) {
  return {
    kind: 'patches' as const,
    model: params.model,
    params: { layer: params.layer, channels: plan.channels, k, images: offsets.map((o) => plan.images[shard.start + o]!), crops: false },
  };
}

/** The job of a whole shard: each channel's top min(9, images). */
export function maxPatchShardJob(params: Pick<MaxPatchParams, 'model' | 'layer'>, plan: MaxPatchPlan, shard: ShardRange) {
  return patchesJob(params, plan, shard, Array.from({ length: shard.count }, (_, i) => i), Math.min(MAX_PATCH_TOP, shard.count));
}
export type MaxPatchJob = ReturnType<typeof maxPatchShardJob>;

/** What a `patches` job gives back, as the search reads it (`index`: the place in the job's image list). */
export interface PatchesComputation {
  entries: Array<{ channel: number; index: number; value: number; y: number; x: number; box: [number, number, number, number] }>;
}

/**
 * The images a check recomputes (places within the shard, ascending): those of the claims it verifies and a random
 * {@link FULL_CHECK_SHARE} of all (at least one), recomputed in full.
 */
export function checkOffsets(count: number, verify: readonly ShardPatch[], random: () => number): { offsets: number[]; full: number[] } {
  const full = spotCheckOffsets(count, random, Math.max(1, Math.ceil(count * FULL_CHECK_SHARE)));
  const offsets = [...new Set([...verify.map((e) => e.index), ...full])].sort((a, b) => a - b);
  return { offsets, full };
}

const close = (student: number, server: number) => Math.abs(student - server) <= PATCH_TOLERANCE.absolute + PATCH_TOLERANCE.relative * Math.abs(server);

/**
 * The verdict on a student's answer from the server's recomputation of `offsets` (a `patches` job with k = their
 * number, so every image has its strongest position per channel): passed when every claim of `verify` has the
 * server's value (within {@link PATCH_TOLERANCE}) and no fully checked image left out of a channel beats that
 * channel's weakest claim. `checked` holds the verified claims with the server's values, positions and boxes.
 */
export function judgeMaxPatchAnswer(
  answer: MaxPatchAnswer,
  channels: readonly number[],
  offsets: readonly number[],
  full: readonly number[],
  server: PatchesComputation,
  verify: readonly ShardPatch[] = answer.entries,
): { passed: boolean; checked: MaxPatchAnswer } {
  // The server's best per (channel, place in the shard).
  const best = new Map<string, PatchesComputation['entries'][number]>();
  for (const e of server.entries) best.set(`${e.channel}:${offsets[e.index]}`, { ...e, index: offsets[e.index]! });
  const checked: ShardPatch[] = [];
  let passed = true;
  for (const claim of verify) {
    const mine = best.get(`${claim.channel}:${claim.index}`);
    // Not recomputed (a channel or image the server's job does not have): not a value the server can stand by.
    if (!mine || !close(claim.value, mine.value)) {
      passed = false;
      continue;
    }
    checked.push({ channel: claim.channel, index: claim.index, value: mine.value, y: mine.y, x: mine.x, box: mine.box });
  }
  for (const channel of channels) {
    // Each claim of the channel at the server's value where verified, else as claimed.
    const claims = answer.entries.filter((e) => e.channel === channel).map((e) => checked.find((c) => c.channel === channel && c.index === e.index) ?? e);
    const claimedAt = new Set(claims.map((e) => e.index));
    // The weakest claim (ties: the later image).
    const weakest = claims.sort((a, b) => b.value - a.value || a.index - b.index).at(-1);
    if (!weakest) continue;
    for (const o of full) {
      const mine = best.get(`${channel}:${o}`);
      if (claimedAt.has(o) || !mine) continue;
      // Left out although stronger than a claimed patch (beyond float noise), or exactly as strong and earlier in
      // the image order that breaks ties: the shard omitted a winner.
      const stronger = mine.value > weakest.value && !close(weakest.value, mine.value);
      if (stronger || (mine.value === weakest.value && o < weakest.index)) passed = false;
    }
  }
  return { passed, checked: { entries: checked } };
}

/**
 * The claims a check must verify: those that could still enter their channel's top 9 — at least the value of the
 * ninth merged so far (less float noise). The others cannot: merged values are the server's, and the ninth only
 * rises as images are added (a shard taken back from a cheat comes back with the same true values). A claim
 * understated to dodge its check is a winner left out, which the full recomputation of 5 % of the images catches.
 */
export function claimsToVerify(answer: MaxPatchAnswer, ninth: (channel: number) => number): ShardPatch[] {
  return answer.entries.filter((e) => {
    const bar = ninth(e.channel);
    return e.value >= bar || close(e.value, bar);
  });
}

/**
 * Each channel's top 9 over the given shards' winners (null: not in yet), by vis' order of patches: value, then
 * image order, then position.
 */
export function mergeShardTops(plan: MaxPatchPlan, perShard: readonly (readonly ShardPatch[] | null)[]): Array<{ channel: number; top: MaxPatchEntry[] }> {
  return plan.channels.map((channel) => {
    const parts = perShard.map((entries, s) => {
      const start = plan.shards[s]!.start;
      return (entries ?? [])
        .filter((e) => e.channel === channel)
        .map((e): MaxPatchEntry => ({ index: start + e.index, image: plan.images[start + e.index]!, value: e.value, y: e.y, x: e.x, box: e.box }));
    });
    return { channel, top: mergePatchResults(parts, MAX_PATCH_TOP) };
  });
}

/** A search's merged state as plain JSON (persisted so a restarted server resumes it). */
export interface MaxPatchSearchState extends LedgerState<MaxPatchAnswer> {
  /** Per shard, the checked winners (null until done). */
  merged: (ShardPatch[] | null)[];
}

/** Plain-JSON view of a search, for broadcasting. */
export interface MaxPatchSnapshot {
  channels: Array<{ channel: number; top: MaxPatchEntry[] }>;
  shards: Array<{ index: number; status: 'assigned' | 'server' | 'done'; holder: string | null }>;
  done: number;
  total: number;
  images: number;
}

/** Hands out the image shards (ShardLedger) and merges each channel's top 9 from the checked answers. */
export class MaxPatchCoordinator extends ShardLedger<MaxPatchAnswer> {
  private readonly merged: (ShardPatch[] | null)[];

  constructor(
    readonly plan: MaxPatchPlan,
    timeoutMs: number,
  ) {
    super(plan.shards.length, timeoutMs);
    this.merged = plan.shards.map(() => null);
  }

  toJSON(): MaxPatchSearchState {
    return { ...this.ledgerJSON(), merged: this.merged.map((m) => (m ? m.map((e) => ({ ...e })) : null)) };
  }

  static restore(plan: MaxPatchPlan, timeoutMs: number, saved: MaxPatchSearchState): MaxPatchCoordinator {
    const c = new MaxPatchCoordinator(plan, timeoutMs);
    if (saved.merged.length !== plan.shards.length) throw new SweepError('the saved search does not fit its plan');
    c.restoreLedger(saved);
    saved.merged.forEach((m, i) => (c.merged[i] = m));
    return c;
  }

  /**
   * An answer must name, for every picked channel, exactly min(9, images) distinct images of the shard — fewer
   * would hide a winner outright.
   */
  protected validate(index: number, answer: MaxPatchAnswer): void {
    const shard = this.plan.shards[index]!;
    const want = Math.min(MAX_PATCH_TOP, shard.count);
    const parsed = z.array(ShardPatchSchema).max(want * this.plan.channels.length).safeParse(answer.entries);
    if (!parsed.success) throw new SweepError(`shard ${index}: ${parsed.error.issues[0]?.message ?? 'malformed entries'}`);
    for (const channel of this.plan.channels) {
      const mine = answer.entries.filter((e) => e.channel === channel);
      if (mine.length !== want) throw new SweepError(`shard ${index}: channel ${channel} needs ${want} patches, got ${mine.length}`);
      if (new Set(mine.map((e) => e.index)).size !== mine.length) throw new SweepError(`shard ${index}: channel ${channel} names an image twice`);
      if (mine.some((e) => e.index >= shard.count)) throw new SweepError(`shard ${index} has ${shard.count} images`);
    }
    if (answer.entries.some((e) => !this.plan.channels.includes(e.channel))) throw new SweepError(`shard ${index}: a channel that is not searched`);
  }

  protected merge(index: number, answer: MaxPatchAnswer): void {
    this.merged[index] = answer.entries.map((e) => ({ ...e }));
  }

  protected unmerge(index: number): void {
    this.merged[index] = null;
  }

  /** Each channel's top 9 over the shards merged so far (by value, then image order, then position). */
  top(): Array<{ channel: number; top: MaxPatchEntry[] }> {
    return mergeShardTops(this.plan, this.merged);
  }

  snapshot(): MaxPatchSnapshot {
    return { channels: this.top(), shards: this.shardStatuses(), done: this.progress().done, total: this.shardCount, images: this.plan.images.length };
  }
}

/** A search as persisted: enough to resume it. */
export interface MaxPatchRecord {
  /** Tells a search from an occlusion sweep among the running class computations the server keeps. */
  kind: 'max-patches';
  id: string;
  sessionId: string;
  stepId: string;
  params: MaxPatchParams;
  images: ImageRef[];
  inputSize: [number, number];
  startedAt: number;
  coordinator: MaxPatchSearchState;
}

/** A running search (read-only for the ports). */
export interface MaxPatchRun extends ShardRunCore<MaxPatchCoordinator> {
  readonly params: MaxPatchParams;
  readonly inputSize: [number, number];
}

/** The stored result of a finished search. */
export function maxPatchResult(run: MaxPatchRun): MaxPatchResult {
  if (!run.coordinator.isComplete()) throw new SweepError('the search is not complete');
  return MaxPatchResultSchema.parse({
    model: run.params.model,
    layer: run.params.layer,
    inputSize: run.inputSize,
    images: run.coordinator.plan.images.length,
    channels: run.coordinator.top(),
    shards: run.coordinator.completedBy(),
  });
}

/** A shard's answer from its `patches` job's entries (what `patches:result` carries; the job's image refs dropped). */
export function shardPatches(server: PatchesComputation): ShardPatch[] {
  return server.entries.map(({ channel, index, value, y, x, box }) => ({ channel, index, value, y, x, box }));
}

const maxPatchWork: ShardWork<MaxPatchRun, MaxPatchAnswer, MaxPatchJob, PatchesComputation, MaxPatchResult, MaxPatchRecord> = {
  shardRange: (run, index) => run.coordinator.plan.shards[index]!,
  shardJob: (run, index) => maxPatchShardJob(run.params, run.coordinator.plan, run.coordinator.plan.shards[index]!),
  check(run, index, answer, random) {
    const { plan } = run.coordinator;
    const shard = plan.shards[index]!;
    // Each channel's ninth-best merged value so far (−∞ while fewer than 9 are merged).
    const ninth = new Map(run.coordinator.top().map((c) => [c.channel, c.top[MAX_PATCH_TOP - 1]?.value ?? -Infinity]));
    const verify = claimsToVerify(answer, (c) => ninth.get(c) ?? -Infinity);
    const { offsets, full } = checkOffsets(shard.count, verify, random);
    return {
      job: patchesJob(run.params, plan, shard, offsets, offsets.length),
      judge: (server) => judgeMaxPatchAnswer(answer, plan.channels, offsets, full, server, verify),
    };
  },
  serverAnswer: (_run, _index, server) => ({ entries: shardPatches(server) }),
  result: maxPatchResult,
  record: (run) => ({
    kind: 'max-patches',
    id: run.id,
    sessionId: run.sessionId,
    stepId: run.stepId,
    params: run.params,
    images: run.coordinator.plan.images,
    inputSize: run.inputSize,
    startedAt: run.startedAt,
    coordinator: run.coordinator.toJSON(),
  }),
};

export type MaxPatchRunnerOptions = ShardRunnerOptions<MaxPatchRun, MaxPatchJob, PatchesComputation, MaxPatchResult, MaxPatchRecord>;
/** A shard of a search handed to a student. */
export type MaxPatchShardDealt = ShardDealtOf<MaxPatchJob>;

/** Runs every class max-patch search of a server. */
export class MaxPatchRunner extends ShardRunner<MaxPatchRun, MaxPatchAnswer, MaxPatchJob, PatchesComputation, MaxPatchResult, MaxPatchRecord> {
  constructor(opts: MaxPatchRunnerOptions) {
    super(opts, maxPatchWork);
  }

  /**
   * Starts a search over `images` (the step's set, resolved by the caller) with the step's parameters; deals the
   * shards to `participants` and returns at once (see ShardRunner.begin).
   */
  start(input: { sessionId: string; stepId: string; params: MaxPatchParams; images: readonly ImageRef[]; inputSize: [number, number]; participants: readonly string[] }) {
    const plan = planMaxPatchSearch(input.images, input.params.channels, input.params.shardSize);
    const { run, dealt, saved } = this.begin(
      {
        id: this.newId('patches'),
        sessionId: input.sessionId,
        stepId: input.stepId,
        params: input.params,
        inputSize: input.inputSize,
        startedAt: this.now(),
        coordinator: new MaxPatchCoordinator(plan, input.params.shardTimeoutSeconds * 1000),
      },
      input.participants,
    );
    return { search: run, dealt, saved };
  }

  /** Resumes persisted searches (after a restart). */
  resume(records: readonly MaxPatchRecord[]): MaxPatchRun[] {
    const resumed: MaxPatchRun[] = [];
    for (const r of records) {
      const plan = planMaxPatchSearch(r.images, r.params.channels, r.params.shardSize);
      const run = this.revive({
        id: r.id,
        sessionId: r.sessionId,
        stepId: r.stepId,
        params: r.params,
        inputSize: r.inputSize,
        startedAt: r.startedAt,
        coordinator: MaxPatchCoordinator.restore(plan, r.params.shardTimeoutSeconds * 1000, r.coordinator),
      });
      if (run) resumed.push(run);
    }
    return resumed;
  }

  /** A student's answer for a shard, answered once the server's check is back. */
  result(searchId: string, participantId: string, shard: number, entries: PatchesComputation['entries']): Promise<ShardAnswer> {
    return this.submit(searchId, participantId, shard, { entries: shardPatches({ entries }) });
  }
}
