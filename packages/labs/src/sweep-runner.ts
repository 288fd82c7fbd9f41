/**
 * Runs class sweeps ("sweep together") with no transport in it: deals the shards, arms the deadline timers on an
 * injected clock, spot-checks every student answer on the server before it enters the grid, takes late, abandoned
 * and failed shards over, takes the baseline from the server's own computations only, persists each change and
 * resumes saved sweeps after a restart. The caller injects the compute service, the storage and the event sink
 * (server/realtime/labs.handlers.ts wires Socket.io, the compute service and the database); tests inject fakes
 * and a ManualClock.
 */
import type { Clock, TimerHandle } from '@convlab/classroom';
import type { OcclusionParams } from './occlusion.lab';
import {
  SERVER,
  SweepCoordinator,
  SweepError,
  planSweep,
  shardJob,
  spotCheckJob,
  spotCheckOffsets,
  spotCheckPasses,
  sweepResult,
  type CoordinatorState,
  type ShardRange,
  type SweepResult,
} from './sweep';

/** The occlusion-masks job of a shard or of a spot check. */
export type SweepJob = ReturnType<typeof shardJob>;

/** What the server's computation of a sweep job gives back. */
export interface ShardComputation {
  /** Target probability per mask, in mask order. */
  probabilities: number[];
  /** Target probability without a mask. */
  baseline: number;
}

/** Why the runner computes: a shard it took over (soon), or a spot check of a student's answer (low priority). */
export type SweepComputePurpose = 'takeover' | 'check';

/** A computation in flight: its result (null when cancelled; a rejection when it failed) and how to cancel it. */
export interface SweepComputation {
  result: Promise<ShardComputation | null>;
  cancel(): void;
}

/** The server's compute, as a sweep needs it. */
export interface SweepComputePort {
  run(sweep: SweepRun, job: SweepJob, purpose: SweepComputePurpose): SweepComputation;
}

/** Where running sweeps are kept, so a restarted server resumes them. */
export interface SweepStorePort {
  save(record: SweepRecord): Promise<void>;
  remove(sweepId: string): Promise<void>;
}

/** A shard handed to a student. */
export interface ShardDealt {
  sweepId: string;
  stepId: string;
  shard: ShardRange;
  job: SweepJob;
  /** When the server takes it over (ms since the epoch). */
  deadline: number;
}

/** What the runner tells the world. */
export interface SweepEventsPort {
  shard(participantId: string, dealt: ShardDealt): void;
  progress(sweep: SweepRun): void;
  /** The sweep is complete: store its result (the runner forgets the sweep once this settles). */
  finished(sweep: SweepRun, result: SweepResult): Promise<void>;
  failed(sweep: SweepRun, message: string): void;
}

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
export interface SweepRun {
  readonly id: string;
  readonly sessionId: string;
  readonly stepId: string;
  readonly params: OcclusionParams;
  readonly classIndex: number;
  readonly inputSize: [number, number];
  readonly startedAt: number;
  readonly coordinator: SweepCoordinator;
  readonly baseline: number | null;
}

/** The answer to a student's shard result, once its spot check is back. */
export type ShardAnswer = { accepted: true } | { accepted: false; reason: string };

export interface SweepRunnerOptions {
  clock: Clock;
  compute: SweepComputePort;
  store: SweepStorePort;
  events: SweepEventsPort;
  /** Picks the spot-checked positions (default Math.random). */
  random?: () => number;
  /** Server shards of one sweep computing at once (default 2; the compute queue caps jobs per owner). */
  serverShardsAtOnce?: number;
  /** New sweep ids (default random hex). */
  newId?: () => string;
  /** Reports a storage failure (the sweep goes on in memory). */
  onStoreError?: (err: unknown) => void;
}

interface Run extends SweepRun {
  baseline: number | null;
  timer?: TimerHandle;
  /** Server takeover jobs running, by shard index. */
  serverJobs: Map<number, SweepComputation>;
  /** Spot checks running, by shard index. */
  checks: Map<number, SweepComputation>;
  /** Acks waiting for a shard's spot check. */
  waiting: Map<number, Array<(a: ShardAnswer) => void>>;
  finished: boolean;
  saving: Promise<void>;
}

/** Runs every class sweep of a server. */
export class SweepRunner {
  private readonly runs = new Map<string, Run>();
  private readonly random: () => number;
  private readonly atOnce: number;

  constructor(private readonly opts: SweepRunnerOptions) {
    this.random = opts.random ?? Math.random;
    this.atOnce = opts.serverShardsAtOnce ?? 2;
  }

  /** The sweeps in progress. */
  list(): SweepRun[] {
    return [...this.runs.values()];
  }

  get(sweepId: string): SweepRun | undefined {
    return this.runs.get(sweepId);
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
    const coordinator = new SweepCoordinator(plan, params.shardTimeoutSeconds * 1000);
    const now = this.now();
    const run = this.track({
      id: this.opts.newId?.() ?? `sweep-${Math.floor(this.random() * 2 ** 48).toString(16).padStart(12, '0')}`,
      sessionId: input.sessionId,
      stepId: input.stepId,
      params,
      classIndex: input.classIndex,
      inputSize: input.inputSize,
      startedAt: now,
      coordinator,
      baseline: null,
    });
    const dealt = coordinator.start(input.participants, now);
    this.persist(run);
    const saved = run.saving;
    // Once saved (a crash from here on resumes it), on the clock's next turn (after the caller's answer).
    void saved.then(() =>
      this.opts.clock.setTimeout(() => {
        if (run.finished) return;
        for (const [participantId, shards] of dealt) for (const index of shards) this.sendShard(run, participantId, index);
        this.opts.events.progress(run);
        this.pump(run);
        this.schedule(run);
      }, 0),
    );
    return { sweep: run, dealt, saved };
  }

  /** Resumes persisted sweeps (after a restart): their timers, the server's shards and the pending spot checks. */
  resume(records: readonly SweepRecord[]): SweepRun[] {
    const resumed: SweepRun[] = [];
    for (const r of records) {
      if (this.runs.has(r.id)) continue;
      const plan = planSweep(r.inputSize, r.params.window, r.params.stride, r.params.shardSize);
      const run = this.track({ ...r, coordinator: SweepCoordinator.restore(plan, r.params.shardTimeoutSeconds * 1000, r.coordinator) });
      resumed.push(run);
      for (const index of run.coordinator.checking()) this.check(run, index);
      this.afterChange(run);
      this.schedule(run);
    }
    return resumed;
  }

  /**
   * A student's answer for a shard: refused at once (malformed: SweepError; duplicate, not theirs, untrusted), or
   * answered once the server's spot check is back: accepted into the grid, or refused and recomputed by the server
   * (with the student's other shards).
   */
  result(sweepId: string, participantId: string, shard: number, probabilities: readonly number[], baseline?: number): Promise<ShardAnswer> {
    const run = this.runs.get(sweepId);
    if (!run || run.finished) return Promise.resolve({ accepted: false, reason: 'the sweep is over' });
    if (participantId === SERVER) throw new SweepError('not a participant');
    if (shard >= run.coordinator.plan.shards.length) throw new SweepError(`the sweep has ${run.coordinator.plan.shards.length} shards`);
    const outcome = run.coordinator.complete(shard, participantId, probabilities, this.now(), baseline);
    if (!outcome.accepted) return Promise.resolve(outcome);
    if (outcome.cancelServerJob) this.cancelServerJob(run, shard);
    const answer = new Promise<ShardAnswer>((resolve) => run.waiting.set(shard, [...(run.waiting.get(shard) ?? []), resolve]));
    this.check(run, shard);
    this.afterChange(run);
    return answer;
  }

  /** A student left (closed the tab, was removed): the server takes over their open shards at once. */
  leave(participantId: string): void {
    for (const run of this.runs.values()) {
      if (run.finished) continue;
      if (run.coordinator.leave(participantId, this.now()).length) {
        this.afterChange(run);
        this.schedule(run);
      }
    }
  }

  /** Stops every timer and job (server shutdown); the persisted sweeps stay, for the next start to resume. */
  async close(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) this.halt(run, 'the server is restarting; send this shard again');
    await Promise.all(runs.map((r) => r.saving));
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  private now(): number {
    return this.opts.clock.now().getTime();
  }

  private track(fields: SweepRun): Run {
    const run: Run = { ...fields, serverJobs: new Map(), checks: new Map(), waiting: new Map(), finished: false, saving: Promise.resolve() };
    this.runs.set(run.id, run);
    return run;
  }

  private sendShard(run: Run, participantId: string, index: number): void {
    const { plan } = run.coordinator;
    const shard = plan.shards[index]!;
    const state = run.coordinator.state(index);
    this.opts.events.shard(participantId, {
      sweepId: run.id,
      stepId: run.stepId,
      shard,
      job: shardJob(run.params, plan, shard, run.classIndex),
      deadline: state.status === 'assigned' ? state.deadline : this.now(),
    });
  }

  /** Saves the sweep (writes run one after another per sweep; a failure is reported, not fatal). */
  private persist(run: Run): void {
    const record: SweepRecord = {
      id: run.id,
      sessionId: run.sessionId,
      stepId: run.stepId,
      params: run.params,
      classIndex: run.classIndex,
      inputSize: run.inputSize,
      startedAt: run.startedAt,
      baseline: run.baseline,
      coordinator: run.coordinator.toJSON(),
    };
    run.saving = run.saving.then(() => this.opts.store.save(record)).catch((err) => this.opts.onStoreError?.(err));
  }

  /** After any change: save, tell everyone, finish when complete, else keep the server busy with its shards. */
  private afterChange(run: Run): void {
    if (run.finished) return;
    this.persist(run);
    this.opts.events.progress(run);
    if (run.coordinator.isComplete() && run.baseline !== null) void this.finish(run);
    else this.pump(run);
  }

  private setBaseline(run: Run, baseline: number): void {
    // Every server computation of the sweep gives the same unmasked probability; the first one is kept.
    if (run.baseline === null) run.baseline = baseline;
  }

  /** Runs the spot check of a shard in `checking`; answers the student's waiting ack with its verdict. */
  private check(run: Run, index: number): void {
    const state = run.coordinator.state(index);
    if (state.status !== 'checking' || run.checks.has(index)) return;
    const shard = run.coordinator.plan.shards[index]!;
    const offsets = spotCheckOffsets(shard.count, this.random);
    const computation = this.opts.compute.run(run, spotCheckJob(run.params, run.coordinator.plan, shard, run.classIndex, offsets), 'check');
    run.checks.set(index, computation);
    computation.result.then(
      (server) => {
        run.checks.delete(index);
        if (run.finished || server === null) return;
        this.setBaseline(run, server.baseline);
        const passed = spotCheckPasses(state, offsets, server);
        const { taken } = run.coordinator.verified(index, passed, this.now());
        for (const i of taken) if (i !== index) this.cancelCheck(run, i);
        const refused: ShardAnswer = { accepted: false, reason: 'failed-check' };
        this.commit(run, [[index, passed ? { accepted: true } : refused], ...taken.filter((i) => i !== index).map((i): [number, ShardAnswer] => [i, refused])]);
      },
      (err: unknown) => {
        run.checks.delete(index);
        if (run.finished) return;
        // The server could not check it (busy): it computes the shard itself, without blaming the student.
        run.coordinator.uncheck(index, this.now());
        this.commit(run, [[index, { accepted: false, reason: `the server could not check it and computes it itself (${err instanceof Error ? err.message : String(err)})` }]]);
      },
    );
  }

  /** Saves a change, then answers the acks waiting on it: an accepted answer survives a crash right after its ack. */
  private commit(run: Run, replies: Array<[number, ShardAnswer]>): void {
    const waiting = replies.map(([index, answer]) => {
      const resolvers = run.waiting.get(index) ?? [];
      run.waiting.delete(index);
      return { resolvers, answer };
    });
    this.afterChange(run);
    void run.saving.then(() => {
      for (const { resolvers, answer } of waiting) for (const resolve of resolvers) resolve(answer);
    });
  }

  private answer(run: Run, index: number, answer: ShardAnswer): void {
    for (const resolve of run.waiting.get(index) ?? []) resolve(answer);
    run.waiting.delete(index);
  }

  private cancelCheck(run: Run, index: number): void {
    run.checks.get(index)?.cancel();
    run.checks.delete(index);
  }

  private cancelServerJob(run: Run, index: number): void {
    run.serverJobs.get(index)?.cancel();
    run.serverJobs.delete(index);
  }

  /** Starts server jobs for the shards the server holds, a few at a time. */
  private pump(run: Run): void {
    if (run.finished) return;
    for (const index of run.coordinator.serverQueue()) {
      if (run.serverJobs.size >= this.atOnce) break;
      if (run.serverJobs.has(index)) continue;
      const shard = run.coordinator.plan.shards[index]!;
      const computation = this.opts.compute.run(run, shardJob(run.params, run.coordinator.plan, shard, run.classIndex), 'takeover');
      run.serverJobs.set(index, computation);
      computation.result.then(
        (server) => {
          if (run.serverJobs.get(index) === computation) run.serverJobs.delete(index);
          if (run.finished || server === null) return;
          this.setBaseline(run, server.baseline);
          const state = run.coordinator.state(index);
          if (state.status === 'done') return this.pump(run);
          if (state.status === 'checking') this.cancelCheck(run, index);
          try {
            run.coordinator.complete(index, SERVER, server.probabilities, this.now());
          } catch (err) {
            return this.fail(run, err instanceof Error ? err.message : 'a shard result did not fit');
          }
          this.commit(run, [[index, { accepted: false, reason: 'duplicate' }]]);
        },
        (err: unknown) => {
          if (run.serverJobs.get(index) === computation) run.serverJobs.delete(index);
          this.fail(run, `the server could not compute shard ${index}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    }
  }

  /** Arms the timer for the next deadline; at it, late shards go to the server. */
  private schedule(run: Run): void {
    if (run.timer !== undefined) this.opts.clock.clearTimeout(run.timer);
    run.timer = undefined;
    const next = run.coordinator.nextDeadline();
    if (next === null || run.finished) return;
    run.timer = this.opts.clock.setTimeout(() => {
      run.timer = undefined;
      if (run.finished) return;
      if (run.coordinator.expire(this.now()).length) this.afterChange(run);
      this.schedule(run);
    }, Math.max(0, next - this.now()));
  }

  /** Stops a sweep's timers and jobs and answers its waiting acks; it is no longer running here. */
  private halt(run: Run, reason: string): void {
    run.finished = true;
    if (run.timer !== undefined) this.opts.clock.clearTimeout(run.timer);
    run.timer = undefined;
    for (const c of [...run.serverJobs.values(), ...run.checks.values()]) c.cancel();
    run.serverJobs.clear();
    run.checks.clear();
    for (const index of [...run.waiting.keys()]) this.answer(run, index, { accepted: false, reason });
    this.runs.delete(run.id);
  }

  private fail(run: Run, message: string): void {
    if (run.finished) return;
    this.halt(run, 'the sweep is over');
    this.opts.events.failed(run, message);
    this.forget(run);
  }

  private async finish(run: Run): Promise<void> {
    if (run.finished) return;
    this.halt(run, 'the sweep is over');
    try {
      await this.opts.events.finished(run, sweepResult(run.coordinator, run.classIndex, run.baseline!));
    } catch (err) {
      this.opts.onStoreError?.(err);
      this.opts.events.failed(run, 'the sweep could not be stored');
    } finally {
      this.forget(run);
    }
  }

  /** Removes a finished sweep from storage (after its last save). */
  private forget(run: Run): void {
    run.saving = run.saving.then(() => this.opts.store.remove(run.id)).catch((err) => this.opts.onStoreError?.(err));
  }
}
