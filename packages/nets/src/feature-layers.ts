/**
 * The layers of a model that labs offer (the neuron lab's layer list, the max-patches and pooling layer choices): the
 * feature maps a lecture talks about, in network order, with their shapes. One rule for every model, so an uploaded
 * ONNX model gets a sensible list too; a built-in model may narrow it with a pattern (`ModelEntry.layerPattern`), and
 * the lists of built-in models are kept in `builtin-layers.generated.ts` so that an editor knows them without loading
 * a single weight.
 */
import { consumers, topoSort } from './graph';
import { analyzeGraph, graphTotals } from './graph.analysis';
import type { Conv2dNode, Graph, GraphNode } from './graph.types';

/** A layer labs can offer: its node id and its output `[height, width, channels]`. */
export interface FeatureLayer {
  id: string;
  shape: [number, number, number];
}

/** Most layers offered per model (the neuron lab accepts 64; a longer list helps no student). */
export const MAX_FEATURE_LAYERS = 32;

const NONLINEAR = new Set(['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh']);
const MERGE = new Set(['concat', 'add']);
/** Ops that keep a conv's kind (a batch norm or activation after a depthwise conv is still a depthwise layer). */
const PASS_THROUGH = new Set(['batchNorm', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'zeroPad', 'dropout']);

/**
 * The rule: spatial feature maps (`[h, w, c]`, h and w at least 2) after a non-linearity (an activation, or a conv
 * with a fused one) or a merge (concat, add); not the outputs of depthwise convolutions (they mix no channels), not a
 * branch that only feeds a concat (a fire module's expand halves: the concat is the layer), not an add followed by its
 * own activation alone (a residual block's output is that activation). More than {@link MAX_FEATURE_LAYERS}: evenly
 * thinned, keeping the first and the last. `pattern` (built-in models) keeps only the matching ids.
 */
export function featureLayers(graph: Graph, pattern?: RegExp): FeatureLayer[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const shapes = new Map(analyzeGraph(graph).map((i) => [i.id, i.shape]));
  const users = consumers(graph);
  const depthwise = (node: GraphNode): boolean => {
    let n: GraphNode | undefined = node;
    while (n && PASS_THROUGH.has(n.op)) n = byId.get(n.inputs[0] ?? '');
    return n?.op === 'conv2d' && n.depthwise;
  };
  const isCandidate = (n: GraphNode): boolean => {
    const s = shapes.get(n.id);
    if (!s || s.length !== 3 || s[0]! < 2 || s[1]! < 2) return false;
    const nonlinear = NONLINEAR.has(n.op) || (n.op === 'conv2d' && (n.activation ?? 'linear') !== 'linear');
    if (!nonlinear && !MERGE.has(n.op)) return false;
    if (depthwise(n)) return false;
    const next = (users.get(n.id) ?? []).map((id) => byId.get(id)!);
    if (next.length > 0 && next.every((c) => c.op === 'concat')) return false;
    if (n.op === 'add' && next.length === 1 && NONLINEAR.has(next[0]!.op)) return false;
    return pattern ? pattern.test(n.id) : true;
  };
  const all = topoSort(graph)
    .filter(isCandidate)
    .map((n) => ({ id: n.id, shape: shapes.get(n.id)!.slice(0, 3) as [number, number, number] }));
  if (all.length <= MAX_FEATURE_LAYERS) return all;
  const step = (all.length - 1) / (MAX_FEATURE_LAYERS - 1);
  return Array.from({ length: MAX_FEATURE_LAYERS }, (_, i) => all[Math.round(i * step)]!);
}

/**
 * The layer a lab starts on: the last feature map before the classifier (the one that plays AlexNet's conv5) —
 * the last listed layer whose channels are not the class scores. Null for a model with no feature layers.
 */
export function defaultFeatureLayer(layers: readonly FeatureLayer[], numClasses: number): string | null {
  const trunk = layers.filter((l) => l.shape[2] !== numClasses && l.shape[2] !== numClasses + 1);
  return (trunk.at(-1) ?? layers.at(-1))?.id ?? null;
}

/** An early layer (a quarter of the way in): small receptive fields, edges and colours. */
export function earlyFeatureLayer(layers: readonly FeatureLayer[]): string | null {
  return layers[Math.min(layers.length - 1, Math.floor(layers.length / 4))]?.id ?? null;
}

/** The first convolution that reads the image, not depthwise or grouped: the first-layer filters lab shows its kernels. */
export function firstOrdinaryConv(graph: Graph): Conv2dNode | undefined {
  return topoSort(graph).find((n): n is Conv2dNode => n.op === 'conv2d' && !n.depthwise && n.groups === 1);
}

/** A model's first-layer filters as an editor names them: the layer, `filters` kernels of `kernelSize`, the stride. */
export interface FirstConvFacts {
  layer: string;
  kernelSize: [number, number];
  filters: number;
  stride: [number, number];
}

/** What editors need of a model's graph without loading it: the layers labs offer, its GFLOPs per image, its first-layer filters. */
export interface GraphFacts {
  layers: FeatureLayer[];
  gflops: number;
  /** Null for a model without an ordinary convolution (nothing for the first-layer filters lab to show). */
  firstConv: FirstConvFacts | null;
}

/** The {@link GraphFacts} of a graph (kept for built-in models in `builtin-layers.generated.ts`). */
export function graphFacts(graph: Graph, pattern?: RegExp): GraphFacts {
  const conv = firstOrdinaryConv(graph);
  const firstConv = conv ? { layer: conv.id, kernelSize: [conv.kernelSize[0], conv.kernelSize[1]] as [number, number], filters: conv.filters, stride: [conv.strides[0], conv.strides[1]] as [number, number] } : null;
  return { layers: featureLayers(graph, pattern), gflops: Math.round(graphTotals(graph).flops / 1e7) / 100, firstConv };
}
