/**
 * Child process of webgpu-parity.test.ts (it must start with SwiftShader's Vulkan environment, see
 * webgpu-setup.ts `swiftShaderEnv`): runs the same jobs through the job runner on wasm and on WebGPU with a tiny
 * model built in code, then runs them again on WebGPU to count tensors left behind. Prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GraphBuilder, inputGradient, type Model } from '@convlab/nets';
import { useBackend } from '@convlab/nets/testing/backends';
import { testModel } from '@convlab/nets/testing/gradients';
import { tieGradients } from '@convlab/nets/testing/max-pool-ties';
import { randomTensor, randomWeights } from '@convlab/nets/testing/random';
import { forwardRows, runJob, type RunnerContext } from '@convlab/engine';
import { JobSpecSchema, type JobSpec } from '@convlab/protocol';
import { installWebGpu, probeGpuAdapter } from '../webgpu-setup';

const SIZE = 16;
const CLASSES = 10;

/**
 * Two conv blocks with a max pool between (first-maximum gradient routing), the second strided (the sub-pixel
 * backward convolution), a dense head: small enough for SwiftShader.
 */
function tinyModel(): Model {
  const b = new GraphBuilder([SIZE, SIZE, 3]);
  b.conv2d('c1', { filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' });
  b.pool('maxPool', 'p1', 2, 2);
  b.conv2d('c2', { filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
  b.op('flatten', 'fl');
  b.dense('fc', CLASSES);
  const graph = b.build();
  const base = testModel(graph, randomWeights(graph, 7));
  return { ...base, meta: { ...base.meta, id: 'tiny', inputSize: [SIZE, SIZE], numClasses: CLASSES } };
}

const image = { kind: 'sample', id: 'photos/tiny.png' } as const;
const target = { kind: 'class', index: 3 } as const;
const saliency = (method: string, extra: object = {}) => ({ kind: 'saliency', model: 'tiny', image, params: { method, target, raw: true, ...extra } });
/** The jobs compared, by name. */
export const JOBS: Record<string, unknown> = {
  classify: { kind: 'classify', model: 'tiny', image, params: { top: 5 } },
  activations: { kind: 'activations', model: 'tiny', image, params: { layer: 'c2', channels: 4 } },
  occlusion: { kind: 'occlusion', model: 'tiny', image, params: { window: 4, stride: 4, fill: 'grey', classIndex: 3 } },
  'occlusion-noise': { kind: 'occlusion', model: 'tiny', image, params: { window: 6, stride: 5, fill: 'noise', seed: 2 } },
  'saliency-vanilla': saliency('vanilla'),
  'saliency-saliency': saliency('saliency'),
  'saliency-guided': saliency('guided'),
  'saliency-deconvnet': saliency('deconvnet'),
  'saliency-smoothgrad': saliency('smoothgrad', { samples: 4 }),
  'saliency-gradient-x-input': saliency('gradient-x-input'),
  'saliency-gradcam': saliency('gradcam', { layer: 'c2' }),
  // A neuron without a position: the channel's strongest one (found on the backend).
  'saliency-neuron': { kind: 'saliency', model: 'tiny', image, params: { method: 'guided', target: { kind: 'neuron', layer: 'c2', channel: 1 }, raw: true } },
  ascent: { kind: 'ascent', model: 'tiny', params: { target, steps: 4, learningRate: 0.5, l2: 0.01, init: 'noise', seed: 3 } },
};

/** Every number of a result by path (PNG bytes left out): what the test compares. */
function numbers(value: unknown, path = '', out: Record<string, number[]> = {}): Record<string, number[]> {
  if (typeof value === 'number') out[path] = [value];
  else if (value instanceof Uint8Array) return out;
  else if (ArrayBuffer.isView(value)) out[path] = Array.from(value as unknown as ArrayLike<number>);
  else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) out[path] = value;
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbers(v, path ? `${path}.${k}` : k, out);
  return out;
}

/** Each job's numbers and the tensors it left behind (counted once the model's constants exist). */
async function runAll(): Promise<{ results: Record<string, Record<string, number[]>>; leaked: Record<string, number> }> {
  const model = tinyModel();
  const input = randomTensor([1, SIZE, SIZE, 3], 11) as tf.Tensor4D;
  const ctx: RunnerContext = {
    model: async () => model,
    input: async () => tf.clone(input),
    forward: async (m, req) => ({ rows: await forwardRows(m, req.input, req.taps), batched: false }),
    rowsPerRequest: 8,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  };
  // The executor builds its per-model constants on first use (forward and gradient): not a leak.
  await forwardRows(model, input);
  const g = inputGradient(model, input, { kind: 'class', index: 0 });
  await g.gradient.data();
  tf.dispose([g.gradient, g.value]);
  const results: Record<string, Record<string, number[]>> = {};
  const leaked: Record<string, number> = {};
  for (const [name, spec] of Object.entries(JOBS)) {
    const before = tf.memory().numTensors;
    results[name] = numbers((await runJob(JobSpecSchema.parse(spec) as JobSpec, ctx)).data);
    leaked[name] = tf.memory().numTensors - before;
  }
  input.dispose();
  return { results, leaked };
}

await useBackend('wasm');
const wasm = await runAll();
await installWebGpu();
await import('@tensorflow/tfjs-backend-webgpu');
const adapter = await probeGpuAdapter();
if (!adapter || !(await tf.setBackend('webgpu'))) throw new Error('no WebGPU adapter: run with swiftShaderEnv()');
await tf.ready();
const webgpu = await runAll();
// Max-pool ties go to the first maximum on WebGPU too (standalone ReLU and fused into a conv).
const ties = { standalone: await tieGradients(false), fused: await tieGradients(true) };
const report = JSON.stringify({ backend: tf.getBackend(), adapter, wasm: wasm.results, webgpu: webgpu.results, leaked: { wasm: wasm.leaked, webgpu: webgpu.leaked }, ties });
// Exit once the report is flushed: a pipe takes it in pieces, and exiting early would cut it short. (Exit at all:
// Dawn's handles keep the process alive.)
process.stdout.write(`${report}\n`, () => process.exit(0));
