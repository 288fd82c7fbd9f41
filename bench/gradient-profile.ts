/**
 * Where the time of a forward pass and of an input gradient goes, per tfjs kernel (tf.profile), on one Node backend.
 *
 *   npx tsx bench/gradient-profile.ts [--backend wasm|cpu] [--models id,id] [--runs 5]
 *
 * Prints, per model, the CPU time of forward and gradient (median of the runs) and the kernels that take most of the
 * gradient's time (per kernel, the smallest sum over the runs). Kernel times include the profiler's own overhead,
 * so read them as shares, not as absolute figures.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { disposeForward, disposeModel, forward, inputGradient, type Model } from '@convlab/nets';
import { loadModelSpec } from '@convlab/nets/node';

const argv = process.argv.slice(2);
const get = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const backend = get('backend') ?? 'wasm';
const models = (get('models') ?? 'mobilenet_v1_0.25_224,squeezenet1.1_nchw').split(',');
const runs = Number(get('runs') ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median CPU ms of this process per call (user + system: less moved by other processes than wall time). */
async function cpuMs(fn: () => Promise<void>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    await fn();
    const t = process.cpuUsage(t0);
    times.push((t.user + t.system) / 1000);
  }
  return median(times);
}

/**
 * Kernel ms by kernel name over one call of `fn`: per name, the smallest sum over `runs` profiled calls (other
 * processes on a shared machine only ever add time, so the minimum is the closest to the kernel's own cost).
 */
async function kernelsMs(fn: () => Promise<void>): Promise<Map<string, { ms: number; calls: number }>> {
  const best = new Map<string, { ms: number; calls: number }>();
  for (let i = 0; i < runs; i++) {
    const info = await tf.profile(fn);
    const by = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const e = by.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += Number(await k.kernelTimeMs);
      e.calls++;
      by.set(k.name, e);
    }
    for (const [name, e] of by) if (!best.has(name) || e.ms < best.get(name)!.ms) best.set(name, e);
  }
  return best;
}

async function profileModel(model: Model): Promise<void> {
  const [h, w] = model.meta.inputSize;
  const x = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const fwd = async () => {
    const r = forward(model, x);
    await r.probabilities.data();
    disposeForward(r);
  };
  const grad = async () => {
    const g = inputGradient(model, x, { kind: 'class', index: 1 });
    await g.gradient.data();
    tf.dispose([g.gradient, g.value]);
  };
  const f = await cpuMs(fwd);
  const g = await cpuMs(grad);
  const fk = await kernelsMs(fwd);
  const gk = await kernelsMs(grad);
  const sum = (m: Map<string, { ms: number }>) => [...m.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`\n${model.meta.id} on ${backend}: forward ${f.toFixed(1)} ms, gradient ${g.toFixed(1)} ms (CPU time), ratio ${(g / f).toFixed(2)}`);
  console.log(`  kernel ms summed: forward ${sum(fk).toFixed(1)}, gradient ${sum(gk).toFixed(1)}`);
  console.log('  gradient kernel            ms   calls  share   (forward ms)');
  const rows = [...gk.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14);
  for (const [name, e] of rows) {
    const share = (100 * e.ms) / sum(gk);
    console.log(`  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(6)} ${String(e.calls).padStart(6)} ${share.toFixed(0).padStart(5)}%   ${fk.get(name)?.ms.toFixed(1) ?? '-'}`);
  }
  x.dispose();
}

tf.enableProdMode();
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
await tf.ready();
for (const id of models) {
  const { model } = await loadModelSpec(id);
  try {
    await profileModel(model);
  } finally {
    disposeModel(model);
  }
}
