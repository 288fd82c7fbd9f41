/**
 * Reads a TFLite flatbuffer into plain objects: tensors (shape, type, quantization, constant data) and operators
 * (op name, inputs, outputs, builtin options). Parsing goes through the code that flatc generated from TensorFlow's
 * published schema (`tflite-schema/`); this file never computes offsets itself.
 */
import * as flatbuffers from 'flatbuffers';
import { ActivationFunctionType } from './tflite-schema/generated/tflite/activation-function-type';
import { BuiltinOperator } from './tflite-schema/generated/tflite/builtin-operator';
import { BuiltinOptions } from './tflite-schema/generated/tflite/builtin-options';
import { ConcatenationOptions } from './tflite-schema/generated/tflite/concatenation-options';
import { Conv2DOptions } from './tflite-schema/generated/tflite/conv2-doptions';
import { DepthwiseConv2DOptions } from './tflite-schema/generated/tflite/depthwise-conv2-doptions';
import { FullyConnectedOptions } from './tflite-schema/generated/tflite/fully-connected-options';
import { LeakyReluOptions } from './tflite-schema/generated/tflite/leaky-relu-options';
import { Model as FbModel } from './tflite-schema/generated/tflite/model';
import { Operator } from './tflite-schema/generated/tflite/operator';
import { QuantizationParameters } from './tflite-schema/generated/tflite/quantization-parameters';
import { Padding as FbPadding } from './tflite-schema/generated/tflite/padding';
import { Pool2DOptions } from './tflite-schema/generated/tflite/pool2-doptions';
import { ReducerOptions } from './tflite-schema/generated/tflite/reducer-options';
import { ReshapeOptions } from './tflite-schema/generated/tflite/reshape-options';
import { SoftmaxOptions } from './tflite-schema/generated/tflite/softmax-options';
import { AddOptions } from './tflite-schema/generated/tflite/add-options';
import { TensorType } from './tflite-schema/generated/tflite/tensor-type';

/** Error for a file that is not a readable TFLite model, or a model this importer cannot rebuild. */
export class TfliteImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfliteImportError';
  }
}

/** Asymmetric linear quantization: `real = scale[c] * (q - zeroPoint[c])`, c along `dimension` (per-tensor: one entry). */
export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  dimension: number;
}

/** One tensor of the main subgraph. */
export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  /** Element type name from the schema, e.g. 'FLOAT32', 'UINT8', 'INT8', 'INT32'. */
  type: string;
  quantization: TfliteQuantization | null;
  /** Raw bytes of a constant tensor (little-endian), null for activations. */
  data: Uint8Array | null;
}

/** Fused activation names as the schema spells them ('NONE', 'RELU', 'RELU6', …). */
export type TfliteActivation = string;

/** The builtin options this importer reads, flattened into one bag (absent fields are undefined). */
export interface TfliteOptions {
  padding?: 'SAME' | 'VALID';
  strides?: [number, number];
  dilation?: [number, number];
  filterSize?: [number, number];
  depthMultiplier?: number;
  activation?: TfliteActivation;
  axis?: number;
  keepDims?: boolean;
  beta?: number;
  alpha?: number;
  newShape?: number[];
  keepNumDims?: boolean;
}

/** One operator of the main subgraph, in execution order. */
export interface TfliteOperator {
  index: number;
  /** Builtin op name from the schema ('CONV_2D', …), or `CUSTOM:<code>` for custom ops. */
  op: string;
  version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  options: TfliteOptions;
}

/** The main subgraph of a TFLite model as plain data. */
export interface TfliteGraph {
  schemaVersion: number;
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
  subgraphCount: number;
}

const FILE_IDENTIFIER = 'TFL3';

/** Parses TFLite bytes; throws {@link TfliteImportError} for anything that is not a complete TFLite file. */
export function readTflite(input: Uint8Array): TfliteGraph {
  if (input.byteLength < 8) throw new TfliteImportError(`not a TFLite file: only ${input.byteLength} bytes`);
  // The generated readers build Int32Array/Float32Array views into the buffer, which need aligned offsets;
  // Node's pooled Buffers often start at odd offsets, so copy unless already aligned.
  const bytes = input.byteOffset % 16 === 0 ? input : input.slice();
  const bb = new flatbuffers.ByteBuffer(bytes);
  if (!FbModel.bufferHasIdentifier(bb)) {
    const id = String.fromCharCode(...bytes.subarray(4, 8));
    throw new TfliteImportError(`not a TFLite file: file identifier is '${id.replace(/[^\x20-\x7e]/g, '?')}', expected '${FILE_IDENTIFIER}'`);
  }
  try {
    return parse(FbModel.getRootAsModel(bb), bytes);
  } catch (err) {
    if (err instanceof TfliteImportError) throw err;
    // Out-of-range reads in a truncated or damaged file surface as RangeError from DataView / typed arrays.
    throw new TfliteImportError(`corrupt or truncated TFLite file (${(err as Error).message})`);
  }
}

function parse(model: FbModel, bytes: Uint8Array): TfliteGraph {
  if (model.subgraphsLength() < 1) throw new TfliteImportError('TFLite file has no subgraph');
  const sub = model.subgraphs(0)!;
  const opNames: Array<{ op: string; version: number }> = [];
  for (let i = 0; i < model.operatorCodesLength(); i++) {
    const code = model.operatorCodes(i)!;
    // Files written before schema 3a only set the byte-sized deprecated field; newer ones set both.
    const builtin = Math.max(code.deprecatedBuiltinCode(), code.builtinCode());
    const name = builtin === BuiltinOperator.CUSTOM ? `CUSTOM:${code.customCode() ?? '?'}` : BuiltinOperator[builtin] ?? `BUILTIN_${builtin}`;
    opNames.push({ op: name, version: code.version() });
  }

  const tensors: TfliteTensor[] = [];
  for (let i = 0; i < sub.tensorsLength(); i++) {
    const t = sub.tensors(i)!;
    const type = TensorType[t.type()] ?? `TYPE_${t.type()}`;
    const shape = Array.from(t.shapeArray() ?? []);
    tensors.push({
      index: i,
      name: t.name() ?? `tensor_${i}`,
      shape,
      type,
      quantization: readQuantization(t.quantization()),
      data: readBufferData(model, t.buffer(), bytes, i),
    });
  }

  const operators: TfliteOperator[] = [];
  for (let i = 0; i < sub.operatorsLength(); i++) {
    const o = sub.operators(i)!;
    const code = opNames[o.opcodeIndex()];
    if (!code) throw new TfliteImportError(`operator ${i} refers to operator code ${o.opcodeIndex()}, which does not exist`);
    const inputs = Array.from(o.inputsArray() ?? []);
    const outputs = Array.from(o.outputsArray() ?? []);
    for (const t of [...inputs, ...outputs]) {
      if (t >= tensors.length) throw new TfliteImportError(`operator ${i} (${code.op}) refers to tensor ${t}, which does not exist`);
    }
    operators.push({ index: i, op: code.op, version: code.version, inputs, outputs, options: readOptions(o) });
  }

  return {
    schemaVersion: model.version(),
    description: model.description() ?? '',
    tensors,
    operators,
    inputs: Array.from(sub.inputsArray() ?? []),
    outputs: Array.from(sub.outputsArray() ?? []),
    subgraphCount: model.subgraphsLength(),
  };
}

function readQuantization(q: QuantizationParameters | null): TfliteQuantization | null {
  if (!q) return null;
  const n = q.scaleLength();
  if (n === 0) return null;
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let i = 0; i < n; i++) {
    scale.push(q.scale(i) ?? 0);
    // zero_point is optional in the schema; missing means 0.
    zeroPoint.push(i < q.zeroPointLength() ? Number(q.zeroPoint(i)) : 0);
  }
  return { scale, zeroPoint, dimension: q.quantizedDimension() };
}

function readBufferData(model: FbModel, bufferIndex: number, bytes: Uint8Array, tensorIndex: number): Uint8Array | null {
  // Buffer 0 is the empty sentinel that every activation points at.
  if (bufferIndex === 0) return null;
  if (bufferIndex >= model.buffersLength()) {
    throw new TfliteImportError(`tensor ${tensorIndex} refers to buffer ${bufferIndex}, but the file has ${model.buffersLength()}`);
  }
  const buf = model.buffers(bufferIndex)!;
  const offset = buf.offset();
  // Models over 2 GB keep their data after the flatbuffer; offset/size locate it (offset > 1 means "in use").
  if (offset > 1n) {
    const start = Number(offset);
    const end = start + Number(buf.size());
    if (end > bytes.byteLength) {
      throw new TfliteImportError(`corrupt or truncated TFLite file: buffer ${bufferIndex} ends at byte ${end}, the file has ${bytes.byteLength}`);
    }
    return bytes.subarray(start, end);
  }
  const data = buf.dataArray();
  if (!data || data.byteLength === 0) return null;
  return data;
}

const PADDING: Record<number, 'SAME' | 'VALID'> = { [FbPadding.SAME]: 'SAME', [FbPadding.VALID]: 'VALID' };

function activationName(a: number): TfliteActivation {
  return ActivationFunctionType[a] ?? `ACTIVATION_${a}`;
}

function readOptions(o: Operator): TfliteOptions {
  const type: BuiltinOptions = o.builtinOptionsType();
  switch (type) {
    case BuiltinOptions.Conv2DOptions: {
      const x: Conv2DOptions = o.builtinOptions(new Conv2DOptions());
      return {
        padding: PADDING[x.padding()],
        strides: [x.strideH(), x.strideW()],
        dilation: [x.dilationHFactor(), x.dilationWFactor()],
        activation: activationName(x.fusedActivationFunction()),
      };
    }
    case BuiltinOptions.DepthwiseConv2DOptions: {
      const x: DepthwiseConv2DOptions = o.builtinOptions(new DepthwiseConv2DOptions());
      return {
        padding: PADDING[x.padding()],
        strides: [x.strideH(), x.strideW()],
        dilation: [x.dilationHFactor(), x.dilationWFactor()],
        depthMultiplier: x.depthMultiplier(),
        activation: activationName(x.fusedActivationFunction()),
      };
    }
    case BuiltinOptions.Pool2DOptions: {
      const x: Pool2DOptions = o.builtinOptions(new Pool2DOptions());
      return {
        padding: PADDING[x.padding()],
        strides: [x.strideH(), x.strideW()],
        filterSize: [x.filterHeight(), x.filterWidth()],
        activation: activationName(x.fusedActivationFunction()),
      };
    }
    case BuiltinOptions.FullyConnectedOptions: {
      const x: FullyConnectedOptions = o.builtinOptions(new FullyConnectedOptions());
      return { activation: activationName(x.fusedActivationFunction()), keepNumDims: x.keepNumDims() };
    }
    case BuiltinOptions.AddOptions: {
      const x: AddOptions = o.builtinOptions(new AddOptions());
      return { activation: activationName(x.fusedActivationFunction()) };
    }
    case BuiltinOptions.ConcatenationOptions: {
      const x: ConcatenationOptions = o.builtinOptions(new ConcatenationOptions());
      return { axis: x.axis(), activation: activationName(x.fusedActivationFunction()) };
    }
    case BuiltinOptions.SoftmaxOptions: {
      const x: SoftmaxOptions = o.builtinOptions(new SoftmaxOptions());
      return { beta: x.beta() };
    }
    case BuiltinOptions.ReshapeOptions: {
      const x: ReshapeOptions = o.builtinOptions(new ReshapeOptions());
      const s = x.newShapeArray();
      return s ? { newShape: Array.from(s) } : {};
    }
    case BuiltinOptions.ReducerOptions: {
      const x: ReducerOptions = o.builtinOptions(new ReducerOptions());
      return { keepDims: x.keepDims() };
    }
    case BuiltinOptions.LeakyReluOptions: {
      const x: LeakyReluOptions = o.builtinOptions(new LeakyReluOptions());
      return { alpha: x.alpha() };
    }
    default:
      return {};
  }
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT8: 1, INT16: 2, INT64: 8, FLOAT64: 8, UINT16: 2, UINT32: 4,
};

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The real (float32) values of a constant tensor: integer types are dequantized with their (per-tensor or
 * per-channel) quantization; integers without quantization (shape vectors, axes) are returned as they are.
 */
export function constantValues(t: TfliteTensor): Float32Array {
  if (!t.data) throw new TfliteImportError(`tensor '${t.name}' has no constant data`);
  const n = elementCount(t.shape);
  const width = BYTES_PER_ELEMENT[t.type];
  if (!width) throw new TfliteImportError(`tensor '${t.name}' has element type ${t.type}, which the importer cannot read`);
  if (t.data.byteLength < n * width) {
    throw new TfliteImportError(`corrupt TFLite file: tensor '${t.name}' needs ${n * width} bytes, its buffer has ${t.data.byteLength}`);
  }
  const view = new DataView(t.data.buffer, t.data.byteOffset, n * width);
  const raw = new Float32Array(n);
  switch (t.type) {
    case 'FLOAT32': for (let i = 0; i < n; i++) raw[i] = view.getFloat32(i * 4, true); break;
    case 'FLOAT64': for (let i = 0; i < n; i++) raw[i] = view.getFloat64(i * 8, true); break;
    case 'FLOAT16': for (let i = 0; i < n; i++) raw[i] = halfToFloat(view.getUint16(i * 2, true)); break;
    case 'INT32': for (let i = 0; i < n; i++) raw[i] = view.getInt32(i * 4, true); break;
    case 'UINT32': for (let i = 0; i < n; i++) raw[i] = view.getUint32(i * 4, true); break;
    case 'INT64': for (let i = 0; i < n; i++) raw[i] = Number(view.getBigInt64(i * 8, true)); break;
    case 'UINT8': for (let i = 0; i < n; i++) raw[i] = view.getUint8(i); break;
    case 'INT8': for (let i = 0; i < n; i++) raw[i] = view.getInt8(i); break;
    case 'INT16': for (let i = 0; i < n; i++) raw[i] = view.getInt16(i * 2, true); break;
    case 'UINT16': for (let i = 0; i < n; i++) raw[i] = view.getUint16(i * 2, true); break;
  }
  const q = t.quantization;
  if (!q || t.type === 'FLOAT32' || t.type === 'FLOAT16' || t.type === 'FLOAT64') return raw;
  return dequantize(raw, t.shape, q, t.name);
}

/** Applies `scale * (q - zeroPoint)` per tensor or per channel along `q.dimension`, in place. */
export function dequantize(values: Float32Array, shape: readonly number[], q: TfliteQuantization, name = 'tensor'): Float32Array {
  if (q.scale.length === 1) {
    const s = q.scale[0];
    const z = q.zeroPoint[0] ?? 0;
    for (let i = 0; i < values.length; i++) values[i] = s * (values[i] - z);
    return values;
  }
  const d = q.dimension;
  const channels = shape[d];
  if (channels !== q.scale.length) {
    throw new TfliteImportError(`tensor '${name}': ${q.scale.length} scales for dimension ${d} of size ${channels}`);
  }
  const inner = elementCount(shape.slice(d + 1));
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    values[i] = q.scale[c] * (values[i] - (q.zeroPoint[c] ?? q.zeroPoint[0] ?? 0));
  }
  return values;
}

/** IEEE 754 half precision → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
