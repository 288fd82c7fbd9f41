/**
 * Importer for TensorFlow.js layers models (Keras topology in model.json + binary weight shards) into our graph.
 * Reads files through a {@link ResourceReader}, so it runs in the browser as well as in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import { validateGraph } from '../graph';
import type { FusedActivation, Graph, GraphNode, Pair, Padding } from '../graph.types';
import type { Model, ModelMeta, ResourceReader } from '../model.types';
import { MINUS_ONE_TO_ONE } from '../models';
import { analyzeGraph } from '../graph.analysis';
import { findLogitsNode } from '../graph';

/** Keras layer classes this importer understands. */
export const SUPPORTED_KERAS_LAYERS = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense', 'BatchNormalization', 'Activation', 'ReLU',
  'LeakyReLU', 'Softmax', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'ZeroPadding2D',
  'Concatenate', 'Add', 'Flatten', 'Reshape', 'Dropout',
] as const;

/** Error for a layers model this importer cannot read; names the layer and lists the supported ones. */
export class UnsupportedLayerError extends Error {
  constructor(layer: string, className: string, detail = '') {
    super(
      `layer '${layer}' of class '${className}'${detail ? ` (${detail})` : ''} is not supported; ` +
      `supported layers: ${SUPPORTED_KERAS_LAYERS.join(', ')}`,
    );
    this.name = 'UnsupportedLayerError';
  }
}

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: unknown[];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

interface ModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/** Options of {@link importLayersModel}. */
export interface LayersImportOptions {
  /** Path of the model.json inside the reader (default 'model.json'); shard paths are relative to it. */
  modelJson?: string;
  /** Metadata; anything missing gets a default (id 'custom', input size from the model, x/127.5 - 1). */
  meta?: Partial<ModelMeta>;
}

/** Loads a TensorFlow.js layers model (model.json + shards) as a ConvLab {@link Model}. */
export async function importLayersModel(reader: ResourceReader, options: LayersImportOptions = {}): Promise<Model> {
  const jsonPath = options.modelJson ?? 'model.json';
  let parsed: ModelJson;
  try {
    parsed = JSON.parse(await reader.readText(jsonPath)) as ModelJson;
  } catch (e) {
    throw new Error(`cannot read TensorFlow.js model ${reader.describe(jsonPath)}: ${(e as Error).message}`);
  }
  if ((parsed as { format?: string }).format === 'graph-model' || Array.isArray((parsed.modelTopology as { node?: unknown })?.node)) {
    throw new Error(`${reader.describe(jsonPath)} is a TensorFlow.js graph model; only layers models (Keras topology) can be imported`);
  }
  if (!parsed.modelTopology || !parsed.weightsManifest) {
    throw new Error(`${reader.describe(jsonPath)} is not a TensorFlow.js layers model (needs modelTopology and weightsManifest)`);
  }
  const graph = layersTopologyToGraph(parsed.modelTopology);
  const dir = jsonPath.includes('/') ? jsonPath.slice(0, jsonPath.lastIndexOf('/') + 1) : '';
  const allWeights = await readWeights(reader, dir, parsed.weightsManifest);
  const weights: Record<string, tf.Tensor> = {};
  try {
    // Keep only the weights the graph uses, under the names the nodes reference (suffix match handles prefixes).
    for (const name of referencedWeights(graph)) {
      let hit = allWeights.get(name);
      if (!hit) {
        const suffixed = [...allWeights.keys()].filter((k) => k.endsWith(`/${name}`));
        if (suffixed.length > 1) throw new Error(`weight '${name}' is ambiguous in ${reader.describe(jsonPath)}: ${suffixed.join(', ')}`);
        hit = suffixed.length === 1 ? allWeights.get(suffixed[0]) : undefined;
      }
      if (!hit) throw new Error(`weight '${name}' is missing from ${reader.describe(jsonPath)}`);
      weights[name] = tf.tensor(hit.data, hit.shape, 'float32');
    }
  } catch (e) {
    Object.values(weights).forEach((t) => t.dispose());
    throw e;
  }
  const meta = defaultMeta(graph, options.meta);
  return { graph, weights, meta };
}

function defaultMeta(graph: Graph, m: Partial<ModelMeta> = {}): ModelMeta {
  const infos = analyzeGraph(graph);
  const input = infos[0].op === 'input' ? infos[0] : infos.find((i) => i.op === 'input')!;
  const out = infos.find((i) => i.id === graph.output)!;
  const numClasses = out.shape.reduce((a, b) => a * b, 1);
  const softmax = findLogitsNode(graph).softmaxApplied;
  return {
    id: 'custom',
    displayName: 'Custom model',
    family: 'custom',
    inputSize: [input.shape[0], input.shape[1]],
    preprocessing: MINUS_ONE_TO_ONE,
    outputKind: softmax ? 'probabilities' : 'logits',
    numClasses,
    backgroundClass: numClasses === 1001,
    labels: numClasses === 1001 ? 'imagenet-1001-background' : 'imagenet-1k',
    licence: 'unknown',
    source: 'user upload',
    ...m,
  };
}

function referencedWeights(graph: Graph): string[] {
  const names: string[] = [];
  for (const n of graph.nodes) {
    if (n.op === 'conv2d' || n.op === 'dense') names.push(n.kernel, ...(n.bias ? [n.bias] : []));
    if (n.op === 'batchNorm') names.push(n.mean, n.variance, ...(n.gamma ? [n.gamma] : []), ...(n.beta ? [n.beta] : []));
  }
  return names;
}

async function readWeights(
  reader: ResourceReader, dir: string, manifest: ModelJson['weightsManifest'],
): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const group of manifest) {
    const shards = await Promise.all(group.paths.map((p) => reader.readBytes(dir + p)));
    const total = shards.reduce((a, s) => a + s.length, 0);
    const buf = new Uint8Array(total);
    let off = 0;
    for (const s of shards) {
      buf.set(s, off);
      off += s.length;
    }
    let pos = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
      const len = count * bytesPer;
      if (pos + len > total) {
        throw new Error(`weight shards of ${group.paths.join(', ')} are truncated: '${w.name}' needs bytes ${pos}..${pos + len}, have ${total}`);
      }
      const bytes = buf.slice(pos, pos + len);
      pos += len;
      let data: Float32Array;
      if (!q) {
        if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new Error(`weight '${w.name}' has unsupported dtype '${w.dtype}'`);
        data = w.dtype === 'float32' ? new Float32Array(bytes.buffer) : Float32Array.from(new Int32Array(bytes.buffer));
      } else if (q.dtype === 'float16') {
        const h = new Uint16Array(bytes.buffer);
        data = Float32Array.from(h, halfToFloat);
      } else {
        const ints = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer);
        data = Float32Array.from(ints, (v) => v * (q.scale ?? 1) + (q.min ?? 0));
      }
      out.set(w.name, { data, shape: w.shape });
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function pair(v: unknown, name: string): Pair {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  throw new Error(`layer '${name}': expected a number or a pair, got ${JSON.stringify(v)}`);
}

function kerasPadding(v: unknown, name: string, cls: string): Padding {
  if (v === 'same' || v === 'valid') return v;
  throw new UnsupportedLayerError(name, cls, `padding '${String(v)}'`);
}

/** Names of the layers feeding a layer, from Keras 2 (`[[[name, 0, 0, {}]]]`) or Keras 3 style inbound nodes. */
function inboundNames(layer: KerasLayer): string[] {
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length === 0) return [];
  if (nodes.length > 1) throw new UnsupportedLayerError(layer.config.name, layer.class_name, 'layer shared between several calls');
  const first = nodes[0];
  if (Array.isArray(first)) return first.map((e) => (e as unknown[])[0] as string);
  // Keras 3: {args: [{config: {keras_history: [name, 0, 0]}} | [..]]}
  const names: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const hist = (o.config as Record<string, unknown> | undefined)?.keras_history;
      if (Array.isArray(hist)) names.push(hist[0] as string);
      else Object.values(o).forEach(walk);
    }
  };
  walk((first as Record<string, unknown>).args ?? first);
  return names;
}

function activationOf(a: unknown, name: string, cls: string): FusedActivation | 'softmax' {
  const v = a === undefined || a === null ? 'linear' : String(a);
  switch (v) {
    case 'linear': return 'linear';
    case 'relu': return 'relu';
    case 'relu6': return 'relu6';
    case 'sigmoid': return 'sigmoid';
    case 'tanh': return 'tanh';
    case 'softmax': return 'softmax';
    default: throw new UnsupportedLayerError(name, cls, `activation '${v}'; supported activations: linear, relu, relu6, sigmoid, tanh, softmax`);
  }
}

/** Converts a Keras/TensorFlow.js layers topology (functional or Sequential) to a {@link Graph}. */
export function layersTopologyToGraph(topology: Record<string, unknown>): Graph {
  const cfgRoot = (topology.model_config ?? topology) as { class_name: string; config: unknown };
  const isSequential = cfgRoot.class_name === 'Sequential';
  const cfg = cfgRoot.config as { layers?: KerasLayer[]; output_layers?: unknown[] } | KerasLayer[];
  const layers: KerasLayer[] = Array.isArray(cfg) ? cfg : cfg.layers ?? [];
  if (layers.length === 0) throw new Error('layers model has no layers');
  const nodes: GraphNode[] = [];
  // Layers that compute nothing (linear activations) are aliases of their input.
  const alias = new Map<string, string>();
  const resolve = (n: string) => alias.get(n) ?? n;
  let prev: string | null = null;
  const add = (n: GraphNode) => nodes.push(n);

  for (const layer of layers) {
    const c = layer.config;
    const name = c.name ?? layer.name;
    const cls = layer.class_name;
    let ins = isSequential ? (prev ? [prev] : []) : inboundNames(layer).map(resolve);
    if (isSequential && !prev && cls !== 'InputLayer') {
      // A Sequential model without an InputLayer declares its input shape on the first layer.
      const shape = (c.batch_input_shape as number[] | undefined)?.slice(1);
      if (!shape) throw new Error(`first layer '${name}' of the Sequential model has no batch_input_shape`);
      add({ op: 'input', id: 'input', inputs: [], shape });
      ins = ['input'];
    }
    if (c.data_format !== undefined && c.data_format !== 'channels_last') {
      throw new UnsupportedLayerError(name, cls, `data_format '${String(c.data_format)}'`);
    }
    const withAct = (core: GraphNode & { op: 'conv2d' | 'dense' }, act: FusedActivation | 'softmax') => {
      if (act === 'softmax') {
        add({ ...core, id: `${name}/linear` });
        add({ op: 'softmax', id: name, inputs: [`${name}/linear`], label: name });
      } else add({ ...core, activation: act });
    };
    switch (cls) {
      case 'InputLayer': {
        const shape = ((c.batch_input_shape ?? c.batch_shape) as number[] | undefined)?.slice(1);
        if (!shape || shape.some((d) => d === null)) throw new UnsupportedLayerError(name, cls, 'input needs a fixed shape');
        add({ op: 'input', id: name, inputs: [], shape, label: name });
        break;
      }
      case 'Conv2D': {
        const act = activationOf(c.activation, name, cls);
        const groups = (c.groups as number | undefined) ?? 1;
        withAct({
          op: 'conv2d', id: name, inputs: ins, label: cls, filters: c.filters as number,
          kernelSize: pair(c.kernel_size, name), strides: pair(c.strides ?? 1, name),
          padding: kerasPadding(c.padding, name, cls), dilation: pair(c.dilation_rate ?? 1, name), groups, depthwise: false,
          kernel: `${name}/kernel`, bias: c.use_bias ? `${name}/bias` : undefined,
        }, act);
        break;
      }
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        const act = activationOf(c.activation, name, cls);
        const mult = (c.depth_multiplier as number | undefined) ?? 1;
        const separable = cls === 'SeparableConv2D';
        // Filter count of a depthwise conv depends on the input's channels: resolved after the graph exists.
        const dwId = separable ? `${name}/depthwise` : name;
        const dw: GraphNode = {
          op: 'conv2d', id: dwId, inputs: ins, label: cls, filters: -mult,
          kernelSize: pair(c.kernel_size, name), strides: pair(c.strides ?? 1, name), padding: kerasPadding(c.padding, name, cls),
          dilation: pair(c.dilation_rate ?? 1, name), groups: 1, depthwise: true, kernel: `${name}/depthwise_kernel`,
          bias: !separable && c.use_bias ? `${name}/bias` : undefined,
        };
        if (!separable) withAct(dw, act);
        else {
          add(dw);
          withAct({
            op: 'conv2d', id: name, inputs: [dwId], label: cls, filters: c.filters as number, kernelSize: [1, 1],
            strides: [1, 1], padding: 'valid', dilation: [1, 1], groups: 1, depthwise: false,
            kernel: `${name}/pointwise_kernel`, bias: c.use_bias ? `${name}/bias` : undefined,
          }, act);
        }
        break;
      }
      case 'Dense': {
        const act = activationOf(c.activation, name, cls);
        withAct({
          op: 'dense', id: name, inputs: ins, label: cls, units: c.units as number,
          kernel: `${name}/kernel`, bias: c.use_bias ? `${name}/bias` : undefined,
        }, act);
        break;
      }
      case 'BatchNormalization': {
        const axis = Array.isArray(c.axis) ? c.axis[0] : c.axis;
        if (axis !== -1 && axis !== 3) throw new UnsupportedLayerError(name, cls, `axis ${String(axis)} (only the channel axis)`);
        add({
          op: 'batchNorm', id: name, inputs: ins, label: cls, epsilon: (c.epsilon as number | undefined) ?? 1e-3,
          mean: `${name}/moving_mean`, variance: `${name}/moving_variance`,
          gamma: c.scale === false ? undefined : `${name}/gamma`, beta: c.center === false ? undefined : `${name}/beta`,
        });
        break;
      }
      case 'Activation': {
        const act = activationOf(c.activation, name, cls);
        if (act === 'linear') alias.set(name, ins[0]);
        else add({ op: act, id: name, inputs: ins, label: cls } as GraphNode);
        break;
      }
      case 'ReLU': {
        const maxValue = c.max_value as number | null | undefined;
        const slope = (c.negative_slope as number | undefined) ?? 0;
        const threshold = (c.threshold as number | undefined) ?? 0;
        if (threshold !== 0 || (maxValue != null && maxValue !== 6) || (slope !== 0 && maxValue != null)) {
          throw new UnsupportedLayerError(name, cls, `max_value ${maxValue}, negative_slope ${slope}, threshold ${threshold}`);
        }
        if (slope !== 0) add({ op: 'leakyRelu', id: name, inputs: ins, label: cls, alpha: slope });
        else add({ op: maxValue === 6 ? 'relu6' : 'relu', id: name, inputs: ins, label: cls });
        break;
      }
      case 'LeakyReLU':
        add({ op: 'leakyRelu', id: name, inputs: ins, label: cls, alpha: (c.alpha ?? c.negative_slope ?? 0.3) as number });
        break;
      case 'Softmax':
        add({ op: 'softmax', id: name, inputs: ins, label: cls });
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const poolSize = pair(c.pool_size ?? 2, name);
        add({
          op: cls === 'MaxPooling2D' ? 'maxPool' : 'avgPool', id: name, inputs: ins, label: cls, poolSize,
          strides: c.strides == null ? poolSize : pair(c.strides, name), padding: kerasPadding(c.padding ?? 'valid', name, cls),
        });
        break;
      }
      case 'GlobalAveragePooling2D':
        add({ op: 'globalAvgPool', id: name, inputs: ins, label: cls, keepDims: Boolean(c.keepdims) });
        break;
      case 'ZeroPadding2D': {
        const p = c.padding;
        let pads: [Pair, Pair];
        if (typeof p === 'number') pads = [[p, p], [p, p]];
        else if (Array.isArray(p) && typeof p[0] === 'number') pads = [[p[0], p[0]], [p[1] as number, p[1] as number]];
        else pads = [pair((p as unknown[])[0], name), pair((p as unknown[])[1], name)];
        add({ op: 'zeroPad', id: name, inputs: ins, label: cls, padding: pads });
        break;
      }
      case 'Concatenate':
        add({ op: 'concat', id: name, inputs: ins, label: cls, axis: c.axis === undefined ? -1 : (c.axis as number) - 1 < 0 ? (c.axis as number) : (c.axis as number) - 1 });
        break;
      case 'Add':
        add({ op: 'add', id: name, inputs: ins, label: cls });
        break;
      case 'Flatten':
        add({ op: 'flatten', id: name, inputs: ins, label: cls });
        break;
      case 'Reshape':
        add({ op: 'reshape', id: name, inputs: ins, label: cls, targetShape: c.target_shape as number[] });
        break;
      case 'Dropout':
        add({ op: 'dropout', id: name, inputs: ins, label: cls, rate: (c.rate as number | undefined) ?? 0 });
        break;
      default:
        throw new UnsupportedLayerError(name, cls);
    }
    prev = resolve(name);
  }
  const outputs = !isSequential && !Array.isArray(cfg) ? (cfg.output_layers as unknown[][] | undefined) : undefined;
  if (outputs && outputs.length !== 1) throw new Error(`layers model has ${outputs.length} outputs; only single-output models are supported`);
  const output = resolve(outputs ? (outputs[0][0] as string) : prev!);
  const graph: Graph = { format: 'convlab-graph', version: 1, nodes, output };
  resolveDepthwiseFilters(graph);
  validateGraph(graph);
  return graph;
}

/** Depthwise filter counts depend on input channels: fill them in (stored as -multiplier during import). */
function resolveDepthwiseFilters(graph: Graph): void {
  const pending = graph.nodes.filter((n) => n.op === 'conv2d' && n.depthwise && n.filters < 0);
  if (pending.length === 0) return;
  // Analyze with a placeholder, then fix node by node in dependency order.
  for (const n of graph.nodes) {
    if (n.op === 'conv2d' && n.depthwise && n.filters < 0) {
      const mult = -n.filters;
      const infos = analyzePrefix(graph, n.inputs[0]);
      n.filters = infos[infos.length - 1] * mult;
    }
  }
}

function analyzePrefix(graph: Graph, nodeId: string): number[] {
  // Analyze the sub-graph that ends at nodeId (its ancestors have resolved filters because nodes come in order).
  const sub: Graph = { ...graph, nodes: graph.nodes.filter((n) => !(n.op === 'conv2d' && n.filters < 0)), output: nodeId };
  const keep = new Set<string>();
  const byId = new Map(sub.nodes.map((n) => [n.id, n] as const));
  const stack = [nodeId];
  while (stack.length) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    const n = byId.get(id);
    if (!n) throw new Error(`cannot resolve channels before '${nodeId}'`);
    keep.add(id);
    stack.push(...n.inputs);
  }
  sub.nodes = sub.nodes.filter((n) => keep.has(n.id));
  const info = analyzeGraph(sub).find((i) => i.id === nodeId)!;
  return info.shape;
}
