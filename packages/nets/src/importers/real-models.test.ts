/**
 * Import tests on the real files in the shared models folder: shapes, classification of the 100 sample images
 * (every 10th of imagenet-samples in sorted order) against the top-1 counts in shared/README.md, and the same
 * forward output on cpu and wasm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { relError, useBackend } from '../testing/backends';
import { createFileReader, decodeImageFile, defaultImagesDir, defaultLabelsDir, defaultModelsDir, pathExists } from '../node';
import { loadBuiltinModel } from '../load-model';
import { disposeForward, disposeModel, Executor } from '../executor';
import { BUILTIN_MODELS } from '../models';
import { analyzeGraph } from '../graph.analysis';
import { loadImageNetClasses, outputToImageNetIndex, topK } from '../labels';
import { preprocessBatch } from '../preprocess';
import type { Model } from '../model.types';

const modelsDir = defaultModelsDir();
const samplesDir = path.join(defaultImagesDir(), 'imagenet-samples');
const available = pathExists(modelsDir) && pathExists(samplesDir);
const reader = createFileReader(modelsDir);
const IDS = ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224', 'darknet_tiny', 'squeezenet1.1_nchw', 'squeezenet1.0_nhwc'];

describe.skipIf(!available)('built-in models (layers and npy) on the 100 sample images', () => {
  let images: tf.Tensor3D[] = [];
  let truth: number[] = [];
  const counts: Record<string, { top1: number; top5: number }> = {};

  beforeAll(async () => {
    await useBackend('wasm');
    const files = readdirSync(samplesDir).filter((f) => /\.jpe?g$/i.test(f)).sort();
    expect(files).toHaveLength(1000);
    const picked = files.map((f, i) => ({ f, i })).filter(({ i }) => i % 10 === 0);
    truth = picked.map(({ i }) => i);
    images = await Promise.all(picked.map(({ f }) => decodeImageFile(path.join(samplesDir, f))));
  });

  afterAll(async () => {
    tf.dispose(images);
    console.log('top-1 / top-5 of 100:', JSON.stringify(counts));
    await useBackend('cpu');
  });

  for (const id of IDS) {
    it(`${id}: shapes, top-1 within 3 of the reference, same output on cpu and wasm`, async () => {
      const entry = BUILTIN_MODELS.find((m) => m.meta.id === id)!;
      const model: Model = await loadBuiltinModel(id, reader);
      const infos = analyzeGraph(model.graph);
      expect(infos[0].shape).toEqual([...model.meta.inputSize, 3]);
      expect(infos.find((i) => i.id === model.graph.output)!.shape.reduce((a, b) => a * b, 1)).toBe(model.meta.numClasses);
      const map = outputToImageNetIndex(model.meta);
      const ex = new Executor(model);
      // A first pass creates the folded batch-norm weights, which live as long as the executor.
      const warm = preprocessBatch(images.slice(0, 1), model.meta);
      disposeForward(ex.forward(warm));
      warm.dispose();
      const before = tf.memory().numTensors;
      let top1 = 0;
      let top5 = 0;
      for (let start = 0; start < images.length; start += 20) {
        const x = preprocessBatch(images.slice(start, start + 20), model.meta);
        const r = ex.forward(x);
        const ranked = await topK(r.probabilities, 5, model.meta);
        ranked.forEach((preds, j) => {
          const want = truth[start + j];
          if (preds[0].imagenetIndex === want) top1++;
          if (preds.some((p) => p.imagenetIndex === want)) top5++;
        });
        disposeForward(r);
        x.dispose();
      }
      counts[id] = { top1, top5 };
      expect(Math.abs(top1 - entry.referenceTop1!), `${id} top-1 ${top1} vs ${entry.referenceTop1}`).toBeLessThanOrEqual(3);
      expect(map.filter((i) => i >= 0).length).toBe(1000);

      // Same forward output on cpu and wasm (two images; cpu is slow).
      const xw = preprocessBatch(images.slice(0, 2), model.meta);
      const wasmOut = ex.forward(xw);
      const wasmLogits = wasmOut.logits.dataSync().slice();
      const input = xw.dataSync().slice();
      disposeForward(wasmOut);
      xw.dispose();
      expect(tf.memory().numTensors).toBe(before);
      ex.dispose();
      const weights = Object.fromEntries(Object.entries(model.weights).map(([k, t]) => [k, t.dataSync().slice()] as const));
      const shapes = Object.fromEntries(Object.entries(model.weights).map(([k, t]) => [k, t.shape] as const));
      disposeModel(model);
      await useBackend('cpu');
      const cpuModel: Model = { ...model, weights: Object.fromEntries(Object.entries(weights).map(([k, d]) => [k, tf.tensor(d, shapes[k])])) };
      const xc = tf.tensor4d(input, [2, ...model.meta.inputSize, 3]);
      const cpuOut = new Executor(cpuModel).forward(xc);
      expect(relError(wasmLogits, cpuOut.logits.dataSync())).toBeLessThan(1e-4);
      disposeForward(cpuOut);
      xc.dispose();
      disposeModel(cpuModel);
      await useBackend('wasm');
    });
  }

  it('labels come from the shared labels folder', async () => {
    const classes = await loadImageNetClasses(createFileReader(defaultLabelsDir()));
    expect(classes[386].name).toBe('African elephant');
    expect(classes[0].wnid).toBe('n01440764');
  });
});
