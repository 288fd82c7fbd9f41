/**
 * Routing by cost when the pool has a GPU worker: gradients and big batches go to the GPU (where a class's rows
 * share batches), small jobs too while it is idle, and to a wasm worker while the GPU is busy with heavy work.
 * Background work (grading) has wasm workers of its own, at the lowest CPU priority, and live work never goes there.
 * Pure: the pool passes what its workers are doing.
 */
import type { WorkerTask } from './worker-messages';

/** heavy: gradients (saliency, ascent) and many-row jobs (occlusion, patches); light: one forward pass or less. */
export type TaskWeight = 'heavy' | 'light';

/** Masks in one occlusion-masks job up to which it is light (one or two forward requests). */
const LIGHT_MASKS = 4;

/** How costly a task is, for routing. */
export function taskWeight(task: WorkerTask): TaskWeight {
  if (task.type === 'describe' || task.type === 'measure') return 'light';
  const spec = task.spec;
  switch (spec.kind) {
    case 'classify':
    case 'activations':
      return 'light';
    case 'occlusion-masks':
      return spec.params.masks.length <= LIGHT_MASKS ? 'light' : 'heavy';
    default:
      return 'heavy';
  }
}

/** What the router needs to know about one worker. */
export interface WorkerLoad {
  gpu: boolean;
  /** A worker for background work only (grading). */
  background: boolean;
  ready: boolean;
  /** Free task slots. */
  free: number;
  running: number;
  heavyRunning: number;
}

/**
 * The index of the worker that should take a task of `weight`, or -1 to let it wait. Without a GPU worker: the least
 * loaded worker with a free slot among the background workers for a `background` task, among the others for a live one.
 */
export function pickWorker(weight: TaskWeight, workers: readonly WorkerLoad[], background = false): number {
  const open = (w: WorkerLoad) => w.ready && w.free > 0;
  const gpu = workers.findIndex((w) => w.gpu);
  let cpu = -1;
  workers.forEach((w, i) => {
    if (!w.gpu && w.background === background && open(w) && (cpu < 0 || w.running < workers[cpu].running)) cpu = i;
  });
  if (gpu < 0) return cpu;
  const gpuOpen = open(workers[gpu]);
  // Heavy work waits for the GPU: even queued there it finishes sooner than on one wasm thread.
  if (weight === 'heavy') return gpuOpen ? gpu : -1;
  if (gpuOpen && workers[gpu].heavyRunning === 0) return gpu;
  if (cpu >= 0) return cpu;
  return gpuOpen ? gpu : -1;
}
