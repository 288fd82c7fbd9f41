/** A small fluent helper for writing graphs in code (tests, hand-built architectures, importers). */
import { validateGraph } from './graph';
import type { FusedActivation, Graph, GraphNode, Pair, Padding, Shape } from './graph.types';

type Two = number | Pair;
/** A node without `inputs` (they default to the previous node); distributes over the node union. */
export type NodeInit = GraphNode extends infer N ? (N extends GraphNode ? Omit<N, 'inputs'> & { inputs?: string[] } : never) : never;
const pair = (v: Two): Pair => (typeof v === 'number' ? [v, v] : v);

/** Options of {@link GraphBuilder.conv2d}. */
export interface ConvOptions {
  filters: number;
  kernelSize: Two;
  strides?: Two;
  padding?: Padding;
  dilation?: Two;
  groups?: number;
  bias?: boolean;
  activation?: FusedActivation;
  alpha?: number;
}

/**
 * Builds a graph node by node; each method appends a node reading the previous one (or `from`) and returns its id.
 * Weights are named `<id>/kernel`, `<id>/bias`, `<id>/mean`, `<id>/variance`, `<id>/gamma`, `<id>/beta`.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  last: string;

  constructor(inputShape: Shape, inputId = 'input') {
    this.nodes.push({ op: 'input', id: inputId, inputs: [], shape: inputShape });
    this.last = inputId;
  }

  /** Appends any node; `inputs` defaults to the previous node. */
  add(node: NodeInit): string {
    const n = { ...node, inputs: node.inputs ?? [this.last] } as GraphNode;
    this.nodes.push(n);
    this.last = n.id;
    return n.id;
  }

  /** Convolution (ordinary or grouped). */
  conv2d(id: string, o: ConvOptions, from = this.last): string {
    return this.add({
      op: 'conv2d', id, inputs: [from], filters: o.filters, kernelSize: pair(o.kernelSize), strides: pair(o.strides ?? 1),
      padding: o.padding ?? 'same', dilation: pair(o.dilation ?? 1), groups: o.groups ?? 1, depthwise: false,
      kernel: `${id}/kernel`, bias: o.bias === false ? undefined : `${id}/bias`, activation: o.activation, alpha: o.alpha,
    });
  }

  /** Depthwise convolution; `inChannels` × `multiplier` filters. */
  depthwise(id: string, inChannels: number, o: Omit<ConvOptions, 'filters' | 'groups'> & { multiplier?: number }, from = this.last): string {
    return this.add({
      op: 'conv2d', id, inputs: [from], filters: inChannels * (o.multiplier ?? 1), kernelSize: pair(o.kernelSize),
      strides: pair(o.strides ?? 1), padding: o.padding ?? 'same', dilation: pair(o.dilation ?? 1), groups: inChannels,
      depthwise: true, kernel: `${id}/kernel`, bias: o.bias === false ? undefined : `${id}/bias`, activation: o.activation, alpha: o.alpha,
    });
  }

  /** Fully connected layer. */
  dense(id: string, units: number, o: { bias?: boolean; activation?: FusedActivation } = {}, from = this.last): string {
    return this.add({
      op: 'dense', id, inputs: [from], units, kernel: `${id}/kernel`, bias: o.bias === false ? undefined : `${id}/bias`,
      activation: o.activation,
    });
  }

  /** Inference batch normalization with all four tensors. */
  batchNorm(id: string, epsilon = 1e-3, from = this.last): string {
    return this.add({
      op: 'batchNorm', id, inputs: [from], epsilon, mean: `${id}/mean`, variance: `${id}/variance`, gamma: `${id}/gamma`, beta: `${id}/beta`,
    });
  }

  /** Parameter-free single-input node (relu, relu6, sigmoid, tanh, softmax, flatten, globalAvgPool). */
  op(op: 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax' | 'flatten' | 'globalAvgPool', id: string, from = this.last): string {
    return this.add({ op, id, inputs: [from] } as GraphNode);
  }

  /** Max or average pooling. */
  pool(op: 'maxPool' | 'avgPool', id: string, size: Two, strides: Two = size, padding: Padding = 'valid', from = this.last): string {
    return this.add({ op, id, inputs: [from], poolSize: pair(size), strides: pair(strides), padding });
  }

  /** The finished, validated graph (output: `output` or the last node). */
  build(output = this.last): Graph {
    const g: Graph = { format: 'convlab-graph', version: 1, nodes: [...this.nodes], output };
    validateGraph(g);
    return g;
  }
}
