/**
 * What the labs show for an imported ONNX model: squeezenet1_1.onnx (../shared/models/onnx, the real SqueezeNet 1.1
 * weights) gives the built-in squeezenet1.1_nchw's first-layer filters, occlusion map and guided backprop, through
 * the same job runner the server's workers and students' browsers run (wasm); ResNet-18's first layer draws as 64
 * tiles of 7×7.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeModel, preprocessImage, type Model } from '@convlab/nets';
import { filterGrid } from '@convlab/vis';
import { decodeImageFile, loadModelSpec, pathExists } from '@convlab/nets/node';
import { useBackend } from '@convlab/nets/testing/backends';
import { JobSpecSchema, type ImageRef } from '@convlab/protocol';
import { forwardRows, runJob, type RunnerContext } from './job-runner';

const SHARED = path.resolve(__dirname, '../../../../shared');
const ONNX = path.join(SHARED, 'models/onnx');
const HAVE_DATA = pathExists(path.join(ONNX, 'squeezenet1_1.onnx')) && pathExists(path.join(SHARED, 'models/squeezenet1.1_nchw'));
const COFFEE: ImageRef = { kind: 'sample', id: 'photos/skimage_coffee.png' };

/** Largest |a − b| over every number of two results of the same shape, relative to the largest |b|. */
function relativeGap(a: unknown, b: unknown): number {
  let gap = 0;
  let scale = 0;
  const walk = (x: unknown, y: unknown, at: string) => {
    if (typeof x === 'number' && typeof y === 'number') {
      gap = Math.max(gap, Math.abs(x - y));
      scale = Math.max(scale, Math.abs(y));
    } else if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) {
      walk(Array.from(x as unknown as ArrayLike<number>), Array.from(y as unknown as ArrayLike<number>), at);
    } else if (x && y && typeof x === 'object' && typeof y === 'object') {
      const keys = Object.keys(y);
      expect(Object.keys(x).sort(), at).toEqual([...keys].sort());
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${at}.${k}`);
    } else {
      expect(x, at).toEqual(y);
    }
  };
  walk(a, b, 'result');
  return scale === 0 ? gap : gap / scale;
}

function firstConvKernel(model: Model): tf.Tensor4D {
  const conv = model.graph.nodes.find((n) => n.op === 'conv2d');
  if (!conv || conv.op !== 'conv2d') throw new Error('no convolution');
  return model.weights[conv.kernel] as tf.Tensor4D;
}

describe.skipIf(!HAVE_DATA)('the labs on squeezenet1_1.onnx match the built-in SqueezeNet 1.1 (wasm)', () => {
  const models: Record<'onnx' | 'builtin', Model> = {} as never;
  const inputs: Partial<Record<'onnx' | 'builtin', tf.Tensor4D>> = {};

  beforeAll(async () => {
    await useBackend('wasm');
    models.onnx = (await loadModelSpec(path.join(ONNX, 'squeezenet1_1.onnx'))).model;
    models.builtin = (await loadModelSpec('squeezenet1.1_nchw', { modelsDir: path.join(SHARED, 'models') })).model;
    const pixels = await decodeImageFile(path.join(SHARED, 'images', COFFEE.kind === 'sample' ? COFFEE.id : ''));
    for (const k of ['onnx', 'builtin'] as const) inputs[k] = preprocessImage(pixels, models[k].meta);
    pixels.dispose();
  }, 120_000);
  afterAll(() => {
    tf.dispose(Object.values(inputs));
    for (const m of Object.values(models)) disposeModel(m);
  });

  const context = (which: 'onnx' | 'builtin'): RunnerContext => ({
    model: async () => models[which],
    input: async () => tf.clone(inputs[which]!),
    forward: async (m, req) => ({ rows: await forwardRows(m, req.input, req.taps), batched: false }),
    rowsPerRequest: 8,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  });
  const both = async (spec: unknown) => {
    const parsed = JobSpecSchema.parse(spec);
    const onnx = await runJob({ ...parsed, model: models.onnx.meta.id }, context('onnx'));
    const builtin = await runJob(parsed, context('builtin'));
    return { onnx: onnx.data, builtin: builtin.data };
  };

  it('first-layer filters: the same 64 tiles of 3×3', () => {
    const [a, b] = [firstConvKernel(models.onnx), firstConvKernel(models.builtin)];
    expect(a.shape).toEqual([3, 3, 3, 64]);
    expect(relativeGap(a.dataSync(), b.dataSync())).toBeLessThan(1e-6);
    const [ga, gb] = [filterGrid(a), filterGrid(b)];
    expect([ga.width, ga.height]).toEqual([gb.width, gb.height]);
    expect(relativeGap(ga.data, gb.data)).toBeLessThanOrEqual(1 / 255);
  });

  it('an occlusion map (3×3 windows of 112 px) and the class it is computed for', async () => {
    const { onnx, builtin } = await both({ kind: 'occlusion', model: 'squeezenet1.1_nchw', image: COFFEE, params: { window: 112, stride: 56, fill: 'grey' } });
    expect(relativeGap(onnx, builtin)).toBeLessThan(1e-4);
  }, 120_000);

  it('guided backprop of the espresso class', async () => {
    const { onnx, builtin } = await both({ kind: 'saliency', model: 'squeezenet1.1_nchw', image: COFFEE, params: { method: 'guided', target: { kind: 'class', index: 967 } } });
    expect(relativeGap(onnx, builtin)).toBeLessThan(1e-3);
  }, 120_000);
});

describe.skipIf(!pathExists(path.join(ONNX, 'resnet18.onnx')))('ResNet-18 from ONNX in the filters view', () => {
  it('draws its 64×3×7×7 first layer as 64 tiles of 7×7', async () => {
    await useBackend('wasm');
    const { model } = await loadModelSpec(path.join(ONNX, 'resnet18.onnx'));
    const kernel = firstConvKernel(model);
    expect(kernel.shape).toEqual([7, 7, 3, 64]);
    // 8 × 8 tiles of 7×7 pixels, one pixel apart and around.
    const grid = filterGrid(kernel, { scale: 1, gap: 1 });
    expect([grid.width, grid.height]).toEqual([8 * 7 + 9, 8 * 7 + 9]);
    disposeModel(model);
  }, 120_000);
});
