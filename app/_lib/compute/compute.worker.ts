/**
 * The browser's compute worker: TensorFlow.js off the UI thread. On `init` it picks the first backend that starts
 * (webgl, webgpu where the browser has it, wasm from files the app's bundle serves, cpu), loads models through the
 * Cache Storage reader from the server's /models/ files, measures one forward pass on `probe`, and runs JobSpecs
 * with the server's own job runner (@convlab/engine), so a result means the same on both sides.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  createCachedModelReader,
  importOnnx,
  isStoredModelId,
  loadBuiltinModel,
  parseImageNetTsv,
  preprocessImage,
  STORED_MODEL_IDS,
  type ImageNetClass,
  type Model,
  type ResourceReader,
} from '@convlab/nets';
import { API, ModelDetailSchema, UPLOADED_MODEL_ID, type ImageRef } from '@convlab/protocol';

/** The file name of an uploaded model under its catalog URL (API.modelFile). */
const MODEL_FILE = 'model.onnx';
import { encodePng } from '@convlab/vis/png';
import { forwardRows, isAbort, runJob } from '@convlab/engine';
import { isOutOfMemoryError } from './placement';
import { BACKEND_ORDER, type BackendAttempt, type BrowserBackend, type FromWorker, type ToWorker, type WorkerSetup } from './worker-messages';

// The app compiles with the DOM lib (adding the webworker lib to it clashes): the worker scope, as used here.
const scope = self as unknown as { postMessage(m: FromWorker, transfer: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const send = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

// The wasm binaries as assets of this bundle (Next emits them under /_next/static/media with hashed names).
const WASM_FILES = {
  'tfjs-backend-wasm.wasm': new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url).href,
  'tfjs-backend-wasm-simd.wasm': new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL('../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
};

class CodedError extends Error {
  constructor(
    readonly code: 'UNKNOWN_MODEL' | 'UNKNOWN_IMAGE' | 'JOB_FAILED',
    message: string,
  ) {
    super(message);
  }
}

let setup: WorkerSetup | null = null;
let reader: ResourceReader | null = null;
let backendReady: Promise<string | null> | null = null;

/** Registers a backend's module only when it is tried, so an absent WebGPU costs nothing. */
async function register(name: BrowserBackend): Promise<void> {
  if (name === 'webgpu') {
    if (!('gpu' in navigator) || !(await (navigator as Navigator & { gpu: { requestAdapter(): Promise<unknown> } }).gpu.requestAdapter())) {
      throw new Error('WebGPU is not available in this browser');
    }
    await import('@tensorflow/tfjs-backend-webgpu');
  } else if (name === 'wasm') {
    setWasmPaths(WASM_FILES);
  }
}

/** Tries the backends in order; each must start and run a small op correctly before it is used. */
async function pickBackend(order: readonly BrowserBackend[]): Promise<{ backend: string | null; attempts: BackendAttempt[] }> {
  tf.enableProdMode();
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      await register(name);
      if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start`);
      await tf.ready();
      // A backend can start and still compute garbage (broken drivers): check one small matmul.
      const check = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])));
      const v = await check.data();
      check.dispose();
      if (Math.abs(v[0] - 19) > 1e-3 || Math.abs(v[3] - 50) > 1e-3) throw new Error(`the ${name} backend computed a wrong result`);
      attempts.push({ backend: name, ok: true });
      return { backend: name, attempts };
    } catch (e) {
      attempts.push({ backend: name, ok: false, error: String((e as Error)?.message ?? e).slice(0, 200) });
    }
  }
  return { backend: null, attempts };
}

/** The WebGL renderer's name (unmasked where the browser allows), e.g. to tell SwiftShader from a real GPU. */
function webglRenderer(): string {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : gl ? String(gl.getParameter(gl.RENDERER)) : '';
  } catch {
    return '';
  }
}

function backendInfo(backend: string | null): string {
  if (backend === 'webgl') {
    const renderer = webglRenderer();
    return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}${renderer ? ` · ${renderer}` : ''}`;
  }
  if (backend === 'wasm') return `WebAssembly${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' · SIMD' : ''}${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? ' · threads' : ''}`;
  if (backend === 'webgpu') return 'WebGPU';
  if (backend === 'cpu') return 'plain JavaScript (slow)';
  return 'none';
}

const models = new Map<string, Promise<Model>>();
function getModel(id: string): Promise<Model> {
  let p = models.get(id);
  if (!p) {
    const uploaded = UPLOADED_MODEL_ID.test(id);
    if (!uploaded && !isStoredModelId(id)) return Promise.reject(new CodedError('UNKNOWN_MODEL', `unknown model '${id}'; built-in models: ${STORED_MODEL_IDS.join(', ')}`));
    p = (uploaded ? loadUploadedModel(id) : loadBuiltinModel(id, reader!)).catch((e: Error) => {
      models.delete(id);
      // The loaders' messages already name the model and the URL.
      throw e instanceof CodedError ? e : new CodedError('JOB_FAILED', e.message);
    });
    models.set(id, p);
  }
  return p;
}

/**
 * An instructor's uploaded ONNX model: its metadata from the server's catalog, its file through the Cache Storage
 * reader (fetched by content hash, verified), imported here as the server's workers import it.
 */
async function loadUploadedModel(id: string): Promise<Model> {
  const url = new URL(API.model(id), setup!.modelsUrl);
  const res = await fetch(url);
  if (!res.ok) throw new CodedError('UNKNOWN_MODEL', `the model '${id}' is not on this server (HTTP ${res.status})`);
  const detail = ModelDetailSchema.parse(await res.json());
  if (!detail.meta || !detail.file) throw new CodedError('UNKNOWN_MODEL', `'${id}' is not an uploaded model`);
  if (detail.model.serverOnly) throw new CodedError('JOB_FAILED', `${detail.model.displayName} is computed on the server only`);
  const file = { path: MODEL_FILE, size: detail.file.size, sha256: detail.file.sha256 };
  const bytes = await createCachedModelReader(`${url.href}/`, { files: [file] }).readBytes(MODEL_FILE);
  return importOnnx(bytes, { id, meta: detail.meta as Partial<Model['meta']> });
}

/** Decoded RGB pixels per image URL (a lab reuses its image for every job). */
const pixels = new Map<string, Promise<tf.Tensor3D>>();
const PIXEL_CACHE = 8;

function imageUrl(ref: ImageRef): string {
  if (ref.kind === 'sample') return setup!.samplesUrl + ref.id.split('/').map(encodeURIComponent).join('/');
  return setup!.uploadsUrl + ref.sha256;
}

/** Fetches and decodes an image without colour management, as the server's decoder reads the stored bytes. */
async function decode(url: string): Promise<tf.Tensor3D> {
  const name = decodeURIComponent(url.split('/').pop() ?? url);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new CodedError('UNKNOWN_IMAGE', `cannot fetch image ${name}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new CodedError('UNKNOWN_IMAGE', `image ${name} is not available (HTTP ${res.status})`);
  const bitmap = await createImageBitmap(await res.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx2d = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx2d.drawImage(bitmap, 0, 0);
    const rgba = ctx2d.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const rgb = new Int32Array(bitmap.width * bitmap.height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i];
      rgb[j + 1] = rgba[i + 1];
      rgb[j + 2] = rgba[i + 2];
    }
    return tf.tensor3d(rgb, [bitmap.height, bitmap.width, 3], 'int32');
  } finally {
    bitmap.close();
  }
}

async function getInput(ref: ImageRef, model: Model): Promise<tf.Tensor4D> {
  const url = imageUrl(ref);
  let p = pixels.get(url);
  if (!p) {
    p = decode(url);
    p.catch(() => pixels.delete(url));
    pixels.set(url, p);
    while (pixels.size > PIXEL_CACHE) {
      const [oldUrl, old] = pixels.entries().next().value as [string, Promise<tf.Tensor3D>];
      pixels.delete(oldUrl);
      void old.then((t) => t.dispose(), () => {});
    }
  }
  return preprocessImage(await p, model.meta);
}

let labels: Promise<ImageNetClass[] | null> | null = null;
function getLabels(): Promise<ImageNetClass[] | null> {
  labels ??= setup?.labelsUrl
    ? fetch(setup.labelsUrl)
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then(parseImageNetTsv)
        .catch(() => null)
    : Promise.resolve(null);
  return labels;
}

async function ensureBackend(): Promise<string> {
  const backend = await backendReady;
  if (!backend) throw Object.assign(new Error('no TensorFlow.js backend runs in this browser'), { noBackend: true });
  return backend;
}

/** Loads the model and times a forward pass of batch 1 (after one warm-up pass that compiles shaders). */
async function probe(id: number, modelId: string): Promise<void> {
  try {
    const backend = await ensureBackend();
    const t0 = performance.now();
    const model = await getModel(modelId);
    const loadMs = performance.now() - t0;
    const [h, w] = model.meta.inputSize;
    const x = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 42) as tf.Tensor4D;
    try {
      const t1 = performance.now();
      await forwardRows(model, x);
      const warmupMs = performance.now() - t1;
      const t2 = performance.now();
      await forwardRows(model, x);
      const forwardMs = performance.now() - t2;
      send({ type: 'probed', id, model: modelId, backend, loadMs, forwardMs, warmupMs, inputSize: [h, w] });
    } finally {
      x.dispose();
    }
  } catch (e) {
    fail(id, e);
  }
}

const running = new Map<number, AbortController>();

async function run(id: number, spec: Extract<ToWorker, { type: 'run' }>['spec']): Promise<void> {
  const abort = new AbortController();
  running.set(id, abort);
  let lastProgress = 0;
  try {
    const backend = await ensureBackend();
    const t0 = performance.now();
    const out = await runJob(spec, {
      model: getModel,
      input: getInput,
      // One job at a time runs here, so there is nothing to batch with: the reference forward path.
      forward: async (model, req) => ({ rows: await forwardRows(model, req.input, req.taps), batched: false }),
      rowsPerRequest: backend === 'webgl' || backend === 'webgpu' ? 16 : 8,
      labels: getLabels,
      // Result images and ascent snapshots as PNGs, as the server makes them, so a submission carries its picture.
      encodePng,
      signal: abort.signal,
      onProgress: (progress) => {
        const now = performance.now();
        if (progress.image || progress.step === progress.total || now - lastProgress > 100) {
          lastProgress = now;
          send({ type: 'progress', id, progress });
        }
      },
    });
    send({ type: 'done', id, data: out.data, backend, ms: performance.now() - t0 }, transferables(out.data));
  } catch (e) {
    if (isAbort(e) || abort.signal.aborted) send({ type: 'failed', id, code: 'JOB_CANCELLED', message: 'the job was cancelled' });
    else fail(id, e);
  } finally {
    running.delete(id);
  }
}

function fail(id: number, e: unknown): void {
  const message = String((e as Error)?.message ?? e);
  if ((e as { noBackend?: boolean })?.noBackend) send({ type: 'failed', id, code: 'NO_BACKEND', message });
  else if (e instanceof CodedError) send({ type: 'failed', id, code: e.code, message });
  else if (isOutOfMemoryError(message)) send({ type: 'failed', id, code: 'OUT_OF_MEMORY', message });
  else send({ type: 'failed', id, code: 'JOB_FAILED', message });
}

/** The typed arrays of a result, moved rather than copied to the page. */
function transferables(data: unknown): Transferable[] {
  const out = new Set<ArrayBuffer>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(data, 0);
  return [...out];
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'init':
      if (backendReady) return;
      setup = msg.setup;
      reader = createCachedModelReader(setup.modelsUrl);
      backendReady = pickBackend(setup.backends ?? BACKEND_ORDER).then(({ backend, attempts }) => {
        const renderer = backend === 'webgl' ? webglRenderer() : '';
        send({ type: 'ready', backend, attempts, info: backendInfo(backend), ...(renderer ? { renderer } : {}) });
        return backend;
      });
      return;
    case 'probe':
      void probe(msg.id, msg.model);
      return;
    case 'run':
      void run(msg.id, msg.spec);
      return;
    case 'cancel':
      running.get(msg.id)?.abort();
      return;
  }
};
