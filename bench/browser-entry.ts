/**
 * The benchmark page's script (bundled by browser-bench.ts): loads the built-in models from the bench server through
 * the app's browser model reader (Cache Storage, verified by sha256) and times them on the requested backend — the
 * model suite's timings (bench-core) or, when the request carries `vis`, the visualization suite's (vis-bench-core).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// @convlab/nets' index also registers the 'tflite' format for loadBuiltinModel.
import { createCachedModelReader, disposeModel, loadBuiltinModel } from '@convlab/nets';
import { benchModel, matmulGflops, type BenchBudget, type ModelTiming } from './bench-core';
import { benchVisModel, type VisBenchRow, type VisModelBenchOptions } from './vis-bench-core';

/**
 * The vis suite's work per model; the page fills in the backend label and the matmul rate it measured. It crosses
 * page.evaluate, so it is plain data: no clock function (the page times by wall clock — webgl runs in the GPU process).
 */
export type PageVisOptions = Omit<VisModelBenchOptions, 'backend' | 'matmulGflops' | 'clock'>;

/** What the Node side asks the page to run. */
export interface PageRequest {
  backend: 'webgl' | 'wasm';
  models: string[];
  budget: BenchBudget;
  matmulSize: number;
  /** Present: run the vis suite on each model instead of the model suite. */
  vis?: PageVisOptions;
}

/** What the page answers. */
export interface PageResult {
  backend: string;
  info: string;
  matmulGflops: number;
  /** Model-suite rows (empty for a vis request). */
  models: ModelTiming[];
  /** Vis-suite rows (empty for a model-suite request). */
  vis: VisBenchRow[];
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
  const label = `chromium-${req.backend}`;
  const reader = createCachedModelReader('/models/');
  const result: PageResult = { backend: req.backend, info, matmulGflops: await matmulGflops(req.matmulSize, req.budget), models: [], vis: [], errors: [] };
  for (const id of req.models) {
    const start = performance.now();
    try {
      const model = await loadBuiltinModel(id, reader);
      try {
        if (req.vis) result.vis.push(await benchVisModel(model, { ...req.vis, backend: label, matmulGflops: result.matmulGflops }));
        else result.models.push(await benchModel(model, label, req.budget));
      } finally {
        disposeModel(model);
      }
      // Progress for the Node side (browser-bench forwards 'info' messages): a vis run takes minutes on SwiftShader.
      console.info(`${id} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    } catch (e) {
      result.errors.push(`${id}: ${(e as Error).message}`);
    }
  }
  // Best of a run before and after the models: closer to the machine's limit when other work shares the cores. Vis
  // rows already carry the rate their bounds were computed from, so the page's figure stays that one.
  if (!req.vis) result.matmulGflops = Math.max(result.matmulGflops, await matmulGflops(req.matmulSize, req.budget));
  return result;
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
(globalThis as unknown as { benchReady: boolean }).benchReady = true;
