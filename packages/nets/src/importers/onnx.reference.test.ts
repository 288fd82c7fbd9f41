/**
 * The ONNX reference models of shared/models/onnx: each reproduces both rows of PyTorch's output for the shared input
 * to 1e-4 (max |Δ| / max |ref| per row); squeezenet1_1.onnx equals the built-in squeezenet1.1_nchw (same weights) in
 * logits and input gradients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { relError, useBackend } from '../testing/backends';
import { createFileReader, defaultModelsDir, pathExists } from '../node';
import { npyToTensor, parseNpy } from '../io/npy';
import { disposeModel, Executor } from '../executor';
import { loadBuiltinModel } from '../load-model';
import { importOnnx } from './onnx.importer';
import type { Model } from '../model.types';

const dir = path.join(defaultModelsDir(), 'onnx');
const available = pathExists(path.join(dir, 'input.npy'));

async function load(name: string): Promise<Model> {
  return importOnnx(new Uint8Array(readFileSync(path.join(dir, `${name}.onnx`))), { id: name, reader: createFileReader(dir) });
}

/** The shared NCHW input as NHWC, and PyTorch's output rows. */
function reference(name: string): { x: tf.Tensor4D; rows: Float32Array[] } {
  const x = tf.tidy(() => tf.transpose(npyToTensor(new Uint8Array(readFileSync(path.join(dir, 'input.npy')))), [0, 2, 3, 1]) as tf.Tensor4D);
  const out = parseNpy(readFileSync(path.join(dir, `${name}.output.npy`)));
  const n = out.shape[1];
  const data = out.data as Float32Array;
  return { x, rows: [data.slice(0, n), data.slice(n, 2 * n)] };
}

/** Per-row relative error of the imported model's logits against PyTorch's. */
function rowErrors(model: Model, name: string): number[] {
  const { x, rows } = reference(name);
  const ex = new Executor(model);
  const { logits } = ex.forward(x);
  const got = logits.arraySync();
  tf.dispose([x, logits]);
  ex.dispose();
  return rows.map((r, i) => relError(got[i], r));
}

describe.skipIf(!available)('ONNX reference models reproduce PyTorch', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('cpu'));

  const cases: Array<[string, Array<'cpu' | 'wasm'>]> = [
    ['squeezenet1_1', ['wasm', 'cpu']],
    ['mobilenet_v2', ['wasm', 'cpu']],
    ['resnet18', ['wasm']],
    ['densenet121', ['wasm']],
  ];
  for (const [name, backends] of cases) {
    it(`${name}: both rows to 1e-4 on ${backends.join(' and ')}`, async () => {
      const model = await load(name);
      expect(model.meta.inputSize).toEqual([224, 224]);
      expect(model.meta.numClasses).toBe(1000);
      for (const b of backends) {
        await useBackend(b);
        const errs = rowErrors(model, name);
        console.log(`${name} on ${b}: row errors ${errs.map((e) => e.toExponential(2)).join(', ')}`);
        for (const e of errs) expect(e).toBeLessThan(1e-4);
      }
      disposeModel(model);
    }, 240_000);
  }

  it('resnet18: the first convolution is 64 filters of 7×7×3', async () => {
    const model = await load('resnet18');
    const first = model.graph.nodes.find((n) => n.op === 'conv2d')!;
    expect(first.op === 'conv2d' && model.weights[first.kernel].shape).toEqual([7, 7, 3, 64]);
    disposeModel(model);
  });

  it('squeezenet1_1.onnx and the built-in squeezenet1.1_nchw give equal logits and input gradients', async () => {
    await useBackend('wasm');
    const onnx = await load('squeezenet1_1');
    const builtin = await loadBuiltinModel('squeezenet1.1_nchw', createFileReader(defaultModelsDir()));
    const { x } = reference('squeezenet1_1');
    const [a, b] = [new Executor(onnx), new Executor(builtin)];
    const la = a.forward(x).logits.arraySync();
    const lb = b.forward(x).logits.arraySync();
    for (let i = 0; i < 2; i++) expect(relError(la[i], lb[i])).toBeLessThan(1e-5);
    for (const reluMode of ['standard', 'guided', 'deconvnet'] as const) {
      const ga = a.gradient(x, { kind: 'class', index: 539 }, { reluMode }).gradient;
      const gb = b.gradient(x, { kind: 'class', index: 539 }, { reluMode }).gradient;
      expect(relError(ga.dataSync(), gb.dataSync()), reluMode).toBeLessThan(1e-4);
      tf.dispose([ga, gb]);
    }
    tf.dispose(x);
    a.dispose();
    b.dispose();
    disposeModel(onnx);
    disposeModel(builtin);
  }, 120_000);
});
