/**
 * The benchmark page's script (bundled by browser-bench.ts): loads the built-in models from the bench server through
 * the app's browser model reader (Cache Storage, verified by sha256) and times them on the requested backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// @convlab/nets' index also registers the 'tflite' format for loadBuiltinModel.
import { createCachedModelReader, disposeModel, loadBuiltinModel } from '@convlab/nets';
import { benchModel, matmulGflops, type BenchBudget, type ModelTiming } from './bench-core';

/** What the Node side asks the page to run. */
export interface PageRequest {
  backend: 'webgl' | 'wasm';
  models: string[];
  budget: BenchBudget;
  matmulSize: number;
}

/** What the page answers. */
export interface PageResult {
  backend: string;
  info: string;
  matmulGflops: number;
  models: ModelTiming[];
  errors: string[];
}

async function run(req: PageRequest): Promise<PageResult> {
  setWasmPaths('/tfjs-wasm/');
  if (!(await tf.setBackend(req.backend))) throw new Error(`backend ${req.backend} is not available in this browser`);
  await tf.ready();
  let info = tf.getBackend();
  if (req.backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    info = `webgl${tf.env().getNumber('WEBGL_VERSION')} ${ext && gl ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : ''}`.trim();
  }
  const reader = createCachedModelReader('/models/');
  const result: PageResult = { backend: req.backend, info, matmulGflops: await matmulGflops(req.matmulSize, req.budget), models: [], errors: [] };
  for (const id of req.models) {
    try {
      const model = await loadBuiltinModel(id, reader);
      try {
        result.models.push(await benchModel(model, `chromium-${req.backend}`, req.budget));
      } finally {
        disposeModel(model);
      }
    } catch (e) {
      result.errors.push(`${id}: ${(e as Error).message}`);
    }
  }
  // Best of a run before and after the models: closer to the machine's limit when other work shares the cores.
  result.matmulGflops = Math.max(result.matmulGflops, await matmulGflops(req.matmulSize, req.budget));
  return result;
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
(globalThis as unknown as { benchReady: boolean }).benchReady = true;
