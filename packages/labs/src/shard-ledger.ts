/**
 * Who holds which shard of a class computation, whatever the shards compute: dealt round-robin to the students,
 * taken over by the server when late, abandoned or held by a student whose answer failed a check; a student's
 * answer waits in `checking` for the server's check before it counts. The occlusion sweep (sweep.ts) and the
 * max-patch search (max-patches.search.ts) extend it with what their answers are and how they merge. Pure logic:
 * the caller supplies the clock (`now`).
 */

/** The id under which the server holds and completes shards. */
export const SERVER = 'server';

/** A shard's state. A student's answer `A` waits, spread into its `checking` state, for the server's check. */
export type ShardState<A extends object> =
  | { status: 'assigned'; to: string; deadline: number }
  | { status: 'server'; since: number; /** The student it was taken from (null: never handed out). */ from: string | null }
  | ({ status: 'checking'; by: string } & A)
  | { status: 'done'; by: string; at: number };

/** The answer to a shard result. */
export type CompleteOutcome =
  | {
      accepted: true;
      /** The server was running it: cancel that job. */
      cancelServerJob: boolean;
      complete: boolean;
      /** A student's answer: it counts only once `verified` says the check passed. */
      check: boolean;
    }
  | { accepted: false; reason: 'duplicate' | 'not-assigned' | 'untrusted' };

/** Thrown for a malformed shard result (wrong shard, wrong length, out of range). */
export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
}

/** A ledger's own state as plain JSON (subclasses add their merged results). */
export interface LedgerState<A extends object> {
  states: ShardState<A>[];
  /** Students whose answers failed a check. */
  untrusted: string[];
}

/** Counts for a progress bar. */
export interface ShardProgress {
  total: number;
  done: number;
  byStudents: number;
  byServer: number;
  assigned: number;
  server: number;
}

/** Hands out shards, takes them over when late, and keeps the checked answers (merging is the subclass's). */
export abstract class ShardLedger<A extends object> {
  protected states: ShardState<A>[] = [];
  /** Students whose answers failed a check: none of their shards is trusted any more. */
  protected readonly untrusted = new Set<string>();

  constructor(
    /** How many shards the computation has. */
    readonly shardCount: number,
    private readonly timeoutMs: number,
  ) {
    if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  }

  /** Throws SweepError when an answer does not fit shard `index`. */
  protected abstract validate(index: number, answer: A): void;
  /** A checked answer (or the server's) counts: merge it. */
  protected abstract merge(index: number, answer: A): void;
  /** A merged answer of an untrusted student is withdrawn. */
  protected abstract unmerge(index: number): void;

  /**
   * Deals the shards round-robin to the participants (in the given order). A student's k-th shard is due k+1
   * timeouts from now, since a browser computes its shards one after another. With no participants the server
   * takes every shard. Returns each participant's shard indices.
   */
  start(participants: readonly string[], now: number): Map<string, number[]> {
    if (this.states.length) throw new SweepError('the sweep has already started');
    const unique = [...new Set(participants)].filter((p) => p !== SERVER);
    const dealt = new Map<string, number[]>(unique.map((p) => [p, []]));
    for (let i = 0; i < this.shardCount; i++) {
      if (unique.length === 0) {
        this.states[i] = { status: 'server', since: now, from: null };
        continue;
      }
      const to = unique[i % unique.length]!;
      const mine = dealt.get(to)!;
      this.states[i] = { status: 'assigned', to, deadline: now + this.timeoutMs * (mine.length + 1) };
      mine.push(i);
    }
    return dealt;
  }

  /** The ledger's part of the plain-JSON state. */
  protected ledgerJSON(): LedgerState<A> {
    return { states: this.states.map((s) => ({ ...s })), untrusted: [...this.untrusted] };
  }

  /** Restores the ledger's part of a saved state. */
  protected restoreLedger(saved: LedgerState<A>): void {
    if (saved.states.length !== this.shardCount) throw new SweepError('the saved sweep does not fit its plan');
    this.states = saved.states.map((s) => ({ ...s }));
    for (const u of saved.untrusted) this.untrusted.add(u);
  }

  /** Shards whose student answers wait for their check. */
  checking(): number[] {
    return this.states.flatMap((s, i) => (s.status === 'checking' ? [i] : []));
  }

  /** The answer of a shard in `checking` (without its status and student). */
  answerOf(index: number): A {
    const state = this.state(index);
    if (state.status !== 'checking') throw new SweepError(`shard ${index} has no answer waiting for its check`);
    const { status: _status, by: _by, ...answer } = state as { status: 'checking'; by: string } & A;
    return answer as unknown as A;
  }

  /** True when a student's answers are no longer trusted. */
  isUntrusted(participant: string): boolean {
    return this.untrusted.has(participant);
  }

  /**
   * The check of a shard in `checking` came back. Passed: its answer (or `checked`, the server's corrected version
   * of it) is merged. Failed: the shard goes to the server, and so does every other shard of that student — dealt,
   * waiting or already merged (those are withdrawn) — since their answers are no longer trusted. Returns the shards
   * the server takes.
   */
  verified(index: number, passed: boolean, now: number, checked?: A): { taken: number[]; complete: boolean } {
    const state = this.state(index);
    if (state.status !== 'checking') return { taken: [], complete: this.isComplete() };
    if (passed) {
      this.merge(index, checked ?? this.answerOf(index));
      this.states[index] = { status: 'done', by: state.by, at: now };
      return { taken: [], complete: this.isComplete() };
    }
    const cheat = state.by;
    this.untrusted.add(cheat);
    const taken: number[] = [];
    this.states.forEach((s, i) => {
      const held = s.status === 'assigned' ? s.to : s.status === 'checking' || s.status === 'done' ? s.by : null;
      if (held !== cheat) return;
      if (s.status === 'done') this.unmerge(i);
      this.states[i] = { status: 'server', since: now, from: cheat };
      taken.push(i);
    });
    return { taken, complete: false };
  }

  /** A check that could not run (the server was busy): the server computes the shard itself, nobody is blamed. */
  uncheck(index: number, now: number): boolean {
    const state = this.state(index);
    if (state.status !== 'checking') return false;
    this.states[index] = { status: 'server', since: now, from: state.by };
    return true;
  }

  /** The state of one shard. */
  state(index: number): ShardState<A> {
    const s = this.states[index];
    if (!s) throw new SweepError(`no shard ${index} (the sweep has ${this.shardCount}; started: ${this.states.length > 0})`);
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
    return this.takeFrom((s) => s.deadline <= now, now);
  }

  /** A participant left (closed the tab, was removed): the server takes over their open shards at once. */
  leave(participant: string, now: number): number[] {
    return this.takeFrom((s) => s.to === participant, now);
  }

  private takeFrom(which: (s: { to: string; deadline: number }) => boolean, now: number): number[] {
    const taken: number[] = [];
    this.states.forEach((s, i) => {
      if (s.status === 'assigned' && which(s)) {
        this.states[i] = { status: 'server', since: now, from: s.to };
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
   * Records a shard's answer. The first result wins. A student may complete only a shard dealt to them, even after
   * the server took it over (then the server's job can be cancelled), and their answer waits in `checking` for the
   * server's check (`verified`); a student whose answer failed a check is refused. The server may complete any
   * shard, a shard in `checking` included.
   */
  record(index: number, by: string, answer: A, now: number): CompleteOutcome {
    const state = this.state(index);
    this.validate(index, answer);
    if (by !== SERVER && this.untrusted.has(by)) return { accepted: false, reason: 'untrusted' };
    if (state.status === 'done') return { accepted: false, reason: 'duplicate' };
    if (by !== SERVER) {
      if (state.status === 'checking') return { accepted: false, reason: 'duplicate' };
      const holder = state.status === 'assigned' ? state.to : state.from;
      if (holder !== by) return { accepted: false, reason: 'not-assigned' };
      this.states[index] = { status: 'checking', by, ...answer };
      return { accepted: true, cancelServerJob: state.status === 'server', complete: false, check: true };
    }
    this.merge(index, answer);
    this.states[index] = { status: 'done', by, at: now };
    return { accepted: true, cancelServerJob: false, complete: this.isComplete(), check: false };
  }

  /** True once every shard is back. */
  isComplete(): boolean {
    return this.states.length === this.shardCount && this.states.every((s) => s.status === 'done');
  }

  /** Counts for a progress bar. */
  progress(): ShardProgress {
    const p = { total: this.shardCount, done: 0, byStudents: 0, byServer: 0, assigned: 0, server: 0 };
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

  /** Each shard's status and holder for a progress view; a shard being checked is still shown as its student's. */
  shardStatuses(): Array<{ index: number; status: 'assigned' | 'server' | 'done'; holder: string | null }> {
    return this.states.map((s, index) => ({
      index,
      status: s.status === 'checking' ? 'assigned' : s.status,
      holder: s.status === 'assigned' ? s.to : s.status === 'done' || s.status === 'checking' ? s.by : SERVER,
    }));
  }

  /** Who completed each shard (the server for any not done). */
  completedBy(): Array<{ index: number; by: string }> {
    return this.states.map((s, index) => ({ index, by: s.status === 'done' ? s.by : SERVER }));
  }
}
