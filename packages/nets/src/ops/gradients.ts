/**
 * Gradient rules for the few core kernels that the executor's differentiable path uses (convolutions, ReLUs and max pooling
 * have their own `customGrad`s). tfjs-core ships its rules only through `@tensorflow/tfjs-core/dist/register_all_gradients`,
 * an ESM tree with extensionless imports that plain Node ESM (tsx, the server, the CLI) cannot load; registering
 * these here keeps `@convlab/nets` working everywhere. A rule is registered only when none exists, so an app that also
 * loads tfjs's own rules keeps them.
 */
import * as tf from '@tensorflow/tfjs-core';

type Attrs = Record<string, unknown>;

/** Sums a broadcast gradient back to `shape`. */
function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  const summed = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(summed, shape);
}

function pair(v: unknown): [number, number] {
  return typeof v === 'number' ? [v, v] : (v as [number, number]);
}

function expandedShape(inShape: number[], axis: unknown): number[] {
  const axes = tf.util.parseAxisParam(axis as number | number[], inShape);
  return inShape.map((d, i) => (axes.includes(i) ? 1 : d));
}

const RULES: tf.GradConfig[] = [
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => unbroadcast(dy as tf.Tensor, b.shape) };
    },
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape), b: () => tf.neg(unbroadcast(dy as tf.Tensor, b.shape)) };
    },
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const d = dy as tf.Tensor;
      return { a: () => unbroadcast(tf.mul(d, tf.cast(b, 'float32')), a.shape), b: () => unbroadcast(tf.mul(d, tf.cast(a, 'float32')), b.shape) };
    },
  },
  {
    kernelName: tf.Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0].shape) }),
  },
  {
    kernelName: tf.Identity,
    gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }),
  },
  {
    kernelName: tf.Cast,
    gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }),
  },
  {
    kernelName: tf.Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { begin, size } = attrs as Attrs;
      const [b, s] = tf.slice_util.parseSliceParams(x, begin as number[], size as number[]);
      return { x: () => tf.pad(dy as tf.Tensor, x.shape.map((d, i) => [b[i], d - b[i] - s[i]] as [number, number])) };
    },
  },
  {
    kernelName: tf.PadV2,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const paddings = (attrs as Attrs).paddings as Array<[number, number]>;
      return { x: () => tf.slice(dy as tf.Tensor, paddings.map((p) => p[0]), x.shape) };
    },
  },
  {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam((attrs as Attrs).axis as number, saved[0].shape)[0];
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[axis]), axis);
      return parts.map((p) => () => p) as unknown as Record<string, () => tf.Tensor>;
    },
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const shape = expandedShape(x.shape, (attrs as Attrs).axis);
      return { x: () => tf.mul(tf.reshape(dy as tf.Tensor, shape), tf.ones(x.shape)) };
    },
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const shape = expandedShape(x.shape, (attrs as Attrs).axis);
      const n = x.size / shape.reduce((a, b) => a * b, 1);
      return { x: () => tf.div(tf.mul(tf.reshape(dy as tf.Tensor, shape), tf.ones(x.shape)), n) };
    },
  },
  {
    kernelName: tf.AvgPool,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const a = attrs as Attrs;
      return {
        x: () => tf.engine().runKernel(tf.AvgPoolGrad, { dy: dy as tf.Tensor, input: x }, {
          filterSize: pair(a.filterSize), strides: pair(a.strides), pad: a.pad,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    },
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved;
      const dim = (attrs as Attrs).dim as number;
      const d = dy as tf.Tensor;
      return { logits: () => tf.mul(y, tf.sub(d, tf.sum(tf.mul(d, y), dim, true))) };
    },
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved;
      return { x: () => tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(1, y))) };
    },
  },
  {
    kernelName: tf.Tanh,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved;
      return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(y))) };
    },
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      const d = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) };
      return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
    },
  },
];

/** Registers the rules above for kernels that have none yet (idempotent). */
export function registerExecutorGradients(): void {
  for (const rule of RULES) {
    if (!tf.getGradient(rule.kernelName)) tf.registerGradient(rule);
  }
}

/** Kernel names whose gradient rules the executor needs besides its custom gradients. */
export const EXECUTOR_GRADIENT_KERNELS: readonly string[] = RULES.map((r) => r.kernelName);

registerExecutorGradients();
