/**
 * A pool of compute worker threads, each with its own TensorFlow.js runtime (the wasm backend cannot use threads in
 * Node, so parallelism comes from the pool). Each worker runs up to `slotsPerWorker` tasks at once — forward-only
 * jobs on the same worker share batches. A worker that dies takes its tasks with it: each is retried once on
 * another (or the replacement) worker, then fails with WORKER_CRASHED; the pool starts a replacement at once.
 * Cancellation and time limits abort the task inside the worker; a worker that does not stop within a grace period
 * is terminated (and replaced).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ComputeError, type ComputeErrorCode } from '@convlab/protocol';
import type { BatcherStats, RunnerProgress } from '@convlab/engine';
import type { BackendPreference, FromWorker, ToWorker, WorkerConfig, WorkerTask } from './worker-messages';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

export interface PoolOptions {
  /** Worker threads (default $CONVLAB_COMPUTE_WORKERS, else os.availableParallelism()). */
  size?: number;
  /** Tasks one worker runs concurrently (default 4). */
  slotsPerWorker?: number;
  /** Backend (default $CONVLAB_COMPUTE_BACKEND, else 'auto': tfjs-node(-gpu) when installed, else wasm). */
  backend?: BackendPreference;
  modelsDir?: string;
  /** Sample images root (default ../shared/images, or $CONVLAB_IMAGES_DIR). */
  imagesDir?: string;
  /** Uploaded images, one file per sha256 (default $CONVLAB_DATA_DIR/images, else ./data/images). */
  uploadsDir?: string;
  labelsDir?: string;
  /** Rows per batched forward pass (default 4; 1 turns batching off) and the longest wait for company (default 4 ms). */
  maxBatch?: number;
  maxWaitMs?: number;
  /** Rows one job sends per forward request (default: half of maxBatch, so two jobs' requests fill a batch). */
  rowsPerRequest?: number;
  /**
   * Sliding-window occlusion with vis' incremental passes where its cost model says they are faster (default true;
   * only wasm/cpu ever qualify). They run per job, `maxBatch` positions per pass.
   */
  incremental?: boolean;
  /** Attempts per task, the first included (default 2: retried once after a worker crash). */
  maxAttempts?: number;
  /** How long a cancelled task may keep its worker busy before the worker is terminated (ms). */
  killGraceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** What a finished task returns. */
export interface TaskDone {
  result: unknown;
  ms: number;
  batched: boolean;
  /** Thread id of the worker that ran it. */
  worker: number;
  backend: string;
}

interface TaskRecord {
  id: number;
  task: WorkerTask;
  attempts: number;
  slot?: WorkerSlot;
  settled: boolean;
  cancelCode?: 'JOB_CANCELLED' | 'JOB_TIMEOUT';
  killTimer?: ReturnType<typeof setTimeout>;
  onProgress?: (p: RunnerProgress) => void;
  resolve: (d: TaskDone) => void;
  reject: (e: ComputeError) => void;
}

interface WorkerSlot {
  worker: Worker;
  threadId: number;
  ready: boolean;
  backend?: string;
  running: Map<number, TaskRecord>;
  /** The worker's batcher totals, as of its last finished task. */
  batchStats?: BatcherStats;
}

/** Pool size from options, $CONVLAB_COMPUTE_WORKERS, or the CPU count. Throws on a bad value. */
export function poolSize(opts: Pick<PoolOptions, 'size' | 'env'> = {}): number {
  const env = opts.env ?? process.env;
  const raw = opts.size ?? (env.CONVLAB_COMPUTE_WORKERS ? Number(env.CONVLAB_COMPUTE_WORKERS) : availableParallelism());
  if (!Number.isInteger(raw) || raw < 1 || raw > 256) throw new Error(`CONVLAB_COMPUTE_WORKERS must be an integer 1..256, got ${raw}`);
  return raw;
}

/** A pool of compute worker threads. Create with {@link WorkerPool.start}. */
export class WorkerPool {
  readonly size: number;
  readonly slotsPerWorker: number;
  private readonly config: WorkerConfig;
  private readonly maxAttempts: number;
  private readonly killGraceMs: number;
  private readonly workers = new Set<WorkerSlot>();
  private readonly tasks = new Map<number, TaskRecord>();
  /** Tasks waiting for a free slot on a ready worker; retries go first. */
  private readonly waiting: TaskRecord[] = [];
  private readonly slotListeners = new Set<() => void>();
  private nextId = 1;
  private notifyScheduled = false;
  private closing = false;
  private backendName = 'starting';
  private backendPackage?: string;
  /** Workers started to replace dead ones. */
  replaced = 0;

  private constructor(opts: PoolOptions) {
    const env = opts.env ?? process.env;
    this.size = poolSize(opts);
    this.slotsPerWorker = opts.slotsPerWorker ?? 4;
    this.maxAttempts = opts.maxAttempts ?? 2;
    this.killGraceMs = opts.killGraceMs ?? 3000;
    const backend = (opts.backend ?? env.CONVLAB_COMPUTE_BACKEND ?? 'auto') as BackendPreference;
    if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(backend)) throw new Error(`CONVLAB_COMPUTE_BACKEND must be auto, wasm, cpu or tensorflow, got '${backend}'`);
    const dataDir = path.resolve(env.CONVLAB_DATA_DIR ?? path.join(REPO, 'data'));
    const maxBatch = opts.maxBatch ?? 4;
    // Content-addressed image files (`<data dir>/images/<sha256>`), the folder server/db's ImageAsset rows describe.
    this.config = {
      entry: pathToFileURL(path.join(HERE, 'worker.ts')).href,
      backend,
      modelsDir: opts.modelsDir,
      imagesDir: path.resolve(opts.imagesDir ?? env.CONVLAB_IMAGES_DIR ?? path.join(REPO, '..', 'shared', 'images')),
      uploadsDir: path.resolve(opts.uploadsDir ?? path.join(dataDir, 'images')),
      labelsDir: path.resolve(opts.labelsDir ?? env.CONVLAB_LABELS_DIR ?? path.join(REPO, '..', 'shared', 'labels')),
      // Node wasm (SIMD, one thread) with MobileNet v1 0.25, median of 5 interleaved rounds on 2 cores: 6.6 ms/row at
      // batch 1, 6.0 at 4, 6.2 at 8, 6.3 at 16 and 32 — past a few rows a batch is no cheaper per row (the kernels
      // are bound by memory traffic per row) and, with two workers sharing the caches, 8-row passes made the server
      // slower than 4-row ones (bench/compute.bench.ts, 30 students: 8.2 against 8.7–9.1 jobs/s). So: 4 rows,
      // 2 per job request (two jobs share each pass).
      maxBatch,
      maxWaitMs: opts.maxWaitMs ?? 4,
      rowsPerRequest: Math.max(1, Math.min(maxBatch, opts.rowsPerRequest ?? Math.ceil(maxBatch / 2))),
      incremental: opts.incremental ?? true,
    };
  }

  /** Starts the workers and waits until every one has its backend running. */
  static async start(opts: PoolOptions = {}): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    try {
      await Promise.all(Array.from({ length: pool.size }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** The backend the workers report ('wasm', 'cpu', 'tensorflow') and, for tensorflow, the package. */
  get backend(): string {
    return this.backendName;
  }

  /** Where the uploads live (the service writes them there). */
  get uploadsDir(): string {
    return this.config.uploadsDir;
  }

  /** Slots free on ready workers, minus tasks already waiting for one. */
  freeSlots(): number {
    let free = 0;
    for (const w of this.workers) if (w.ready) free += this.slotsPerWorker - w.running.size;
    return Math.max(0, free - this.waiting.length);
  }

  /** Calls `fn` whenever a slot may have become free (a task ended, a worker became ready). */
  onSlotFree(fn: () => void): () => void {
    this.slotListeners.add(fn);
    return () => this.slotListeners.delete(fn);
  }

  /** Health figures. */
  info(): { backend: string; backendPackage?: string; size: number; slotsPerWorker: number; maxBatch: number; replaced: number; workers: Array<{ threadId: number; ready: boolean; running: number }> } {
    return {
      backend: this.backendName,
      backendPackage: this.backendPackage,
      size: this.size,
      slotsPerWorker: this.slotsPerWorker,
      maxBatch: this.config.maxBatch,
      replaced: this.replaced,
      workers: [...this.workers].map((w) => ({ threadId: w.threadId, ready: w.ready, running: w.running.size })),
    };
  }

  /** The workers' batching settings. */
  batcherConfig(): { maxBatch: number; rowsPerRequest: number; maxWaitMs: number } {
    return { maxBatch: this.config.maxBatch, rowsPerRequest: this.config.rowsPerRequest, maxWaitMs: this.config.maxWaitMs };
  }

  /** The batchers' totals over the live workers (as of each one's last finished task). */
  batchStats(): BatcherStats {
    const total: BatcherStats = { batches: 0, requests: 0, rows: 0, sharedBatches: 0 };
    for (const w of this.workers) {
      if (!w.batchStats) continue;
      total.batches += w.batchStats.batches;
      total.requests += w.batchStats.requests;
      total.rows += w.batchStats.rows;
      total.sharedBatches += w.batchStats.sharedBatches;
    }
    return total;
  }

  /** Runs a task on some worker. */
  run(task: WorkerTask, onProgress?: (p: RunnerProgress) => void): { taskId: number; done: Promise<TaskDone> } {
    if (this.closing) throw new ComputeError('SERVER_BUSY', 'the compute server is shutting down');
    const id = this.nextId++;
    const done = new Promise<TaskDone>((resolve, reject) => {
      const rec: TaskRecord = { id, task, attempts: 0, settled: false, onProgress, resolve, reject };
      this.tasks.set(id, rec);
      // Describing a model is short and gates the validation of new jobs: it goes first.
      if (task.type === 'describe') this.waiting.unshift(rec);
      else this.waiting.push(rec);
    });
    this.pump();
    return { taskId: id, done };
  }

  /** Stops a task: removed if waiting, aborted inside its worker if running (the worker is killed if it lingers). */
  cancel(taskId: number, code: 'JOB_CANCELLED' | 'JOB_TIMEOUT' = 'JOB_CANCELLED'): boolean {
    const rec = this.tasks.get(taskId);
    if (!rec || rec.settled) return false;
    const i = this.waiting.indexOf(rec);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      this.settle(rec, new ComputeError(code, code === 'JOB_TIMEOUT' ? 'the job ran past its time limit' : 'the job was cancelled'));
      return true;
    }
    rec.cancelCode = code;
    const slot = rec.slot!;
    this.post(slot, { type: 'cancel', taskId, code });
    rec.killTimer = setTimeout(() => {
      if (rec.settled) return;
      // The worker is stuck in a long step: end the task now and replace the worker (its other tasks are retried).
      this.settle(rec, new ComputeError(code, code === 'JOB_TIMEOUT' ? 'the job ran past its time limit' : 'the job was cancelled'));
      void slot.worker.terminate();
    }, this.killGraceMs);
    rec.killTimer.unref?.();
    return true;
  }

  /** Ends a worker from outside, as a crash would (operations and tests); its tasks are retried or fail. */
  async terminateWorker(threadId: number): Promise<boolean> {
    const slot = [...this.workers].find((w) => w.threadId === threadId);
    if (!slot) return false;
    await slot.worker.terminate();
    return true;
  }

  /** Thread id of the worker running a task (null when waiting or unknown). */
  workerOf(taskId: number): number | null {
    return this.tasks.get(taskId)?.slot?.threadId ?? null;
  }

  /** Stops every worker; unfinished tasks fail. */
  async close(): Promise<void> {
    this.closing = true;
    for (const rec of [...this.tasks.values()]) this.settle(rec, new ComputeError('JOB_CANCELLED', 'the compute server is shutting down'));
    this.waiting.length = 0;
    await Promise.all([...this.workers].map((w) => w.worker.terminate()));
    this.workers.clear();
  }

  private spawn(): Promise<void> {
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: this.config, env: process.env });
    const slot: WorkerSlot = { worker, threadId: worker.threadId, ready: false, running: new Map() };
    this.workers.add(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          slot.backend = msg.backend;
          this.backendName = msg.backend;
          this.backendPackage = msg.backendPackage;
          resolve();
          this.pump();
          this.notify();
        } else if (msg.type === 'fatal') {
          reject(new Error(`compute worker failed to start: ${msg.message}`));
          void worker.terminate();
        } else this.onWorkerMessage(slot, msg);
      });
      worker.on('error', (err) => {
        // An uncaught error ends the thread; 'exit' follows and handles its tasks.
        console.error(`[compute] worker ${slot.threadId} crashed:`, err.message);
        if (!slot.ready) reject(err);
      });
      worker.on('exit', (code) => {
        if (!slot.ready) reject(new Error(`compute worker exited during start-up (code ${code})`));
        this.onExit(slot);
      });
    });
  }

  private onExit(slot: WorkerSlot): void {
    this.workers.delete(slot);
    const orphans = [...slot.running.values()].filter((r) => !r.settled);
    slot.running.clear();
    for (const rec of orphans) {
      rec.slot = undefined;
      if (rec.cancelCode) this.settle(rec, new ComputeError(rec.cancelCode, rec.cancelCode === 'JOB_TIMEOUT' ? 'the job ran past its time limit' : 'the job was cancelled'));
      else if (rec.attempts >= this.maxAttempts) {
        this.settle(rec, new ComputeError('WORKER_CRASHED', `the compute worker running this job stopped unexpectedly (${rec.attempts} attempts); try again or compute in your browser`));
      } else this.waiting.unshift(rec);
    }
    if (this.closing) return;
    this.replaced++;
    this.spawn().catch((e: Error) => {
      if (!this.closing) console.error('[compute] replacement worker failed:', e.message);
    });
    this.pump();
  }

  private onWorkerMessage(slot: WorkerSlot, msg: Exclude<FromWorker, { type: 'ready' | 'fatal' }>): void {
    const rec = this.tasks.get(msg.taskId);
    if (!rec || rec.settled) return;
    if (msg.type === 'progress') {
      rec.onProgress?.(msg.progress);
      return;
    }
    slot.running.delete(rec.id);
    if (msg.type === 'done') {
      if (msg.batchStats) slot.batchStats = msg.batchStats;
      this.settle(rec, null, { result: msg.result, ms: msg.ms, batched: msg.batched, worker: slot.threadId, backend: slot.backend ?? this.backendName });
    } else this.settle(rec, new ComputeError(msg.code, msg.message));
    this.pump();
  }

  private settle(rec: TaskRecord, err: ComputeError | null, done?: TaskDone): void {
    if (rec.settled) return;
    rec.settled = true;
    if (rec.killTimer) clearTimeout(rec.killTimer);
    rec.slot?.running.delete(rec.id);
    this.tasks.delete(rec.id);
    if (err) rec.reject(err);
    else rec.resolve(done!);
    this.notify();
  }

  /** Tells listeners (once per tick) that slots may be free; async so a listener may call run() safely. */
  private notify(): void {
    if (this.notifyScheduled || this.closing) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      if (this.freeSlots() > 0) this.slotListeners.forEach((fn) => fn());
    });
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      let best: WorkerSlot | null = null;
      for (const w of this.workers) {
        if (w.ready && w.running.size < this.slotsPerWorker && (!best || w.running.size < best.running.size)) best = w;
      }
      if (!best) return;
      const rec = this.waiting.shift()!;
      rec.attempts++;
      rec.slot = best;
      best.running.set(rec.id, rec);
      this.post(best, { type: 'task', taskId: rec.id, task: rec.task });
    }
  }

  private post(slot: WorkerSlot, msg: ToWorker): void {
    slot.worker.postMessage(msg);
  }
}

/** Error codes a task can end with, for callers that switch on them. */
export type TaskErrorCode = ComputeErrorCode;
