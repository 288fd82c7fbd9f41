/**
 * One backend of the gpu suite (gpu.bench.ts), in its own process (WebGPU needs its Vulkan environment before the
 * process starts, and each backend gets a fresh TensorFlow.js): per model, forward at batch 1 and 32, a class
 * gradient, 625-position occlusion (incremental and not) and 200 ascent steps through the job runner, then the
 * compute service's jobs/s with 30 students. argv: <wasm|webgpu> <models,…> <quick 0|1>. Prints one JSON line.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { disposeForward, disposeModel, forward, inputGradient, type Model } from '@convlab/nets';
import { loadModelSpec } from '@convlab/nets/node';
import { useBackend } from '@convlab/nets/testing/backends';
import { forwardRows, runJob, type RunnerContext } from '@convlab/engine';
import { JobSpecSchema, type JobSpec, type JobSpecInput } from '@convlab/protocol';
import type { BackendChoice } from '../server/compute/backend-select';
import { ComputeService } from '../server/compute/service';
import { installWebGpu, probeGpuAdapter, type GpuAdapterInfo } from '../server/compute/webgpu-setup';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODELS_DIR = path.resolve(here, '../../shared/models');
const [backend, modelList, quickFlag] = process.argv.slice(2) as ['wasm' | 'webgpu', string, string];
const quick = quickFlag === '1';

/** One model's figures (ms); `scale` notes where --quick measured less and scaled up. */
export interface GpuModelRow {
  model: string;
  fwdB1: number;
  fwdB32PerImage: number;
  gradient: number;
  occlusion625: number;
  occlusion625Incremental: number;
  ascent200: number;
  scaled: string[];
}

/** What the child reports. */
export interface GpuChildReport {
  backend: string;
  adapter: GpuAdapterInfo | null;
  notMeasured?: string;
  rows: GpuModelRow[];
  service?: { students: number; jobs: number; jobsPerSecond: number; workers: string };
  errors: string[];
}

async function median(n: number, fn: () => Promise<void>): Promise<number> {
  await fn(); // warm-up: shader compilation, executor constants
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function forwardOnce(model: Model, x: tf.Tensor4D): Promise<void> {
  const r = forward(model, x);
  await r.probabilities.data();
  disposeForward(r);
}

async function benchModel(id: string): Promise<GpuModelRow> {
  const { model } = await loadModelSpec(id, { modelsDir: MODELS_DIR });
  const [h, w] = model.meta.inputSize;
  const iterations = quick ? 2 : 5;
  const x1 = tf.randomNormal([1, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const x32 = tf.tile(x1, [32, 1, 1, 1]) as tf.Tensor4D;
  const scaled: string[] = [];
  try {
    const fwdB1 = await median(iterations, () => forwardOnce(model, x1));
    const fwdB32PerImage = (await median(1, () => forwardOnce(model, x32))) / 32;
    const gradient = await median(iterations, async () => {
      const g = inputGradient(model, x1, { kind: 'class', index: 1 });
      await g.gradient.data();
      tf.dispose([g.gradient, g.value]);
    });
    const ctx = (incremental: boolean): RunnerContext => ({
      model: async () => model,
      input: async () => tf.clone(x1),
      forward: async (m, req) => ({ rows: await forwardRows(m, req.input, req.taps), batched: false }),
      rowsPerRequest: 32,
      incrementalRows: 32,
      incremental,
      signal: new AbortController().signal,
      onProgress: () => undefined,
    });
    const job = (spec: JobSpecInput) => JobSpecSchema.parse(spec) as JobSpec;
    // 625 positions: window 32, stride 8 on 224 × 224. --quick: stride 32 (49 positions), scaled to 625.
    const stride = quick ? 32 : 8;
    const positions = ((h - 32) / stride + 1) ** 2;
    const occlusion = job({ kind: 'occlusion', model: id, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, params: { window: 32, stride, fill: 'grey', classIndex: 1 } });
    const occlusion625 = ((await median(1, async () => void (await runJob(occlusion, ctx(false))))) * 625) / positions;
    const occlusion625Incremental = ((await median(1, async () => void (await runJob(occlusion, ctx(true))))) * 625) / positions;
    if (positions !== 625) scaled.push(`occlusion: ${positions} positions × 625/${positions}`);
    const steps = quick ? 4 : 200;
    const ascent = job({ kind: 'ascent', model: id, params: { target: { kind: 'class', index: 1 }, steps, learningRate: 1, l2: 0.001 } });
    const ascent200 = ((await median(quick ? 1 : 1, async () => void (await runJob(ascent, ctx(false))))) * 200) / steps;
    if (steps !== 200) scaled.push(`ascent: ${steps} steps × ${200 / steps}`);
    return { model: id, fwdB1, fwdB32PerImage, gradient, occlusion625, occlusion625Incremental, ascent200, scaled };
  } finally {
    tf.dispose([x1, x32]);
    disposeModel(model);
  }
}

/** 30 students submit classify and saliency jobs at once (distinct targets: nothing cached), jobs/s to the last. */
async function benchService(choice: BackendChoice, model: string): Promise<NonNullable<GpuChildReport['service']>> {
  const students = 30;
  const perStudent = quick ? 1 : 2;
  // --quick: every other student's job is a gradient (saliency); the rest one-mask occlusion (one forward pass).
  const size = Math.max(1, Math.min(os.availableParallelism(), 4));
  const service = await ComputeService.start({ size, choice, modelsDir: MODELS_DIR, maxBatch: 4, queue: { maxPerOwner: perStudent, maxTotal: 10_000 }, cache: { maxEntries: 0 } });
  try {
    const image = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;
    const spec = (s: number, k: number): JobSpecInput =>
      k % 2 === 0
        ? { kind: 'occlusion-masks', model, image, params: { masks: [{ kind: 'rect', x: 0, y: 0, width: 40 + (s % 100), height: 40 }], fill: 'grey', classIndex: s } }
        : { kind: 'saliency', model, image, params: { method: 'vanilla', target: { kind: 'class', index: s } } };
    const run = (s: number, k: number) =>
      new Promise<void>((resolve, reject) =>
        service.submit(spec(s, k), { ownerId: `s${s}`, role: 'student' }, { result: (o) => (o.ok ? resolve() : reject(new Error(`${o.error}: ${o.message}`))) }).catch(reject),
      );
    await run(999, 0); // warm-up: the model on a worker, the GPU's shaders
    await run(998, 1);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: students }, async (_, s) => {
      for (let k = 0; k < perStudent; k++) await run(s, k + s);
    }));
    const info = service.pool.info();
    const gpu = info.workers.filter((w) => w.gpu).length;
    return { students, jobs: students * perStudent, jobsPerSecond: (students * perStudent * 1000) / (performance.now() - t0), workers: gpu ? `${gpu} webgpu + ${info.workers.length - gpu} wasm` : `${info.workers.length} ${info.backend}` };
  } finally {
    await service.close();
  }
}

const report: GpuChildReport = { backend, adapter: null, rows: [], errors: [] };
let choice: BackendChoice = { backend: 'wasm' };
tf.enableProdMode();
if (backend === 'webgpu') {
  await installWebGpu();
  await import('@tensorflow/tfjs-backend-webgpu');
  report.adapter = await probeGpuAdapter();
  if (!report.adapter || !(await tf.setBackend('webgpu'))) report.notMeasured = 'no WebGPU adapter on this machine (no GPU lent; for software: --swiftshader)';
  else {
    await tf.ready();
    choice = { backend: 'webgpu', adapter: report.adapter };
  }
} else await useBackend('wasm');

if (!report.notMeasured) {
  for (const id of modelList.split(',')) {
    try {
      report.rows.push(await benchModel(id));
      process.stderr.write(`gpu suite: ${backend} ${id} done\n`);
    } catch (e) {
      report.errors.push(`${id}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  try {
    report.service = await benchService(choice, modelList.split(',')[0]!);
  } catch (e) {
    report.errors.push(`service: ${(e as Error).message.split('\n')[0]}`);
  }
}
// Exit once the report is flushed through the pipe (Dawn's handles would keep the process alive).
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
