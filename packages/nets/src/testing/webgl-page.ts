/**
 * Browser page for webgl.browser.test.ts (bundled with esbuild): runs MobileNet v1 0.25 on webgl and on cpu in the
 * same page, loading the model over HTTP with the browser reader, and reports how far the results differ; and the
 * max-pool tie case's gradients on webgl (the test compares them with the hand-computed ones).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { createHttpReader, loadBuiltinModel, Executor, disposeModel, disposeForward } from '../index';
import type { ReluMode } from '../executor.types';
import { tieGradients } from './max-pool-ties';

const MODES: ReluMode[] = ['standard', 'guided', 'deconvnet'];

async function run(backend: string) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  await tf.ready();
  const model = await loadBuiltinModel('mobilenet_v1_0.25_224', createHttpReader(`${location.origin}/models/`));
  const ex = new Executor(model);
  const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
  const r = ex.forward(x, { taps: ['conv_dw_3_relu'] });
  const logits = Array.from(await r.logits.data());
  const tap = Array.from(await r.taps.conv_dw_3_relu.data());
  disposeForward(r);
  const grads: Record<string, number[]> = {};
  for (const mode of MODES) {
    const g = ex.gradient(x, { kind: 'class', index: [386, 101] }, { reluMode: mode });
    grads[mode] = Array.from(await g.gradient.data());
    tf.dispose([g.gradient, g.value]);
  }
  x.dispose();
  ex.dispose();
  disposeModel(model);
  return { logits, tap, grads, tensors: tf.memory().numTensors };
}

function rel(a: number[], b: number[]): number {
  let n = 0;
  let d = 0;
  for (let i = 0; i < b.length; i++) {
    n = Math.max(n, Math.abs(a[i] - b[i]));
    d = Math.max(d, Math.abs(b[i]));
  }
  return d === 0 ? n : n / d;
}

(async () => {
  const w = window as unknown as { __result: unknown };
  try {
    const gl = await run('webgl');
    const ties = { standalone: await tieGradients(false), fused: await tieGradients(true) };
    const cpu = await run('cpu');
    w.__result = {
      backend: 'webgl',
      logits: rel(gl.logits, cpu.logits),
      tap: rel(gl.tap, cpu.tap),
      grads: Object.fromEntries(MODES.map((m) => [m, rel(gl.grads[m], cpu.grads[m])])),
      leftover: [gl.tensors, cpu.tensors],
      ties,
    };
  } catch (e) {
    w.__result = { error: String((e as Error).stack ?? e) };
  }
})();
