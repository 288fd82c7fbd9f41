/**
 * Where the time of one 625-position incremental occlusion goes (224×224, window 32, stride 8) on Node wasm: the
 * prefix steps run on crops (per fused step), reading their results back, assembling crops and pastes on the CPU side
 * (JavaScript), and the batched rest of the network from the cut. Timed in this process's CPU time by wrapping the
 * executor's entry points (wasm kernels run synchronously on the calling thread), so other processes on a shared
 * machine do not inflate the parts; wall time is printed too (the gap is time spent waiting for a core).
 *
 *   npx tsx bench/occlusion-profile.ts [--model mobilenet_v1_0.25_224] [--batch 32] [--rounds 3]
 */
import { register } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

register('../packages/cli/bin/tfjs-resolve-hooks.mjs', import.meta.url);

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const modelId = arg('model', 'mobilenet_v1_0.25_224');
const batchSize = Number(arg('batch', '32'));
const rounds = Number(arg('rounds', '3'));

const nets = await import('@convlab/nets');
const vis = await import('@convlab/vis');
const { loadModelSpec } = await import('../packages/nets/src/store/load-model-node');
await tf.setBackend('wasm');
await tf.ready();
tf.enableProdMode();
const { model } = await loadModelSpec(modelId);
const [h, w] = model.meta.inputSize;
const x = tf.tidy(() => vis.gaussianBlur(tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 1) as tf.Tensor4D, 2));
const ex = nets.getExecutor(model);
const plan = nets.planIncremental(model, [32, 32]);

/** Accumulated ms per bucket. */
const spent: Record<string, number> = {};
const add = (k: string, ms: number) => { spent[k] = (spent[k] ?? 0) + ms; };
/** This process's CPU time in ms: other processes on a shared machine do not inflate it, as they do wall time. */
const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const proto = Object.getPrototypeOf(ex) as Record<string, (...a: unknown[]) => unknown>;
for (const [name, bucket] of [['runStep', 'prefix steps on crops (kernels)'], ['forwardFrom', 'rest of the network from the cut (batched)']] as const) {
  const orig = proto[name]!;
  proto[name] = function (this: unknown, ...a: unknown[]) {
    const s = cpuNow();
    try {
      return orig.apply(this, a);
    } finally {
      add(bucket, cpuNow() - s);
    }
  };
}
// Reading results back (tensor.data()) on wasm is a copy out of the heap.
const dataOrig = tf.Tensor.prototype.data;
tf.Tensor.prototype.data = async function (this: tf.Tensor) {
  const s = cpuNow();
  try {
    return await dataOrig.call(this);
  } finally {
    add('reading tensors back (data)', cpuNow() - s);
  }
} as typeof dataOrig;

const classify = vis.netsClassifier(model);
const run = async () => {
  for (const k of Object.keys(spent)) delete spent[k];
  const c0 = process.cpuUsage();
  const s = performance.now();
  await vis.occludeSlidingWindow(classify, x, { window: 32, stride: 8, batchSize, classIndex: 0, incremental: true });
  const wall = performance.now() - s;
  const cu = process.cpuUsage(c0);
  return { wall, cpu: (cu.user + cu.system) / 1000, parts: { ...spent } };
};
await run(); // warm-up
let best: Awaited<ReturnType<typeof run>> | null = null;
for (let r = 0; r < rounds; r++) {
  const res = await run();
  if (!best || res.cpu < best.cpu) best = res;
}
const b = best!;
const counted = Object.values(b.parts).reduce((a, v) => a + v, 0);
const lines = [
  `${modelId}, wasm, 625 positions, window 32, stride 8, batch ${batchSize}, cut ${plan.cut} (${(plan.estimatedFlops / 1e6).toFixed(0)} MFLOP/pos estimated, full pass ${(plan.fullFlops / 1e6).toFixed(0)} MFLOP)`,
  `best of ${rounds}: process CPU ${b.cpu.toFixed(0)} ms (wall ${b.wall.toFixed(0)} ms)`,
  ...Object.entries(b.parts).sort((p, q) => q[1] - p[1]).map(([k, v]) => `  ${k.padEnd(48)} ${v.toFixed(0).padStart(6)} ms  ${((100 * v) / b.cpu).toFixed(0).padStart(3)} %`),
  `  ${'JavaScript: crops, pastes, patches, bookkeeping'.padEnd(48)} ${(b.cpu - counted).toFixed(0).padStart(6)} ms  ${((100 * (b.cpu - counted)) / b.cpu).toFixed(0).padStart(3)} %`,
];
process.stdout.write(`${lines.join('\n')}\n`);
x.dispose();
nets.disposeModel(model);
