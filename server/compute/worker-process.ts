/**
 * `npm run worker`: a compute worker process for scaled-out ConvLab (REDIS_URL). It starts the same worker threads
 * the embedded server uses (pool.ts, its backend chosen the same way: tfjs-node(-gpu) when installed, WebGPU on a
 * hardware GPU, else wasm) and takes jobs from the shared BullMQ queue — as many at once as its threads have slots, so
 * jobs of different students share forward-pass batches inside each thread. It reports progress to the queue's event
 * stream, stops a job when a node asks (cancel channel), keeps its entry in the registry of live workers (the nodes'
 * /api/health lists it) and, on SIGTERM, finishes its jobs before it exits. Killed outright, its jobs' locks expire
 * and another worker takes them over (BullMQ's stalled-job check, once).
 *
 * Configuration: the nodes' variables (REDIS_URL, CONVLAB_REDIS_PREFIX, CONVLAB_DATA_DIR — the shared one —,
 * CONVLAB_MODELS_DIR, CONVLAB_COMPUTE_WORKERS, CONVLAB_COMPUTE_BACKEND), CONVLAB_WORKER_SLOTS (jobs per thread at once,
 * default 4) and CONVLAB_WORKER_LOCK_SECONDS (default 30).
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { isComputeError } from '@convlab/protocol';
import { loadConfig } from '../config';
import { WorkerPool, type PoolOptions } from './pool';
import {
  QUEUE_NAME,
  WORKER_BEAT_MS,
  WORKER_TTL_MS,
  bullPrefix,
  cancelChannel,
  failureReason,
  packProgress,
  packResult,
  workerKey,
  type QueueJobData,
  type QueueJobReturn,
} from './shared-queue';

export interface WorkerProcessOptions {
  redisUrl: string;
  prefix: string;
  /** The pool's options (threads, backend, data folders). */
  pool: PoolOptions;
  /** How long a job's lock lives without renewal: a killed worker's jobs are taken over within about 1.5× this. */
  lockMs?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  id: string;
  backend: string;
  /** Finishes the jobs in hand (takes no new ones), then stops. */
  close(): Promise<void>;
}

/** Starts a worker process's pool and its queue consumer. */
export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<RunningWorker> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const pool = await WorkerPool.start(opts.pool);
  const info = pool.info();
  const label = pool.choiceLabel ?? info.backend;
  const slots = info.workers.reduce((n, w) => n + (w.gpu ? (opts.pool.gpu?.slots ?? 32) : pool.slotsPerWorker), 0);
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });

  /** Running jobs' pool task ids, and cancels that arrived before their job started here. */
  const running = new Map<string, number>();
  const early = new Map<string, 'JOB_CANCELLED' | 'JOB_TIMEOUT'>();
  await subscriber.subscribe(cancelChannel(opts.prefix));
  subscriber.on('message', (_channel, message: string) => {
    const { jobId, code } = JSON.parse(message) as { jobId: string; code: 'JOB_CANCELLED' | 'JOB_TIMEOUT' };
    const taskId = running.get(jobId);
    if (taskId !== undefined) pool.cancel(taskId, code);
    else {
      // Every worker hears it; only the one about to run it needs it, briefly.
      early.set(jobId, code);
      setTimeout(() => early.delete(jobId), 60_000).unref();
    }
  });

  const processor = async (job: Job<QueueJobData, QueueJobReturn>): Promise<QueueJobReturn> => {
    const { taskId, done } = pool.run(job.data.task, (p) => void job.updateProgress(packProgress(p)).catch(() => undefined));
    running.set(job.id!, taskId);
    const cancelled = early.get(job.id!);
    if (cancelled) pool.cancel(taskId, cancelled);
    try {
      const d = await done;
      return { result: packResult(d.result), ms: d.ms, batched: d.batched, worker: d.worker, process: id, backend: d.backend, ...(d.device ? { device: d.device } : {}) };
    } catch (err) {
      // The job's own failure is final (a bad image stays bad): no BullMQ retry. Only a dead worker is retried.
      if (isComputeError(err)) throw new UnrecoverableError(failureReason(err.code, err.message));
      throw new UnrecoverableError(failureReason('JOB_FAILED', 'the job failed'));
    } finally {
      running.delete(job.id!);
    }
  };

  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker<QueueJobData, QueueJobReturn>(QUEUE_NAME, processor, {
    connection: { url: opts.redisUrl, maxRetriesPerRequest: null },
    prefix: bullPrefix(opts.prefix),
    concurrency: Math.max(1, slots),
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
    // A job whose worker died is put back once; a second death fails it (WORKER_CRASHED).
    maxStalledCount: 1,
  });
  worker.on('error', (err) => console.error('[worker]', err.message));

  const describe = () =>
    JSON.stringify({
      id,
      host: hostname(),
      pid: process.pid,
      backend: pool.backend,
      ...(pool.info().backendPackage ? { backendPackage: pool.info().backendPackage } : {}),
      ...(pool.adapter ? { adapter: pool.adapter } : {}),
      threads: pool.size,
      slots,
      running: running.size,
      since,
    });
  const since = new Date().toISOString();
  const beat = () => redis.set(workerKey(opts.prefix, id), describe(), 'PX', WORKER_TTL_MS).catch(() => undefined);
  await beat();
  const beating = setInterval(() => void beat(), WORKER_BEAT_MS);
  beating.unref();
  await worker.waitUntilReady();
  log(`[worker] ${id}: ${pool.size} ${label} thread${pool.size === 1 ? '' : 's'}, ${slots} jobs at once, on queue ${bullPrefix(opts.prefix)}:${QUEUE_NAME}`);

  let closing: Promise<void> | undefined;
  return {
    id,
    backend: label,
    close: () =>
      (closing ??= (async () => {
        clearInterval(beating);
        // Finishes the jobs it holds; takes no new ones.
        await worker.close();
        await redis.del(workerKey(opts.prefix, id)).catch(() => 0);
        await pool.close();
        subscriber.disconnect();
        redis.disconnect();
      })()),
  };
}

/** The worker's options from the environment (the same variables as a node's). */
export function workerOptionsFromEnv(env: Record<string, string | undefined>): WorkerProcessOptions {
  const redisUrl = env.REDIS_URL;
  if (!redisUrl || !/^rediss?:\/\//i.test(redisUrl)) {
    const err = new Error('npm run worker needs REDIS_URL (redis://…): the queue it takes jobs from, the one the nodes use');
    err.name = 'ConfigError';
    throw err;
  }
  // The node's own parsing and defaults for the rest; a worker needs no database.
  const config = loadConfig({ ...env, REDIS_URL: undefined, DATABASE_URL: undefined });
  const lockSeconds = env.CONVLAB_WORKER_LOCK_SECONDS ? Number(env.CONVLAB_WORKER_LOCK_SECONDS) : 30;
  if (!(lockSeconds >= 1 && lockSeconds <= 600)) {
    const err = new Error(`CONVLAB_WORKER_LOCK_SECONDS must be a number of seconds 1..600, got '${env.CONVLAB_WORKER_LOCK_SECONDS}'`);
    err.name = 'ConfigError';
    throw err;
  }
  const slots = env.CONVLAB_WORKER_SLOTS ? Number(env.CONVLAB_WORKER_SLOTS) : 4;
  if (!Number.isInteger(slots) || slots < 1 || slots > 64) {
    const err = new Error(`CONVLAB_WORKER_SLOTS must be a whole number 1..64, got '${env.CONVLAB_WORKER_SLOTS}'`);
    err.name = 'ConfigError';
    throw err;
  }
  return {
    redisUrl,
    prefix: env.CONVLAB_REDIS_PREFIX || 'convlab:',
    lockMs: Math.round(lockSeconds * 1000),
    pool: {
      size: config.compute.workers,
      slotsPerWorker: slots,
      backend: config.compute.backend,
      uploadsDir: join(config.dataDir, 'images'),
      uploadedModelsDir: join(config.dataDir, 'models'),
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const running = await startWorkerProcess(workerOptionsFromEnv(process.env));
    const stop = (signal: string) => {
      console.log(`[worker] ${signal}: finishing the jobs in hand, taking no new ones`);
      running.close().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    console.error(err instanceof Error && err.name === 'ConfigError' ? err.message : err);
    process.exit(1);
  }
}
