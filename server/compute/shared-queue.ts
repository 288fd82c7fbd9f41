/**
 * What the nodes and the worker processes agree on about the shared BullMQ queue (scale-out): its name and key
 * prefix, the job's data and return value on the wire, the cancel channel, the registry of live worker processes, and
 * how the service's priorities map to BullMQ's.
 *
 * Fairness: open-source BullMQ serves a higher priority first and, within one priority, in arrival order — no group
 * round-robin. Each node's FairQueue (queue.ts, with maxRunningPerOwner 1) hands a student's next job to the shared
 * queue only when the previous one has finished, so the shared queue holds at most one job per student, and a
 * student's next job joins the back of the line: FIFO over those heads IS round-robin over students, across every
 * node and worker. The per-student cap, instructor first and grading last stay where they were.
 */
import { ComputeError, ComputeErrorCodeSchema, type ComputeErrorCode } from '@convlab/protocol';
import type { RunnerProgress } from '@convlab/engine';
import { decodeResult, encodeResult } from './result-codec';
import type { WorkerTask } from './worker-messages';

export const QUEUE_NAME = 'compute';

/** BullMQ's key prefix under ConvLab's: `<CONVLAB_REDIS_PREFIX>bull:compute:…`. */
export const bullPrefix = (prefix: string) => `${prefix}bull`;
/** Channel on which nodes ask the worker processes to stop a running job. */
export const cancelChannel = (prefix: string) => `${prefix}compute:cancel`;
/** The nodes waiting for a keyed job (remote-pool.ts): a job is cancelled only when none other waits. */
export const waitersKey = (prefix: string, jobId: string) => `${prefix}compute:waiters:${jobId}`;
/** Each live worker process keeps `<prefix>compute:worker:<id>` (its description) alive. */
export const workerKey = (prefix: string, id: string) => `${prefix}compute:worker:${id}`;
/** How long a worker's entry outlives its last heartbeat, and how often it beats. */
export const WORKER_TTL_MS = 15_000;
export const WORKER_BEAT_MS = 5_000;

/** The service's PRIORITY (larger first: instructor 10 … grading -20) as BullMQ's (smaller first, 1 = highest). */
export function bullPriority(priority: number): number {
  return Math.max(1, Math.min(100, 11 - Math.round(priority)));
}

/** A job's data in the queue. Describing a model has no priority: BullMQ serves those before every prioritized job. */
export interface QueueJobData {
  task: WorkerTask;
  /** The node that submitted it (the one that relays its events). */
  node: string;
}

/** What a worker process returns (JSON in Redis; typed arrays and PNGs travel in the result codec's bytes). */
export interface QueueJobReturn {
  result: string;
  ms: number;
  batched: boolean;
  worker: number;
  process: string;
  backend: string;
  device?: string;
}

export const packResult = (value: unknown): string => Buffer.from(encodeResult(value)).toString('base64');
export const unpackResult = (packed: string): unknown => decodeResult(new Uint8Array(Buffer.from(packed, 'base64')));

/** Progress as JSON (an ascent snapshot's PNG as base64). */
export type WireProgress = Omit<RunnerProgress, 'image'> & { image?: string };
export const packProgress = (p: RunnerProgress): WireProgress => ({ ...p, image: p.image ? Buffer.from(p.image).toString('base64') : undefined });
export const unpackProgress = (p: WireProgress): RunnerProgress => ({ ...p, image: p.image ? new Uint8Array(Buffer.from(p.image, 'base64')) : undefined });

/** A failure as BullMQ keeps it (the error's message): "CODE: words". */
export const failureReason = (code: ComputeErrorCode, message: string) => `${code}: ${message}`;

/** The ComputeError a failed job's reason stands for; BullMQ's own reasons (a worker died twice) as WORKER_CRASHED. */
export function failureError(reason: string): ComputeError {
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  const code = m && ComputeErrorCodeSchema.safeParse(m[1]);
  if (m && code?.success) return new ComputeError(code.data, m[2]);
  if (/stalled/i.test(reason)) {
    return new ComputeError('WORKER_CRASHED', 'the compute worker running this job stopped unexpectedly (twice); try again or compute in your browser');
  }
  return new ComputeError('JOB_FAILED', 'the job failed');
}
