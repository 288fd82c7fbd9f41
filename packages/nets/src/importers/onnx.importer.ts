/**
 * ONNX importer: rebuilds an image classifier exported from PyTorch/torchvision (NCHW float32, opset 13–18) as a graph
 * of our NHWC IR. Conv kernels are transposed OIHW → HWIO (depthwise: → [kh, kw, in, multiplier]); shapes are resolved
 * here, once; a flatten of a feature map (NCHW order in ONNX, NHWC in the IR) is absorbed by permuting the rows of the
 * dense layer that reads it. Add/Mul by a constant become an affine batch-norm node. MaxPool maps to the IR's maxPool
 * (so the executor's first-maximum gradient rule applies to it). Anything else is refused with a message naming the
 * operator, the attribute and the node. Browser-safe: bytes in; external data comes through a {@link ResourceReader}.
 */
import { tensor } from '@tensorflow/tfjs-core';
import type { Graph, GraphNode, Padding, Pair, Shape, WeightMap } from '../graph.types';
import { validateGraph } from '../graph';
import type { Model, ModelMeta, ResourceReader } from '../model.types';
import { IMAGENET_MEAN_STD } from '../models';
import {
  DT_FLOAT, DT_INT32, DT_INT64, ONNX_DATA_TYPES, OnnxImportError, readOnnx, type OnnxNode, type OnnxTensor,
} from './onnx-reader';

export { OnnxImportError } from './onnx-reader';

/** ONNX operators (default domain) the importer rebuilds. */
export const ONNX_SUPPORTED_OPS: readonly string[] = [
  'Add', 'AveragePool', 'BatchNormalization', 'Clip', 'Concat', 'Constant', 'Conv', 'Dropout', 'Flatten', 'Gemm',
  'GlobalAveragePool', 'Identity', 'LeakyRelu', 'MatMul', 'MaxPool', 'Mul', 'Pad', 'Relu', 'Reshape', 'Sigmoid',
  'Softmax', 'Tanh',
];

/** The opsets of the default domain the importer knows (TorchScript exporter's 13 to the newer exporter's 18). */
export const ONNX_OPSETS: Pair = [13, 18];

/** Options of {@link importOnnx}. */
export interface OnnxImportOptions {
  /** Model id (default: the graph's name, else 'onnx-model'). */
  id?: string;
  /** Fields of the metadata to set instead of the defaults (torchvision preprocessing, ImageNet-1k labels). */
  meta?: Partial<ModelMeta>;
  /** Reader rooted at the model's folder, for initializers stored in an external-data file beside the model. */
  reader?: ResourceReader;
}

/** A constant (initializer, Constant, or folded) in ONNX layout. */
interface ConstValue {
  kind: 'const';
  dims: number[];
  data: Float32Array | number[];
}

/** An activation: an IR node's output. `perm` (vectors only): IR feature i is the ONNX (NCHW-flattened) feature perm[i]. */
interface ActValue {
  kind: 'act';
  id: string;
  shape: Shape;
  perm?: number[];
}

type Value = ConstValue | ActValue;

const prod = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Imports an ONNX model as a {@link Model}: graph, float32 weights (owned by the model) and metadata (input size from
 * the file, torchvision preprocessing and ImageNet-1k labels unless `options.meta` says otherwise).
 */
export async function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): Promise<Model> {
  const onnx = readOnnx(bytes);
  const opset = onnx.opsets.get('') ?? 0;
  if (opset < ONNX_OPSETS[0] || opset > ONNX_OPSETS[1]) {
    throw new OnnxImportError(`ONNX opset ${opset} is not supported: export with opset ${ONNX_OPSETS[0]} to ${ONNX_OPSETS[1]}`);
  }
  const c = new Converter(opset);
  for (const t of onnx.initializers) c.values.set(t.name, await c.decode(t, options.reader));
  const inputs = onnx.inputs.filter((v) => !c.values.has(v.name));
  if (inputs.length !== 1) {
    throw new OnnxImportError(`the model has ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ')}); ConvLab imports classifiers with one image input`);
  }
  const input = inputs[0];
  const dims = input.dims.map((d) => (d === null ? '?' : d));
  if (input.elemType !== DT_FLOAT) {
    throw new OnnxImportError(`input '${input.name}' is ${ONNX_DATA_TYPES[input.elemType] ?? `type ${input.elemType}`}; ConvLab imports float32 image inputs`);
  }
  const [, channels, height, width] = input.dims;
  if (input.dims.length !== 4 || channels !== 3 || !height || !width) {
    throw new OnnxImportError(
      `input '${input.name}' has shape [${dims.join(', ')}] (rank ${input.dims.length}); ConvLab imports image classifiers with one NCHW input [batch, 3, height, width] of fixed height and width`,
    );
  }
  c.addInput(input.name, [height, width, 3]);
  for (const n of onnx.nodes) await c.convert(n);

  const out = onnx.outputs[0];
  const v = out && c.values.get(out.name);
  if (!v || v.kind !== 'act' || v.shape.length !== 1 || v.perm) {
    throw new OnnxImportError(`output '${out?.name}' is not a vector of class scores computed from the input`);
  }
  const graph: Graph = { format: 'convlab-graph', version: 1, nodes: c.nodes, output: v.id };
  validateGraph(graph);
  const last = c.nodes.find((n) => n.id === v.id)!;
  const id = options.id ?? (onnx.graphName || 'onnx-model');
  const meta: ModelMeta = {
    id,
    displayName: id,
    family: 'onnx',
    inputSize: [height, width],
    preprocessing: IMAGENET_MEAN_STD,
    outputKind: last.op === 'softmax' ? 'probabilities' : 'logits',
    numClasses: v.shape[0],
    backgroundClass: false,
    labels: 'imagenet-1k',
    licence: 'as given by the model’s owner',
    source: 'ONNX file',
    ...options.meta,
  };
  const weights: WeightMap = {};
  try {
    for (const [name, w] of c.weights) weights[name] = tensor(w.data, w.shape, 'float32');
  } catch (e) {
    Object.values(weights).forEach((t) => t.dispose());
    throw e;
  }
  return { graph, weights, meta };
}

/** Converts ONNX nodes one by one into IR nodes, tracking every ONNX value as a constant or an activation. */
class Converter {
  readonly values = new Map<string, Value>();
  readonly nodes: GraphNode[] = [];
  readonly weights = new Map<string, { data: Float32Array; shape: number[] }>();
  private readonly ids = new Set<string>();
  private readonly externalFiles = new Map<string, Promise<Uint8Array>>();

  constructor(readonly opset: number) {}

  /** Decodes an initializer or Constant tensor (float32, int32 or int64; anything else is refused). */
  async decode(t: OnnxTensor, reader?: ResourceReader): Promise<ConstValue> {
    const type = ONNX_DATA_TYPES[t.dataType] ?? `type ${t.dataType}`;
    if (t.dataType !== DT_FLOAT && t.dataType !== DT_INT64 && t.dataType !== DT_INT32) {
      throw new OnnxImportError(
        `tensor '${t.name}' holds ${type} weights; ConvLab imports float32 models (export the model in float32, unquantized)`,
      );
    }
    const n = prod(t.dims);
    let raw = t.rawData;
    if (t.externalData) raw = await this.external(t, reader);
    let data: Float32Array | number[];
    if (raw) {
      const size = t.dataType === DT_INT64 ? 8 : 4;
      if (raw.length !== n * size) {
        throw new OnnxImportError(`tensor '${t.name}' has ${raw.length} bytes of data for shape [${t.dims.join(', ')}] (${n * size} expected): the file is truncated or damaged`);
      }
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      if (t.dataType === DT_FLOAT) {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      } else if (t.dataType === DT_INT64) {
        data = Array.from({ length: n }, (_, i) => Number(view.getBigInt64(i * 8, true)));
      } else {
        data = Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true));
      }
    } else {
      data = t.dataType === DT_FLOAT ? Float32Array.from(t.floatData) : t.dataType === DT_INT64 ? t.int64Data : t.int32Data;
      if (data.length !== n) {
        throw new OnnxImportError(`tensor '${t.name}' has ${data.length} values for shape [${t.dims.join(', ')}] (${n} expected)`);
      }
    }
    return { kind: 'const', dims: t.dims, data };
  }

  /** Bytes of a tensor stored in an external-data file, which must lie in the model's own folder. */
  private async external(t: OnnxTensor, reader?: ResourceReader): Promise<Uint8Array> {
    const e = t.externalData!;
    const location = e.location ?? '';
    if (!location || /^([a-zA-Z]:)?[\\/]/.test(location) || location.split(/[\\/]/).includes('..')) {
      throw new OnnxImportError(
        `tensor '${t.name}' points to external data '${location}' outside the model's folder; only files beside the model are read`,
      );
    }
    if (!reader) throw new OnnxImportError(`tensor '${t.name}' is stored in the external file '${location}'; load the model from its folder`);
    let file = this.externalFiles.get(location);
    if (!file) {
      file = reader.readBytes(location);
      this.externalFiles.set(location, file);
    }
    const bytes = await file;
    const offset = Number(e.offset ?? 0);
    const length = e.length !== undefined ? Number(e.length) : bytes.length - offset;
    if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
      throw new OnnxImportError(`tensor '${t.name}': external file '${location}' has ${bytes.length} bytes, too few for offset ${offset} and length ${length}`);
    }
    return bytes.subarray(offset, offset + length);
  }

  addInput(name: string, shape: Shape): void {
    const id = this.uniqueId('input');
    this.nodes.push({ op: 'input', id, inputs: [], shape });
    this.values.set(name, { kind: 'act', id, shape });
  }

  private uniqueId(raw: string): string {
    const base = raw.replace(/^\/+/, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'node';
    let id = base;
    for (let i = 1; this.ids.has(id); i++) id = `${base}_${i}`;
    this.ids.add(id);
    return id;
  }

  private addWeight(name: string, data: Float32Array, shape: number[]): string {
    this.weights.set(name, { data, shape });
    return name;
  }

  /** Appends an IR node for ONNX node `n` and binds its first output to it. */
  private emit(n: OnnxNode, node: GraphNode, shape: Shape, perm?: number[]): void {
    this.nodes.push(node);
    this.values.set(n.outputs[0], { kind: 'act', id: node.id, shape, perm });
  }

  async convert(n: OnnxNode): Promise<void> {
    if (n.domain !== '' && n.domain !== 'ai.onnx') throw refuse(n, `is in domain '${n.domain}'; only standard ONNX operators are supported`);
    const id = this.uniqueId(n.name || `${n.opType}_${this.nodes.length}`);
    const x = this.values.get(n.inputs[0]);
    if (n.opType !== 'Constant' && n.inputs[0] && !x) throw refuse(n, `reads '${n.inputs[0]}', which no earlier node produces`);
    switch (n.opType) {
      case 'Constant': return this.constant(n);
      case 'Identity':
      case 'Dropout':
        if (n.opType === 'Dropout' && n.outputs.length > 1 && n.outputs[1]) throw refuse(n, 'has a mask output, which is not supported');
        this.values.set(n.outputs[0], x!);
        return;
      case 'Conv': return this.conv(n, id, this.act4(n, x));
      case 'BatchNormalization': return this.batchNorm(n, id, this.act(n, x));
      case 'Relu': return this.unary(n, { op: 'relu', id, inputs: [] }, this.act(n, x));
      case 'Sigmoid': return this.unary(n, { op: 'sigmoid', id, inputs: [] }, this.act(n, x));
      case 'Tanh': return this.unary(n, { op: 'tanh', id, inputs: [] }, this.act(n, x));
      case 'LeakyRelu': return this.unary(n, { op: 'leakyRelu', id, inputs: [], alpha: attrFloat(n, 'alpha', 0.01) }, this.act(n, x));
      case 'Clip': return this.clip(n, id, this.act(n, x));
      case 'MaxPool':
      case 'AveragePool': return this.pool(n, id, this.act4(n, x));
      case 'GlobalAveragePool': {
        const a = this.act4(n, x);
        return this.emit(n, { op: 'globalAvgPool', id, inputs: [a.id], keepDims: true }, [1, 1, a.shape[2]]);
      }
      case 'Flatten': {
        const axis = attrInt(n, 'axis', 1);
        if (axis !== 1) throw refuse(n, `attribute axis = ${axis} is not supported (only 1: flatten all but the batch)`);
        return this.flatten(n, id, this.act(n, x));
      }
      case 'Reshape': return this.reshape(n, id, x!);
      case 'Gemm':
      case 'MatMul': return this.dense(n, id, this.act(n, x));
      case 'Add':
      case 'Mul': return this.binary(n, id);
      case 'Concat': return this.concat(n, id);
      case 'Softmax': {
        const a = this.act(n, x);
        const axis = attrInt(n, 'axis', -1);
        if (a.shape.length !== 1 || (axis !== 1 && axis !== -1)) throw refuse(n, `attribute axis = ${axis} is not supported on a [${a.shape}] value (softmax over classes only)`);
        if (a.perm) throw refuse(n, 'applies softmax to flattened feature maps, which is not supported');
        return this.emit(n, { op: 'softmax', id, inputs: [a.id] }, a.shape);
      }
      case 'Pad': return this.pad(n, id, this.act4(n, x));
      default:
        throw new OnnxImportError(
          `ONNX operator ${n.opType} (node '${n.name || n.outputs[0]}') is not supported; supported operators: ${ONNX_SUPPORTED_OPS.join(', ')}`,
        );
    }
  }

  private act(n: OnnxNode, v: Value | undefined): ActValue {
    if (!v || v.kind !== 'act') throw refuse(n, 'is applied to a constant, which is not supported (only to values computed from the input)');
    return v;
  }

  private act4(n: OnnxNode, v: Value | undefined): ActValue {
    const a = this.act(n, v);
    if (a.shape.length !== 3) throw refuse(n, `needs an NCHW feature map, got a vector of ${a.shape[0]} features`);
    return a;
  }

  private input(n: OnnxNode, i: number): ConstValue | undefined {
    const name = n.inputs[i];
    if (!name) return undefined;
    const v = this.values.get(name);
    if (!v) throw refuse(n, `reads '${name}', which no earlier node produces`);
    if (v.kind !== 'const') throw refuse(n, `input ${i} ('${name}') must be a constant (weights), not computed from the image`);
    return v;
  }

  private constant(n: OnnxNode): void {
    const a = n.attributes;
    let v: ConstValue;
    if (a.get('value')?.t) {
      const t = a.get('value')!.t!;
      if (t.externalData) throw refuse(n, 'keeps its value in external data, which is not supported for Constant');
      if (t.dataType !== DT_FLOAT && t.dataType !== DT_INT64 && t.dataType !== DT_INT32) {
        throw refuse(n, `attribute value holds ${ONNX_DATA_TYPES[t.dataType] ?? t.dataType} data; float32, int32 and int64 are supported`);
      }
      // Synchronous decode (no external data): reuse the initializer path.
      v = decodeInline(t);
    } else if (a.has('value_float')) v = { kind: 'const', dims: [], data: Float32Array.of(a.get('value_float')!.f ?? 0) };
    else if (a.has('value_floats')) v = { kind: 'const', dims: [a.get('value_floats')!.floats.length], data: Float32Array.from(a.get('value_floats')!.floats) };
    else if (a.has('value_int')) v = { kind: 'const', dims: [], data: [a.get('value_int')!.i ?? 0] };
    else if (a.has('value_ints')) v = { kind: 'const', dims: [a.get('value_ints')!.ints.length], data: a.get('value_ints')!.ints };
    else throw refuse(n, `attribute ${[...a.keys()].join(', ') || '(none)'} is not supported (value, value_float(s), value_int(s) are)`);
    this.values.set(n.outputs[0], v);
  }

  private conv(n: OnnxNode, id: string, x: ActValue): void {
    const w = this.input(n, 1);
    const b = this.input(n, 2);
    if (!w || w.dims.length !== 4) throw refuse(n, 'needs a constant 4-D weight [out, in/group, kh, kw]');
    const [o, ig, kh, kw] = w.dims;
    const group = attrInt(n, 'group', 1);
    const cin = x.shape[2];
    if (ig * group !== cin) throw refuse(n, `attribute group = ${group} with weight [${w.dims}] does not fit ${cin} input channels`);
    const dilation = attrPair(n, 'dilations', 1);
    const strides = attrPair(n, 'strides', 1);
    const padding = this.padding(n, x.shape, [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1], strides);
    const depthwise = group > 1 && group === cin && ig === 1;
    const data = w.data as Float32Array;
    // OIHW → HWIO; depthwise [c·m, 1, kh, kw] → [kh, kw, c, m] (the same transpose of [c, m, kh, kw] with perm [2, 3, 0, 1]).
    const kernel = depthwise
      ? transpose(data, [cin, o / cin, kh, kw], [2, 3, 0, 1])
      : transpose(data, [o, ig, kh, kw], [2, 3, 1, 0]);
    const shape = depthwise ? [kh, kw, cin, o / cin] : [kh, kw, ig, o];
    if (b && prod(b.dims) !== o) throw refuse(n, `bias has ${prod(b.dims)} values for ${o} filters`);
    this.emit(n, {
      op: 'conv2d', id, inputs: [x.id], filters: o, kernelSize: [kh, kw], strides, padding, dilation, groups: group, depthwise,
      kernel: this.addWeight(`${id}/kernel`, kernel, shape),
      bias: b ? this.addWeight(`${id}/bias`, Float32Array.from(b.data), [o]) : undefined,
      label: n.opType,
    }, [
      outSize(x.shape[0], dilation[0] * (kh - 1) + 1, strides[0], padding, 0),
      outSize(x.shape[1], dilation[1] * (kw - 1) + 1, strides[1], padding, 1),
      o,
    ]);
  }

  /** Spatial padding of Conv/MaxPool/AveragePool from auto_pad and pads (ONNX order [top, left, bottom, right]). */
  private padding(n: OnnxNode, shape: Shape, k: Pair, s: Pair): Padding {
    const auto = attrString(n, 'auto_pad', 'NOTSET');
    if (auto === 'VALID') return 'valid';
    if (auto === 'SAME_UPPER') return 'same'; // TensorFlow's 'same' puts the extra pixel at the end, as SAME_UPPER does
    if (auto === 'SAME_LOWER') {
      const p = [0, 1].map((a) => Math.max((Math.ceil(shape[a] / s[a]) - 1) * s[a] + k[a] - shape[a], 0));
      return [[Math.ceil(p[0] / 2), Math.floor(p[0] / 2)], [Math.ceil(p[1] / 2), Math.floor(p[1] / 2)]];
    }
    if (auto !== 'NOTSET') throw refuse(n, `attribute auto_pad = ${auto} is not supported`);
    const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
    if (pads.length !== 4 || pads.some((p) => p < 0)) throw refuse(n, `attribute pads = [${pads}] is not supported (4 non-negative values)`);
    const [t, l, b, r] = pads;
    return t + l + b + r === 0 ? 'valid' : [[t, b], [l, r]];
  }

  private batchNorm(n: OnnxNode, id: string, x: ActValue): void {
    if (attrInt(n, 'training_mode', 0) !== 0) throw refuse(n, 'attribute training_mode = 1 is not supported (inference only)');
    if (n.outputs.slice(1).some(Boolean)) throw refuse(n, 'has running-statistics outputs, which are not supported');
    const channels = x.shape[x.shape.length - 1];
    const names = ['gamma', 'beta', 'mean', 'variance'] as const;
    const w: Record<string, string> = {};
    names.forEach((name, i) => {
      const v = this.input(n, i + 1);
      if (!v || prod(v.dims) !== channels) throw refuse(n, `input ${i + 1} (${name}) must be a constant of ${channels} values`);
      w[name] = this.addWeight(`${id}/${name}`, permuted(v.data, x.perm), [channels]);
    });
    this.emit(n, {
      op: 'batchNorm', id, inputs: [x.id], epsilon: attrFloat(n, 'epsilon', 1e-5),
      gamma: w.gamma, beta: w.beta, mean: w.mean, variance: w.variance,
    }, x.shape, x.perm);
  }

  private unary(n: OnnxNode, node: GraphNode, x: ActValue): void {
    node.inputs = [x.id];
    this.emit(n, node, x.shape, x.perm);
  }

  private clip(n: OnnxNode, id: string, x: ActValue): void {
    const scalar = (i: number, name: string): number | undefined => {
      const v = this.input(n, i);
      if (v && v.data.length !== 1) throw refuse(n, `attribute ${name} must be a scalar`);
      return v ? Number(v.data[0]) : undefined;
    };
    const min = scalar(1, 'min');
    const max = scalar(2, 'max');
    if (min !== 0) throw refuse(n, `attribute min = ${min ?? '-inf'} is not supported (ReLU and ReLU6 clips only: min 0)`);
    if (max !== undefined && max !== 6) throw refuse(n, `attribute max = ${max} is not supported (ReLU and ReLU6 clips only: max 6 or none)`);
    this.unary(n, { op: max === 6 ? 'relu6' : 'relu', id, inputs: [] }, x);
  }

  private pool(n: OnnxNode, id: string, x: ActValue): void {
    const ks = attrInts(n, 'kernel_shape', []);
    if (ks.length !== 2) throw refuse(n, `attribute kernel_shape = [${ks}] is not supported (2-D pooling)`);
    const k: Pair = [ks[0], ks[1]];
    const s = attrPair(n, 'strides', 1);
    const d = attrPair(n, 'dilations', 1);
    if (d[0] !== 1 || d[1] !== 1) throw refuse(n, `attribute dilations = [${d}] is not supported (1 only)`);
    if (attrInt(n, 'storage_order', 0) !== 0) throw refuse(n, 'attribute storage_order = 1 is not supported');
    if (n.outputs.slice(1).some(Boolean)) throw refuse(n, 'has an Indices output, which is not supported');
    let padding = this.padding(n, x.shape, k, s);
    const ceil = attrInt(n, 'ceil_mode', 0) === 1;
    const isMax = n.opType === 'MaxPool';
    if (ceil && typeof padding !== 'string') padding = ceilPadding(x.shape, k, s, padding);
    else if (ceil && padding === 'valid') padding = ceilPadding(x.shape, k, s, [[0, 0], [0, 0]]);
    if (Array.isArray(padding) && padding.flat().every((p) => p === 0)) padding = 'valid';
    if (!isMax && Array.isArray(padding)) {
      const includePad = attrInt(n, 'count_include_pad', 0) === 1;
      const extra = ceil && JSON.stringify(padding) !== JSON.stringify(this.padding(n, x.shape, k, s));
      if (extra) throw refuse(n, 'attribute ceil_mode = 1 is not supported when it adds a partial window to AveragePool');
      if (!includePad) {
        // Without counting pads, only TensorFlow's 'same' geometry divides by the real pixels.
        const same = [0, 1].map((a) => Math.max((Math.ceil(x.shape[a] / s[a]) - 1) * s[a] + k[a] - x.shape[a], 0));
        const p = padding;
        const isSame = [0, 1].every((a) => p[a][0] === Math.floor(same[a] / 2) && p[a][1] === same[a] - Math.floor(same[a] / 2));
        if (!isSame) throw refuse(n, 'attribute count_include_pad = 0 is not supported with these pads (only with SAME-style padding)');
        padding = 'same';
      }
    }
    this.emit(n, { op: isMax ? 'maxPool' : 'avgPool', id, inputs: [x.id], poolSize: k, strides: s, padding, label: n.opType }, [
      outSize(x.shape[0], k[0], s[0], padding, 0), outSize(x.shape[1], k[1], s[1], padding, 1), x.shape[2],
    ]);
  }

  private flatten(n: OnnxNode, id: string, x: ActValue): void {
    if (x.shape.length === 1) {
      this.values.set(n.outputs[0], x);
      return;
    }
    const [h, w, c] = x.shape;
    // IR flatten is NHWC order; ONNX's is NCHW. Keep the mapping so that the dense layer reading it permutes its rows.
    const perm = h * w === 1 ? undefined : Array.from({ length: h * w * c }, (_, i) => (i % c) * h * w + Math.floor(i / c));
    this.emit(n, { op: 'flatten', id, inputs: [x.id] }, [h * w * c], perm);
  }

  private reshape(n: OnnxNode, id: string, x: Value): void {
    const shape = this.input(n, 1);
    if (!shape) throw refuse(n, 'needs a constant shape');
    const target = Array.from(shape.data, Number);
    if (x.kind === 'const') {
      const total = prod(x.dims);
      const known = target.map((d, i) => (d === 0 ? x.dims[i] : d));
      const dims = known.map((d) => (d === -1 ? total / prod(known.filter((e) => e !== -1)) : d));
      this.values.set(n.outputs[0], { ...x, dims });
      return;
    }
    const flat = x.shape.reduce((a, b) => a * b, 1);
    const batchOk = target[0] === 0 || target[0] === -1 || target[0] === 1;
    if (target.length === 2 && batchOk && (target[1] === -1 || target[1] === flat)) return this.flatten(n, id, x);
    throw refuse(n, `target shape [${target}] is not supported for a value of shape [batch, ${x.shape.length === 3 ? [x.shape[2], x.shape[0], x.shape[1]] : x.shape}] (only flattening to [batch, features])`);
  }

  private dense(n: OnnxNode, id: string, x: ActValue): void {
    if (x.shape.length !== 1) throw refuse(n, `needs a [batch, features] input, got a feature map (flatten it first)`);
    const isGemm = n.opType === 'Gemm';
    if (isGemm && attrInt(n, 'transA', 0) !== 0) throw refuse(n, 'attribute transA = 1 is not supported');
    const transB = isGemm && attrInt(n, 'transB', 0) === 1;
    const alpha = isGemm ? attrFloat(n, 'alpha', 1) : 1;
    const beta = isGemm ? attrFloat(n, 'beta', 1) : 1;
    const b = this.input(n, 1);
    if (!b || b.dims.length !== 2) throw refuse(n, 'needs a constant 2-D weight');
    const [inF, units] = transB ? [b.dims[1], b.dims[0]] : b.dims;
    if (inF !== x.shape[0]) throw refuse(n, `weight [${b.dims}] does not fit ${x.shape[0]} input features`);
    const kernel = new Float32Array(inF * units);
    const src = b.data as Float32Array;
    for (let i = 0; i < inF; i++) {
      const row = x.perm ? x.perm[i] : i;
      for (let u = 0; u < units; u++) kernel[i * units + u] = alpha * (transB ? src[u * inF + row] : src[row * units + u]);
    }
    const c = isGemm ? this.input(n, 2) : undefined;
    let bias: string | undefined;
    if (c) {
      const len = c.data.length;
      if (len !== 1 && len !== units) throw refuse(n, `input C of shape [${c.dims}] is not supported (a bias of ${units} values)`);
      bias = this.addWeight(`${id}/bias`, Float32Array.from({ length: units }, (_, u) => beta * Number(c.data[len === 1 ? 0 : u])), [units]);
    }
    this.emit(n, {
      op: 'dense', id, inputs: [x.id], units, kernel: this.addWeight(`${id}/kernel`, kernel, [inF, units]), bias, label: n.opType,
    }, [units]);
  }

  /** Add/Mul: two activations add element-wise; an activation and a per-channel (or scalar) constant become an affine node. */
  private binary(n: OnnxNode, id: string): void {
    const [a, b] = n.inputs.map((name) => this.values.get(name));
    if (!a || !b) throw refuse(n, 'reads a value no earlier node produces');
    if (a.kind === 'act' && b.kind === 'act') {
      if (n.opType === 'Mul') throw refuse(n, 'multiplies two computed values, which is not supported (only by a constant)');
      if (a.shape.join() !== b.shape.join() || String(a.perm) !== String(b.perm)) {
        throw refuse(n, `adds values of different shapes [${a.shape}] and [${b.shape}], which is not supported`);
      }
      return this.emit(n, { op: 'add', id, inputs: [a.id, b.id] }, a.shape, a.perm);
    }
    const x = a.kind === 'act' ? a : b.kind === 'act' ? b : undefined;
    const k = (a.kind === 'const' ? a : b) as ConstValue;
    if (!x) throw refuse(n, 'has two constant inputs, which is not supported');
    const channels = x.shape[x.shape.length - 1];
    const trailing = k.dims.slice(x.shape.length === 3 ? -3 : -1);
    const perChannel = k.data.length === channels &&
      (x.shape.length === 3 ? trailing[0] === channels && prod(trailing.slice(1)) === 1 : trailing[0] === channels);
    if (k.data.length !== 1 && !perChannel) throw refuse(n, `constant of shape [${k.dims}] is not supported (a scalar or one value per channel)`);
    const values = permuted(Float32Array.from({ length: channels }, (_, i) => Number(k.data[k.data.length === 1 ? 0 : i])), x.perm);
    const ones = new Float32Array(channels).fill(1);
    const add = n.opType === 'Add';
    this.emit(n, {
      op: 'batchNorm', id, inputs: [x.id], epsilon: 0, label: n.opType,
      mean: this.addWeight(`${id}/mean`, new Float32Array(channels), [channels]),
      variance: this.addWeight(`${id}/variance`, ones, [channels]),
      ...(add ? { beta: this.addWeight(`${id}/beta`, values, [channels]) } : { gamma: this.addWeight(`${id}/gamma`, values, [channels]) }),
    }, x.shape, x.perm);
  }

  private concat(n: OnnxNode, id: string): void {
    const xs = n.inputs.map((name) => this.act(n, this.values.get(name)));
    const rank = xs[0].shape.length + 1;
    const axis = attrInt(n, 'axis', 1);
    const onChannels = axis === 1 || axis === 1 - rank;
    if (!onChannels) throw refuse(n, `attribute axis = ${axis} is not supported (channels only: 1)`);
    if (xs.some((x) => x.perm)) throw refuse(n, 'concatenates flattened feature maps, which is not supported');
    const lead = xs[0].shape.slice(0, -1).join();
    if (xs.some((x) => x.shape.length !== rank - 1 || x.shape.slice(0, -1).join() !== lead)) {
      throw refuse(n, `concatenates values of shapes ${xs.map((x) => `[${x.shape}]`).join(', ')}, which do not fit`);
    }
    const channels = xs.reduce((s, x) => s + x.shape[x.shape.length - 1], 0);
    this.emit(n, { op: 'concat', id, inputs: xs.map((x) => x.id) }, [...xs[0].shape.slice(0, -1), channels]);
  }

  private pad(n: OnnxNode, id: string, x: ActValue): void {
    const mode = attrString(n, 'mode', 'constant');
    if (mode !== 'constant') throw refuse(n, `attribute mode = ${mode} is not supported (constant only)`);
    if (n.inputs[3]) throw refuse(n, 'input axes is not supported');
    const pads = Array.from(this.input(n, 1)?.data ?? [], Number);
    const value = this.input(n, 2);
    if (value && Number(value.data[0]) !== 0) throw refuse(n, `attribute constant_value = ${value.data[0]} is not supported (0 only)`);
    // [n, c, h, w] begins then ends; only spatial zero padding maps to the IR.
    if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0)) {
      throw refuse(n, `attribute pads = [${pads}] is not supported (non-negative padding of height and width only)`);
    }
    const padding: [Pair, Pair] = [[pads[2], pads[6]], [pads[3], pads[7]]];
    this.emit(n, { op: 'zeroPad', id, inputs: [x.id], padding }, [x.shape[0] + pads[2] + pads[6], x.shape[1] + pads[3] + pads[7], x.shape[2]]);
  }
}

/** The error for an operator, attribute or input the IR cannot express; names the operator and the node. */
function refuse(n: OnnxNode, what: string): OnnxImportError {
  return new OnnxImportError(`ONNX ${n.opType} node '${n.name || n.outputs[0]}': ${what}`);
}

function attrInt(n: OnnxNode, name: string, fallback: number): number {
  return n.attributes.get(name)?.i ?? fallback;
}

function attrFloat(n: OnnxNode, name: string, fallback: number): number {
  return n.attributes.get(name)?.f ?? fallback;
}

function attrString(n: OnnxNode, name: string, fallback: string): string {
  return n.attributes.get(name)?.s ?? fallback;
}

function attrInts(n: OnnxNode, name: string, fallback: number[]): number[] {
  const a = n.attributes.get(name);
  return a ? a.ints : fallback;
}

function attrPair(n: OnnxNode, name: string, fallback: number): Pair {
  const v = attrInts(n, name, [fallback, fallback]);
  if (v.length !== 2) throw refuse(n, `attribute ${name} = [${v}] is not supported (2-D only)`);
  return [v[0], v[1]];
}

/** Decodes a Constant's inline tensor (never external). */
function decodeInline(t: OnnxTensor): ConstValue {
  const n = prod(t.dims);
  if (t.rawData) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const size = t.dataType === DT_INT64 ? 8 : 4;
    if (t.rawData.length !== n * size) throw new OnnxImportError(`constant '${t.name}' has ${t.rawData.length} bytes for shape [${t.dims}]`);
    const data = t.dataType === DT_FLOAT
      ? Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true))
      : Array.from({ length: n }, (_, i) => (size === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true)));
    return { kind: 'const', dims: t.dims, data };
  }
  const data = t.dataType === DT_FLOAT ? Float32Array.from(t.floatData) : t.dataType === DT_INT64 ? t.int64Data : t.int32Data;
  return { kind: 'const', dims: t.dims, data };
}

/** Values reordered into IR feature order (`out[i] = v[perm[i]]`), or copied when there is no permutation. */
function permuted(v: ArrayLike<number>, perm?: number[]): Float32Array {
  return Float32Array.from({ length: v.length }, (_, i) => Number(v[perm ? perm[i] : i]));
}

/** Transposes a row-major array of shape `dims` by `perm` (out axis j is in axis perm[j]). */
function transpose(data: Float32Array, dims: number[], perm: number[]): Float32Array {
  const out = new Float32Array(data.length);
  const outDims = perm.map((p) => dims[p]);
  const inStrides = dims.map((_, i) => prod(dims.slice(i + 1)));
  const strides = perm.map((p) => inStrides[p]);
  const idx = new Array(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let j = 0; j < idx.length; j++) src += idx[j] * strides[j];
    out[o] = data[src];
    for (let j = idx.length - 1; j >= 0; j--) {
      if (++idx[j] < outDims[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}

/** Output size of a window op along one axis. */
function outSize(size: number, k: number, s: number, padding: Padding, axis: 0 | 1): number {
  if (padding === 'same') return Math.ceil(size / s);
  const [b, e] = padding === 'valid' ? [0, 0] : padding[axis];
  return Math.floor((size + b + e - k) / s) + 1;
}

/**
 * ceil_mode as extra bottom/right padding: PyTorch/ONNX round the output size up, but the last window must start
 * inside the input or its leading padding.
 */
function ceilPadding(shape: Shape, k: Pair, s: Pair, pads: [Pair, Pair]): [Pair, Pair] {
  return [0, 1].map((a) => {
    const [b, e] = pads[a];
    let out = Math.ceil((shape[a] + b + e - k[a]) / s[a]) + 1;
    if ((out - 1) * s[a] >= shape[a] + b) out--;
    const extra = Math.max(0, (out - 1) * s[a] + k[a] - (shape[a] + b + e));
    return [b, e + extra] as Pair;
  }) as [Pair, Pair];
}
