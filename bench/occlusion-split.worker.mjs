// Entry of a worker thread of the occlusion split benchmark: Node 20's workers do not run TypeScript through
// execArgv, so the worker registers tsx's loader itself (as server/compute/worker-boot.mjs does), then the worker.
import { register } from 'tsx/esm/api';

register();
await import('./occlusion-split.ts');
