/**
 * Gradient/forward of two versions of the executor side by side in ONE process (same model, same input, rounds
 * interleaved, CPU time of the process), so that the load of a shared machine hits both alike.
 *
 *   git archive <commit> packages/nets | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsx bench/gradient-ab.ts --before /tmp/before [--models id,id] [--rounds 9]
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_MODELS, disposeModel, Executor } from '@convlab/nets';
import { loadModelSpec } from '@convlab/nets/node';

const argv = process.argv.slice(2);
const get = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const beforeDir = get('before');
if (!beforeDir) throw new Error('--before DIR: a checkout (or git archive) of the version to compare against');
const models = get('models')?.split(',') ?? BUILTIN_MODELS.map((m) => m.meta.id);
const rounds = Number(get('rounds') ?? 9);
const { Executor: Before } = (await import(pathToFileURL(path.resolve(beforeDir, 'packages/nets/src/executor.ts')).href)) as { Executor: typeof Executor };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (fn: () => void) => {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
};

tf.enableProdMode();
if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start');
console.log('| model | forward ms | gradient ms before | after | ratio before | ratio after |\n|---|---|---|---|---|---|');
for (const id of models) {
  const { model } = await loadModelSpec(id);
  const [h, w] = model.meta.inputSize;
  const x = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const runs = { before: new Before(model), after: new Executor(model) };
  const forward = (e: Executor) => cpuMs(() => {
    const r = e.forward(x);
    r.probabilities.dataSync();
    tf.dispose([r.output, r.logits, r.probabilities]);
  });
  const gradient = (e: Executor) => cpuMs(() => {
    const r = e.gradient(x, { kind: 'class', index: 1 });
    r.gradient.dataSync();
    tf.dispose([r.gradient, r.value]);
  });
  const t = { fb: [] as number[], gb: [] as number[], fa: [] as number[], ga: [] as number[] };
  for (let i = 0; i <= rounds; i++) {
    const r = [forward(runs.before), gradient(runs.before), forward(runs.after), gradient(runs.after)];
    if (i === 0) continue; // warm-up
    t.fb.push(r[0]); t.gb.push(r[1]); t.fa.push(r[2]); t.ga.push(r[3]);
  }
  const ratio = (g: number[], f: number[]) => median(g.map((v, i) => v / f[i]));
  console.log(`| ${id} | ${median(t.fa).toFixed(1)} | ${median(t.gb).toFixed(1)} | ${median(t.ga).toFixed(1)} | ${ratio(t.gb, t.fb).toFixed(1)} | ${ratio(t.ga, t.fa).toFixed(1)} |`);
  runs.before.dispose();
  runs.after.dispose();
  x.dispose();
  disposeModel(model);
}
