// Entry of every compute worker thread. Node 20's workers do not run TypeScript through `execArgv: ['--import',
// 'tsx']` (ERR_UNKNOWN_FILE_EXTENSION: hooks registered by --import do not reach the worker's own module loading),
// so the worker registers tsx's loader itself, then imports worker.ts.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
