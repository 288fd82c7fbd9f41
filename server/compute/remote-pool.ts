/**
 * The compute pool of a scaled-out node: tasks go into the shared BullMQ queue and run on worker processes
 * (`npm run worker`, worker-process.ts), which run them on the same worker threads and engine as the in-process pool.
 * The node keeps the rest of the compute service (validation, result cache, its fair queue: see shared-queue.ts for
 * why that makes the shared queue round-robin), and hears every job's progress, place in line and end through
 * BullMQ's event stream, so it relays them to the student on whichever node the student is connected to (the
 * Socket.io adapter carries the room). Cancelling removes a waiting job, or asks the worker processes over a Redis
 * channel to abort a running one. A worker process killed mid-job leaves its lock to expire: BullMQ's stalled-job
 * check puts the job back once, and another worker runs it.
 *
 * A computation's job id is its content (the spec's hash), so the nodes share it: the same computation submitted
 * through two nodes is one job, and one asked again through another node — a student whose node died mid-job, whose
 * browser asks again once it is seated on another — joins the job still running, or takes its result if it has just
 * ended (kept for a minute). Each node that waits for a job is written in a Redis set beside it: a node cancels
 * the job only when no other node waits for it.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ComputeError } from '@convlab/protocol';
import type { RunnerProgress } from '@convlab/engine';
import type { ComputePool, PoolInfo, RunOptions, TaskDone } from './pool';
import {
  QUEUE_NAME,
  bullPrefix,
  bullPriority,
  cancelChannel,
  failureError,
  unpackProgress,
  unpackResult,
  waitersKey,
  workerKey,
  type QueueJobData,
  type QueueJobReturn,
  type WireProgress,
} from './shared-queue';
import type { WorkerTask } from './worker-messages';

export interface RemotePoolOptions {
  url: string;
  /** CONVLAB_REDIS_PREFIX. */
  prefix: string;
  /** This node's name (job ids start with it). */
  nodeId: string;
  /** The shared data directory's images (uploads are written there; workers read them there). */
  uploadsDir: string;
  /** Jobs this node keeps in the shared queue at once (default 1000); the rest wait in its fair queue. */
  maxInFlight?: number;
  /** How long describing a model may wait for a worker process (default 30 s): none running is said in words. */
  describeTimeoutMs?: number;
  /** How long a cancelled running job may take to confirm before it is settled here (default 5 s). */
  killGraceMs?: number;
}

interface Task {
  id: number;
  jobId: string;
  /** Its job id is its content, shared with every node that asks for the same computation. */
  keyed: boolean;
  /** Puts it into the shared queue (again: a keyed job another node cancelled while this one still wanted it). */
  enqueue(): Promise<void>;
  requeued?: boolean;
  /** Being stopped by this node (a cancel, a time limit, shutting down). */
  cancelling?: boolean;
  describe: boolean;
  settled: boolean;
  active: boolean;
  /** When it went into the shared queue, and when a worker took it. */
  addedAt: number;
  activeAt?: number;
  /** Jobs ahead of it, as last told. */
  position?: number;
  onProgress?: (p: RunnerProgress) => void;
  onPosition?: (position: number) => void;
  timer?: ReturnType<typeof setTimeout>;
  resolve(d: TaskDone): void;
  reject(e: ComputeError): void;
}

/** How long closing waits for BullMQ to close gracefully before it cuts the connections. */
const CLOSE_GRACE_MS = 3000;

/** How often waiting jobs are told their place in the shared line. */
const POSITION_EVERY_MS = 1000;

/** A keyed job's id: its content. */
const KEYED_PREFIX = 'spec-';
/** How long a set of waiting nodes outlives its last writer (a node that died leaves its name there until then). */
const WAITERS_TTL_MS = 10 * 60_000;
/** Leaves `node` out of a job's waiters and answers how many other nodes still wait for it. */
const LEAVE_WAITERS = `redis.call('srem', KEYS[1], ARGV[1]); return redis.call('scard', KEYS[1])`;

/** Runs tasks through the shared queue. Create with {@link RemotePool.start}. */
export class RemotePool implements ComputePool {
  readonly uploadsDir: string;
  private readonly tasks = new Map<number, Task>();
  /** This node's tasks by job id (two when a cancelled one is still settling as the same computation is asked again). */
  private readonly byJob = new Map<string, Set<Task>>();
  private readonly slotListeners = new Set<() => void>();
  private readonly positionTimer: ReturnType<typeof setInterval>;
  private readonly maxInFlight: number;
  private nextId = 1;
  private closing = false;
  /** The worker processes alive at the last look, and the jobs waiting then (health). */
  private processes: NonNullable<PoolInfo['queue']>['processes'] = [];
  private waiting = 0;
  /** Scripts loaded into Redis. */
  private leaveWaiters?: string;

  private constructor(
    private readonly opts: RemotePoolOptions,
    private readonly queue: Queue<QueueJobData, QueueJobReturn>,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
  ) {
    this.uploadsDir = opts.uploadsDir;
    this.maxInFlight = opts.maxInFlight ?? 1000;
    events.on('active', ({ jobId }) => {
      for (const t of this.tasksOf(jobId)) {
        if (t.active) continue;
        t.active = true;
        t.activeAt = performance.now();
        if (t.position !== 0) t.onPosition?.(0);
      }
    });
    events.on('progress', ({ jobId, data }) => {
      if (typeof data !== 'object' || data === null) return;
      for (const t of this.tasksOf(jobId)) t.onProgress?.(unpackProgress(data as WireProgress));
    });
    events.on('completed', ({ jobId, returnvalue }) => this.complete(jobId, returnvalue));
    events.on('failed', ({ jobId, failedReason }) => {
      const error = failureError(failedReason);
      for (const t of this.tasksOf(jobId)) {
        // Another node cancelled the computation as this one asked for it (it saw no other waiter yet): ask again, once.
        if (t.keyed && error.code === 'JOB_CANCELLED' && !t.cancelling && !t.requeued) {
          t.requeued = true;
          void t.enqueue();
        } else this.settle(t, error);
      }
    });
    this.positionTimer = setInterval(() => void this.tellPositions().catch(() => undefined), POSITION_EVERY_MS);
    this.positionTimer.unref?.();
  }

  /** Connects to the queue and its event stream. */
  static async start(opts: RemotePoolOptions): Promise<RemotePool> {
    // BullMQ's blocking readers must wait through a Redis blip rather than fail (maxRetriesPerRequest: null).
    const connection = { url: opts.url, maxRetriesPerRequest: null };
    const prefix = bullPrefix(opts.prefix);
    const queue = new Queue<QueueJobData, QueueJobReturn>(QUEUE_NAME, {
      connection,
      prefix,
      // A job's record is read once (its event); keep a little for inspection, not forever.
      defaultJobOptions: { attempts: 1, removeOnComplete: { age: 60, count: 1000 }, removeOnFail: { age: 3600, count: 1000 } },
    });
    // Events from now on (a node cares only about the jobs it submits from here on).
    const events = new QueueEvents(QUEUE_NAME, { connection, prefix, lastEventId: '$' });
    const redis = new Redis(opts.url, { maxRetriesPerRequest: 1 });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const pool = new RemotePool(opts, queue, events, redis);
    await pool.refreshProcesses().catch(() => undefined);
    return pool;
  }

  freeSlots(): number {
    return this.closing ? 0 : Math.max(0, this.maxInFlight - this.tasks.size);
  }

  onSlotFree(fn: () => void): () => void {
    this.slotListeners.add(fn);
    return () => this.slotListeners.delete(fn);
  }

  run(task: WorkerTask, onProgress?: (p: RunnerProgress) => void, opts: RunOptions = {}): { taskId: number; done: Promise<TaskDone> } {
    if (this.closing) throw new ComputeError('SERVER_BUSY', 'the compute server is shutting down');
    const id = this.nextId++;
    const keyed = task.type === 'run' && opts.key !== undefined;
    const jobId = keyed ? `${KEYED_PREFIX}${opts.key}` : `${this.opts.nodeId}-${id}`;
    const data: QueueJobData = { task, node: this.opts.nodeId };
    // Describing a model gates the validation of new jobs: no priority, so it is served before every prioritized job.
    const jobOpts = task.type === 'describe' ? { jobId } : { jobId, priority: bullPriority(opts.priority ?? 0) };
    let t!: Task;
    const done = new Promise<TaskDone>((resolve, reject) => {
      t = { id, jobId, keyed, describe: task.type === 'describe', settled: false, active: false, addedAt: performance.now(), onProgress, onPosition: opts.onPosition, resolve, reject,
        enqueue: () => this.enqueue(t, task.type, data, jobOpts) };
      this.tasks.set(id, t);
      this.byJob.set(jobId, (this.byJob.get(jobId) ?? new Set()).add(t));
      if (t.describe) {
        t.timer = setTimeout(() => {
          void this.queue.remove(jobId).catch(() => 0);
          this.settle(t, new ComputeError('SERVER_BUSY', 'no compute worker answered: start one (npm run worker) or compute in your browser'));
        }, this.opts.describeTimeoutMs ?? 30_000);
        t.timer.unref?.();
      }
    });
    void t.enqueue();
    return { taskId: id, done };
  }

  /**
   * Adds the task's job to the shared queue. A keyed job may be there already (another node asked first, or this
   * node before it died): BullMQ then keeps the one it has, and the task joins it — or takes its result, if it has
   * just ended; one that failed (or was cancelled) is run afresh.
   */
  private async enqueue(t: Task, name: string, data: QueueJobData, jobOpts: { jobId: string; priority?: number }): Promise<void> {
    try {
      if (t.keyed) {
        const waiters = waitersKey(this.opts.prefix, t.jobId);
        await this.redis.multi().sadd(waiters, this.opts.nodeId).pexpire(waiters, WAITERS_TTL_MS).exec();
      }
      for (let attempt = 0; attempt < 2 && !t.settled; attempt++) {
        await this.queue.add(name, data, jobOpts);
        if (!t.keyed) return;
        const state = await this.queue.getJobState(t.jobId);
        if (state === 'completed') {
          const job = await this.queue.getJob(t.jobId);
          if (job) return this.complete(t.jobId, job.returnvalue);
        } else if (state !== 'failed' && state !== 'unknown') return; // queued or running: its events reach this node
        // An earlier run failed or was cancelled (or it ended and was removed just now): run it again.
        if (state === 'failed') await this.queue.remove(t.jobId).catch(() => 0);
      }
    } catch (err) {
      console.error('[compute] could not queue a job:', (err as Error).message);
      this.settle(t, new ComputeError('SERVER_BUSY', 'the shared compute queue is unreachable; compute in your browser or try again'));
    }
  }

  /** A job's result, from its event or its record: every task of this node waiting for it gets it. */
  private complete(jobId: string, returnvalue: unknown): void {
    for (const t of this.tasksOf(jobId)) {
      try {
        const r = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as QueueJobReturn;
        const { result: packed, ...rest } = r;
        // Without the 'active' event (the job started and ended between two reads of the stream), all of it was waiting.
        const waitedMs = (t.activeAt ?? performance.now() - rest.ms) - t.addedAt;
        this.settle(t, null, { ...rest, result: unpackResult(packed), waitedMs: Math.max(0, waitedMs) });
      } catch (err) {
        console.error('[compute] a worker process returned an unreadable result:', err);
        this.settle(t, new ComputeError('JOB_FAILED', 'the job failed'));
      }
    }
  }

  private tasksOf(jobId: string): Task[] {
    return [...(this.byJob.get(jobId) ?? [])];
  }

  cancel(taskId: number, code: 'JOB_CANCELLED' | 'JOB_TIMEOUT' = 'JOB_CANCELLED'): boolean {
    const t = this.tasks.get(taskId);
    if (!t || t.settled || t.cancelling) return false;
    const why = new ComputeError(code, code === 'JOB_TIMEOUT' ? 'the job ran past its time limit' : 'the job was cancelled');
    void this.stop(t, why, this.opts.killGraceMs ?? 5000);
    return true;
  }

  /**
   * Settles `t` with `why` and stops its job — unless another task or node still waits for the same computation: then
   * only this one lets go. A waiting job is removed; a running one is stopped by its worker process, which confirms
   * with a failure event (settled here after `graceMs` without one: an unreachable worker keeps nothing alive here).
   */
  private async stop(t: Task, why: ComputeError, graceMs: number): Promise<void> {
    t.cancelling = true;
    if (t.keyed && (await this.othersWait(t))) return this.settle(t, why);
    // A waiting job is removed (1); a running one is locked (0): the worker process running it is asked to stop.
    const removed = await this.queue.remove(t.jobId).catch(() => 0);
    if (removed === 1) return this.settle(t, why);
    await this.redis.publish(cancelChannel(this.opts.prefix), JSON.stringify({ jobId: t.jobId, code: why.code })).catch(() => 0);
    if (graceMs <= 0) return this.settle(t, why);
    const grace = setTimeout(() => this.settle(t, why), graceMs);
    grace.unref?.();
  }

  /** Whether a task of this node or another node still waits for `t`'s computation (this node leaves if not). */
  private async othersWait(t: Task): Promise<boolean> {
    if (this.tasksOf(t.jobId).some((o) => o !== t && !o.settled && !o.cancelling)) return true;
    return (await this.leave(t.jobId)) > 0;
  }

  /** Takes this node out of a keyed job's waiters; answers how many other nodes still wait (0 when Redis is away). */
  private async leave(jobId: string): Promise<number> {
    try {
      this.leaveWaiters ??= (await this.redis.script('LOAD', LEAVE_WAITERS)) as string;
      return Number(await this.redis.evalsha(this.leaveWaiters, 1, waitersKey(this.opts.prefix, jobId), this.opts.nodeId));
    } catch {
      return 0;
    }
  }

  /** Thread ids mean nothing across processes: the result names the process (computedBy.workerProcess). */
  workerOf(): number | null {
    return null;
  }

  /** The threads are in other processes (kill the process: its jobs are taken over). */
  async terminateWorker(): Promise<boolean> {
    return false;
  }

  info(): PoolInfo {
    const threads = this.processes.reduce((n, p) => n + p.threads, 0);
    const backends = [...new Set(this.processes.map((p) => p.backend))];
    return {
      backend: backends.length ? backends.join(', ') : 'no worker process',
      size: threads,
      slotsPerWorker: this.processes[0] ? Math.round(this.processes[0].slots / Math.max(1, this.processes[0].threads)) : 0,
      maxBatch: 0,
      replaced: 0,
      workers: [],
      queue: { kind: 'bullmq', waiting: this.waiting, processes: this.processes },
    };
  }

  /** Reads the live worker processes and the queue's length (health; refreshed with the positions). */
  async refreshProcesses(): Promise<void> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', workerKey(this.opts.prefix, '*'), 'COUNT', 200);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const values = keys.length ? await this.redis.mget(...keys) : [];
    this.processes = values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as (typeof this.processes)[number]);
    this.processes.sort((a, b) => a.id.localeCompare(b.id));
    const counts = await this.queue.getJobCounts('wait', 'prioritized');
    this.waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.positionTimer);
    // Nobody here relays these any more: stop the jobs no other node waits for.
    const down = new ComputeError('JOB_CANCELLED', 'the compute server is shutting down');
    for (const t of [...this.tasks.values()]) await this.stop(t, down, 0);
    // BullMQ closes gracefully when Redis is well; after Redis went away (and maybe came back empty) its blocking
    // reader may never finish closing, and a node must still shut down: give it a moment, then cut the connections.
    const within = (p: Promise<unknown>) => Promise.race([p.then(() => true, () => false), new Promise<false>((r) => setTimeout(() => r(false), CLOSE_GRACE_MS).unref?.())]);
    if (!(await within(Promise.all([this.events.close(), this.queue.close()])))) {
      console.error('[compute] the shared queue did not close within 3 s (Redis went away?): its connections are cut');
      await within(Promise.all([this.events.disconnect(), this.queue.disconnect()]));
    }
    this.redis.disconnect();
  }

  /** Tells waiting jobs their place: jobs without priority, then the prioritized ones ahead of it in BullMQ's order. */
  private async tellPositions(): Promise<void> {
    await this.refreshProcesses();
    const waiting = [...this.tasks.values()].filter((t) => !t.active && !t.settled && !t.describe && t.onPosition);
    if (!waiting.length) return;
    const pipe = this.redis.pipeline();
    pipe.llen(this.queue.keys.wait);
    for (const t of waiting) pipe.zrank(this.queue.keys.prioritized, t.jobId);
    const out = (await pipe.exec()) ?? [];
    const plain = Number(out[0]?.[1] ?? 0);
    waiting.forEach((t, i) => {
      const rank = out[i + 1]?.[1];
      if (typeof rank !== 'number' || t.active || t.settled) return;
      const position = plain + rank;
      if (position !== t.position) {
        t.position = position;
        t.onPosition?.(position);
      }
    });
  }

  private settle(t: Task, err: ComputeError | null, done?: TaskDone): void {
    if (t.settled) return;
    t.settled = true;
    if (t.timer) clearTimeout(t.timer);
    this.tasks.delete(t.id);
    const same = this.byJob.get(t.jobId);
    same?.delete(t);
    if (same?.size === 0) {
      this.byJob.delete(t.jobId);
      // Nobody here waits for it any more (stop() already left when it cancelled).
      if (t.keyed && !t.cancelling) void this.leave(t.jobId);
    }
    if (err) t.reject(err);
    else t.resolve(done!);
    queueMicrotask(() => {
      if (!this.closing) this.slotListeners.forEach((fn) => fn());
    });
  }
}
