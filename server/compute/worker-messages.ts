/** Messages between the worker pool (main thread) and a compute worker thread. Plain data: structured-clonable. */
import type { GraphFacts } from '@convlab/nets';
import type { ComputeErrorCode, FirstConv, JobSpec } from '@convlab/protocol';
import type { BatcherStats, RunnerProgress } from '@convlab/engine';
import type { BackendPreference } from './backend-select';
import type { GpuAdapterInfo } from './webgpu-setup';

export type { BackendPreference };

/** Configuration every worker starts with (workerData). */
export interface WorkerConfig {
  /** file: URL of worker.ts (loaded by worker-boot.mjs after the TypeScript loader is registered). */
  entry: string;
  backend: BackendPreference;
  /** Built-in models: this directory first, then the model store's usual places. */
  modelsDir?: string;
  /** Root of the built-in sample images (`photos/…`, `imagenet-samples/…`). */
  imagesDir: string;
  /** Content-addressed uploads: `<uploadsDir>/<sha256>`. */
  uploadsDir: string;
  /** Uploaded models: `<uploadedModelsDir>/<id>/` (model.onnx and meta.json). */
  uploadedModelsDir: string;
  labelsDir?: string;
  /** Dynamic batching inside the worker: rows per forward pass (1 = off) and the longest wait for company. */
  maxBatch: number;
  maxWaitMs: number;
  /** Rows one job puts in one forward request (at most maxBatch), so that requests of several jobs share a batch. */
  rowsPerRequest: number;
  /** Sliding-window occlusion may use incremental passes where vis' cost model says they are faster. */
  incremental: boolean;
  /** The thread's nice value on Linux (default 10; the background worker's is 19). */
  nice?: number;
}

/** A unit of work for a worker. */
export type WorkerTask = { type: 'run'; spec: JobSpec } | { type: 'describe'; model: string } | { type: 'measure'; model: string };

/** What `measure` answers: one image's forward pass on this worker (median of 5 after a warm-up). */
export interface ModelTiming {
  forwardMs: number;
  backend: string;
}

/** What `describe` answers: enough to check jobs before they are queued. */
export interface ModelDescription {
  id: string;
  inputSize: [number, number];
  numClasses: number;
  layers: string[];
  /** The layers labs offer (`featureLayers` of @convlab/nets) and the GFLOPs per image: kept for uploaded models. */
  facts: GraphFacts;
  /** The first convolution that reads the image (the first-layer filters lab), or null when there is none. */
  firstConv: FirstConv | null;
}

export type ToWorker =
  | { type: 'task'; taskId: number; task: WorkerTask }
  /** Load a model ahead of its jobs (the GPU worker compiles its shaders then). */
  | { type: 'warm'; model: string }
  | { type: 'cancel'; taskId: number; code: 'JOB_CANCELLED' | 'JOB_TIMEOUT' };

export type FromWorker =
  | { type: 'ready'; backend: string; backendPackage?: string; adapter?: GpuAdapterInfo }
  | { type: 'fatal'; message: string }
  | { type: 'progress'; taskId: number; progress: RunnerProgress }
  /** `batchStats`: the worker's batcher totals so far (benchmarks read batch sizes and sharing from them). */
  | { type: 'done'; taskId: number; result: unknown; ms: number; batched: boolean; batchStats?: BatcherStats }
  | { type: 'failed'; taskId: number; code: ComputeErrorCode; message: string };
