import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { relError, useBackend } from '../testing/backends';
import { createFileReader, defaultModelsDir, pathExists } from '../node';
import { loadBuiltinModel } from '../load-model';
import { disposeForward, disposeModel, Executor } from '../executor';
import { parseNpy } from '../io/npy';
import { analyzeGraph, graphTotals } from '../graph.analysis';
import type { Model } from '../model.types';

const dir = defaultModelsDir();
const reader = createFileReader(dir);

async function npy(path: string): Promise<tf.Tensor> {
  const a = parseNpy(await reader.readBytes(path), path);
  return tf.tensor(a.data as Float32Array, a.shape);
}

describe.skipIf(!pathExists(dir))('SqueezeNet .npy importers reproduce the reference vectors', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('cpu'));

  for (const [id, layout] of [['squeezenet1.1_nchw', 'nchw'], ['squeezenet1.0_nhwc', 'nhwc']] as const) {
    it(id, async () => {
      const model: Model = await loadBuiltinModel(id, reader);
      const infos = analyzeGraph(model.graph);
      expect(infos[infos.length - 1].shape).toEqual([model.meta.numClasses]);
      const totals = graphTotals(model.graph);
      // Published sizes: SqueezeNet 1.1 has 1,235,496 parameters, 1.0 has 1,248,424 — plus one more class
      // (512 weights + 1 bias) for the 1001-output TFLite-zoo 1.0.
      expect(totals.params).toBe(id === 'squeezenet1.1_nchw' ? 1235496 : 1248424 + 513);
      const ex = new Executor(model);
      for (const k of [0, 1, 2]) {
        let x = await npy(`${id}/test_data_set/${k}/input_0.npy`);
        if (layout === 'nchw') x = tf.transpose(x, [0, 2, 3, 1]);
        const want = await npy(`${id}/test_data_set/${k}/output_0.npy`);
        const r = ex.forward(x as tf.Tensor4D);
        // 1.1's reference is the logits, 1.0's the softmax probabilities.
        const got = id === 'squeezenet1.1_nchw' ? r.logits : r.probabilities;
        expect(got.shape).toEqual(want.shape);
        expect(relError(got.dataSync(), want.dataSync()), `set ${k}`).toBeLessThan(1e-4);
        expect(tf.argMax(got, 1).dataSync()[0]).toBe(tf.argMax(want, 1).dataSync()[0]);
        disposeForward(r);
        tf.dispose([x, want]);
      }
      ex.dispose();
      disposeModel(model);
    });
  }
});
