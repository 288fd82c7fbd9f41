/**
 * The compute server's fair queue, with no transport and no timers in it (the clock is injected):
 * - round-robin across owners (students): each turn serves the next owner in the ring that has work, so one
 *   student's twenty jobs cannot delay another student's first;
 * - FIFO per owner, so a student's jobs start in the order submitted;
 * - priority levels (instructor first): a higher level is always served before a lower one;
 * - a cap per owner (TOO_MANY_JOBS) and a global cap with the would-be position (SERVER_BUSY);
 * - cancellation of queued jobs, and the jobs that have waited past their deadline (the caller expires them).
 * Kept free of Socket.io and worker threads so a Redis-backed queue (scale-out) can implement the same surface.
 */
import { ComputeError } from '@convlab/protocol';

/** A source of time in milliseconds (Date.now in production, a counter in tests). */
export type Clock = () => number;

/** Queue priority: larger is served first. The server's checks of browser results wait behind everyone's jobs; assignment grading behind those too. */
export const PRIORITY = { grading: -20, verify: -10, student: 0, instructor: 10 } as const;

export interface QueueOptions {
  /** Jobs one owner may have waiting (running ones not counted). */
  maxPerOwner: number;
  /** Jobs waiting in total. */
  maxTotal: number;
  /** Longest wait in the queue before a job expires (ms); Infinity for none. */
  maxWaitMs?: number;
  clock?: Clock;
}

export interface QueueEntry<T> {
  id: string;
  owner: string;
  priority: number;
  payload: T;
  enqueuedAt: number;
  /** Time by which it must have started, else `expire()` returns it. */
  deadline: number;
}

interface Level<T> {
  priority: number;
  /** Owners in arrival order; the ring of this level. */
  ring: string[];
  /** Index in `ring` of the owner served last. */
  cursor: number;
  perOwner: Map<string, QueueEntry<T>[]>;
}

/** A fair, capped, prioritized job queue. */
export class FairQueue<T> {
  private readonly levels: Level<T>[] = [];
  private readonly byId = new Map<string, QueueEntry<T>>();
  private readonly clock: Clock;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: QueueOptions) {
    if (!(opts.maxPerOwner >= 1) || !(opts.maxTotal >= 1)) throw new Error('queue caps must be >= 1');
    this.clock = opts.clock ?? Date.now;
    this.maxWaitMs = opts.maxWaitMs ?? Number.POSITIVE_INFINITY;
  }

  /** Jobs waiting. */
  get size(): number {
    return this.byId.size;
  }

  /** Jobs waiting for one owner. */
  countFor(owner: string): number {
    let n = 0;
    for (const l of this.levels) n += l.perOwner.get(owner)?.length ?? 0;
    return n;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): QueueEntry<T> | undefined {
    return this.byId.get(id);
  }

  /**
   * Adds a job; returns its position (jobs that will start before it). Throws ComputeError TOO_MANY_JOBS when the
   * owner's cap is reached and SERVER_BUSY (with the position it would have had) when the queue is full.
   */
  enqueue(item: { id: string; owner: string; priority?: number; payload: T }): number {
    if (this.byId.has(item.id)) throw new Error(`job ${item.id} is already queued`);
    if (this.countFor(item.owner) >= this.opts.maxPerOwner) {
      throw new ComputeError('TOO_MANY_JOBS', `you already have ${this.opts.maxPerOwner} jobs waiting; wait for one to finish or cancel one`);
    }
    if (this.byId.size >= this.opts.maxTotal) {
      const position = this.byId.size;
      throw new ComputeError('SERVER_BUSY', `server busy, position ${position + 1}: ${position} jobs are waiting; compute in your browser or try again shortly`, position);
    }
    const now = this.clock();
    const priority = item.priority ?? PRIORITY.student;
    const entry: QueueEntry<T> = { id: item.id, owner: item.owner, priority, payload: item.payload, enqueuedAt: now, deadline: now + this.maxWaitMs };
    const level = this.level(priority);
    let list = level.perOwner.get(item.owner);
    if (!list) {
      list = [];
      level.perOwner.set(item.owner, list);
      // A newcomer goes last in the current round: just before the owner served last (so everyone already
      // waiting gets a turn first); before anyone was served, at the end of the ring.
      if (level.cursor < 0) level.ring.push(item.owner);
      else {
        level.ring.splice(level.cursor, 0, item.owner);
        level.cursor++;
      }
    }
    list.push(entry);
    this.byId.set(entry.id, entry);
    return this.position(entry.id);
  }

  /** Takes the next job in fair order (highest priority, then round-robin over owners, FIFO per owner). */
  next(accept?: (entry: QueueEntry<T>) => boolean): QueueEntry<T> | undefined {
    for (const level of this.levels) {
      const n = level.ring.length;
      for (let k = 1; k <= n; k++) {
        const i = (level.cursor + k) % n;
        const owner = level.ring[i];
        const list = level.perOwner.get(owner)!;
        const head = list[0];
        if (accept && !accept(head)) continue;
        list.shift();
        this.byId.delete(head.id);
        level.cursor = i;
        if (list.length === 0) this.dropOwner(level, i);
        return head;
      }
    }
    return undefined;
  }

  /** Removes a waiting job; false when it is not waiting (unknown, started or already gone). */
  remove(id: string): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    const level = this.level(entry.priority);
    const list = level.perOwner.get(entry.owner)!;
    list.splice(list.indexOf(entry), 1);
    this.byId.delete(id);
    if (list.length === 0) this.dropOwner(level, level.ring.indexOf(entry.owner));
    return true;
  }

  /** Removes and returns the jobs whose deadline to start has passed. */
  expire(): QueueEntry<T>[] {
    const now = this.clock();
    const out = [...this.byId.values()].filter((e) => e.deadline <= now);
    for (const e of out) this.remove(e.id);
    return out;
  }

  /** The order in which the waiting jobs will be served (simulated; pure). */
  order(): QueueEntry<T>[] {
    const out: QueueEntry<T>[] = [];
    for (const level of this.levels) {
      const n = level.ring.length;
      const queues = level.ring.map((o) => [...level.perOwner.get(o)!]);
      let i = level.cursor;
      let left = queues.reduce((a, q) => a + q.length, 0);
      while (left > 0) {
        i = (i + 1) % n;
        const e = queues[i].shift();
        if (e) {
          out.push(e);
          left--;
        }
      }
    }
    return out;
  }

  /** Jobs that will start before `id` (0 = next); -1 when it is not waiting. */
  position(id: string): number {
    if (!this.byId.has(id)) return -1;
    return this.order().findIndex((e) => e.id === id);
  }

  private level(priority: number): Level<T> {
    let level = this.levels.find((l) => l.priority === priority);
    if (!level) {
      level = { priority, ring: [], cursor: -1, perOwner: new Map() };
      this.levels.push(level);
      this.levels.sort((a, b) => b.priority - a.priority);
    }
    return level;
  }

  private dropOwner(level: Level<T>, index: number): void {
    level.perOwner.delete(level.ring[index]);
    level.ring.splice(index, 1);
    // The owner after the removed one keeps its turn: step the cursor back if it pointed at or past the removed slot.
    if (index <= level.cursor) level.cursor--;
    if (level.ring.length === 0) {
      this.levels.splice(this.levels.indexOf(level), 1);
    }
  }
}
