/**
 * Test helper: a deliberately naive interpreter of the graph with plain tfjs ops (no folding, no fusion, tfjs's own
 * registered gradients, which this module loads), to check the executor against.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { analyzeGraph } from '../graph.analysis';
import { topoSort, inputNode } from '../graph';
export { randomTensor, randomWeights, rng } from './random';
import type { Graph, Padding, Pair, WeightMap } from '../graph.types';
import { referenceMaxPoolGrad, type TieRule } from './max-pool-ties';

function pad(p: Padding): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  return typeof p === 'string' ? p : [[0, 0], p[0], p[1], [0, 0]];
}

/** Options of {@link referenceForward}. */
export interface ReferenceOptions {
  /** Route max-pool gradients by this tie rule with a slow loop (default: the backend's own MaxPoolGrad). */
  maxPoolTies?: TieRule;
}

/** Forward pass of `graph` with plain ops; returns every node's activation. */
export function referenceForward(graph: Graph, weights: WeightMap, x: tf.Tensor, options: ReferenceOptions = {}): Map<string, tf.Tensor> {
  const v = new Map<string, tf.Tensor>();
  const n = x.shape[0];
  const shapes = new Map(analyzeGraph(graph).map((i) => [i.id, i.shape]));
  v.set(inputNode(graph).id, x);
  for (const node of topoSort(graph)) {
    if (node.op === 'input') continue;
    const a = v.get(node.inputs[0])!;
    let y: tf.Tensor;
    switch (node.op) {
      case 'conv2d': {
        // tfjs has no gradient for dilated convolutions: spell the dilation out as zeros inside the kernel.
        const k = dilateKernel(weights[node.kernel] as tf.Tensor4D, node.dilation);
        const xin = typeof node.padding === 'string' ? a : tf.pad(a, pad(node.padding) as Array<[number, number]>);
        const p = typeof node.padding === 'string' ? node.padding : 'valid';
        if (node.depthwise) y = tf.depthwiseConv2d(xin as tf.Tensor4D, k, node.strides, p, 'NHWC');
        else if (node.groups > 1) {
          const xs = tf.split(xin, node.groups, 3);
          const ks = tf.split(k, node.groups, 3);
          y = tf.concat(xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ks[i] as tf.Tensor4D, node.strides, p, 'NHWC')), 3);
        } else y = tf.conv2d(xin as tf.Tensor4D, k, node.strides, p, 'NHWC');
        if (node.bias) y = tf.add(y, weights[node.bias]);
        y = act(y, node.activation, node.alpha);
        break;
      }
      case 'dense':
        y = tf.matMul(a as tf.Tensor2D, weights[node.kernel] as tf.Tensor2D);
        if (node.bias) y = tf.add(y, weights[node.bias]);
        y = act(y, node.activation, node.alpha);
        break;
      case 'batchNorm':
        y = tf.batchNorm(a, weights[node.mean], weights[node.variance], node.beta ? weights[node.beta] : undefined,
          node.gamma ? weights[node.gamma] : undefined, node.epsilon);
        break;
      case 'relu': y = tf.relu(a); break;
      case 'relu6': y = tf.relu6(a); break;
      case 'leakyRelu': y = tf.leakyRelu(a, node.alpha); break;
      case 'sigmoid': y = tf.sigmoid(a); break;
      case 'tanh': y = tf.tanh(a); break;
      case 'softmax': y = tf.softmax(a); break;
      case 'maxPool': {
        const xin = typeof node.padding === 'string' ? a : tf.pad(a, pad(node.padding) as Array<[number, number]>, -1e9);
        const p = typeof node.padding === 'string' ? node.padding : 'valid';
        y = options.maxPoolTies
          ? maxPoolByLoops(xin as tf.Tensor4D, node.poolSize, node.strides, p, options.maxPoolTies)
          : tf.maxPool(xin as tf.Tensor4D, node.poolSize, node.strides, p);
        break;
      }
      case 'avgPool': {
        const xin = typeof node.padding === 'string' ? a : tf.pad(a, pad(node.padding) as Array<[number, number]>);
        y = tf.avgPool(xin as tf.Tensor4D, node.poolSize, node.strides, typeof node.padding === 'string' ? node.padding : 'valid');
        break;
      }
      case 'globalAvgPool': y = tf.mean(a, [1, 2], node.keepDims ?? false); break;
      case 'zeroPad': y = tf.pad(a, [[0, 0], node.padding[0], node.padding[1], [0, 0]]); break;
      case 'concat': y = tf.concat(node.inputs.map((i) => v.get(i)!), node.axis === undefined || node.axis < 0 ? (node.axis ?? -1) : node.axis + 1); break;
      case 'add': y = tf.addN(node.inputs.map((i) => v.get(i)!)); break;
      case 'flatten': y = tf.reshape(a, [n, -1]); break;
      case 'reshape': y = tf.reshape(a, [n, ...shapes.get(node.id)!]); break;
      case 'dropout': y = a; break;
    }
    v.set(node.id, y);
  }
  return v;
}

/** `tf.maxPool` whose gradient is {@link referenceMaxPoolGrad} (plain loops on the CPU) with the given tie rule. */
function maxPoolByLoops(x: tf.Tensor4D, size: Pair, strides: Pair, padding: 'same' | 'valid', rule: TieRule): tf.Tensor4D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.maxPool(input, size, strides, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0] as tf.Tensor4D;
        const g = referenceMaxPoolGrad(xs.dataSync(), xs.shape, dy.dataSync(), { size, strides, padding }, rule);
        return tf.tensor4d(g, xs.shape);
      },
    };
  });
  return f(x) as tf.Tensor4D;
}

/** A kernel with (d-1) zero rows/columns between its taps: the same convolution without dilation. */
function dilateKernel(k: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return k;
  const [kh, kw, i, o] = k.shape;
  const d = k.arraySync();
  const out = Array.from({ length: (kh - 1) * dh + 1 }, () => Array.from({ length: (kw - 1) * dw + 1 }, () =>
    Array.from({ length: i }, () => new Array<number>(o).fill(0))));
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[y * dh][x * dw] = d[y][x];
  return tf.tensor4d(out);
}

function act(y: tf.Tensor, a: string | undefined, alpha = 0.2): tf.Tensor {
  switch (a ?? 'linear') {
    case 'relu': return tf.relu(y);
    case 'relu6': return tf.relu6(y);
    case 'leakyRelu': return tf.leakyRelu(y, alpha);
    case 'sigmoid': return tf.sigmoid(y);
    case 'tanh': return tf.tanh(y);
    default: return y;
  }
}

