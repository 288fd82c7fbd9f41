/** Static analysis of a graph: output shapes, parameter counts, FLOPs and receptive fields per node. */
import { GraphError, inputNode, nodeMap, topoSort } from './graph';
import type { Graph, GraphNode, NodeInfo, Padding, Pair, ReceptiveField, Shape } from './graph.types';

/** Resolved padding of one spatial axis: output length and the pixels added before and after. */
export interface AxisPadding {
  out: number;
  before: number;
  after: number;
}

/** Output length and padding of one axis of a window op, following TensorFlow's 'same'/'valid' rules. */
export function resolveAxis(inLen: number, kernel: number, stride: number, dilation: number, padding: Padding, axis: 0 | 1): AxisPadding {
  const eff = (kernel - 1) * dilation + 1;
  if (padding === 'same') {
    const out = Math.ceil(inLen / stride);
    const total = Math.max((out - 1) * stride + eff - inLen, 0);
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  const [before, after] = padding === 'valid' ? [0, 0] : padding[axis];
  const out = Math.floor((inLen + before + after - eff) / stride) + 1;
  if (out < 1) throw new GraphError(`window of ${eff} does not fit an input of ${inLen} (+${before + after} padding)`);
  return { out, before, after };
}

function spatial(shape: Shape, node: GraphNode): [number, number, number] {
  if (shape.length !== 3) {
    throw new GraphError(`node '${node.id}' (${node.op}) needs a [h, w, c] feature map, got [${shape.join(', ')}]`);
  }
  return shape as [number, number, number];
}

function product(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Output shape of a reshape with an optional -1 entry. */
export function resolveReshape(inShape: Shape, target: Shape, id: string): Shape {
  const size = product(inShape);
  const known = target.filter((d) => d !== -1);
  const free = target.length - known.length;
  if (free > 1) throw new GraphError(`reshape '${id}' has more than one -1 in [${target.join(', ')}]`);
  const knownSize = product(known);
  const out = target.map((d) => (d === -1 ? size / knownSize : d));
  if (product(out) !== size || out.some((d) => !Number.isInteger(d))) {
    throw new GraphError(`reshape '${id}' cannot reshape [${inShape.join(', ')}] to [${target.join(', ')}]`);
  }
  return out;
}

function windowRf(rf: ReceptiveField | null, k: Pair, s: Pair, d: Pair, pads: [AxisPadding, AxisPadding]): ReceptiveField | null {
  if (!rf) return null;
  const axis = (a: 0 | 1) => {
    const eff = (k[a] - 1) * d[a] + 1;
    return {
      size: rf.size[a] + (eff - 1) * rf.jump[a],
      jump: rf.jump[a] * s[a],
      start: rf.start[a] + ((eff - 1) / 2 - pads[a].before) * rf.jump[a],
    };
  };
  const v = axis(0);
  const h = axis(1);
  return { size: [v.size, h.size], jump: [v.jump, h.jump], start: [v.start, h.start] };
}

/** Union of the windows of several inputs (concat/add): the span that covers all of them. */
function unionRf(rfs: Array<ReceptiveField | null>): ReceptiveField | null {
  if (rfs.some((r) => r === null)) return null;
  const rs = rfs as ReceptiveField[];
  const axis = (a: 0 | 1) => {
    const lo = Math.min(...rs.map((r) => r.start[a] - r.size[a] / 2));
    const hi = Math.max(...rs.map((r) => r.start[a] + r.size[a] / 2));
    return { size: hi - lo, start: (lo + hi) / 2, jump: Math.max(...rs.map((r) => r.jump[a])) };
  };
  const v = axis(0);
  const h = axis(1);
  return { size: [v.size, h.size], jump: [v.jump, h.jump], start: [v.start, h.start] };
}

/** Shapes, parameters, FLOPs (per image) and receptive fields of every node, in dependency order. */
export function analyzeGraph(graph: Graph): NodeInfo[] {
  const order = topoSort(graph);
  nodeMap(graph);
  inputNode(graph);
  const info = new Map<string, NodeInfo>();
  const out: NodeInfo[] = [];
  for (const node of order) {
    const ins = node.inputs.map((i) => info.get(i)!);
    const inShape = ins[0]?.shape;
    const inRf = ins[0]?.receptiveField ?? null;
    let shape: Shape;
    let params = 0;
    let flops = 0;
    let rf: ReceptiveField | null = inRf;
    switch (node.op) {
      case 'input':
        shape = [...node.shape];
        rf = shape.length === 3 ? { size: [1, 1], jump: [1, 1], start: [0, 0] } : null;
        break;
      case 'conv2d': {
        const [h, w, c] = spatial(inShape, node);
        const [kh, kw] = node.kernelSize;
        const pv = resolveAxis(h, kh, node.strides[0], node.dilation[0], node.padding, 0);
        const ph = resolveAxis(w, kw, node.strides[1], node.dilation[1], node.padding, 1);
        const groups = node.depthwise ? c : node.groups;
        if (c % groups !== 0 || node.filters % groups !== 0) {
          throw new GraphError(`conv2d '${node.id}': ${c} input channels / ${node.filters} filters not divisible by ${groups} groups`);
        }
        shape = [pv.out, ph.out, node.filters];
        const perOut = kh * kw * (c / groups);
        params = perOut * node.filters + (node.bias ? node.filters : 0);
        const outs = pv.out * ph.out * node.filters;
        flops = 2 * perOut * outs + (node.bias ? outs : 0) + (node.activation && node.activation !== 'linear' ? outs : 0);
        rf = windowRf(inRf, node.kernelSize, node.strides, node.dilation, [pv, ph]);
        break;
      }
      case 'dense': {
        if (inShape.length !== 1) throw new GraphError(`dense '${node.id}' needs a vector input, got [${inShape.join(', ')}] (add a flatten)`);
        shape = [node.units];
        params = inShape[0] * node.units + (node.bias ? node.units : 0);
        flops = 2 * inShape[0] * node.units + (node.bias ? node.units : 0) + (node.activation && node.activation !== 'linear' ? node.units : 0);
        rf = null;
        break;
      }
      case 'batchNorm': {
        shape = [...inShape];
        const c = inShape[inShape.length - 1];
        params = c * (2 + (node.gamma ? 1 : 0) + (node.beta ? 1 : 0));
        flops = 2 * product(shape);
        break;
      }
      case 'relu':
      case 'relu6':
      case 'leakyRelu':
      case 'sigmoid':
      case 'tanh':
        shape = [...inShape];
        flops = product(shape);
        break;
      case 'softmax':
        shape = [...inShape];
        flops = 3 * product(shape);
        break;
      case 'maxPool':
      case 'avgPool': {
        const [h, w, c] = spatial(inShape, node);
        const pv = resolveAxis(h, node.poolSize[0], node.strides[0], 1, node.padding, 0);
        const ph = resolveAxis(w, node.poolSize[1], node.strides[1], 1, node.padding, 1);
        shape = [pv.out, ph.out, c];
        flops = product(shape) * node.poolSize[0] * node.poolSize[1];
        rf = windowRf(inRf, node.poolSize, node.strides, [1, 1], [pv, ph]);
        break;
      }
      case 'globalAvgPool': {
        const [h, w, c] = spatial(inShape, node);
        shape = node.keepDims ? [1, 1, c] : [c];
        flops = h * w * c;
        // Every output sees the whole image; keep the union of the input's field for [1,1,c] outputs.
        rf = null;
        break;
      }
      case 'zeroPad': {
        const [h, w, c] = spatial(inShape, node);
        const [[t, b], [l, r]] = node.padding;
        shape = [h + t + b, w + l + r, c];
        rf = inRf && { size: inRf.size, jump: inRf.jump, start: [inRf.start[0] - t * inRf.jump[0], inRf.start[1] - l * inRf.jump[1]] };
        break;
      }
      case 'concat': {
        const rank = inShape.length;
        const axis = node.axis === undefined ? rank - 1 : node.axis < 0 ? rank + node.axis : node.axis;
        shape = [...inShape];
        shape[axis] = 0;
        for (const i of ins) {
          if (i.shape.length !== rank || i.shape.some((d, k) => k !== axis && d !== inShape[k])) {
            throw new GraphError(`concat '${node.id}': input shapes [${ins.map((x) => x.shape.join('x')).join('], [')}] differ off axis ${axis}`);
          }
          shape[axis] += i.shape[axis];
        }
        rf = unionRf(ins.map((i) => i.receptiveField));
        break;
      }
      case 'add': {
        shape = [...inShape];
        for (const i of ins) {
          if (i.shape.join() !== inShape.join()) throw new GraphError(`add '${node.id}': input shapes differ`);
        }
        flops = (ins.length - 1) * product(shape);
        rf = unionRf(ins.map((i) => i.receptiveField));
        break;
      }
      case 'flatten':
        shape = [product(inShape)];
        rf = null;
        break;
      case 'reshape':
        shape = resolveReshape(inShape, node.targetShape, node.id);
        rf = shape.length === 3 && shape[0] === inShape[0] && shape[1] === inShape[1] ? inRf : null;
        break;
      case 'dropout':
        shape = [...inShape];
        break;
      default: {
        const never: never = node;
        throw new GraphError(`unsupported node ${(never as GraphNode).id}`);
      }
    }
    const ni: NodeInfo = { id: node.id, op: node.op, shape, params, flops, receptiveField: shape.length === 3 ? rf : null };
    info.set(node.id, ni);
    out.push(ni);
  }
  return out;
}

/** Totals over a graph: parameters and FLOPs per image. */
export function graphTotals(graph: Graph): { params: number; flops: number } {
  const infos = analyzeGraph(graph);
  return { params: infos.reduce((a, i) => a + i.params, 0), flops: infos.reduce((a, i) => a + i.flops, 0) };
}

/**
 * Input-pixel box `[top, left, bottom, right]` (inclusive, possibly outside the image) seen by output position (y, x)
 * of a node with receptive field `rf`.
 */
export function receptiveFieldBox(rf: ReceptiveField, y: number, x: number): [number, number, number, number] {
  const cy = rf.start[0] + y * rf.jump[0];
  const cx = rf.start[1] + x * rf.jump[1];
  const top = Math.ceil(cy - (rf.size[0] - 1) / 2);
  const left = Math.ceil(cx - (rf.size[1] - 1) / 2);
  return [top, left, top + rf.size[0] - 1, left + rf.size[1] - 1];
}
