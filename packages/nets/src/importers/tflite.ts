/**
 * TFLite importer: rebuilds a TFLite classifier (float32, uint8 per-tensor or int8 per-channel quantized) as a float
 * graph of our IR with dequantized constant weights, so that every backend runs it and gradients flow through it.
 *
 * Quantized activations are not simulated: the imported network computes in float32 what the quantized network
 * approximates with integers, which is what the visualizations need (and top-1 stays within a point or two).
 */
import { tensor } from '@tensorflow/tfjs-core';
import type {
  Conv2dNode, DenseNode, FusedActivation, Graph, GraphNode, Padding, Shape, WeightMap,
} from '../graph.types';
import { registerModelImporter, type ModelImporter } from '../load-model';
import type { Model, ModelMeta, Preprocessing } from '../model.types';
import {
  constantValues, elementCount, readTflite, TfliteImportError, type TfliteGraph, type TfliteOperator, type TfliteTensor,
} from './tflite-reader';

export { TfliteImportError } from './tflite-reader';

/** TFLite builtin ops the importer rebuilds (anything else is rejected with an error naming it). */
export const TFLITE_SUPPORTED_OPS: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEQUANTIZE', 'FULLY_CONNECTED',
  'LEAKY_RELU', 'LOGISTIC', 'MAX_POOL_2D', 'MEAN', 'PAD', 'PADV2', 'QUANTIZE', 'RELU', 'RELU6', 'RESHAPE', 'SOFTMAX',
  'SQUEEZE', 'TANH',
];

/** Options of {@link importTflite}. */
export interface TfliteImportOptions {
  /** Model id (default: 'tflite-model'); also used for the display name when none is given. */
  id?: string;
  /** Fields of the metadata to set instead of the values derived from the file. */
  meta?: Partial<ModelMeta>;
}

/** Standard MobileNet/Inception scaling `x/127.5 - 1`, assumed for float models whose file says nothing. */
const UNIT_RANGE: Omit<Preprocessing, 'cropFraction'> = {
  scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: 'RGB',
};

/**
 * Imports a TFLite flatbuffer as a {@link Model}: graph, float32 weights (owned by the model) and metadata derived
 * from the file (input size, preprocessing from the input's quantization, output kind, class count).
 */
export function importTflite(bytes: Uint8Array, options: TfliteImportOptions = {}): Model {
  const parsed = readTflite(bytes);
  const built = buildGraph(parsed);
  try {
    const meta = deriveMeta(parsed, built.graph, options);
    return { graph: built.graph, weights: built.weights, meta };
  } catch (err) {
    for (const t of Object.values(built.weights)) t.dispose();
    throw err;
  }
}

/** The error for an op the IR cannot express; it lists what is supported. */
function unsupported(op: TfliteOperator, why?: string): TfliteImportError {
  const what = op.op.startsWith('CUSTOM:') ? `custom op '${op.op.slice(7)}'` : `op ${op.op}`;
  return new TfliteImportError(
    `TFLite ${what} (operator ${op.index}) is not supported${why ? `: ${why}` : ''}; supported ops: ${TFLITE_SUPPORTED_OPS.join(', ')}`,
  );
}

const ACTIVATIONS: Record<string, FusedActivation> = { NONE: 'linear', RELU: 'relu', RELU6: 'relu6', TANH: 'tanh' };

function fusedActivation(op: TfliteOperator): FusedActivation {
  const a = op.options.activation ?? 'NONE';
  const f = ACTIVATIONS[a];
  if (!f) throw unsupported(op, `fused activation ${a}`);
  return f;
}

function padding(op: TfliteOperator): Padding {
  // TFLite's SAME is TensorFlow's SAME (extra pixel at the bottom/right), which is what the IR's 'same' means.
  if (op.options.padding === 'SAME') return 'same';
  if (op.options.padding === 'VALID') return 'valid';
  throw unsupported(op, `padding ${String(op.options.padding)}`);
}

interface Built {
  graph: Graph;
  weights: WeightMap;
}

/** Turns the parsed operator list into IR nodes and weight tensors. */
function buildGraph(g: TfliteGraph): Built {
  if (g.inputs.length !== 1) throw new TfliteImportError(`expected a model with one input tensor, this one has ${g.inputs.length}`);
  if (g.outputs.length < 1) throw new TfliteImportError('the model declares no output tensor');
  const inputT = g.tensors[g.inputs[0]];
  if (inputT.shape.length !== 4 || inputT.shape[3] !== 3) {
    throw new TfliteImportError(`expected an image input [1, height, width, 3], the model's input '${inputT.name}' is [${inputT.shape.join(', ')}]`);
  }

  const nodes: GraphNode[] = [];
  const shapes = new Map<string, Shape>();
  const weights: WeightMap = {};
  /** Tensor index → id of the node that produces it. */
  const producer = new Map<number, string>();
  /** Tensor index → float values of constants created by DEQUANTIZE of a constant (fp16 / weight-only models). */
  const folded = new Map<number, Float32Array>();
  const usedIds = new Set<string>();

  const addNode = (node: GraphNode, shape: Shape): string => {
    nodes.push(node);
    usedIds.add(node.id);
    shapes.set(node.id, shape);
    return node.id;
  };
  const uniqueId = (base: string): string => {
    let id = base || 'node';
    for (let k = 2; usedIds.has(id); k++) id = `${base}_${k}`;
    usedIds.add(id);
    return id;
  };
  /** A readable id from the output tensor name (TFLite joins fused names with ';' — keep the first). */
  const idFor = (t: TfliteTensor): string => uniqueId(t.name.split(';')[0].trim());
  const unbatched = (t: TfliteTensor): Shape => t.shape.slice(1);

  const isConstant = (i: number): boolean => i >= 0 && (folded.has(i) || g.tensors[i].data !== null);
  const values = (i: number): Float32Array => folded.get(i) ?? constantValues(g.tensors[i]);
  const activation = (op: TfliteOperator, k: number): string => {
    const i = op.inputs[k];
    if (i < 0) throw unsupported(op, `input ${k} is missing`);
    const id = producer.get(i);
    if (!id) {
      if (isConstant(i)) throw unsupported(op, `constant input '${g.tensors[i].name}' where an activation was expected`);
      throw new TfliteImportError(`operator ${op.index} (${op.op}) reads tensor '${g.tensors[i].name}' before any operator writes it`);
    }
    return id;
  };
  const addWeight = (name: string, data: Float32Array, shape: number[]): string => {
    weights[name] = tensor(data, shape, 'float32');
    return name;
  };
  /** Appends a separate activation node for ops whose fused activation the IR cannot carry (add, pool, concat). */
  const withActivation = (op: TfliteOperator, id: string, shape: Shape): string => {
    const f = fusedActivation(op);
    if (f === 'linear') return id;
    if (f !== 'relu' && f !== 'relu6' && f !== 'tanh') throw unsupported(op, `fused activation ${f}`);
    return addNode({ id: uniqueId(`${id}/${f}`), op: f, inputs: [id] }, shape);
  };

  try {
    producer.set(g.inputs[0], addNode({ id: 'input', op: 'input', inputs: [], shape: unbatched(inputT) }, unbatched(inputT)));

    for (const op of g.operators) {
      const out = g.tensors[op.outputs[0]];
      if (!out) throw new TfliteImportError(`operator ${op.index} (${op.op}) has no output`);
      const outShape = unbatched(out);
      const set = (id: string) => producer.set(op.outputs[0], id);

      switch (op.op) {
        case 'CONV_2D':
        case 'DEPTHWISE_CONV_2D': {
          const x = activation(op, 0);
          const inShape = shapes.get(x)!;
          const w = g.tensors[op.inputs[1]];
          if (!isConstant(op.inputs[1])) throw unsupported(op, 'the filter is not a constant');
          const [, kh, kw] = w.shape;
          const inC = inShape[inShape.length - 1];
          const outC = outShape[outShape.length - 1];
          const id = idFor(out);
          const filter = values(op.inputs[1]);
          let kernel: string;
          let groups = 1;
          let depthwise = false;
          if (op.op === 'CONV_2D') {
            // TFLite conv filters are OHWI; the IR wants HWIO.
            const [o, , , i] = w.shape;
            if (inC % i !== 0) throw unsupported(op, `filter has ${i} input channels for an input with ${inC}`);
            groups = inC / i;
            kernel = addWeight(`${id}/kernel`, transpose(filter, [o, kh, kw, i], [1, 2, 3, 0]), [kh, kw, i, o]);
          } else {
            // [1, kh, kw, inC * multiplier] has the memory order of the IR's [kh, kw, inC, multiplier].
            const multiplier = outC / inC;
            if (!Number.isInteger(multiplier)) throw unsupported(op, `${outC} outputs for ${inC} input channels`);
            depthwise = true;
            groups = inC;
            kernel = addWeight(`${id}/kernel`, filter, [kh, kw, inC, multiplier]);
          }
          const node: Conv2dNode = {
            id, op: 'conv2d', inputs: [x], label: op.op,
            filters: outC, kernelSize: [kh, kw], strides: op.options.strides ?? [1, 1], padding: padding(op),
            dilation: op.options.dilation ?? [1, 1], groups, depthwise, kernel,
            activation: fusedActivation(op),
          };
          if (op.inputs.length > 2 && op.inputs[2] >= 0) node.bias = addWeight(`${id}/bias`, values(op.inputs[2]), [outC]);
          set(addNode(node, outShape));
          break;
        }
        case 'FULLY_CONNECTED': {
          let x = activation(op, 0);
          const inShape = shapes.get(x)!;
          if (!isConstant(op.inputs[1])) throw unsupported(op, 'the weights are not a constant');
          const w = g.tensors[op.inputs[1]];
          const [units, inFeatures] = w.shape;
          if (inShape.length !== 1) {
            if (elementCount(inShape) !== inFeatures) throw unsupported(op, `input [${inShape}] does not flatten to ${inFeatures} features`);
            x = addNode({ id: uniqueId(`${x}/flatten`), op: 'flatten', inputs: [x] }, [inFeatures]);
          }
          const id = idFor(out);
          // TFLite stores [units, in]; the IR's dense kernel is [in, units].
          const kernel = addWeight(`${id}/kernel`, transpose(values(op.inputs[1]), [units, inFeatures], [1, 0]), [inFeatures, units]);
          const node: DenseNode = { id, op: 'dense', inputs: [x], label: op.op, units, kernel, activation: fusedActivation(op) };
          if (op.inputs.length > 2 && op.inputs[2] >= 0) node.bias = addWeight(`${id}/bias`, values(op.inputs[2]), [units]);
          set(addNode(node, [units]));
          break;
        }
        case 'ADD': {
          const a = activation(op, 0);
          const b = activation(op, 1);
          const id = addNode({ id: idFor(out), op: 'add', inputs: [a, b], label: op.op }, outShape);
          set(withActivation(op, id, outShape));
          break;
        }
        case 'AVERAGE_POOL_2D':
        case 'MAX_POOL_2D': {
          const x = activation(op, 0);
          const id = addNode({
            id: idFor(out), op: op.op === 'MAX_POOL_2D' ? 'maxPool' : 'avgPool', inputs: [x], label: op.op,
            poolSize: op.options.filterSize ?? [1, 1], strides: op.options.strides ?? [1, 1], padding: padding(op),
          }, outShape);
          set(withActivation(op, id, outShape));
          break;
        }
        case 'MEAN': {
          const x = activation(op, 0);
          const inShape = shapes.get(x)!;
          const axes = isConstant(op.inputs[1]) ? Array.from(values(op.inputs[1])).map((a) => (a < 0 ? a + 4 : a)).sort() : [];
          if (inShape.length !== 3 || axes.join(',') !== '1,2') throw unsupported(op, 'only the mean over height and width of a feature map');
          const keepDims = op.options.keepDims ?? false;
          set(addNode({ id: idFor(out), op: 'globalAvgPool', inputs: [x], label: op.op, keepDims }, outShape));
          break;
        }
        case 'PAD':
        case 'PADV2': {
          const x = activation(op, 0);
          if (!isConstant(op.inputs[1])) throw unsupported(op, 'the paddings are not a constant');
          const p = Array.from(values(op.inputs[1]));
          if (p.length !== 8 || p[0] !== 0 || p[1] !== 0 || p[6] !== 0 || p[7] !== 0) {
            throw unsupported(op, 'only padding of height and width');
          }
          if (op.op === 'PADV2' && op.inputs[2] >= 0 && values(op.inputs[2])[0] !== 0) throw unsupported(op, 'only zero padding');
          set(addNode({
            id: idFor(out), op: 'zeroPad', inputs: [x], label: op.op, padding: [[p[2], p[3]], [p[4], p[5]]],
          }, outShape));
          break;
        }
        case 'CONCATENATION': {
          const ins = op.inputs.map((_, k) => activation(op, k));
          const axis = op.options.axis ?? -1;
          // The IR's axes skip the batch dimension.
          const irAxis = axis < 0 ? axis : axis - 1;
          if (axis === 0) throw unsupported(op, 'concatenation along the batch axis');
          const id = addNode({ id: idFor(out), op: 'concat', inputs: ins, label: op.op, axis: irAxis }, outShape);
          set(withActivation(op, id, outShape));
          break;
        }
        case 'RESHAPE':
        case 'SQUEEZE': {
          const x = activation(op, 0);
          if (out.shape[0] !== 1) throw unsupported(op, `output [${out.shape}] does not keep the batch dimension first`);
          set(addNode({ id: idFor(out), op: 'reshape', inputs: [x], label: op.op, targetShape: outShape }, outShape));
          break;
        }
        case 'SOFTMAX': {
          const x = activation(op, 0);
          const beta = op.options.beta ?? 1;
          if (Math.abs(beta - 1) > 1e-6) throw unsupported(op, `softmax with beta ${beta}`);
          set(addNode({ id: idFor(out), op: 'softmax', inputs: [x], label: op.op }, outShape));
          break;
        }
        case 'RELU':
        case 'RELU6':
        case 'LOGISTIC':
        case 'TANH': {
          const x = activation(op, 0);
          const irOp = op.op === 'RELU' ? 'relu' : op.op === 'RELU6' ? 'relu6' : op.op === 'LOGISTIC' ? 'sigmoid' : 'tanh';
          set(addNode({ id: idFor(out), op: irOp, inputs: [x], label: op.op }, outShape));
          break;
        }
        case 'LEAKY_RELU': {
          const x = activation(op, 0);
          set(addNode({ id: idFor(out), op: 'leakyRelu', inputs: [x], label: op.op, alpha: op.options.alpha ?? 0.2 }, outShape));
          break;
        }
        case 'QUANTIZE':
        case 'DEQUANTIZE': {
          const i = op.inputs[0];
          if (isConstant(i)) {
            // fp16 / weight-only models dequantize their constant weights at load time: fold it.
            folded.set(op.outputs[0], values(i));
          } else {
            // In a float graph (re)quantization is the identity: the output is the same real-valued tensor.
            set(activation(op, 0));
          }
          break;
        }
        default:
          throw unsupported(op);
      }
    }

    const outIndex = g.outputs[0];
    const outputId = producer.get(outIndex);
    if (!outputId) throw new TfliteImportError(`no operator writes the output tensor '${g.tensors[outIndex].name}'`);
    return { graph: { format: 'convlab-graph', version: 1, nodes, output: outputId }, weights };
  } catch (err) {
    for (const t of Object.values(weights)) t.dispose();
    throw err;
  }
}

/** Permutes a dense row-major array of `shape` by `perm` (like `tf.transpose`), without touching a backend. */
export function transpose(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const strideOfOut = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * strideOfOut[d];
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Preprocessing a quantized input expects: the file says `real = s * (q - z)`; for a uint8 input q is the pixel,
 * for an int8 input q is `pixel - 128`. Written as `(pixel * scale - mean) / std` with scale = 1/255.
 */
function inputPreprocessing(t: TfliteTensor): Omit<Preprocessing, 'cropFraction'> {
  const q = t.quantization;
  if (!q || (t.type !== 'UINT8' && t.type !== 'INT8')) return UNIT_RANGE;
  const s = q.scale[0];
  const z = (q.zeroPoint[0] ?? 0) + (t.type === 'INT8' ? 128 : 0);
  const mean = z / 255;
  const std = 1 / (255 * s);
  return { scale: 1 / 255, mean: [mean, mean, mean], std: [std, std, std], channelOrder: 'RGB' };
}

function deriveMeta(g: TfliteGraph, graph: Graph, options: TfliteImportOptions): ModelMeta {
  const inputT = g.tensors[g.inputs[0]];
  const outputT = g.tensors[g.outputs[0]];
  const numClasses = outputT.shape[outputT.shape.length - 1];
  const endsInSoftmax = graph.nodes.some((n) => n.op === 'softmax');
  const background = numClasses === 1001;
  const id = options.id ?? 'tflite-model';
  const meta: ModelMeta = {
    id,
    displayName: id,
    family: 'tflite',
    inputSize: [inputT.shape[1], inputT.shape[2]],
    preprocessing: { ...inputPreprocessing(inputT), cropFraction: 0.875 },
    outputKind: endsInSoftmax ? 'probabilities' : 'logits',
    numClasses,
    backgroundClass: background,
    ...(background ? { outputToImageNet: Array.from({ length: 1001 }, (_, i) => i - 1) } : {}),
    labels: background ? 'imagenet-1001-background' : 'imagenet-1k',
    licence: 'unknown (user-supplied file)',
    source: 'user-supplied TFLite file',
    ...options.meta,
  };
  return meta;
}

/** Reads an op list summary (for `convlab inspect` of a TFLite file and for error reports). */
export function tfliteOpCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of readTflite(bytes).operators) counts[op.op] = (counts[op.op] ?? 0) + 1;
  return counts;
}


/** Importer of built-in TFLite models for `loadBuiltinModel`: reads `entry.path` (`tflite/<id>.tflite`) from the models root. */
export const tfliteModelImporter: ModelImporter = async (reader, entry) =>
  importTflite(await reader.readBytes(entry.path), { id: entry.meta.id, meta: entry.meta });

// load-model.ts does not import this module (it stays free of the flatbuffers code); importing it enables 'tflite'.
registerModelImporter('tflite', tfliteModelImporter);
