import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, relError } from '../testing/backends';
import { referenceForward } from '../testing/reference';
import { createMemoryReader } from '../io/readers';
import { importLayersModel, layersTopologyToGraph, UnsupportedLayerError } from './tfjs-layers.importer';
import { Executor, disposeForward, disposeModel } from '../executor';

const layer = (class_name: string, name: string, config: Record<string, unknown>, inbound: string[] = []) => ({
  class_name, name, config: { name, ...config }, inbound_nodes: inbound.length ? [inbound.map((i) => [i, 0, 0, {}])] : [],
});

// A functional Keras 2 model with a fire-like branch, separable conv, a residual add and a dense softmax head.
const topology = {
  keras_version: '2.1.6',
  model_config: {
    class_name: 'Model',
    config: {
      name: 'tiny',
      layers: [
        layer('InputLayer', 'img', { batch_input_shape: [null, 8, 8, 3], dtype: 'float32' }),
        layer('ZeroPadding2D', 'pad', { padding: [[1, 0], [1, 0]] }, ['img']),
        layer('Conv2D', 'c1', { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'valid', dilation_rate: [1, 1], activation: 'linear', use_bias: false, data_format: 'channels_last' }, ['pad']),
        layer('BatchNormalization', 'bn', { axis: -1, epsilon: 0.001, center: true, scale: false }, ['c1']),
        layer('ReLU', 'r6', { max_value: 6 }, ['bn']),
        layer('Conv2D', 'sq', { filters: 2, kernel_size: 1, strides: 1, padding: 'same', activation: 'relu', use_bias: true }, ['r6']),
        layer('SeparableConv2D', 'sep', { filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 2, activation: 'linear', use_bias: true }, ['sq']),
        layer('LeakyReLU', 'lk', { alpha: 0.1 }, ['sep']),
        layer('Concatenate', 'cat', { axis: -1 }, ['sq', 'lk']),
        layer('DepthwiseConv2D', 'dw', { kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 1, activation: 'relu6', use_bias: false }, ['cat']),
        layer('Add', 'res', {}, ['dw', 'cat']),
        layer('Activation', 'noop', { activation: 'linear' }, ['res']),
        layer('MaxPooling2D', 'mp', { pool_size: [2, 2], strides: null, padding: 'valid' }, ['noop']),
        layer('Flatten', 'fl', {}, ['mp']),
        layer('Dropout', 'drop', { rate: 0.5 }, ['fl']),
        layer('Dense', 'fc', { units: 3, activation: 'softmax', use_bias: true }, ['drop']),
      ],
      input_layers: [['img', 0, 0]],
      output_layers: [['fc', 0, 0]],
    },
  },
};

const weightSpecs: Array<{ name: string; shape: number[] }> = [
  { name: 'tiny/c1/kernel', shape: [3, 3, 3, 4] },
  { name: 'bn/moving_mean', shape: [4] },
  { name: 'bn/moving_variance', shape: [4] },
  { name: 'bn/beta', shape: [4] },
  { name: 'sq/kernel', shape: [1, 1, 4, 2] },
  { name: 'sq/bias', shape: [2] },
  { name: 'sep/depthwise_kernel', shape: [3, 3, 2, 2] },
  { name: 'sep/pointwise_kernel', shape: [1, 1, 4, 2] },
  { name: 'sep/bias', shape: [2] },
  { name: 'dw/depthwise_kernel', shape: [3, 3, 4, 1] },
  { name: 'fc/kernel', shape: [16, 3] },
  { name: 'fc/bias', shape: [3] },
];

function files(quantizeLast = false) {
  let seed = 1;
  const next = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const arrays = weightSpecs.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    return Float32Array.from({ length: n }, () => (w.name.includes('variance') ? 0.5 + next() : next() - 0.5));
  });
  const fcBias = Uint8Array.from([0, 128, 255]);
  const bytes = arrays.map((a, i) => (quantizeLast && i === arrays.length - 1 ? fcBias : new Uint8Array(a.buffer)));
  const total = bytes.reduce((a, b) => a + b.length, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const b of bytes) {
    all.set(b, off);
    off += b.length;
  }
  // Two shards split mid-tensor, as the converter does.
  const cut = 200;
  const manifest = [{
    paths: ['group1-shard1of2', 'group1-shard2of2'],
    weights: weightSpecs.map((w, i) => ({
      ...w, dtype: 'float32',
      ...(quantizeLast && i === weightSpecs.length - 1 ? { quantization: { dtype: 'uint8', scale: 0.01, min: -1 } } : {}),
    })),
  }];
  return {
    reader: createMemoryReader({
      'm/model.json': JSON.stringify({ modelTopology: topology, weightsManifest: manifest }),
      'm/group1-shard1of2': all.slice(0, cut),
      'm/group1-shard2of2': all.slice(cut),
    }),
    arrays,
  };
}

describe('TensorFlow.js layers importer', () => {
  beforeAll(() => useBackend('cpu'));

  it('builds the graph of a functional model', () => {
    const g = layersTopologyToGraph(topology);
    const ops = Object.fromEntries(g.nodes.map((n) => [n.id, n.op]));
    expect(ops).toMatchObject({ img: 'input', pad: 'zeroPad', c1: 'conv2d', bn: 'batchNorm', r6: 'relu6', 'sep/depthwise': 'conv2d', sep: 'conv2d', lk: 'leakyRelu', cat: 'concat', dw: 'conv2d', res: 'add', mp: 'maxPool', fl: 'flatten', drop: 'dropout', 'fc/linear': 'dense', fc: 'softmax' });
    expect(ops.noop).toBeUndefined(); // a linear Activation is an alias of its input
    expect(g.nodes.find((n) => n.id === 'mp')!.inputs).toEqual(['res']);
    const sep = g.nodes.find((n) => n.id === 'sep/depthwise')!;
    expect(sep.op === 'conv2d' && sep.depthwise && sep.filters).toBe(4);
    const dw = g.nodes.find((n) => n.id === 'dw')!;
    expect(dw.op === 'conv2d' && dw.activation).toBe('relu6');
    expect(g.output).toBe('fc');
  });

  it('loads sharded weights and computes what plain ops compute', async () => {
    const { reader, arrays } = files();
    const model = await importLayersModel(reader, { modelJson: 'm/model.json', meta: { id: 'tiny' } });
    expect(model.meta).toMatchObject({ id: 'tiny', inputSize: [8, 8], outputKind: 'probabilities', numClasses: 3 });
    // Weight names in the manifest may carry a model prefix ('tiny/c1/kernel').
    expect(Array.from(model.weights['c1/kernel'].dataSync())).toEqual(Array.from(arrays[0]));
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const r = new Executor(model).forward(x);
    const ref = referenceForward(model.graph, model.weights, x);
    expect(relError(r.output.dataSync(), ref.get('fc')!.dataSync())).toBeLessThan(1e-5);
    expect(relError(r.logits.dataSync(), ref.get('fc/linear')!.dataSync())).toBeLessThan(1e-5);
    disposeForward(r);
    disposeModel(model);
  });

  it('dequantizes uint8 weights', async () => {
    const { reader } = files(true);
    const model = await importLayersModel(reader, { modelJson: 'm/model.json' });
    const b = model.weights['fc/bias'].dataSync();
    [-1, 0.28, 1.55].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    disposeModel(model);
  });

  it('names an unsupported layer and lists the supported ones', () => {
    const bad = structuredClone(topology);
    bad.model_config.config.layers.splice(2, 0, layer('LSTM', 'memory', { units: 3 }, ['pad']));
    expect(() => layersTopologyToGraph(bad)).toThrow(UnsupportedLayerError);
    expect(() => layersTopologyToGraph(bad)).toThrow(/layer 'memory' of class 'LSTM' is not supported; supported layers: InputLayer, Conv2D/);
    const act = structuredClone(topology);
    (act.model_config.config.layers[4].config as Record<string, unknown>) = { name: 'r6', activation: 'selu' };
    act.model_config.config.layers[4].class_name = 'Activation';
    expect(() => layersTopologyToGraph(act)).toThrow(/layer 'r6' of class 'Activation' \(activation 'selu'/);
  });

  it('reports a truncated shard and a missing file clearly', async () => {
    const { reader } = files();
    const short = createMemoryReader({
      'model.json': await reader.readText('m/model.json'),
      'group1-shard1of2': await reader.readBytes('m/group1-shard1of2'),
      'group1-shard2of2': (await reader.readBytes('m/group1-shard2of2')).slice(0, 10),
    });
    await expect(importLayersModel(short)).rejects.toThrow(/truncated/);
    await expect(importLayersModel(createMemoryReader({}))).rejects.toThrow(/cannot read TensorFlow.js model memory:model.json/);
    const graphModel = createMemoryReader({ 'model.json': JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }) });
    await expect(importLayersModel(graphModel)).rejects.toThrow(/is a TensorFlow.js graph model; only layers models/);
  });

  it('reads a Sequential model', () => {
    const g = layersTopologyToGraph({
      class_name: 'Sequential',
      config: [
        { class_name: 'Conv2D', config: { name: 'a', batch_input_shape: [null, 5, 5, 1], filters: 2, kernel_size: 3, strides: 1, padding: 'valid', activation: 'tanh', use_bias: true } },
        { class_name: 'GlobalAveragePooling2D', config: { name: 'gap' } },
        { class_name: 'Dense', config: { name: 'out', units: 2, activation: 'sigmoid', use_bias: false } },
      ],
    });
    expect(g.nodes.map((n) => `${n.id}:${n.op}:${n.inputs.join('+')}`)).toEqual(['input:input:', 'a:conv2d:input', 'gap:globalAvgPool:a', 'out:dense:gap']);
    expect(g.output).toBe('out');
  });
});
