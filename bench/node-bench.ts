/** Benchmarks in this Node process on the wasm and cpu backends, with the models from the model store. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { disposeModel } from '@convlab/nets';
import { loadModelSpec } from '@convlab/nets/node';
import { benchModel, matmulGflops, type BenchBudget, type ModelTiming } from './bench-core';

/** One backend's results. */
export interface BackendResult {
  backend: string;
  matmulGflops: number;
  matmulSize: number;
  models: ModelTiming[];
  errors: string[];
}

/** Runs the matmul and every model on one Node backend; `log` reports progress. */
export async function benchNodeBackend(backend: 'wasm' | 'cpu', models: string[], budget: BenchBudget, log: (s: string) => void): Promise<BackendResult> {
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
  await tf.ready();
  // The cpu backend's matmul is plain JavaScript: 512³ keeps the run short and is large enough to be compute-bound.
  const matmulSize = backend === 'cpu' ? 512 : 1024;
  const result: BackendResult = { backend: `node-${backend}`, matmulGflops: await matmulGflops(matmulSize, budget), matmulSize, models: [], errors: [] };
  log(`node-${backend}: matmul ${matmulSize}³ ${result.matmulGflops.toFixed(1)} GFLOP/s`);
  for (const id of models) {
    try {
      const { model } = await loadModelSpec(id);
      try {
        const t = await benchModel(model, `node-${backend}`, budget);
        result.models.push(t);
        log(`node-${backend}: ${id} forward ${t.forwardB1?.toFixed(1)} ms (b1), ${t.forwardB16?.toFixed(1) ?? '-'} ms/img (b16), gradient ${t.gradientB1?.toFixed(1)} ms`);
      } finally {
        disposeModel(model);
      }
    } catch (e) {
      result.errors.push(`${id}: ${(e as Error).message}`);
      log(`node-${backend}: ${id} FAILED ${(e as Error).message}`);
    }
  }
  // Load from other processes on a shared machine moves the figure; the best of two runs is closer to the limit.
  result.matmulGflops = Math.max(result.matmulGflops, await matmulGflops(matmulSize, budget));
  return result;
}
