/**
 * Test helpers for max-pool tie routing (browser-safe, no Node imports): a deliberately slow reference of the max-pool
 * input gradient on plain arrays, with the first-maximum rule of PyTorch/TensorFlow/Caffe or the last-maximum rule, and
 * a small case with POSITIVE ties in overlapping windows whose gradient per ReLU mode is written out by hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GraphBuilder } from '../graph.builder';
import type { ReluMode } from '../executor.types';
import type { Model } from '../model.types';
import { MINUS_ONE_TO_ONE } from '../models';
import { Executor } from '../executor';

/** Which of a window's equal maxima receives its gradient (row-major order). */
export type TieRule = 'first' | 'last';

/** Geometry of one max pooling: window, strides and padding before the first row/column (TensorFlow's 'same' rule). */
export interface PoolGeometry {
  size: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

/** Output size and top/left padding of a pooling, computed the way TensorFlow defines 'same' and 'valid'. */
export function poolFrame(h: number, w: number, g: PoolGeometry): { ho: number; wo: number; pt: number; pl: number } {
  const out = (len: number, k: number, s: number) => (g.padding === 'same' ? Math.ceil(len / s) : Math.floor((len - k) / s) + 1);
  const ho = out(h, g.size[0], g.strides[0]);
  const wo = out(w, g.size[1], g.strides[1]);
  const before = (len: number, o: number, k: number, s: number) => (g.padding === 'same' ? Math.floor(Math.max((o - 1) * s + k - len, 0) / 2) : 0);
  return { ho, wo, pt: before(h, ho, g.size[0], g.strides[0]), pl: before(w, wo, g.size[1], g.strides[1]) };
}

/**
 * dL/dx of `y = maxPool(x)` given dL/dy, by loops over NHWC arrays: each window's gradient goes to one of its maxima
 * (`rule`); padding never wins.
 */
export function referenceMaxPoolGrad(
  x: ArrayLike<number>, shape: [number, number, number, number], dy: ArrayLike<number>, g: PoolGeometry, rule: TieRule = 'first',
): Float32Array {
  const [n, h, w, c] = shape;
  const { ho, wo, pt, pl } = poolFrame(h, w, g);
  const dx = new Float32Array(x.length);
  const at = (b: number, r: number, col: number, ch: number) => ((b * h + r) * w + col) * c + ch;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let where = -1;
          for (let a = 0; a < g.size[0]; a++) {
            for (let e = 0; e < g.size[1]; e++) {
              const r = i * g.strides[0] - pt + a;
              const col = j * g.strides[1] - pl + e;
              if (r < 0 || r >= h || col < 0 || col >= w) continue;
              const v = x[at(b, r, col, ch)];
              if (v > best || (rule === 'last' && v === best)) {
                best = v;
                where = at(b, r, col, ch);
              }
            }
          }
          dx[where] += dy[((b * ho + i) * wo + j) * c + ch];
        }
      }
    }
  }
  return dx;
}

/**
 * A 5×5 one-channel image, ReLU (standalone, or fused into a 1×1 identity convolution), 3×3 max pooling with stride 2
 * (overlapping windows) and the four pooled values as the output; the objective weighs them by {@link TIE_WEIGHTS}.
 * The image is flat (all 2) except one corner, so the windows hold positive ties that overlap: the shared centre
 * (2, 2) is the last maximum of the top-left window, never a first one.
 */
export function tieModel(fusedConv = false): Model {
  const b = new GraphBuilder([5, 5, 1]);
  if (fusedConv) b.conv2d('id', { filters: 1, kernelSize: 1, bias: false });
  b.op('relu', 'r');
  b.pool('maxPool', 'p', 3, 2, 'valid');
  b.op('flatten', 'f');
  return {
    graph: b.build(), weights: fusedConv ? { 'id/kernel': tf.tensor4d([1], [1, 1, 1, 1]) } : {},
    meta: {
      id: 'ties', displayName: 'ties', family: 'test', inputSize: [5, 5], preprocessing: MINUS_ONE_TO_ONE, outputKind: 'logits',
      numClasses: 1, backgroundClass: false, labels: 'imagenet-1k', licence: 'none', source: 'test',
    },
  };
}

/** The image of {@link tieModel}: 2 everywhere but a 3 at (4, 4). */
export const TIE_IMAGE: number[] = Array.from({ length: 25 }, (_, i) => (i === 24 ? 3 : 2));

/** Objective weights of the four windows (top-left, top-right, bottom-left, bottom-right). */
export const TIE_WEIGHTS: number[] = [1, -10, 100, -1000];

/**
 * The input gradient per mode, by hand. First maxima: top-left window → (0, 0), top-right → (0, 2), bottom-left →
 * (2, 0), bottom-right → (4, 4) (its unique maximum 3). The ReLU passes everything in standard mode (all inputs > 0);
 * guided also drops negative gradients; deconvnet passes relu(gradient). (Last maxima would be (2, 2), (2, 4), (4, 2).)
 */
export const TIE_EXPECTED: Record<ReluMode, number[]> = (() => {
  const grad = (v: [number, number, number, number]) => {
    const g = new Array<number>(25).fill(0);
    [g[0], g[2], g[10], g[24]] = v;
    return g;
  };
  return { standard: grad([1, -10, 100, -1000]), guided: grad([1, 0, 100, 0]), deconvnet: grad([1, 0, 100, 0]) };
})();

/** The executor's input gradients of {@link tieModel} on {@link TIE_IMAGE}, per mode, on the active backend. */
export async function tieGradients(fusedConv = false): Promise<Record<ReluMode, number[]>> {
  const m = tieModel(fusedConv);
  const ex = new Executor(m);
  const x = tf.tensor4d(TIE_IMAGE, [1, 5, 5, 1]);
  const weights = tf.tensor1d(TIE_WEIGHTS);
  const out = {} as Record<ReluMode, number[]>;
  for (const mode of ['standard', 'guided', 'deconvnet'] as ReluMode[]) {
    const r = ex.gradient(x, { kind: 'weighted', node: 'f', weights }, { reluMode: mode });
    // + 0 turns the -0 of masked negative gradients into 0.
    // Read asynchronously: WebGPU in Node cannot read synchronously.
    out[mode] = Array.from(await r.gradient.data(), (v) => v + 0);
    tf.dispose([r.gradient, r.value]);
  }
  ex.dispose();
  tf.dispose([x, weights, ...Object.values(m.weights)]);
  return out;
}
