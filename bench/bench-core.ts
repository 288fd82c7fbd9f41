/**
 * Timing code shared by the Node runs and the Chromium page (browser-safe: tfjs-core and @convlab/nets only).
 * Every figure is a median of a few runs after a warm-up run (shader compilation, wasm/JIT warm-up), and every run
 * waits for the result to be downloaded, so asynchronous backends (webgl) are timed to completion.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeForward, forward, graphTotals, inputGradient, type Model } from '@convlab/nets';

/** How long each measurement may take before it stops repeating. */
export interface BenchBudget {
  /** Timed runs per measurement (after one warm-up). */
  iterations: number;
  /** Stop repeating once a measurement has used this many ms (at least one timed run always happens). */
  measurementMs: number;
  /** Skip batch 16 when its estimated cost (from batch 1) exceeds this many ms; 0 = never skip. */
  skipBatchOverMs: number;
}

/** Result of one model on one backend. Times are ms per image; null = skipped (over budget). */
export interface ModelTiming {
  model: string;
  backend: string;
  params: number;
  /** FLOPs of one forward pass of one image (multiply-add = 2). */
  flops: number;
  forwardB1: number | null;
  forwardB16: number | null;
  gradientB1: number | null;
  /** Why something was skipped. */
  note?: string;
}

/** Median (or, with `best`, minimum) ms of `fn` over up to `iterations` runs after `warmup` runs, within `budgetMs`. */
export async function timeMs(fn: () => Promise<void>, iterations: number, budgetMs: number, warmup = 1, best = false): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < iterations && (times.length === 0 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return best ? times[0] : times[Math.floor(times.length / 2)];
}

/**
 * Raw matmul throughput of the active backend, GFLOP/s (2·n³ FLOPs per n×n by n×n product): the best of a few runs,
 * since it stands for the machine's limit.
 */
export async function matmulGflops(n: number, budget: BenchBudget): Promise<number> {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D;
  const b = tf.randomNormal([n, n]) as tf.Tensor2D;
  const ms = await timeMs(async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  }, Math.max(3, budget.iterations), budget.measurementMs, 1, true);
  tf.dispose([a, b]);
  return (2 * n ** 3) / (ms * 1e6);
}

/** Forward ms/image at batch 1 and 16 and input-gradient ms/image (class score, batch 1) of a loaded model. */
export async function benchModel(model: Model, backend: string, budget: BenchBudget): Promise<ModelTiming> {
  const { params, flops } = graphTotals(model.graph);
  const [h, w] = model.meta.inputSize;
  const timing: ModelTiming = { model: model.meta.id, backend, params, flops, forwardB1: null, forwardB16: null, gradientB1: null };
  const runForward = (x: tf.Tensor4D) => async () => {
    const r = forward(model, x);
    await r.probabilities.data();
    disposeForward(r);
  };
  const x1 = tf.randomUniform([1, h, w, 3], -1, 1) as tf.Tensor4D;
  try {
    timing.forwardB1 = await timeMs(runForward(x1), budget.iterations, budget.measurementMs);
    timing.gradientB1 = await timeMs(async () => {
      const g = inputGradient(model, x1, { kind: 'class', index: 1 });
      await g.gradient.data();
      tf.dispose([g.gradient, g.value]);
    }, budget.iterations, budget.measurementMs);
  } finally {
    x1.dispose();
  }
  // Warm-up plus one run of batch 16, estimated from batch 1 (batching rarely makes a pass slower per image).
  const estimate = 2 * 16 * timing.forwardB1;
  if (budget.skipBatchOverMs > 0 && estimate > budget.skipBatchOverMs) {
    timing.note = `batch 16 skipped: estimated ${(estimate / 1000).toFixed(0)} s > budget ${(budget.skipBatchOverMs / 1000).toFixed(0)} s (--full runs it)`;
    return timing;
  }
  const x16 = tf.randomUniform([16, h, w, 3], -1, 1) as tf.Tensor4D;
  try {
    timing.forwardB16 = (await timeMs(runForward(x16), Math.min(budget.iterations, 2), budget.measurementMs)) / 16;
  } finally {
    x16.dispose();
  }
  return timing;
}
