/**
 * A pool of compute worker threads, each with its own TensorFlow.js runtime (the wasm backend cannot use threads in
 * Node, so parallelism comes from the pool). Each worker runs up to `slotsPerWorker` tasks at once — forward-only
 * jobs on the same worker share batches. A worker that dies takes its tasks with it: each is retried once on
 * another (or the replacement) worker, then fails with WORKER_CRASHED; the pool starts a replacement at once.
 * Cancellation and time limits abort the task inside the worker; a worker that does not stop within a grace period
 * is terminated (and replaced).
 *
 * Background tasks (grading) never share a worker with live ones: in a wasm pool they run on a worker of their own,
 * started on first use, whose thread runs at the lowest CPU priority — sharing a worker, a live job would wait for the
 * grading job's forward passes; on the same cores, the operating system now serves the live workers first. (With a
 * GPU worker they are routed like any other task: the GPU's batches take everyone.)
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ComputeError, type ComputeErrorCode, type ComputeHealthInfo } from '@convlab/protocol';
import type { BatcherStats, RunnerProgress } from '@convlab/engine';
import { BACKEND_PREFERENCES, chooseBackend, describeChoice, type BackendChoice } from './backend-select';
import { pickWorker, taskWeight, type TaskWeight } from './routing';
import type { GpuAdapterInfo } from './webgpu-setup';
import type { BackendPreference, FromWorker, ToWorker, WorkerConfig, WorkerTask } from './worker-messages';

/** The background worker's nice value on Linux (the live workers run at 10, worker-boot.mjs): the lowest there is. */
const BACKGROUND_NICE = 19;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

export interface PoolOptions {
  /** Worker threads (default $CONVLAB_COMPUTE_WORKERS, else os.availableParallelism()). */
  size?: number;
  /** Tasks one worker runs concurrently (default 4). */
  slotsPerWorker?: number;
  /** Backend (default $CONVLAB_COMPUTE_BACKEND, else 'auto'; see backend-select.ts). */
  backend?: BackendPreference;
  /** The backend already chosen (the server decides at start-up); otherwise chosen from `backend` at start. */
  choice?: BackendChoice;
  /**
   * The GPU worker (with a WebGPU choice): it takes the batches of every student, so it runs many tasks at once and
   * batches more rows (default: 32 slots, 32 rows per pass, 16 per job request). The other `size - 1` workers run wasm.
   */
  gpu?: { slots?: number; maxBatch?: number; rowsPerRequest?: number };
  modelsDir?: string;
  /** Sample images root (default ../shared/images, or $CONVLAB_IMAGES_DIR). */
  imagesDir?: string;
  /** Uploaded images, one file per sha256 (default $CONVLAB_DATA_DIR/images, else ./data/images). */
  uploadsDir?: string;
  /** Uploaded models, one folder per id (default $CONVLAB_DATA_DIR/models, else ./data/models): server/models/model-store.ts. */
  uploadedModelsDir?: string;
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
  /**
   * Background tasks (grading) on a worker of their own (default true); false puts them on the live workers, as before
   * it existed — bench/grading.bench.ts measures both side by side.
   */
  backgroundWorker?: boolean;
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
  /** The worker process that ran it, and how long it waited in the shared queue (scale-out). */
  process?: string;
  waitedMs?: number;
  backend: string;
  /** The GPU adapter's name when a GPU worker ran it. */
  device?: string;
}

interface TaskRecord {
  id: number;
  task: WorkerTask;
  weight: TaskWeight;
  /** Runs on the background worker (grading). */
  background: boolean;
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
  gpu: boolean;
  /** Takes background tasks only (and nothing else does). */
  background: boolean;
  slots: number;
  ready: boolean;
  backend?: string;
  adapter?: GpuAdapterInfo;
  running: Map<number, TaskRecord>;
  /** The worker's batcher totals, as of its last finished task. */
  batchStats?: BatcherStats;
}

/** A pool's health figures. */
export interface PoolInfo {
  backend: string;
  backendPackage?: string;
  adapter?: GpuAdapterInfo;
  size: number;
  slotsPerWorker: number;
  maxBatch: number;
  replaced: number;
  workers: Array<{ threadId: number; ready: boolean; running: number; gpu: boolean; background?: boolean }>;
  /** The shared queue and the worker processes draining it (scale-out). */
  queue?: RemoteQueueInfo;
}

/** The shared queue in /api/health. */
export type RemoteQueueInfo = NonNullable<Extract<ComputeHealthInfo, { started: true }>['queue']>;

/** How the service asks for a task: its queue priority (PRIORITY of queue.ts) and where its place in line goes. */
export interface RunOptions {
  priority?: number;
  /** Runs on the background worker (grading), never beside live jobs. */
  background?: boolean;
  /** Jobs ahead of it in a shared queue (scale-out), as they change; the in-process pool starts what it accepts. */
  onPosition?: (position: number) => void;
  /**
   * What the task computes (the spec's hash): nodes sharing a queue run one job per key, so the same computation
   * submitted through two nodes, or asked again through another node after the first died, is computed once.
   */
  key?: string;
}

/**
 * What the compute service runs tasks on: this process's worker threads (WorkerPool), or the shared queue that worker
 * processes drain (RemotePool, scale-out). One surface, so the service — validation, cache, fair queue — is one.
 */
export type ComputePool = Pick<WorkerPool, 'cancel' | 'freeSlots' | 'onSlotFree' | 'workerOf' | 'terminateWorker' | 'uploadsDir' | 'info' | 'close'> & {
  run(task: WorkerTask, onProgress?: (p: RunnerProgress) => void, opts?: RunOptions): { taskId: number; done: Promise<TaskDone> };
};

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
  private gpuConfig: WorkerConfig | null = null;
  private readonly gpuSlots: number;
  private readonly gpuOptions: NonNullable<PoolOptions['gpu']>;
  private readonly preference: BackendPreference;
  private choice: BackendChoice | undefined;
  private readonly maxAttempts: number;
  private readonly backgroundWorker: boolean;
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
    this.backgroundWorker = opts.backgroundWorker ?? true;
    this.killGraceMs = opts.killGraceMs ?? 3000;
    const backend = (opts.backend ?? env.CONVLAB_COMPUTE_BACKEND ?? 'auto') as BackendPreference;
    if (!BACKEND_PREFERENCES.includes(backend)) throw new Error(`CONVLAB_COMPUTE_BACKEND must be one of ${BACKEND_PREFERENCES.join(', ')}, got '${backend}'`);
    this.preference = backend;
    this.choice = opts.choice;
    this.gpuOptions = opts.gpu ?? {};
    this.gpuSlots = this.gpuOptions.slots ?? 32;
    const dataDir = path.resolve(env.CONVLAB_DATA_DIR ?? path.join(REPO, 'data'));
    const maxBatch = opts.maxBatch ?? 4;
    // Content-addressed image files (`<data dir>/images/<sha256>`), the folder server/db's ImageAsset rows describe.
    this.config = {
      entry: pathToFileURL(path.join(HERE, 'worker.ts')).href,
      backend,
      modelsDir: opts.modelsDir,
      imagesDir: path.resolve(opts.imagesDir ?? env.CONVLAB_IMAGES_DIR ?? path.join(REPO, '..', 'shared', 'images')),
      uploadsDir: path.resolve(opts.uploadsDir ?? path.join(dataDir, 'images')),
      uploadedModelsDir: path.resolve(opts.uploadedModelsDir ?? path.join(dataDir, 'models')),
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
    const choice = (pool.choice ??= await chooseBackend(pool.preference));
    // One GPU worker takes the batches of every student; the other workers run wasm for small jobs.
    const gpu = choice.backend === 'webgpu';
    if (gpu) {
      const maxBatch = pool.gpuOptions.maxBatch ?? 32;
      const rowsPerRequest = Math.max(1, Math.min(maxBatch, pool.gpuOptions.rowsPerRequest ?? Math.ceil(maxBatch / 2)));
      pool.gpuConfig = { ...pool.config, backend: 'webgpu', maxBatch, rowsPerRequest, incremental: false };
    }
    pool.config.backend = gpu ? 'wasm' : choice.backend;
    try {
      const roles = Array.from({ length: pool.size }, (_, i) => gpu && i === 0);
      await Promise.all(roles.map((isGpu) => pool.spawn(isGpu)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** The backend the workers report ('wasm', 'cpu', 'tensorflow') and, for tensorflow, the package. */
  get backend(): string {
    return this.adapter ? 'webgpu' : this.backendName;
  }

  /** Where the uploads live (the service writes them there). */
  get uploadsDir(): string {
    return this.config.uploadsDir;
  }

  /** Slots free on ready workers (the background worker's for `background` tasks), minus tasks waiting for one. */
  freeSlots(background = false): number {
    if (background && (this.gpuConfig || !this.backgroundWorker)) return this.freeSlots(false);
    const mine = [...this.workers].filter((w) => w.background === background);
    // The background worker starts on the first background task.
    if (background && mine.length === 0 && !this.closing) return this.slotsPerWorker;
    let free = 0;
    for (const w of mine) if (w.ready) free += w.slots - w.running.size;
    return Math.max(0, free - this.waiting.filter((r) => r.background === background).length);
  }

  /** Calls `fn` whenever a slot may have become free (a task ended, a worker became ready). */
  onSlotFree(fn: () => void): () => void {
    this.slotListeners.add(fn);
    return () => this.slotListeners.delete(fn);
  }

  /** The backend decision ("webgpu · NVIDIA H200", "wasm"…); undefined before start. */
  get choiceLabel(): string | undefined {
    return this.choice && describeChoice(this.choice);
  }

  /** The GPU adapter the GPU worker computes on (null without one). */
  get adapter(): GpuAdapterInfo | null {
    return this.choice?.backend === 'webgpu' ? this.choice.adapter : null;
  }

  /** Health figures. */
  info(): PoolInfo {
    const adapter = this.adapter;
    return {
      // With a GPU worker the pool is a WebGPU pool (its wasm workers take the small jobs).
      backend: adapter ? 'webgpu' : this.backendName,
      backendPackage: this.backendPackage,
      ...(adapter ? { adapter } : {}),
      size: this.size,
      slotsPerWorker: this.slotsPerWorker,
      maxBatch: this.config.maxBatch,
      replaced: this.replaced,
      workers: [...this.workers].map((w) => ({ threadId: w.threadId, ready: w.ready, running: w.running.size, gpu: w.gpu, background: w.background })),
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

  /** Runs a task on some worker; a `background` one on the background worker (started now if needed). */
  run(task: WorkerTask, onProgress?: (p: RunnerProgress) => void, opts: RunOptions = {}): { taskId: number; done: Promise<TaskDone> } {
    if (this.closing) throw new ComputeError('SERVER_BUSY', 'the compute server is shutting down');
    const id = this.nextId++;
    const background = (opts.background ?? false) && this.backgroundWorker && !this.gpuConfig && task.type === 'run';
    if (background && ![...this.workers].some((w) => w.background)) {
      this.spawn(false, true).catch((e: Error) => {
        if (!this.closing) console.error('[compute] the background worker failed to start:', e.message);
      });
    }
    const done = new Promise<TaskDone>((resolve, reject) => {
      const rec: TaskRecord = { id, task, weight: taskWeight(task), background, attempts: 0, settled: false, onProgress, resolve, reject };
      this.tasks.set(id, rec);
      // Describing a model is short and gates the validation of new jobs: it goes first.
      if (task.type === 'describe') this.waiting.unshift(rec);
      else this.waiting.push(rec);
    });
    // A model being described is about to be used: the GPU worker loads it now and compiles its shaders.
    if (task.type === 'describe') for (const w of this.workers) if (w.gpu) this.post(w, { type: 'warm', model: task.model });
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
      // It takes no new task meanwhile: one placed on it now would die with it (and, on a second such worker, fail).
      slot.ready = false;
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

  private spawn(gpu = false, background = false): Promise<void> {
    const config = gpu && this.gpuConfig ? this.gpuConfig : background ? { ...this.config, nice: BACKGROUND_NICE } : this.config;
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: config, env: process.env });
    const slot: WorkerSlot = { worker, threadId: worker.threadId, gpu, background, slots: gpu ? this.gpuSlots : this.slotsPerWorker, ready: false, running: new Map() };
    this.workers.add(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          slot.backend = msg.backend;
          slot.adapter = msg.adapter;
          if (!gpu) {
            this.backendName = msg.backend;
            this.backendPackage = msg.backendPackage;
          }
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
    this.spawn(slot.gpu, slot.background).catch((e: Error) => {
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
      this.settle(rec, null, {
        result: msg.result,
        ms: msg.ms,
        batched: msg.batched,
        worker: slot.threadId,
        backend: slot.backend ?? this.backendName,
        ...(slot.adapter ? { device: slot.adapter.software ? `${slot.adapter.name} (software)` : slot.adapter.name } : {}),
      });
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
      if (this.freeSlots() > 0 || this.freeSlots(true) > 0) this.slotListeners.forEach((fn) => fn());
    });
  }

  /** Places waiting tasks on workers (routing.ts); a task that must wait for the GPU does not hold back the others. */
  private pump(): void {
    const slots = [...this.workers];
    for (let i = 0; i < this.waiting.length; ) {
      const loads = slots.map((w) => ({
        gpu: w.gpu,
        ready: w.ready,
        free: w.slots - w.running.size,
        running: w.running.size,
        heavyRunning: [...w.running.values()].filter((r) => r.weight === 'heavy').length,
        background: w.background,
      }));
      if (!loads.some((l) => l.ready && l.free > 0)) return;
      const pick = pickWorker(this.waiting[i].weight, loads, this.waiting[i].background);
      if (pick < 0) {
        i++;
        continue;
      }
      const best = slots[pick];
      const [rec] = this.waiting.splice(i, 1);
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
