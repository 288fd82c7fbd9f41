import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeGraph } from '../graph.analysis';
import { validateGraph } from '../graph';
import { disposeModel, forward, inputGradient } from '../executor';
import { getModelEntry } from '../models';
import { preprocessImage } from '../preprocess';
import { importTflite, TFLITE_SUPPORTED_OPS, TfliteImportError, transpose } from './tflite';
import { readTflite } from './tflite-reader';
import {
  ActivationFunctionType, AddOptions, BuiltinOperator, BuiltinOptions, Conv2DOptions, DepthwiseConv2DOptions, f32,
  FullyConnectedOptions, i32, i8, Padding, Pool2DOptions, SoftmaxOptions, TensorType, writeTflite, type FixtureModel,
} from './tflite.fixtures';

const SHARED = path.resolve(__dirname, '../../../../../shared');
const TFLITE_DIR = path.join(SHARED, 'models/tflite');
const haveShared = (() => {
  try {
    return readdirSync(TFLITE_DIR).length > 0;
  } catch {
    return false;
  }
})();

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const F32 = TensorType.FLOAT32;

/**
 * input [1,6,6,3] → conv 3x3/2 SAME relu6 (4) → depthwise 3x3 SAME ×2 relu (8) → pad 1 → maxpool 2/2 VALID
 * → add(itself) relu → avgpool 2/2 → reshape [1,8] → fully connected (5) → softmax.
 */
function floatFixture(): { bytes: Uint8Array; w: Record<string, Float32Array> } {
  const w = {
    conv: rand(4 * 3 * 3 * 3, 1), convB: rand(4, 2), dw: rand(3 * 3 * 8, 3), dwB: rand(8, 4), fc: rand(5 * 8, 5), fcB: rand(5, 6),
  };
  const m: FixtureModel = {
    tensors: [
      { name: 'input', shape: [1, 6, 6, 3], type: F32 }, // 0
      { name: 'conv/w', shape: [4, 3, 3, 3], type: F32, data: f32(w.conv) }, // 1
      { name: 'conv/b', shape: [4], type: F32, data: f32(w.convB) }, // 2
      { name: 'conv/out', shape: [1, 3, 3, 4], type: F32 }, // 3
      { name: 'dw/w', shape: [1, 3, 3, 8], type: F32, data: f32(w.dw) }, // 4
      { name: 'dw/b', shape: [8], type: F32, data: f32(w.dwB) }, // 5
      { name: 'dw/out', shape: [1, 3, 3, 8], type: F32 }, // 6
      { name: 'pad/p', shape: [4, 2], type: TensorType.INT32, data: i32([0, 0, 1, 1, 1, 1, 0, 0]) }, // 7
      { name: 'pad/out', shape: [1, 5, 5, 8], type: F32 }, // 8
      { name: 'pool/out', shape: [1, 2, 2, 8], type: F32 }, // 9
      { name: 'add/out', shape: [1, 2, 2, 8], type: F32 }, // 10
      { name: 'avg/out', shape: [1, 1, 1, 8], type: F32 }, // 11
      { name: 'reshape/shape', shape: [2], type: TensorType.INT32, data: i32([1, 8]) }, // 12
      { name: 'reshape/out', shape: [1, 8], type: F32 }, // 13
      { name: 'fc/w', shape: [5, 8], type: F32, data: f32(w.fc) }, // 14
      { name: 'fc/b', shape: [5], type: F32, data: f32(w.fcB) }, // 15
      { name: 'fc/out', shape: [1, 5], type: F32 }, // 16
      { name: 'probs', shape: [1, 5], type: F32 }, // 17
    ],
    ops: [
      {
        op: BuiltinOperator.CONV_2D, inputs: [0, 1, 2], outputs: [3],
        options: { type: BuiltinOptions.Conv2DOptions, write: (b) => Conv2DOptions.createConv2DOptions(b, Padding.SAME, 2, 2, ActivationFunctionType.RELU6, 1, 1, F32) },
      },
      {
        op: BuiltinOperator.DEPTHWISE_CONV_2D, inputs: [3, 4, 5], outputs: [6],
        options: { type: BuiltinOptions.DepthwiseConv2DOptions, write: (b) => DepthwiseConv2DOptions.createDepthwiseConv2DOptions(b, Padding.SAME, 1, 1, 2, ActivationFunctionType.RELU, 1, 1) },
      },
      { op: BuiltinOperator.PAD, inputs: [6, 7], outputs: [8] },
      {
        op: BuiltinOperator.MAX_POOL_2D, inputs: [8], outputs: [9],
        options: { type: BuiltinOptions.Pool2DOptions, write: (b) => Pool2DOptions.createPool2DOptions(b, Padding.VALID, 2, 2, 2, 2, ActivationFunctionType.NONE) },
      },
      {
        op: BuiltinOperator.ADD, inputs: [9, 9], outputs: [10],
        options: { type: BuiltinOptions.AddOptions, write: (b) => AddOptions.createAddOptions(b, ActivationFunctionType.RELU, true) },
      },
      {
        op: BuiltinOperator.AVERAGE_POOL_2D, inputs: [10], outputs: [11],
        options: { type: BuiltinOptions.Pool2DOptions, write: (b) => Pool2DOptions.createPool2DOptions(b, Padding.VALID, 2, 2, 2, 2, ActivationFunctionType.NONE) },
      },
      { op: BuiltinOperator.RESHAPE, inputs: [11, 12], outputs: [13] },
      {
        op: BuiltinOperator.FULLY_CONNECTED, inputs: [13, 14, 15], outputs: [16],
        options: { type: BuiltinOptions.FullyConnectedOptions, write: (b) => FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.NONE, 0, false, false, F32) },
      },
      {
        op: BuiltinOperator.SOFTMAX, inputs: [16], outputs: [17],
        options: { type: BuiltinOptions.SoftmaxOptions, write: (b) => SoftmaxOptions.createSoftmaxOptions(b, 1) },
      },
    ],
    inputs: [0],
    outputs: [17],
  };
  return { bytes: writeTflite(m), w };
}

/** The fixture's network written directly with tfjs ops, in TensorFlow's own layouts. */
function reference(x: tf.Tensor4D, w: Record<string, Float32Array>): { logits: tf.Tensor2D; probs: tf.Tensor2D } {
  return tf.tidy(() => {
    const convK = tf.transpose(tf.tensor4d(w.conv, [4, 3, 3, 3]), [1, 2, 3, 0]) as tf.Tensor4D;
    let h = tf.clipByValue(tf.add(tf.conv2d(x, convK, 2, 'same'), tf.tensor1d(w.convB)), 0, 6) as tf.Tensor4D;
    h = tf.relu(tf.add(tf.depthwiseConv2d(h, tf.tensor4d(w.dw, [3, 3, 4, 2]), 1, 'same'), tf.tensor1d(w.dwB))) as tf.Tensor4D;
    h = tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.relu(tf.add(h, h)) as tf.Tensor4D;
    h = tf.avgPool(h, 2, 2, 'valid');
    const flat = tf.reshape(h, [1, 8]);
    const logits = tf.add(tf.matMul(flat, tf.tensor2d(w.fc, [5, 8]), false, true), tf.tensor1d(w.fcB)) as tf.Tensor2D;
    return { logits, probs: tf.softmax(logits) };
  });
}

async function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i])));
}

/** Element-wise equality up to float32 rounding of the stored scales. */
function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 5);
}

describe('TFLite importer on written fixtures', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('rebuilds conv, depthwise, pad, pools, add, reshape, fully connected and softmax with TFLite semantics', async () => {
    const { bytes, w } = floatFixture();
    const before = tf.memory().numTensors;
    const model = importTflite(bytes, { id: 'fixture' });
    validateGraph(model.graph);
    expect(model.graph.nodes.map((n) => n.op)).toEqual([
      'input', 'conv2d', 'conv2d', 'zeroPad', 'maxPool', 'add', 'relu', 'avgPool', 'reshape', 'dense', 'softmax',
    ]);
    expect(analyzeGraph(model.graph).map((n) => n.shape)).toEqual([
      [6, 6, 3], [3, 3, 4], [3, 3, 8], [5, 5, 8], [2, 2, 8], [2, 2, 8], [2, 2, 8], [1, 1, 8], [8], [5], [5],
    ]);
    expect(model.meta).toMatchObject({ inputSize: [6, 6], numClasses: 5, outputKind: 'probabilities', backgroundClass: false });

    const x = tf.tensor4d(rand(6 * 6 * 3, 7), [1, 6, 6, 3]);
    const r = forward(model, x);
    const ref = reference(x, w);
    await expectClose(r.logits, ref.logits);
    await expectClose(r.probabilities, ref.probs);
    tf.dispose([r.output, r.logits, r.probabilities, ref.logits, ref.probs, x]);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
    // Bytes at an unaligned offset (as in Node's pooled Buffers) read the same.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const again = importTflite(shifted.subarray(1));
    expect(again.graph).toEqual(model.graph);
    disposeModel(again);
  });

  it('dequantizes int8 per-channel and uint8 per-tensor weights and int32 biases', () => {
    const q = [-128, -1, 0, 1, 127, 5, -7, 9]; // conv filter [2,1,1,4]: two output channels
    const scales = [0.5, 0.25];
    const m: FixtureModel = {
      tensors: [
        { name: 'input', shape: [1, 2, 2, 3], type: F32 },
        { name: 'pre', shape: [1, 2, 2, 4], type: F32 },
        { name: 'w8', shape: [2, 1, 1, 4], type: TensorType.INT8, data: i8(q), quant: { scale: scales, zeroPoint: [0, 0], dimension: 0 } },
        { name: 'b32', shape: [2], type: TensorType.INT32, data: i32([10, -20]), quant: { scale: [0.1, 0.01], zeroPoint: [0, 0] } },
        { name: 'out', shape: [1, 2, 2, 2], type: F32 },
        { name: 'wu8', shape: [4, 1, 1, 3], type: TensorType.UINT8, data: new Uint8Array([0, 128, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9]), quant: { scale: [0.02], zeroPoint: [128] } },
      ],
      ops: [
        {
          op: BuiltinOperator.CONV_2D, inputs: [0, 5, -1], outputs: [1],
          options: { type: BuiltinOptions.Conv2DOptions, write: (b) => Conv2DOptions.createConv2DOptions(b, Padding.VALID, 1, 1, ActivationFunctionType.NONE, 1, 1, F32) },
        },
        {
          op: BuiltinOperator.CONV_2D, inputs: [1, 2, 3], outputs: [4],
          options: { type: BuiltinOptions.Conv2DOptions, write: (b) => Conv2DOptions.createConv2DOptions(b, Padding.VALID, 1, 1, ActivationFunctionType.NONE, 1, 1, F32) },
        },
      ],
      inputs: [0],
      outputs: [4],
    };
    const model = importTflite(writeTflite(m));
    const [first, second] = model.graph.nodes.slice(1) as Array<{ kernel: string; bias?: string }>;
    expect(first.bias).toBeUndefined();
    // uint8 per tensor: 0.02 * (q - 128), OHWI [4,1,1,3] → HWIO [1,1,3,4].
    const u8 = [0, 128, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => 0.02 * (v - 128));
    expectAllClose(model.weights[first.kernel].dataSync(), transpose(Float32Array.from(u8), [4, 1, 1, 3], [1, 2, 3, 0]));
    // int8 per channel along the output dimension.
    const real = q.map((v, i) => v * scales[Math.floor(i / 4)]);
    expect(model.weights[second.kernel].shape).toEqual([1, 1, 4, 2]);
    expectAllClose(model.weights[second.kernel].dataSync(), transpose(Float32Array.from(real), [2, 1, 1, 4], [1, 2, 3, 0]));
    const bias = Array.from(model.weights[second.bias!].dataSync());
    expect(bias[0]).toBeCloseTo(1.0, 6);
    expect(bias[1]).toBeCloseTo(-0.2, 6);
    disposeModel(model);
  });

  it('names an unsupported builtin or custom op and lists the supported ones, leaking no tensors', () => {
    const base = floatFixture();
    const parsed = readTflite(base.bytes);
    expect(parsed.operators.map((o) => o.op)).toContain('CONV_2D');
    const before = tf.memory().numTensors;
    const withMul: FixtureModel = {
      tensors: [
        { name: 'input', shape: [1, 2, 2, 3], type: F32 },
        { name: 'c', shape: [1, 2, 2, 3], type: F32 },
        { name: 'w', shape: [3, 1, 1, 3], type: F32, data: f32(rand(9, 1)) },
        { name: 'out', shape: [1, 2, 2, 3], type: F32 },
      ],
      ops: [
        {
          op: BuiltinOperator.CONV_2D, inputs: [0, 2, -1], outputs: [1],
          options: { type: BuiltinOptions.Conv2DOptions, write: (b) => Conv2DOptions.createConv2DOptions(b, Padding.SAME, 1, 1, ActivationFunctionType.NONE, 1, 1, F32) },
        },
        { op: BuiltinOperator.HARD_SWISH, inputs: [1], outputs: [3] },
      ],
      inputs: [0],
      outputs: [3],
    };
    expect(() => importTflite(writeTflite(withMul))).toThrow(/op HARD_SWISH \(operator 1\) is not supported; supported ops: ADD, AVERAGE_POOL_2D/);
    expect(tf.memory().numTensors).toBe(before);
    withMul.ops[1] = { op: BuiltinOperator.CUSTOM, custom: 'TFLite_Detection_PostProcess', inputs: [1], outputs: [3] };
    expect(() => importTflite(writeTflite(withMul))).toThrow(/custom op 'TFLite_Detection_PostProcess'/);
    expect(TFLITE_SUPPORTED_OPS).toContain('DEPTHWISE_CONV_2D');
  });

  it('rejects files that are not TFLite or are truncated', () => {
    expect(() => importTflite(new TextEncoder().encode('{"modelTopology": {}}'))).toThrow(/not a TFLite file/);
    expect(() => importTflite(new Uint8Array(3))).toThrow(TfliteImportError);
    const { bytes } = floatFixture();
    const before = tf.memory().numTensors;
    for (const cut of [bytes.length - 40, Math.floor(bytes.length / 2), 64]) {
      expect(() => importTflite(bytes.slice(0, cut))).toThrow(TfliteImportError);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

const SIX = [
  'mobilenet_v1_0.25_128_quant', 'mobilenet_v1_0.25_224_float', 'mobilenet_v1_0.5_160_quant',
  'mobilenet_v1_0.75_192_quant', 'mobilenet_v2_1.0_224_quant', 'tf2_mobilenet_v2_1.0_224_ptq',
];

describe.skipIf(!haveShared)('TFLite importer on the six shared models', () => {
  const images: Array<{ pixels: tf.Tensor3D; label: number }> = [];

  beforeAll(async () => {
    await tf.setBackend('wasm');
    const dir = path.join(SHARED, 'images/imagenet-samples');
    const names = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
    // Every 10th image in sorted order; sorted position = standard ImageNet index.
    for (let i = 0; i < names.length; i += 10) {
      const { data, info } = await sharp(path.join(dir, names[i])).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      images.push({ pixels: tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32'), label: i });
    }
  }, 120_000);

  afterAll(() => {
    tf.dispose(images.map((i) => i.pixels));
  });

  it.each(SIX)('%s: graph shapes match the file and top-1 on 100 images is within 3 of the reference', async (id) => {
    const bytes = readFileSync(path.join(TFLITE_DIR, `${id}.tflite`));
    const parsed = readTflite(bytes);
    const entry = getModelEntry(id);
    const model = importTflite(bytes, { id, meta: entry.meta });
    validateGraph(model.graph);
    // Every node named after a TFLite tensor has that tensor's shape (without the batch dimension).
    const tensorShapes = new Map(parsed.tensors.map((t) => [t.name.split(';')[0], t.shape.slice(1)] as const));
    let checked = 0;
    for (const info of analyzeGraph(model.graph)) {
      const s = tensorShapes.get(info.id);
      if (s) {
        expect(info.shape, info.id).toEqual(s);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(25);
    expect(model.meta.inputSize).toEqual([parsed.tensors[parsed.inputs[0]].shape[1], parsed.tensors[parsed.inputs[0]].shape[2]]);

    let correct = 0;
    for (let b = 0; b < images.length; b += 20) {
      const batch = tf.tidy(() => tf.concat(images.slice(b, b + 20).map((im) => preprocessImage(im.pixels, model.meta)), 0)) as tf.Tensor4D;
      const r = forward(model, batch);
      expect(r.probabilities.shape).toEqual([batch.shape[0], 1001]);
      const top = tf.argMax(r.probabilities, 1);
      const ix = await top.data();
      ix.forEach((o, j) => {
        if (o - 1 === images[b + j].label) correct++; // output 0 is background
      });
      tf.dispose([batch, top, r.output, r.logits, r.probabilities]);
    }
    expect(Math.abs(correct - entry.referenceTop1!)).toBeLessThanOrEqual(3);
    disposeModel(model);
  }, 120_000);

  it('gradients flow from a class score to the pixels of a quantized model on wasm (depthwise included)', async () => {
    // Counted around the model's whole life: the executor may keep per-model tensors until disposeModel.
    const before = tf.memory().numTensors;
    const model = importTflite(readFileSync(path.join(TFLITE_DIR, 'mobilenet_v1_0.25_128_quant.tflite')), {
      id: 'mobilenet_v1_0.25_128_quant',
    });
    const x = preprocessImage(images[0].pixels, model.meta);
    const { gradient, value } = inputGradient(model, x, { kind: 'class', index: 1 });
    expect(gradient.shape).toEqual([1, 128, 128, 3]);
    const g = await gradient.data();
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g.some((v) => v !== 0)).toBe(true);
    tf.dispose([gradient, value, x]);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('gives the same output on the cpu and wasm backends (1e-4 relative)', async () => {
    const bytes = readFileSync(path.join(TFLITE_DIR, 'mobilenet_v2_1.0_224_quant.tflite'));
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const model = importTflite(bytes, { id: 'v2' });
      const pixels = tf.tensor3d(await images[3].pixels.data(), images[3].pixels.shape, 'int32');
      const x = preprocessImage(pixels, model.meta);
      const r = forward(model, x);
      const out = await r.logits.data();
      tf.dispose([pixels, x, r.output, r.logits, r.probabilities]);
      disposeModel(model);
      return out;
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    let maxAbs = 0;
    for (let i = 0; i < cpu.length; i++) maxAbs = Math.max(maxAbs, Math.abs(cpu[i]));
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(cpu[i] - wasm[i])).toBeLessThanOrEqual(1e-4 * maxAbs);
    await tf.setBackend('wasm');
  }, 60_000);
});
