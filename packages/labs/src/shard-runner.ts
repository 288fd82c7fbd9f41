/**
 * Runs class computations split into shards, with no transport in it: deals the shards, arms the deadline timers on
 * an injected clock, checks every student answer on the server before it counts, takes late, abandoned and failed
 * shards over, persists each change and resumes saved runs after a restart. What a shard computes, how an answer is
 * checked and what the finished run stores come from a {@link ShardWork}: the occlusion sweep (sweep-runner.ts) and
 * the max-patch search (max-patches.search.ts) are its two kinds. The caller injects the compute service, the
 * storage and the event sink (server/realtime/labs.handlers.ts wires Socket.io, the compute service and the
 * database); tests inject fakes and a ManualClock.
 */
import type { Clock, TimerHandle } from '@convlab/classroom';
import { SERVER, SweepError, type ShardLedger } from './shard-ledger';

/** A contiguous run of work items (window positions, images) in their order. */
export interface ShardRange {
  index: number;
  /** First item. */
  start: number;
  count: number;
}

/** Why the runner computes: a shard it took over (soon), or a check of a student's answer (low priority). */
export type SweepComputePurpose = 'takeover' | 'check';

/** A computation in flight: its result (null when cancelled; a rejection when it failed) and how to cancel it. */
export interface ShardComputation<S> {
  result: Promise<S | null>;
  cancel(): void;
}

/** What every run is (read-only for the ports); each kind adds its own fields. */
export interface ShardRunCore<L> {
  readonly id: string;
  readonly sessionId: string;
  readonly stepId: string;
  readonly startedAt: number;
  readonly coordinator: L;
}

/** A shard handed to a student: its range and the compute job of it. */
export interface ShardDealtOf<J> {
  sweepId: string;
  stepId: string;
  shard: ShardRange;
  job: J;
  /** When the server takes it over (ms since the epoch). */
  deadline: number;
}

/** The answer to a student's shard result, once its check is back. */
export type ShardAnswer = { accepted: true } | { accepted: false; reason: string };

/** What a kind of class computation supplies: its jobs, its check, its result. */
export interface ShardWork<R, A extends object, J, S, Res, Rec> {
  shardRange(run: R, index: number): ShardRange;
  /** The compute job of a shard (a student's or the server's). */
  shardJob(run: R, index: number): J;
  /** The server's check of a student's answer: a job, and the verdict from its result (with the corrected answer). */
  check(run: R, index: number, answer: A, random: () => number): { job: J; judge(server: S): { passed: boolean; checked?: A } };
  /** The server's own computation of a shard as an answer. */
  serverAnswer(run: R, index: number, server: S): A;
  /** Sees every server computation of the run (the occlusion sweep keeps the first baseline). */
  observe?(run: R, server: S): void;
  /** Whether a complete run can finish (the occlusion sweep waits for the server's baseline). */
  ready?(run: R): boolean;
  /** What a finished run stores. */
  result(run: R): Res;
  /** The run as persisted. */
  record(run: R): Rec;
}

/** The ports of a runner. */
export interface ShardRunnerOptions<R, J, S, Res, Rec> {
  clock: Clock;
  compute: { run(run: R, job: J, purpose: SweepComputePurpose): ShardComputation<S> };
  store: { save(record: Rec): Promise<void>; remove(id: string): Promise<void> };
  events: {
    shard(participantId: string, dealt: ShardDealtOf<J>): void;
    progress(run: R): void;
    /** The run is complete: store its result (the runner forgets the run once this settles). */
    finished(run: R, result: Res): Promise<void>;
    failed(run: R, message: string): void;
  };
  /** Picks what a check recomputes (default Math.random). */
  random?: () => number;
  /** Server shards of one run computing at once (default 2; the compute queue caps jobs per owner). */
  serverShardsAtOnce?: number;
  /** New run ids (default random hex). */
  newId?: () => string;
  /** Reports a storage failure (the run goes on in memory). */
  onStoreError?: (err: unknown) => void;
}

interface Internals<S> {
  timer?: TimerHandle;
  /** Server takeover jobs running, by shard index. */
  serverJobs: Map<number, ShardComputation<S>>;
  /** Checks running, by shard index. */
  checks: Map<number, ShardComputation<S>>;
  /** Acks waiting for a shard's check. */
  waiting: Map<number, Array<(a: ShardAnswer) => void>>;
  finished: boolean;
  saving: Promise<void>;
}

/** Runs every class computation of one kind on a server. */
export class ShardRunner<R extends ShardRunCore<ShardLedger<A>>, A extends object, J, S, Res, Rec> {
  private readonly runs = new Map<string, R & Internals<S>>();
  protected readonly random: () => number;
  private readonly atOnce: number;

  constructor(
    protected readonly opts: ShardRunnerOptions<R, J, S, Res, Rec>,
    private readonly work: ShardWork<R, A, J, S, Res, Rec>,
  ) {
    this.random = opts.random ?? Math.random;
    this.atOnce = opts.serverShardsAtOnce ?? 2;
  }

  /** The runs in progress. */
  list(): R[] {
    return [...this.runs.values()];
  }

  get(id: string): R | undefined {
    return this.runs.get(id);
  }

  /** A new run id. */
  protected newId(prefix: string): string {
    return this.opts.newId?.() ?? `${prefix}-${Math.floor(this.random() * 2 ** 48).toString(16).padStart(12, '0')}`;
  }

  /**
   * Starts a run: deals the shards round-robin to `participants` and returns at once; once it is stored, the shards
   * go out and the server starts on its own, on the clock's next turn (so the caller can answer first).
   */
  protected begin(fields: R, participants: readonly string[]): { run: R; dealt: Map<string, number[]>; saved: Promise<void> } {
    const run = this.track(fields);
    const dealt = run.coordinator.start(participants, this.now());
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
    return { run, dealt, saved };
  }

  /** Resumes a persisted run (after a restart): its timers, the server's shards and the pending checks. */
  protected revive(fields: R): R | null {
    if (this.runs.has(fields.id)) return null;
    const run = this.track(fields);
    for (const index of run.coordinator.checking()) this.check(run, index);
    this.afterChange(run);
    this.schedule(run);
    return run;
  }

  /**
   * A student's answer for a shard: refused at once (malformed: SweepError; duplicate, not theirs, untrusted), or
   * answered once the server's check is back: accepted, or refused and recomputed by the server (with the
   * student's other shards).
   */
  submit(runId: string, participantId: string, shard: number, answer: A): Promise<ShardAnswer> {
    const run = this.runs.get(runId);
    if (!run || run.finished) return Promise.resolve({ accepted: false, reason: 'the sweep is over' });
    if (participantId === SERVER) throw new SweepError('not a participant');
    if (!Number.isInteger(shard) || shard < 0 || shard >= run.coordinator.shardCount) throw new SweepError(`the sweep has ${run.coordinator.shardCount} shards`);
    const outcome = run.coordinator.record(shard, participantId, answer, this.now());
    if (!outcome.accepted) return Promise.resolve(outcome);
    if (outcome.cancelServerJob) this.cancelServerJob(run, shard);
    const reply = new Promise<ShardAnswer>((resolve) => run.waiting.set(shard, [...(run.waiting.get(shard) ?? []), resolve]));
    this.check(run, shard);
    this.afterChange(run);
    return reply;
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

  /** Stops every timer and job (server shutdown); the persisted runs stay, for the next start to resume. */
  async close(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) this.halt(run, 'the server is restarting; send this shard again');
    await Promise.all(runs.map((r) => r.saving));
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  protected now(): number {
    return this.opts.clock.now().getTime();
  }

  private track(fields: R): R & Internals<S> {
    const run = Object.assign(fields, { serverJobs: new Map(), checks: new Map(), waiting: new Map(), finished: false, saving: Promise.resolve() }) as R & Internals<S>;
    this.runs.set(run.id, run);
    return run;
  }

  private sendShard(run: R & Internals<S>, participantId: string, index: number): void {
    const state = run.coordinator.state(index);
    this.opts.events.shard(participantId, {
      sweepId: run.id,
      stepId: run.stepId,
      shard: this.work.shardRange(run, index),
      job: this.work.shardJob(run, index),
      deadline: state.status === 'assigned' ? state.deadline : this.now(),
    });
  }

  /** Saves the run (writes run one after another per run; a failure is reported, not fatal). */
  private persist(run: R & Internals<S>): void {
    const record = this.work.record(run);
    run.saving = run.saving.then(() => this.opts.store.save(record)).catch((err) => this.opts.onStoreError?.(err));
  }

  /** After any change: save, tell everyone, finish when complete, else keep the server busy with its shards. */
  private afterChange(run: R & Internals<S>): void {
    if (run.finished) return;
    this.persist(run);
    this.opts.events.progress(run);
    if (run.coordinator.isComplete() && (this.work.ready?.(run) ?? true)) void this.finish(run);
    else this.pump(run);
  }

  /** Runs the check of a shard in `checking`; answers the student's waiting ack with its verdict. */
  private check(run: R & Internals<S>, index: number): void {
    if (run.coordinator.state(index).status !== 'checking' || run.checks.has(index)) return;
    const { job, judge } = this.work.check(run, index, run.coordinator.answerOf(index), this.random);
    const computation = this.opts.compute.run(run, job, 'check');
    run.checks.set(index, computation);
    computation.result.then(
      (server) => {
        run.checks.delete(index);
        if (run.finished || server === null) return;
        this.work.observe?.(run, server);
        const { passed, checked } = judge(server);
        const { taken } = run.coordinator.verified(index, passed, this.now(), checked);
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
  private commit(run: R & Internals<S>, replies: Array<[number, ShardAnswer]>): void {
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

  private answer(run: R & Internals<S>, index: number, answer: ShardAnswer): void {
    for (const resolve of run.waiting.get(index) ?? []) resolve(answer);
    run.waiting.delete(index);
  }

  private cancelCheck(run: R & Internals<S>, index: number): void {
    run.checks.get(index)?.cancel();
    run.checks.delete(index);
  }

  private cancelServerJob(run: R & Internals<S>, index: number): void {
    run.serverJobs.get(index)?.cancel();
    run.serverJobs.delete(index);
  }

  /** Starts server jobs for the shards the server holds, a few at a time. */
  private pump(run: R & Internals<S>): void {
    if (run.finished) return;
    for (const index of run.coordinator.serverQueue()) {
      if (run.serverJobs.size >= this.atOnce) break;
      if (run.serverJobs.has(index)) continue;
      const computation = this.opts.compute.run(run, this.work.shardJob(run, index), 'takeover');
      run.serverJobs.set(index, computation);
      computation.result.then(
        (server) => {
          if (run.serverJobs.get(index) === computation) run.serverJobs.delete(index);
          if (run.finished || server === null) return;
          this.work.observe?.(run, server);
          const state = run.coordinator.state(index);
          if (state.status === 'done') return this.pump(run);
          if (state.status === 'checking') this.cancelCheck(run, index);
          try {
            run.coordinator.record(index, SERVER, this.work.serverAnswer(run, index, server), this.now());
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
  private schedule(run: R & Internals<S>): void {
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

  /** Stops a run's timers and jobs and answers its waiting acks; it is no longer running here. */
  private halt(run: R & Internals<S>, reason: string): void {
    run.finished = true;
    if (run.timer !== undefined) this.opts.clock.clearTimeout(run.timer);
    run.timer = undefined;
    for (const c of [...run.serverJobs.values(), ...run.checks.values()]) c.cancel();
    run.serverJobs.clear();
    run.checks.clear();
    for (const index of [...run.waiting.keys()]) this.answer(run, index, { accepted: false, reason });
    this.runs.delete(run.id);
  }

  private fail(run: R & Internals<S>, message: string): void {
    if (run.finished) return;
    this.halt(run, 'the sweep is over');
    this.opts.events.failed(run, message);
    this.forget(run);
  }

  private async finish(run: R & Internals<S>): Promise<void> {
    if (run.finished) return;
    this.halt(run, 'the sweep is over');
    try {
      await this.opts.events.finished(run, this.work.result(run));
    } catch (err) {
      this.opts.onStoreError?.(err);
      this.opts.events.failed(run, 'the sweep could not be stored');
    } finally {
      this.forget(run);
    }
  }

  /** Removes a finished run from storage (after its last save). */
  private forget(run: R & Internals<S>): void {
    run.saving = run.saving.then(() => this.opts.store.remove(run.id)).catch((err) => this.opts.onStoreError?.(err));
  }
}
