/**
 * Browser page for webgl.browser.test.ts (bundled with esbuild): runs MobileNet v1 0.25 on webgl and on cpu in the
 * same page, loading the model over HTTP with the browser reader, and reports how far the results differ; the
 * max-pool tie case's gradients on webgl (the test compares them with the hand-computed ones); and the imported
 * squeezenet1_1.onnx on webgl against PyTorch's reference rows (when the server has models/onnx/).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { createHttpReader, loadBuiltinModel, Executor, disposeModel, disposeForward, importOnnx, npyToTensor, parseNpy } from '../index';
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

/** squeezenet1_1.onnx imported here and run on the current backend: max |Δ| / max |ref| of each PyTorch row. */
async function onnxRows(): Promise<number[] | null> {
  const reader = createHttpReader(`${location.origin}/models/onnx/`);
  let bytes: Uint8Array;
  try {
    bytes = await reader.readBytes('squeezenet1_1.onnx');
  } catch {
    return null; // no ONNX reference models on this machine
  }
  const model = await importOnnx(bytes, { id: 'squeezenet1_1' });
  const nchw = npyToTensor(await reader.readBytes('input.npy'));
  const x = tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
  const ref = parseNpy(await reader.readBytes('squeezenet1_1.output.npy'));
  const n = ref.shape[1]!;
  const ex = new Executor(model);
  const r = ex.forward(x);
  const got = Array.from(await r.logits.data());
  disposeForward(r);
  tf.dispose([nchw, x]);
  ex.dispose();
  disposeModel(model);
  const want = Array.from(ref.data as Float32Array);
  return [0, 1].map((row) => rel(got.slice(row * n, (row + 1) * n), want.slice(row * n, (row + 1) * n)));
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
    const onnx = await onnxRows();
    const cpu = await run('cpu');
    w.__result = {
      backend: 'webgl',
      logits: rel(gl.logits, cpu.logits),
      tap: rel(gl.tap, cpu.tap),
      grads: Object.fromEntries(MODES.map((m) => [m, rel(gl.grads[m], cpu.grads[m])])),
      leftover: [gl.tensors, cpu.tensors],
      ties,
      onnx,
    };
  } catch (e) {
    w.__result = { error: String((e as Error).stack ?? e) };
  }
})();
