/** Test helper: seeded random tensors and weights for tiny test graphs (loads no gradient rules). */
import * as tf from '@tensorflow/tfjs-core';
import { analyzeGraph } from '../graph.analysis';
import type { Graph, WeightMap } from '../graph.types';

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tensor of uniform values in [lo, hi) from a seeded generator. */
export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const r = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => lo + (hi - lo) * r()), shape);
}

/** Random weights for every weight a graph names (variances positive, kernels scaled by fan-in). */
export function randomWeights(graph: Graph, seed = 1): WeightMap {
  const shapes = new Map(analyzeGraph(graph).map((i) => [i.id, i.shape]));
  const w: WeightMap = {};
  let s = seed;
  for (const node of graph.nodes) {
    const inShape = node.inputs.length ? shapes.get(node.inputs[0])! : [];
    const c = inShape[inShape.length - 1];
    if (node.op === 'conv2d') {
      const [kh, kw] = node.kernelSize;
      const shape = node.depthwise ? [kh, kw, c, node.filters / c] : [kh, kw, c / node.groups, node.filters];
      const fan = node.depthwise ? kh * kw : kh * kw * (c / node.groups);
      const b = Math.sqrt(3 / fan);
      w[node.kernel] = randomTensor(shape, s++, -b, b);
      if (node.bias) w[node.bias] = randomTensor([node.filters], s++, -0.2, 0.2);
    } else if (node.op === 'dense') {
      const b = Math.sqrt(3 / inShape[0]);
      w[node.kernel] = randomTensor([inShape[0], node.units], s++, -b, b);
      if (node.bias) w[node.bias] = randomTensor([node.units], s++, -0.2, 0.2);
    } else if (node.op === 'batchNorm') {
      w[node.mean] = randomTensor([c], s++, -0.3, 0.3);
      w[node.variance] = randomTensor([c], s++, 0.5, 1.5);
      if (node.gamma) w[node.gamma] = randomTensor([c], s++, 0.5, 1.5);
      if (node.beta) w[node.beta] = randomTensor([c], s++, -0.3, 0.3);
    }
  }
  return w;
}
