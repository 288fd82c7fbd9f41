/** Messages between the page and the compute Web Worker (structured-clone data only; typed arrays are transferred). */
import type { ComputeErrorCode, JobResultData, JobSpec } from '@convlab/protocol';
import type { RunnerProgress } from '@convlab/engine';

/** Backends in the order the worker tries them. */
export const BACKEND_ORDER = ['webgl', 'webgpu', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BACKEND_ORDER)[number];

/** Where the worker finds what it loads (absolute URLs: a worker's relative URLs resolve against its script). */
export interface WorkerSetup {
  /** The server's model files (createModelFilesHandler), e.g. https://host/models/. */
  modelsUrl: string;
  /** Prefix of the sample images (`<samplesUrl>photos/<file>`), e.g. https://host/api/samples/. */
  samplesUrl: string;
  /** Prefix of uploaded images by sha256, e.g. https://host/api/images/. */
  uploadsUrl: string;
  /** The ImageNet label table (TSV); optional — without it predictions carry indices only. */
  labelsUrl?: string;
  /** Backends to try, in order (default: {@link BACKEND_ORDER}); tests force one. */
  backends?: BrowserBackend[];
}

export type ToWorker =
  | { type: 'init'; setup: WorkerSetup }
  | { type: 'probe'; id: number; model: string }
  | { type: 'run'; id: number; spec: JobSpec }
  | { type: 'cancel'; id: number };

/** A backend the worker tried and why it was not used. */
export interface BackendAttempt {
  backend: BrowserBackend;
  ok: boolean;
  error?: string;
}

export type FromWorker =
  | { type: 'ready'; backend: string | null; attempts: BackendAttempt[]; info: string }
  | { type: 'probed'; id: number; model: string; backend: string; loadMs: number; forwardMs: number; warmupMs: number; inputSize: [number, number] }
  | { type: 'progress'; id: number; progress: RunnerProgress }
  | { type: 'done'; id: number; data: JobResultData[keyof JobResultData]; backend: string; ms: number }
  | { type: 'failed'; id: number; code: ComputeErrorCode | 'OUT_OF_MEMORY' | 'NO_BACKEND'; message: string };
