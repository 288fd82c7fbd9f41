// Entry of every compute worker thread. Node 20's workers do not run TypeScript through `execArgv: ['--import',
// 'tsx']` (ERR_UNKNOWN_FILE_EXTENSION: hooks registered by --import do not reach the worker's own module loading),
// so the worker registers tsx's loader itself, then imports worker.ts.
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// Compute never delays the event loop: on Linux the nice value is per thread, so this worker (and the loader thread
// it starts next) yields the CPU to the main thread, where joins and acks are answered, also while it warms up.
// Elsewhere setPriority would change the whole process, so it is left alone. The background (grading) worker goes
// lower still, below the live workers.
if (process.platform === 'linux') {
  try {
    setPriority(workerData.nice ?? 10);
  } catch {
    // not permitted here: compute at normal priority
  }
}
register();
await import(workerData.entry);
