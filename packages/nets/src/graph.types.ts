/**
 * ConvLab's own model graph (IR): a JSON-serializable DAG of typed nodes over NHWC tensors.
 *
 * Conventions (every importer must produce these):
 * - Layout is NHWC. Shapes in the IR never include the batch dimension: a feature map is
 *   `[height, width, channels]`, a vector is `[features]`.
 * - Weights are not inside the graph: nodes name them (`kernel: 'conv1/kernel'`) and the tensors live in a
 *   {@link WeightMap}. Conv kernels are HWIO (`[kh, kw, inChannels / groups, filters]`); depthwise kernels
 *   are `[kh, kw, inChannels, depthMultiplier]`; dense kernels are `[inFeatures, units]`.
 * - Node ids are unique strings; `inputs` lists the ids a node reads, in order. The graph has exactly one
 *   node of op `input`, and `output` names the node whose activation is the model's output.
 */
import type { Tensor } from '@tensorflow/tfjs-core';

/** Shape of one activation without the batch dimension (NHWC feature map `[h, w, c]` or vector `[n]`). */
export type Shape = number[];

/** A pair of numbers for the vertical (first) and horizontal (second) axis. */
export type Pair = [number, number];

/**
 * Spatial padding. `'same'` and `'valid'` follow TensorFlow exactly (for 'same' the extra pixel goes to the
 * bottom/right); explicit padding is `[[top, bottom], [left, right]]`.
 */
export type Padding = 'same' | 'valid' | [Pair, Pair];

/** Element-wise activation that conv2d/dense nodes may carry fused (importers of fused formats such as TFLite). */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh';

interface NodeBase {
  /** Unique id, used for taps, gradients and weight names. */
  id: string;
  /** Ids of the nodes this node reads. */
  inputs: string[];
  /** Free-form label for displays (e.g. the original layer name or class). */
  label?: string;
}

/** The image input, `[height, width, channels]`, already preprocessed (see {@link Preprocessing}). */
export interface InputNode extends NodeBase {
  op: 'input';
  shape: Shape;
}

/**
 * 2-D convolution. `groups: 1` is an ordinary convolution; `depthwise: true` is a depthwise convolution with
 * kernel `[kh, kw, inChannels, depthMultiplier]` and `filters = inChannels * depthMultiplier` (groups is then
 * inChannels); any other `groups` splits input and filters into that many groups (kernel `[kh, kw, in/groups, filters]`).
 */
export interface Conv2dNode extends NodeBase {
  op: 'conv2d';
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  padding: Padding;
  dilation: Pair;
  groups: number;
  depthwise: boolean;
  /** Weight name of the kernel. */
  kernel: string;
  /** Weight name of the bias, if any. */
  bias?: string;
  /** Fused activation applied after the bias (default 'linear'). */
  activation?: FusedActivation;
  /** Negative slope for a fused 'leakyRelu'. */
  alpha?: number;
}

/** Fully connected layer on a vector input `[n]`: `x · kernel + bias`, kernel `[n, units]`. */
export interface DenseNode extends NodeBase {
  op: 'dense';
  units: number;
  kernel: string;
  bias?: string;
  activation?: FusedActivation;
  alpha?: number;
}

/**
 * Inference-mode batch normalization over the last axis:
 * `gamma * (x - mean) / sqrt(variance + epsilon) + beta`. `gamma`/`beta` may be absent (Keras scale/center off).
 */
export interface BatchNormNode extends NodeBase {
  op: 'batchNorm';
  mean: string;
  variance: string;
  gamma?: string;
  beta?: string;
  epsilon: number;
}

/**
 * Element-wise activations. Gradient rules under the three ReLU modes are documented on `ReluMode`
 * in `gradients.ts`: relu, relu6 and leakyRelu follow the chosen mode; sigmoid/tanh always use their true gradient.
 */
export interface ActivationNode extends NodeBase {
  op: 'relu' | 'relu6' | 'sigmoid' | 'tanh';
}

/** LeakyReLU: `x > 0 ? x : alpha * x`. */
export interface LeakyReluNode extends NodeBase {
  op: 'leakyRelu';
  alpha: number;
}

/** Softmax over the last axis. */
export interface SoftmaxNode extends NodeBase {
  op: 'softmax';
}

/** Max or average pooling. Average pooling with 'same' padding divides by the number of real (non-pad) pixels, as TensorFlow does. */
export interface PoolNode extends NodeBase {
  op: 'maxPool' | 'avgPool';
  poolSize: Pair;
  strides: Pair;
  padding: Padding;
}

/** Mean over height and width: `[h, w, c]` → `[c]` (or `[1, 1, c]` with keepDims). */
export interface GlobalAvgPoolNode extends NodeBase {
  op: 'globalAvgPool';
  keepDims?: boolean;
}

/** Zero padding of a feature map: `[[top, bottom], [left, right]]`. */
export interface ZeroPadNode extends NodeBase {
  op: 'zeroPad';
  padding: [Pair, Pair];
}

/** Concatenation along an axis of the un-batched shape (default: last, i.e. channels). Negative axes count from the end. */
export interface ConcatNode extends NodeBase {
  op: 'concat';
  axis?: number;
}

/** Element-wise sum of all inputs (same shapes). */
export interface AddNode extends NodeBase {
  op: 'add';
}

/** Flattens `[h, w, c]` to `[h * w * c]` (row-major over NHWC, like Keras' channels_last Flatten). */
export interface FlattenNode extends NodeBase {
  op: 'flatten';
}

/** Reshape to `targetShape` (without batch; one entry may be -1). */
export interface ReshapeNode extends NodeBase {
  op: 'reshape';
  targetShape: Shape;
}

/** Dropout: the identity at inference. Kept so that imported graphs keep their layer names. */
export interface DropoutNode extends NodeBase {
  op: 'dropout';
  rate: number;
}

/** Any node of the graph. */
export type GraphNode =
  | InputNode
  | Conv2dNode
  | DenseNode
  | BatchNormNode
  | ActivationNode
  | LeakyReluNode
  | SoftmaxNode
  | PoolNode
  | GlobalAvgPoolNode
  | ZeroPadNode
  | ConcatNode
  | AddNode
  | FlattenNode
  | ReshapeNode
  | DropoutNode;

/** The op names of {@link GraphNode}. */
export type NodeOp = GraphNode['op'];

/** All op names the executor supports (for error messages and UIs). */
export const NODE_OPS: readonly NodeOp[] = [
  'input', 'conv2d', 'dense', 'batchNorm', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'softmax',
  'maxPool', 'avgPool', 'globalAvgPool', 'zeroPad', 'concat', 'add', 'flatten', 'reshape', 'dropout',
];

/** A model graph: plain JSON (no tensors), so it can be stored, sent over a socket and diffed. */
export interface Graph {
  format: 'convlab-graph';
  version: 1;
  /** Nodes in any order that respects dependencies is not required: the executor sorts them topologically. */
  nodes: GraphNode[];
  /** Id of the node whose activation is the model's output. */
  output: string;
}

/** Weight tensors keyed by the names that nodes reference. */
export type WeightMap = Record<string, Tensor>;

/** Analysis of one node (see `analyzeGraph`). */
export interface NodeInfo {
  id: string;
  op: NodeOp;
  /** Output shape without batch. */
  shape: Shape;
  /** Number of learned parameters held by this node (kernel + bias, or 4 × channels for batch norm). */
  params: number;
  /**
   * Floating-point operations for one image, counting a multiply-add as 2 (conv: 2·kh·kw·(cin/groups)·cout·hout·wout,
   * plus one add per output for a bias; element-wise ops: one per output element; pooling: one per window element).
   */
  flops: number;
  /**
   * Receptive field in input pixels, per axis `[vertical, horizontal]`: `size` — side of the input window one output
   * position sees; `jump` — input pixels between neighbouring output positions; `start` — input coordinate of the
   * centre of the window of output position 0 (may be negative or fractional with padding/even kernels).
   * Output position i covers input pixels centred on `start + i * jump`, spanning `size` pixels.
   * Null after flatten/dense/global pooling (every output sees the whole image).
   */
  receptiveField: ReceptiveField | null;
}

/** Receptive field of a feature-map node; see {@link NodeInfo.receptiveField}. */
export interface ReceptiveField {
  size: Pair;
  jump: Pair;
  start: Pair;
}
