/**
 * A compute worker thread: its own TensorFlow.js runtime (tfjs-node-gpu / tfjs-node when the deployment installed
 * them, WebGPU through Dawn for the pool's GPU worker, else wasm), a cache of loaded models and preprocessed inputs,
 * and a dynamic batcher shared by the jobs it runs concurrently. Every job has an AbortController, so a cancel or a
 * time limit stops the work between steps. The GPU worker compiles its shaders when it loads a model (forward passes
 * at the batcher's batch sizes and a gradient), retries out-of-memory batches smaller, and ends itself when the GPU
 * device is lost (the pool retries its jobs on a fresh one). Started by pool.ts through worker-boot.mjs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { disposeForward, forward, graphFacts, inputGradient, loadImageNetClasses, preprocessImage, type ImageNetClass, type Model } from '@convlab/nets';
import { firstConvKernel } from '@convlab/vis';
import { encodePng } from '@convlab/vis/node';
import { createFileReader, decodeImageFile, loadModelSpec, pathExists } from '@convlab/nets/node';
import { UPLOADED_MODEL_ID, type ComputeErrorCode, type FirstConv, type ImageRef } from '@convlab/protocol';
import { DynamicBatcher, forwardRows, isAbort, runJob, type ForwardRequest, type ForwardRows } from '@convlab/engine';
import { decodeInputTensor, isInputTensorFile } from '../grading/input-tensor';
import { OomFallback } from './oom-fallback';
import type { GpuAdapterInfo } from './webgpu-setup';
import type { FromWorker, ModelDescription, ModelTiming, ToWorker, WorkerConfig, WorkerTask } from './worker-messages';

const config = workerData as WorkerConfig;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);

/** The adapter of this worker's GPU (null off the GPU). */
let gpuAdapter: GpuAdapterInfo | null = null;

/** The GPU device of the webgpu backend (for error scopes and loss). */
function gpuDevice(): GPUDevice | null {
  return tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
}

async function initWebGpu(): Promise<{ backend: string; adapter: GpuAdapterInfo }> {
  // navigator.gpu first: the webgpu backend registers itself only when it exists.
  const { installWebGpu, probeGpuAdapter } = await import('./webgpu-setup');
  await installWebGpu();
  await import('@tensorflow/tfjs-backend-webgpu');
  const adapter = await probeGpuAdapter();
  if (!adapter || !(await tf.setBackend('webgpu'))) throw new Error('no WebGPU adapter: the webgpu backend failed to start');
  gpuAdapter = adapter;
  await tf.ready();
  void gpuDevice()!.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    // Every tensor on it is gone: end this thread; the pool retries its jobs on a replacement worker.
    console.error(`[compute] GPU device lost (${info.message}); the worker restarts`);
    process.exit(1);
  });
  return { backend: 'webgpu', adapter };
}

async function initBackend(pref: WorkerConfig['backend']): Promise<{ backend: string; backendPackage?: string; adapter?: GpuAdapterInfo }> {
  tf.enableProdMode();
  if (pref === 'webgpu') return initWebGpu();
  if (pref === 'auto' || pref === 'tensorflow') {
    // Optional native backends: absent in most installs (their install downloads libtensorflow); never an error.
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(/* @vite-ignore */ pkg);
        if (await tf.setBackend('tensorflow')) {
          await tf.ready();
          return { backend: 'tensorflow', backendPackage: pkg };
        }
      } catch {
        // not installed (or not loadable here): try the next one
      }
    }
    if (pref === 'tensorflow') throw new Error('backend "tensorflow" needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node installed');
  }
  if (pref === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
  } else {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  }
  const name = pref === 'cpu' ? 'cpu' : 'wasm';
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to start`);
  await tf.ready();
  return { backend: tf.getBackend() };
}

class CodedError extends Error {
  constructor(
    readonly code: ComputeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const models = new Map<string, Promise<Model>>();
function getModel(id: string): Promise<Model> {
  // An uploaded model is a folder of the model store (UPLOADED_MODEL_ID has no path separators). Its folder is looked
  // for on every use: a deleted model is refused even when this worker has it loaded (model-store.ts `remove`).
  const uploaded = UPLOADED_MODEL_ID.test(id) ? path.join(config.uploadedModelsDir, id) : null;
  if (uploaded && !pathExists(uploaded)) {
    models.delete(id);
    return Promise.reject(new CodedError('UNKNOWN_MODEL', `the uploaded model '${id}' is not on this server`));
  }
  let p = models.get(id);
  if (!p) {
    p = loadModelSpec(uploaded ?? id, { modelsDir: config.modelsDir }).then(
      async (m) => {
        if (gpuDevice()) await warmUp(m.model);
        return m.model;
      },
      (e: Error & { code?: string }) => {
        models.delete(id);
        // Paths of the server's folders stay on the server.
        const message = uploaded ? e.message.split(`${uploaded}${path.sep}`).join('') : e.message;
        throw new CodedError(e.code === 'unknown-model' ? 'UNKNOWN_MODEL' : 'JOB_FAILED', `cannot load model '${id}': ${message}`);
      },
    );
    models.set(id, p);
  }
  return p;
}

/**
 * Compiles the GPU's shaders for a model now rather than in the first student's job: forward passes at every batch
 * size the batcher makes (one job's request, a full batch) and one gradient (saliency, ascent). On a software
 * adapter (SwiftShader: tests) every pass costs seconds, far more than compiling: one small pass only.
 */
async function warmUp(model: Model): Promise<void> {
  const [h, w] = model.meta.inputSize;
  const software = gpuAdapter?.software ?? false;
  for (const n of new Set(software ? [1] : [1, config.rowsPerRequest, config.maxBatch])) {
    const x = tf.zeros([n, h, w, 3]) as tf.Tensor4D;
    const r = forward(model, x);
    await r.probabilities.data();
    disposeForward(r);
    x.dispose();
  }
  if (software) return;
  const x = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
  const g = inputGradient(model, x, { kind: 'class', index: 0 });
  await g.gradient.data();
  tf.dispose([x, g.gradient, g.value]);
}

/** Preprocessed inputs by (model, image): a class runs the lesson's image many times. Small LRU. */
const inputs = new Map<string, tf.Tensor4D>();
const INPUT_CACHE = 32;

function imagePath(ref: ImageRef): string {
  const root = path.resolve(ref.kind === 'sample' ? config.imagesDir : config.uploadsDir);
  const full = path.resolve(root, ref.kind === 'sample' ? ref.id : ref.sha256);
  if (!full.startsWith(root + path.sep)) throw new CodedError('UNKNOWN_IMAGE', 'bad image reference');
  return full;
}

/** An image file preprocessed for the model, or a stored float32 input tensor (input space already) as it is. */
async function readInput(ref: ImageRef, model: Model): Promise<tf.Tensor4D> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(imagePath(ref));
  } catch (e) {
    if (e instanceof CodedError) throw e;
    throw new CodedError('UNKNOWN_IMAGE', `image ${ref.kind === 'sample' ? ref.id : ref.sha256} is not available`);
  }
  if (isInputTensorFile(bytes)) {
    const { shape, data } = decodeInputTensor(bytes);
    const [h, w] = model.meta.inputSize;
    if (shape[0] !== h || shape[1] !== w) throw new CodedError('UNKNOWN_IMAGE', `a ${shape[0]}×${shape[1]} input tensor does not fit ${model.meta.id} (${h}×${w})`);
    return tf.tensor4d(data, [1, ...shape]);
  }
  let pixels: tf.Tensor3D;
  try {
    pixels = await decodeImageFile(imagePath(ref));
  } catch {
    throw new CodedError('UNKNOWN_IMAGE', `image ${ref.kind === 'sample' ? ref.id : ref.sha256} is not available`);
  }
  const t = preprocessImage(pixels, model.meta);
  pixels.dispose();
  return t;
}

async function getInput(ref: ImageRef, model: Model): Promise<tf.Tensor4D> {
  const key = `${model.meta.id}|${ref.kind === 'sample' ? ref.id : ref.sha256}`;
  let t = inputs.get(key);
  if (t) {
    inputs.delete(key);
    inputs.set(key, t);
  } else {
    t = await readInput(ref, model);
    inputs.set(key, t);
    while (inputs.size > INPUT_CACHE) {
      const [oldKey, old] = inputs.entries().next().value as [string, tf.Tensor4D];
      inputs.delete(oldKey);
      old.dispose();
    }
  }
  return tf.clone(t);
}

let labels: Promise<ImageNetClass[] | null> | null = null;
function getLabels(): Promise<ImageNetClass[] | null> {
  labels ??= config.labelsDir ? loadImageNetClasses(createFileReader(config.labelsDir)).catch(() => null) : Promise.resolve(null);
  return labels;
}

type BatchRequest = ForwardRequest & { model: Model };
const rowsOf = (r: BatchRequest) => r.input.shape[0];
const oom = new OomFallback();

/** One forward pass over requests of several jobs (same model): concatenate, run, split back. */
async function runBatch(reqs: BatchRequest[]): Promise<ForwardRows[]> {
  const model = reqs[0].model;
  const taps = [...new Set(reqs.flatMap((r) => r.taps ?? []))];
  const x = reqs.length === 1 ? reqs[0].input : tf.concat(reqs.map((r) => r.input), 0);
  const device = gpuDevice();
  // A failed GPU allocation is reported to an error scope, not thrown: collect it and throw it, so the batch is
  // retried smaller (oom-fallback.ts).
  device?.pushErrorScope('out-of-memory');
  try {
    let all: ForwardRows;
    try {
      all = await forwardRows(model, x as tf.Tensor4D, taps);
    } finally {
      const err = await device?.popErrorScope();
      if (err) throw new Error(`GPU out of memory: ${err.message}`);
    }
    let row = 0;
    return reqs.map((r) => {
      const n = r.input.shape[0];
      const out: ForwardRows = {
        probabilities: all.probabilities.slice(row * all.classes, (row + n) * all.classes),
        classes: all.classes,
        taps: {},
      };
      for (const t of r.taps ?? []) {
        const { data, shape } = all.taps[t];
        const per = data.length / shape[0];
        out.taps[t] = { data: data.slice(row * per, (row + n) * per), shape: [n, ...shape.slice(1)] };
      }
      row += n;
      return out;
    });
  } finally {
    if (reqs.length > 1) x.dispose();
  }
}

/** The forward passes of every job on this worker, batched; a batch that runs out of GPU memory is split. */
const batcher = new DynamicBatcher<BatchRequest, ForwardRows>(
  (_key, reqs) => oom.run(reqs, rowsOf, runBatch),
  rowsOf,
  // Jobs running on this worker are the only ones that can join a batch: once each has a request in, it runs.
  { maxBatch: config.maxBatch, maxWaitMs: config.maxWaitMs, contributors: () => running.size },
);

const running = new Map<number, { abort: AbortController; code: ComputeErrorCode }>();

async function describe(id: string): Promise<ModelDescription> {
  const m = await getModel(id);
  return { id, inputSize: m.meta.inputSize, numClasses: m.meta.numClasses, layers: m.graph.nodes.map((n) => n.id), facts: graphFacts(m.graph), firstConv: firstConvOf(m) };
}

/**
 * One image's forward pass on this worker's backend: a warm-up (weights uploaded, shaders compiled), then the median
 * of 5 passes on a zero image, each read back so the time includes the GPU's work.
 */
async function measure(id: string): Promise<ModelTiming> {
  const m = await getModel(id);
  const [h, w] = m.meta.inputSize;
  const x = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
  try {
    const once = async () => {
      const t0 = performance.now();
      const r = forward(m, x);
      await r.output.data();
      disposeForward(r);
      return performance.now() - t0;
    };
    await once();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await once());
    times.sort((a, b) => a - b);
    return { forwardMs: Math.round(times[2]! * 10) / 10, backend: tf.getBackend() };
  } finally {
    x.dispose();
  }
}

/** The model's first convolution as plain numbers (described once per model and kept by the service). */
function firstConvOf(m: Model): FirstConv | null {
  try {
    const { id, kernel, strides } = firstConvKernel(m);
    const [kh, kw, cin, n] = kernel.shape;
    return { model: m.meta.id, layer: id, shape: [kh, kw, cin, n], stride: strides, channelOrder: m.meta.preprocessing.channelOrder, weights: Array.from(kernel.dataSync()) };
  } catch {
    return null; // a model without an ordinary convolution has no first-layer filters to show
  }
}

async function runTask(taskId: number, task: WorkerTask): Promise<void> {
  const abort = new AbortController();
  const state = { abort, code: 'JOB_CANCELLED' as ComputeErrorCode };
  running.set(taskId, state);
  const t0 = performance.now();
  let lastProgress = 0;
  try {
    if (task.type === 'describe') {
      send({ type: 'done', taskId, result: await describe(task.model), ms: performance.now() - t0, batched: false });
      return;
    }
    if (task.type === 'measure') {
      send({ type: 'done', taskId, result: await measure(task.model), ms: performance.now() - t0, batched: false });
      return;
    }
    const out = await runJob(task.spec, {
      model: getModel,
      input: getInput,
      forward: async (model, req) => {
        const r = await batcher.submit(model.meta.id, { ...req, model }, String(taskId));
        return { rows: r.value, batched: r.batch.tags > 1 };
      },
      rowsPerRequest: config.rowsPerRequest,
      incrementalRows: config.maxBatch,
      incremental: config.incremental,
      labels: getLabels,
      encodePng: (img) => new Uint8Array(encodePng(img)),
      signal: abort.signal,
      onProgress: (progress) => {
        // Throttled, except snapshots and the last step, so a fast loop does not flood the socket.
        const now = performance.now();
        if (progress.image || progress.step === progress.total || now - lastProgress > 100) {
          lastProgress = now;
          send({ type: 'progress', taskId, progress });
        }
      },
    });
    send({ type: 'done', taskId, result: out.data, ms: performance.now() - t0, batched: out.batched, batchStats: { ...batcher.stats } });
  } catch (err) {
    if (isAbort(err) || abort.signal.aborted) {
      const why = state.code === 'JOB_TIMEOUT' ? 'the job ran past its time limit' : 'the job was cancelled';
      send({ type: 'failed', taskId, code: state.code, message: why });
    } else if (err instanceof CodedError) {
      send({ type: 'failed', taskId, code: err.code, message: err.message });
    } else {
      // Algorithm errors are descriptive; drop absolute paths of this machine before they reach a client.
      const message = String((err as Error)?.message ?? err).replace(/(\/[\w.-]+){2,}\/([\w.-]+)/g, '$2');
      send({ type: 'failed', taskId, code: 'JOB_FAILED', message });
    }
  } finally {
    running.delete(taskId);
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'task') void runTask(msg.taskId, msg.task);
  // Loading a model on the GPU worker compiles its shaders (warmUp); a failure shows again in the first job.
  else if (msg.type === 'warm') void getModel(msg.model).catch(() => undefined);
  else if (msg.type === 'cancel') {
    const r = running.get(msg.taskId);
    if (r) {
      r.code = msg.code;
      r.abort.abort();
    }
  }
});

try {
  send({ type: 'ready', ...(await initBackend(config.backend)) });
} catch (e) {
  send({ type: 'fatal', message: (e as Error).message });
}
