/**
 * Browser-safe core of the visualization benchmarks (tfjs-core, @convlab/nets and @convlab/vis only): times one
 * loaded model on the active backend — occlusion per position vs batched, saliency and guided backprop, gradient
 * ascent. `bench/vis.bench.ts` runs it in Node; the Chromium page (browser-entry.ts) can call `benchVisModel` as is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { graphTotals, planIncremental, type Model } from '@convlab/nets';
import { attribute, gaussianBlur, gradientAscent, inputRange, netsAttributionProvider, netsClassifier, netsScore, occludeSlidingWindow } from '@convlab/vis';

/** Results for one model on one backend. */
export interface VisBenchRow {
  backend: string;
  model: string;
  /** FLOPs of one forward pass of one image. */
  flops: number;
  matmulGflops: number;
  positionsTimed: number;
  rounds: number;
  /** Occlusion positions per second, one forward pass per position. */
  occlusionPerPosition: number;
  /** Positions per second at each batch size. */
  occlusionBatched: Record<number, number>;
  bestBatch: number;
  /** Best batched rate / per-position rate. */
  speedup: number;
  /** Positions/s of incremental occlusion (early layers on crops, the rest batched) at each batch size. */
  occlusionIncremental: Record<number, number>;
  bestIncrementalBatch: number;
  /** Best incremental rate / per-position rate, and / best batched rate. */
  incrementalSpeedup: number;
  incrementalVsBatched: number;
  /** The cut node chosen automatically for window 32, and its estimated FLOPs per position. */
  incrementalCut: string | null;
  incrementalFlops: number;
  /** Positions/s if a forward pass ran at the matmul rate (FLOPs / GFLOP/s). */
  occlusionBound: number;
  saliencyMs: number;
  guidedMs: number;
  ascentStepsPerSecond: number;
}

/** Median ms of `fn` over n runs after one warm-up run. */
export async function medianMs(fn: () => Promise<void>, n: number): Promise<number> {
  await fn(); // warm-up: wasm/JIT, executor plans and folded weights
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

/** Raw matmul GFLOP/s of the active backend (best of 5: it stands for the machine's limit). */
export async function matmulGflops(n: number): Promise<number> {
  const a = tf.randomNormal([n, n]) as tf.Tensor2D;
  const b = tf.randomNormal([n, n]) as tf.Tensor2D;
  const run = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await run();
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await run();
    best = Math.min(best, performance.now() - s);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (best * 1e6);
}

/** How one model is timed. */
export interface VisModelBenchOptions {
  /** Label of the backend in the result, e.g. 'node-wasm' or 'chromium-webgl'. */
  backend: string;
  matmulGflops: number;
  batchSizes: number[];
  /** Occlusion positions timed per batched configuration (per-position runs time at most 64). */
  positions: number;
  /** Alternating rounds of per-position and batched occlusion; the best rate of each is kept. */
  rounds: number;
  iterations: number;
  ascentSteps: number;
  /**
   * Clock of the occlusion timings in ms (default `performance.now`). On a shared machine Node can pass the process's
   * CPU time instead, which other processes disturb much less (valid while the backend runs on one thread).
   */
  clock?: () => number;
}

/** Times the visualization algorithms on one model with the active backend. */
export async function benchVisModel(model: Model, o: VisModelBenchOptions): Promise<VisBenchRow> {
  const flops = graphTotals(model.graph).flops;
  const [h, w] = model.meta.inputSize;
  // A smooth random input: what is occluded does not change the cost.
  const x = tf.tidy(() => gaussianBlur(tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 1) as tf.Tensor4D, 2));
  try {
    const classify = netsClassifier(model);
    const clock = o.clock ?? (() => performance.now());
    const occ = async (batchSize: number, n: number, incremental = false) => {
      const s = clock();
      await occludeSlidingWindow(classify, x, { window: 32, stride: 8, batchSize, classIndex: 0, range: { start: 0, end: n }, incremental });
      return n / ((clock() - s) / 1000);
    };
    const plan = planIncremental(model, [32, 32]);
    await occ(8, 8); // warm-up: wasm/JIT, shaders, executor plans and folded weights
    await occ(8, 8, true);
    let perPosition = 0;
    const batched: Record<number, number> = {};
    const incremental: Record<number, number> = {};
    // Timed positions: the first n in row-major order (for n < 625, the top rows, borders included).
    for (let r = 0; r < o.rounds; r++) {
      perPosition = Math.max(perPosition, await occ(1, Math.min(o.positions, 64)));
      for (const b of o.batchSizes) batched[b] = Math.max(batched[b] ?? 0, await occ(b, Math.max(o.positions, b)));
      for (const b of o.batchSizes) incremental[b] = Math.max(incremental[b] ?? 0, await occ(b, Math.max(o.positions, b), true));
    }
    const best = (rates: Record<number, number>) => o.batchSizes.reduce((a, b) => (rates[b] > rates[a] ? b : a), o.batchSizes[0]);
    const bestBatch = best(batched);
    const bestIncrementalBatch = best(incremental);
    const provider = netsAttributionProvider(model, { kind: 'class', index: 0 });
    const attr = async (method: 'vanilla' | 'guided') => {
      const r = await attribute(provider, x, { method });
      r.raw?.dispose();
    };
    const saliencyMs = await medianMs(() => attr('vanilla'), o.iterations);
    const guidedMs = await medianMs(() => attr('guided'), o.iterations);
    const s = performance.now();
    const asc = await gradientAscent(netsScore(model, { kind: 'class', index: Math.min(951, model.meta.numClasses - 1) }), {
      shape: [1, h, w, 3], steps: o.ascentSteps, learningRate: 0.05, optimizer: 'adam', l2: 1e-3, blurEvery: 4, blurWidth: 1, jitter: 8,
      clip: inputRange(model.meta.preprocessing),
    });
    const ascentStepsPerSecond = o.ascentSteps / ((performance.now() - s) / 1000);
    asc.image.dispose();
    return {
      backend: o.backend, model: model.meta.id, flops, matmulGflops: o.matmulGflops, positionsTimed: o.positions, rounds: o.rounds,
      occlusionPerPosition: perPosition, occlusionBatched: batched, bestBatch, speedup: batched[bestBatch] / perPosition,
      occlusionIncremental: incremental, bestIncrementalBatch,
      incrementalSpeedup: incremental[bestIncrementalBatch] / perPosition,
      incrementalVsBatched: incremental[bestIncrementalBatch] / batched[bestBatch],
      incrementalCut: plan.cut, incrementalFlops: plan.estimatedFlops,
      occlusionBound: (o.matmulGflops * 1e9) / flops, saliencyMs, guidedMs, ascentStepsPerSecond,
    };
  } finally {
    x.dispose();
  }
}
