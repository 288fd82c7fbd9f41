/**
 * Runs class occlusion sweeps ("sweep together") on the shard runner (shard-runner.ts): each shard is an
 * `occlusion-masks` job with a rectangle per window position, a student's answer is spot-checked at a few positions
 * before it enters the grid, and the baseline comes from the server's own computations only.
 */
import type { OcclusionParams } from './occlusion.lab';
import {
  SweepCoordinator,
  planSweep,
  shardJob,
  spotCheckJob,
  spotCheckOffsets,
  spotCheckPasses,
  sweepResult,
  type CoordinatorState,
  type OcclusionAnswer,
  type SweepResult,
} from './sweep';
import { ShardRunner, type ShardAnswer, type ShardComputation, type ShardDealtOf, type ShardRunCore, type ShardRunnerOptions, type ShardWork } from './shard-runner';

export type { ShardAnswer, ShardRange, SweepComputePurpose } from './shard-runner';

/** The occlusion-masks job of a shard or of a spot check. */
export type SweepJob = ReturnType<typeof shardJob>;

/** What the server's computation of a sweep job gives back. */
export interface OcclusionComputation {
  /** Target probability per mask, in mask order. */
  probabilities: number[];
  /** Target probability without a mask. */
  baseline: number;
}

/** A computation in flight: its result (null when cancelled; a rejection when it failed) and how to cancel it. */
export type SweepComputation = ShardComputation<OcclusionComputation>;

/** A shard handed to a student. */
export type ShardDealt = ShardDealtOf<SweepJob>;

/** A sweep as persisted: enough to resume it. */
export interface SweepRecord {
  id: string;
  sessionId: string;
  stepId: string;
  /** The step's occlusion parameters with this sweep's overrides. */
  params: OcclusionParams;
  classIndex: number;
  inputSize: [number, number];
  startedAt: number;
  /** The server's baseline (null until its first computation for the sweep). */
  baseline: number | null;
  coordinator: CoordinatorState;
}

/** A running sweep (read-only for the ports). */
export interface SweepRun extends ShardRunCore<SweepCoordinator> {
  readonly params: OcclusionParams;
  readonly classIndex: number;
  readonly inputSize: [number, number];
  readonly baseline: number | null;
}

export type SweepRunnerOptions = ShardRunnerOptions<SweepRun, SweepJob, OcclusionComputation, SweepResult, SweepRecord>;
/** The server's compute, as a sweep needs it. */
export type SweepComputePort = SweepRunnerOptions['compute'];
/** Where running sweeps are kept, so a restarted server resumes them. */
export type SweepStorePort = SweepRunnerOptions['store'];
/** What the runner tells the world. */
export type SweepEventsPort = SweepRunnerOptions['events'];

const occlusionWork: ShardWork<SweepRun, OcclusionAnswer, SweepJob, OcclusionComputation, SweepResult, SweepRecord> = {
  shardRange: (run, index) => run.coordinator.plan.shards[index]!,
  shardJob: (run, index) => shardJob(run.params, run.coordinator.plan, run.coordinator.plan.shards[index]!, run.classIndex),
  check(run, index, answer, random) {
    const shard = run.coordinator.plan.shards[index]!;
    const offsets = spotCheckOffsets(shard.count, random);
    return {
      job: spotCheckJob(run.params, run.coordinator.plan, shard, run.classIndex, offsets),
      judge: (server) => ({ passed: spotCheckPasses(answer, offsets, server) }),
    };
  },
  serverAnswer: (_run, _index, server) => ({ probabilities: server.probabilities, baseline: server.baseline }),
  // Every server computation of the sweep gives the same unmasked probability; the first one is kept.
  observe(run, server) {
    if (run.baseline === null) (run as { baseline: number | null }).baseline = server.baseline;
  },
  ready: (run) => run.baseline !== null,
  result: (run) => sweepResult(run.coordinator, run.classIndex, run.baseline!),
  record: (run) => ({
    id: run.id,
    sessionId: run.sessionId,
    stepId: run.stepId,
    params: run.params,
    classIndex: run.classIndex,
    inputSize: run.inputSize,
    startedAt: run.startedAt,
    baseline: run.baseline,
    coordinator: run.coordinator.toJSON(),
  }),
};

/** Runs every class occlusion sweep of a server. */
export class SweepRunner extends ShardRunner<SweepRun, OcclusionAnswer, SweepJob, OcclusionComputation, SweepResult, SweepRecord> {
  constructor(opts: SweepRunnerOptions) {
    super(opts, occlusionWork);
  }

  /**
   * Starts a sweep: plans it (RangeError for an impossible one), deals the shards round-robin to `participants`
   * and returns at once; once it is stored, the shards go out and the server starts on its own, on the clock's
   * next turn (so the caller can answer first).
   */
  start(input: { sessionId: string; stepId: string; params: OcclusionParams; classIndex: number; inputSize: [number, number]; participants: readonly string[] }): {
    sweep: SweepRun;
    dealt: Map<string, number[]>;
    /** Settles once the new sweep is stored. */
    saved: Promise<void>;
  } {
    const { params } = input;
    const plan = planSweep(input.inputSize, params.window, params.stride, params.shardSize);
    const { run, dealt, saved } = this.begin(
      {
        id: this.newId('sweep'),
        sessionId: input.sessionId,
        stepId: input.stepId,
        params,
        classIndex: input.classIndex,
        inputSize: input.inputSize,
        startedAt: this.now(),
        coordinator: new SweepCoordinator(plan, params.shardTimeoutSeconds * 1000),
        baseline: null,
      },
      input.participants,
    );
    return { sweep: run, dealt, saved };
  }

  /** Resumes persisted sweeps (after a restart): their timers, the server's shards and the pending spot checks. */
  resume(records: readonly SweepRecord[]): SweepRun[] {
    const resumed: SweepRun[] = [];
    for (const r of records) {
      const plan = planSweep(r.inputSize, r.params.window, r.params.stride, r.params.shardSize);
      const { coordinator, ...fields } = r;
      const run = this.revive({ ...fields, coordinator: SweepCoordinator.restore(plan, r.params.shardTimeoutSeconds * 1000, coordinator) });
      if (run) resumed.push(run);
    }
    return resumed;
  }

  /**
   * A student's answer for a shard: refused at once (malformed: SweepError; duplicate, not theirs, untrusted), or
   * answered once the server's spot check is back: accepted into the grid, or refused and recomputed by the server
   * (with the student's other shards).
   */
  result(sweepId: string, participantId: string, shard: number, probabilities: readonly number[], baseline?: number): Promise<ShardAnswer> {
    return this.submit(sweepId, participantId, shard, { probabilities: [...probabilities], baseline: baseline ?? null });
  }
}
