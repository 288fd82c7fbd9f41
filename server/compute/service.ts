/**
 * The compute service: the facade the socket handlers call. It validates a JobSpec (schema, then model, layers,
 * classes, image and sizes) before any work starts, answers from the result cache, joins identical specs already
 * in flight, queues the rest fairly (per student round-robin, instructor first, caps, SERVER_BUSY with a
 * position), runs them on the worker pool with time limits, and reports progress and results to subscribers.
 * Transport-free: Socket.io wiring lives in server/realtime (see the report in the compute issue for the events).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isStoredModelId, STORED_MODEL_IDS } from '@convlab/nets';
import {
  ComputeError,
  JobSpecSchema,
  checkJobAgainstModel,
  isComputeError,
  jobReferences,
  parsedJobHash,
  type ComputeErrorCode,
  type JobAccepted,
  type JobKind,
  type JobOutcome,
  type JobProgress,
  type JobResult,
  type JobSpec,
  UPLOADED_MODEL_ID,
} from '@convlab/protocol';
import type { JobResultStore } from '@convlab/classroom';
import { ResultCache, type CacheStats } from './cache';
import { PersistentResults, type PersistPolicy, type PersistStats } from './result-store';
import { WorkerPool, type ComputePool, type PoolOptions, type RemoteQueueInfo } from './pool';
import { RemotePool, type RemotePoolOptions } from './remote-pool';
import { FairQueue, PRIORITY, type Clock } from './queue';
import type { GpuAdapterInfo } from './webgpu-setup';
import type { ModelDescription, ModelTiming } from './worker-messages';

/**
 * Who submits: the id fairness is computed over, and the server-side role (never from a payload); `verify` is the
 * server checking a browser's result (lowest priority).
 */
export interface Requester {
  ownerId: string;
  role: keyof typeof PRIORITY;
}

/** Receives a job's events. `result` is called exactly once. */
export interface JobListener {
  progress?(p: JobProgress): void;
  result(outcome: JobOutcome): void;
}

export interface ComputeServiceOptions extends PoolOptions {
  /** An already started pool (tests, benchmarks); otherwise one is started from the options. */
  pool?: ComputePool;
  /** Scale-out: run jobs on worker processes through the shared BullMQ queue instead of this process's threads. */
  remote?: RemotePoolOptions;
  queue?: { maxPerOwner?: number; maxTotal?: number; maxWaitMs?: number };
  /**
   * Computations one owner may have running at once (default 1): a student's jobs then run one after another, so
   * they finish in the order submitted and one student never holds several workers while others wait.
   */
  maxRunningPerOwner?: number;
  /** Run-time limit per kind (ms); default 60 s, gradient ascent and patches 180 s. */
  timeoutsMs?: Partial<Record<JobKind, number>>;
  cache?: { maxEntries?: number; maxBytes?: number };
  /**
   * The database layer of the result cache: results worth keeping (see result-store.ts) are stored there and served
   * after a memory miss, across restarts. Absent: memory only.
   */
  results?: { store: JobResultStore; policy?: Partial<PersistPolicy> };
  clock?: Clock;
  /** Start of every job id (default 'job-'); nodes sharing a queue each use their own, so ids never collide. */
  jobIdPrefix?: string;
}

/** Health figures for /api/health. */
export interface ComputeHealth {
  backend: string;
  backendPackage?: string;
  /** The GPU worker's adapter (WebGPU). */
  adapter?: GpuAdapterInfo;
  workers: number;
  slotsPerWorker: number;
  maxBatch: number;
  replacedWorkers: number;
  queued: number;
  running: number;
  /** The memory LRU; `stored` is the database layer's figures (when there is one). */
  cache: CacheStats & { stored?: PersistStats };
  queue?: RemoteQueueInfo;
}

interface Job {
  id: string;
  owner: string;
  listeners: Set<JobListener>;
  flight: Flight;
  done: boolean;
}

interface Flight {
  hash: string;
  owner: string;
  spec: JobSpec;
  /** Grading work: the pool keeps it off the workers live jobs use. */
  background: boolean;
  jobs: Set<Job>;
  state: 'queued' | 'running' | 'done';
  enqueuedAt: number;
  startedAt?: number;
  taskId?: number;
  timer?: ReturnType<typeof setTimeout>;
  priority: number;
  resolve(r: JobResult): void;
  reject(e: unknown): void;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Queued jobs told their new position after each dispatch. */
const POSITION_UPDATES = 50;
const LONG_TIMEOUT_MS = 180_000;

/** The shared compute service. Create with {@link ComputeService.start}. */
export class ComputeService {
  private readonly queue: FairQueue<Flight>;
  private readonly cache: ResultCache<JobResult, Flight>;
  /** The database layer of the cache (optional). */
  readonly persisted: PersistentResults | null;
  /** Settles when the previous submission that consulted the database has been admitted (keeps arrival order). */
  private admission: Promise<void> = Promise.resolve();
  /** Submissions waiting in that chain. */
  private admitting = 0;
  private readonly jobs = new Map<string, Job>();
  private readonly models = new Map<string, Promise<ModelDescription>>();
  private readonly timings = new Map<string, Promise<ModelTiming>>();
  private readonly settledTimings = new Map<string, ModelTiming>();
  private measuring: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;
  private readonly timeouts: Partial<Record<JobKind, number>>;
  private readonly expiryTimer: ReturnType<typeof setInterval>;
  private readonly unlisten: () => void;
  private nextJob = 1;
  private running = 0;
  private readonly runningPerOwner = new Map<string, number>();
  /** Computations running in the pool. */
  private readonly started = new Set<Flight>();
  private readonly maxRunningPerOwner: number;
  private readonly jobIdPrefix: string;
  private closed = false;

  private constructor(
    readonly pool: ComputePool,
    private readonly ownsPool: boolean,
    opts: ComputeServiceOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.timeouts = opts.timeoutsMs ?? {};
    this.maxRunningPerOwner = opts.maxRunningPerOwner ?? 1;
    this.jobIdPrefix = opts.jobIdPrefix ?? (opts.remote ? `job-${randomBytes(3).toString('hex')}-` : 'job-');
    this.queue = new FairQueue<Flight>({
      maxPerOwner: opts.queue?.maxPerOwner ?? 4,
      maxTotal: opts.queue?.maxTotal ?? 200,
      maxWaitMs: opts.queue?.maxWaitMs ?? 120_000,
      clock: this.clock,
    });
    this.cache = new ResultCache<JobResult, Flight>({ maxEntries: opts.cache?.maxEntries ?? 500, maxBytes: opts.cache?.maxBytes ?? 256 * 1024 * 1024 });
    this.persisted = opts.results ? new PersistentResults(opts.results.store, opts.results.policy, this.clock) : null;
    this.unlisten = pool.onSlotFree(() => this.pump());
    this.expiryTimer = setInterval(() => this.expire(), 1000);
    this.expiryTimer.unref?.();
  }

  /** Starts the worker pool (unless one is given) and the service. */
  static async start(opts: ComputeServiceOptions = {}): Promise<ComputeService> {
    const pool = opts.pool ?? (opts.remote ? await RemotePool.start(opts.remote) : await WorkerPool.start(opts));
    return new ComputeService(pool, !opts.pool, opts);
  }

  /**
   * Validates and submits a job. Resolves with its id and queue position once it is accepted; the listener then gets
   * progress and exactly one result. Rejects with a ComputeError (BAD_JOB, UNKNOWN_MODEL, UNKNOWN_LAYER,
   * UNKNOWN_CLASS, UNKNOWN_IMAGE, JOB_TOO_LARGE, TOO_MANY_JOBS, SERVER_BUSY) before any work starts.
   */
  async submit(input: unknown, who: Requester, listener: JobListener): Promise<JobAccepted> {
    if (this.closed) throw new ComputeError('SERVER_BUSY', 'the compute server is shutting down');
    const spec = this.parse(input);
    await this.check(spec);
    const hash = parsedJobHash(spec);
    const id = `${this.jobIdPrefix}${this.nextJob++}`;

    let cached = this.cache.get(hash);
    const persisted = this.persisted;
    if (!persisted) return this.admit(spec, hash, id, who, listener, cached);
    if (!persisted.isReady) {
      // Only while the stored-hash index loads at start; everyone waits on the same promise, so order is kept.
      await persisted.ready;
      cached ??= this.cache.peek(hash);
    }
    // Memory missed, nobody computes it, and the database holds it (from before a restart): load it. Misses cost no
    // round trip (the index of stored hashes is in memory). Lookups run concurrently, but submissions are admitted in
    // the order they arrived (a student's jobs stay in order, round-robin sees the true order).
    const lookup = !cached && persisted.mayHold(spec.kind) && persisted.mayHave(hash) && !this.cache.join(hash) ? persisted.load(hash) : null;
    if (!lookup && this.admitting === 0) return this.admit(spec, hash, id, who, listener, cached);
    const previous = this.admission;
    let release!: () => void;
    this.admission = new Promise<void>((r) => (release = r));
    this.admitting++;
    try {
      await previous;
      const stored = lookup ? await lookup : null;
      if (this.closed) throw new ComputeError('SERVER_BUSY', 'the compute server is shutting down');
      // The awaits let other submissions in: one of them may have cached or started the same spec meanwhile.
      let hit = cached ?? this.cache.peek(hash);
      if (!hit && stored && !this.cache.join(hash)) {
        hit = { ...stored, jobId: '' };
        this.cache.set(hash, hit);
      }
      return this.admit(spec, hash, id, who, listener, hit);
    } finally {
      this.admitting--;
      release();
    }
  }

  /** Answers from a cached result, joins the same spec in flight, or queues a new computation (synchronous). */
  private admit(spec: JobSpec, hash: string, id: string, who: Requester, listener: JobListener, cached: JobResult | undefined): JobAccepted {
    if (cached) {
      const result: JobResult = { ...cached, jobId: id, computedBy: { ...cached.computedBy, cached: true } };
      queueMicrotask(() => safe(() => listener.result({ ok: true, ...result })));
      return { jobId: id, specHash: hash, position: 0, cached: true };
    }

    let flight = this.cache.join(hash);
    let position: number;
    if (flight) {
      position = flight.state === 'queued' ? Math.max(0, this.queue.position(flight.hash)) : 0;
      // A live job waiting on the same computation as a grading job: the computation is live work now.
      if (who.role !== 'grading') flight.background = false;
    } else {
      flight = this.newFlight(hash, spec, who);
      position = this.queue.enqueue({ id: hash, owner: who.ownerId, priority: PRIORITY[who.role], payload: flight });
      this.cache.track(hash, flight, flightPromise(flight));
    }
    const job: Job = { id, owner: who.ownerId, listeners: new Set([listener]), flight, done: false };
    flight.jobs.add(job);
    this.jobs.set(id, job);
    queueMicrotask(() => this.pump());
    return { jobId: id, specHash: hash, position, cached: false };
  }

  /**
   * Cancels a job of `ownerId` (an instructor may pass null to cancel anyone's). Its listeners get JOB_CANCELLED at
   * once; the computation stops (queue or worker) when no other job shares it.
   */
  cancel(jobId: string, ownerId: string | null): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.done) return false;
    if (ownerId !== null && job.owner !== ownerId) throw new ComputeError('UNKNOWN_JOB', `no job ${jobId} of yours`);
    this.finishJob(job, { ok: false, jobId, error: 'JOB_CANCELLED', message: 'the job was cancelled' });
    const flight = job.flight;
    flight.jobs.delete(job);
    if (flight.jobs.size === 0) this.stopFlight(flight, 'JOB_CANCELLED');
    return true;
  }

  /** Adds a listener to a job (e.g. a second tab); returns the unsubscribe function. */
  subscribe(jobId: string, listener: JobListener): () => void {
    const job = this.jobs.get(jobId);
    if (!job) throw new ComputeError('UNKNOWN_JOB', `no job ${jobId}`);
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  /** Thread id of the worker computing a job (null while it waits, or when it is unknown). */
  workerOf(jobId: string): number | null {
    const flight = this.jobs.get(jobId)?.flight;
    return flight?.state === 'running' && flight.taskId !== undefined ? this.pool.workerOf(flight.taskId) : null;
  }

  /** Stores an uploaded image by content; returns its sha256 (the `upload` image reference). */
  async putImage(bytes: Uint8Array): Promise<string> {
    // node:crypto for image bytes (megabytes); the same digest as the protocol's pure sha256Hex.
    const hash = createHash('sha256').update(bytes).digest('hex');
    const dir = this.pool.uploadsDir;
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, hash);
    try {
      await stat(file);
    } catch {
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    }
    return hash;
  }

  /** Where uploaded images (and stored input tensors) live: jobs name them by sha256. */
  get uploadsDir(): string {
    return this.pool.uploadsDir;
  }

  /** The model's id, input size, classes and layers (loaded once by a worker; cached). */
  describeModel(id: string): Promise<ModelDescription> {
    if (!isStoredModelId(id) && !UPLOADED_MODEL_ID.test(id)) {
      return Promise.reject(new ComputeError('UNKNOWN_MODEL', `unknown model '${id}'; built-in models: ${STORED_MODEL_IDS.join(', ')}, or an uploaded one`));
    }
    let p = this.models.get(id);
    if (!p) {
      p = this.pool.run({ type: 'describe', model: id }).done.then(
        (d) => d.result as ModelDescription,
        (e) => {
          this.models.delete(id);
          throw isComputeError(e) && e.code === 'JOB_FAILED' ? new ComputeError('UNKNOWN_MODEL', e.message) : e;
        },
      );
      this.models.set(id, p);
    }
    return p;
  }

  /**
   * Forgets what is known of a model that was deleted (model-store.ts `remove`): its description and timing. A job
   * naming it is then refused as UNKNOWN_MODEL (the workers no longer find its folder), and a model uploaded again
   * under the same id is described and measured afresh.
   */
  forgetModel(id: string): void {
    this.models.delete(id);
    this.timings.delete(id);
    this.settledTimings.delete(id);
  }

  /**
   * One image's forward time on a worker (`measure`: median of 5 after a warm-up), measured once per model and kept.
   * Queued behind every job, so a measurement never delays a student; a failure is forgotten and tried again later.
   */
  measureModel(id: string): Promise<ModelTiming> {
    let p = this.timings.get(id);
    if (!p) {
      // One measurement at a time: the first editor's model list does not fill the workers with warm-ups.
      p = this.measuring.then(() => this.describeModel(id)).then(() => this.pool.run({ type: 'measure', model: id }).done.then((d) => d.result as ModelTiming));
      this.measuring = p.catch(() => undefined);
      p.catch(() => this.timings.delete(id));
      this.timings.set(id, p);
    }
    return p;
  }

  /** A model's timing when it is known, else null — and its measurement starts in the background. */
  modelTiming(id: string): ModelTiming | null {
    const known = this.settledTimings.get(id);
    if (known) return known;
    if (!this.timings.has(id) && !this.closed) {
      this.measureModel(id).then((t) => this.settledTimings.set(id, t), () => undefined);
    }
    return null;
  }

  health(): ComputeHealth {
    const info = this.pool.info();
    return {
      backend: info.backend,
      backendPackage: info.backendPackage,
      ...(info.adapter ? { adapter: info.adapter } : {}),
      workers: info.workers.length,
      slotsPerWorker: info.slotsPerWorker,
      maxBatch: info.maxBatch,
      replacedWorkers: info.replaced,
      queued: this.queue.size,
      running: this.running,
      cache: this.persisted ? { ...this.cache.stats(), stored: this.persisted.stats() } : this.cache.stats(),
      ...(info.queue ? { queue: info.queue } : {}),
    };
  }

  /** Jobs submitted here that have not finished. */
  get busy(): boolean {
    return this.jobs.size > 0;
  }

  /** Resolves once every job submitted here has finished, or after `timeoutMs` (a draining node waits for its jobs). */
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.jobs.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }

  /** Stops accepting jobs, fails what is left and stops the pool (if this service started it). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.expiryTimer);
    this.unlisten();
    for (const job of [...this.jobs.values()]) this.finishJob(job, { ok: false, jobId: job.id, error: 'JOB_CANCELLED', message: 'the compute server is shutting down' });
    // A shared pool keeps serving others: stop this service's computations in it.
    for (const flight of [...this.started]) if (flight.taskId !== undefined) this.pool.cancel(flight.taskId, 'JOB_CANCELLED');
    if (this.ownsPool) await this.pool.close();
    // Results being written to the database finish before the caller closes the store.
    await this.persisted?.settle();
  }

  private parse(input: unknown): JobSpec {
    const r = JobSpecSchema.safeParse(input);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    throw new ComputeError('BAD_JOB', `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`);
  }

  private async check(spec: JobSpec): Promise<void> {
    const model = await this.describeModel(spec.model);
    const problem = checkJobAgainstModel(spec, { inputSize: model.inputSize, numClasses: model.numClasses, layers: new Set(model.layers) });
    if (problem) throw new ComputeError(problem.code, problem.message);
    for (const ref of jobReferences(spec).images) {
      if (ref.kind !== 'upload') continue;
      try {
        await stat(path.join(this.pool.uploadsDir, ref.sha256));
      } catch {
        throw new ComputeError('UNKNOWN_IMAGE', `no uploaded image ${ref.sha256.slice(0, 12)}…; upload it first`);
      }
    }
  }

  private newFlight(hash: string, spec: JobSpec, who: Requester): Flight {
    const flight = { hash, owner: who.ownerId, spec, priority: PRIORITY[who.role], background: who.role === 'grading', jobs: new Set<Job>(), state: 'queued', enqueuedAt: this.clock() } as Flight;
    return flight;
  }

  /** Starts queued computations while the pool has free slots. */
  private pump(): void {
    let started = 0;
    while (!this.closed && this.queue.size > 0) {
      // Grading has a worker of its own (pool.ts): its slots and the live ones fill independently.
      const live = this.pool.freeSlots() > 0;
      const background = this.pool.freeSlots(true) > 0;
      if (!live && !background) break;
      const entry = this.queue.next((e) => (e.payload.background ? background : live) && (this.runningPerOwner.get(e.owner) ?? 0) < this.maxRunningPerOwner);
      if (!entry) break;
      this.startFlight(entry.payload);
      started++;
    }
    if (started > 0) this.announcePositions();
  }

  /** Tells the jobs at the head of the queue their new place (bounded, so a long queue costs little). */
  private announcePositions(): void {
    const order = this.queue.order();
    for (let i = 0; i < Math.min(order.length, POSITION_UPDATES); i++) {
      for (const job of order[i].payload.jobs) this.emitProgress(job, { jobId: job.id, step: 0, total: 0, position: i });
    }
  }

  private startFlight(flight: Flight): void {
    flight.state = 'running';
    flight.startedAt = this.clock();
    this.started.add(flight);
    this.running++;
    this.runningPerOwner.set(flight.owner, (this.runningPerOwner.get(flight.owner) ?? 0) + 1);
    const { taskId, done } = this.pool.run(
      { type: 'run', spec: flight.spec },
      (p) => {
        const event: JobProgress = { jobId: '', step: p.step, total: p.total, ...(p.score !== undefined ? { score: p.score } : {}), ...(p.image ? { image: p.image } : {}) };
        for (const job of flight.jobs) this.emitProgress(job, { ...event, jobId: job.id });
      },
      {
        priority: flight.priority,
        background: flight.background,
        key: flight.hash,
        onPosition: (position) => {
          for (const job of flight.jobs) this.emitProgress(job, { jobId: job.id, step: 0, total: 0, position });
        },
      },
    );
    flight.taskId = taskId;
    const limit = this.timeouts[flight.spec.kind] ?? (flight.spec.kind === 'ascent' || flight.spec.kind === 'patches' ? LONG_TIMEOUT_MS : DEFAULT_TIMEOUT_MS);
    flight.timer = setTimeout(() => this.pool.cancel(taskId, 'JOB_TIMEOUT'), limit);
    flight.timer.unref?.();
    done.then(
      (d) => {
        const result: JobResult = {
          jobId: '',
          specHash: flight.hash,
          kind: flight.spec.kind,
          computedBy: {
            where: 'server',
            backend: d.backend,
            ms: Math.round(d.ms * 10) / 10,
            queuedMs: flight.startedAt! - flight.enqueuedAt + Math.round(d.waitedMs ?? 0),
            cached: false,
            batched: d.batched,
            worker: d.worker,
            ...(d.process ? { workerProcess: d.process } : {}),
            ...(d.device ? { device: d.device } : {}),
          },
          data: d.result as JobResult['data'],
        };
        this.endFlight(flight);
        flight.resolve(result);
        this.persisted?.offer(result, flight.spec.model);
        for (const job of [...flight.jobs]) this.finishJob(job, { ok: true, ...result, jobId: job.id });
      },
      (e: unknown) => {
        this.endFlight(flight);
        flight.reject(e);
        const code: ComputeErrorCode = isComputeError(e) ? e.code : 'JOB_FAILED';
        const message = isComputeError(e) ? e.message : 'the job failed';
        for (const job of [...flight.jobs]) this.finishJob(job, { ok: false, jobId: job.id, error: code, message });
      },
    );
  }

  private endFlight(flight: Flight): void {
    if (flight.state === 'running') {
      this.started.delete(flight);
      this.running--;
      const n = (this.runningPerOwner.get(flight.owner) ?? 1) - 1;
      if (n > 0) this.runningPerOwner.set(flight.owner, n);
      else this.runningPerOwner.delete(flight.owner);
      // The owner may have a next job waiting, and this flight's slot is free only once the pool says so.
      queueMicrotask(() => this.pump());
    }
    flight.state = 'done';
    if (flight.timer) clearTimeout(flight.timer);
  }

  private stopFlight(flight: Flight, code: 'JOB_CANCELLED' | 'JOB_TIMEOUT'): void {
    if (flight.state === 'queued') {
      this.queue.remove(flight.hash);
      flight.state = 'done';
      this.cache.abandon(flight.hash, flight);
      flight.reject(new ComputeError(code, 'cancelled'));
    } else if (flight.state === 'running' && flight.taskId !== undefined) {
      // The worker aborts; the flight settles (and frees its slot) when the worker confirms.
      this.cache.abandon(flight.hash, flight);
      this.pool.cancel(flight.taskId, code);
    }
  }

  private expire(): void {
    for (const entry of this.queue.expire()) {
      const flight = entry.payload;
      flight.state = 'done';
      this.cache.abandon(flight.hash, flight);
      flight.reject(new ComputeError('JOB_TIMEOUT', 'waited too long'));
      for (const job of [...flight.jobs]) {
        this.finishJob(job, { ok: false, jobId: job.id, error: 'JOB_TIMEOUT', message: 'the job waited too long in the queue; the server is busy — try again or compute in your browser' });
      }
    }
  }

  private emitProgress(job: Job, p: JobProgress): void {
    for (const l of job.listeners) safe(() => l.progress?.(p));
  }

  private finishJob(job: Job, outcome: JobOutcome): void {
    if (job.done) return;
    job.done = true;
    this.jobs.delete(job.id);
    for (const l of job.listeners) safe(() => l.result(outcome));
  }
}

/** A promise settled by the flight's resolve/reject (the cache keeps successful values). */
function flightPromise(flight: Flight): Promise<JobResult> {
  const p = new Promise<JobResult>((resolve, reject) => {
    flight.resolve = resolve;
    flight.reject = reject;
  });
  p.catch(() => {});
  return p;
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    console.error('[compute] listener failed:', err);
  }
}
