import * as tf from '@tensorflow/tfjs-core';
import {
  activations,
  analyzeGraph,
  firstOrdinaryConv,
  forward,
  IncrementalForward,
  inputGradient,
  type GradientObjective,
  type Model,
  type Preprocessing,
  type ReceptiveField,
} from '@convlab/nets';
import { type AttributionProvider } from './attribution';
import { type DifferentiableScore } from './gradient-ascent';
import { strongestInChannel } from './neuron-position';
import { type PatchReceptiveField, type LayerActivation } from './max-patches';
import { type BatchClassifier, type IncrementalClassifier } from './occlusion';

/**
 * Binds the model-agnostic algorithms to a `@convlab/nets` model: classifier, differentiable scores,
 * attribution providers, layer activations, receptive fields and the input's valid range.
 */

/**
 * Batched probabilities of a nets model (after its softmax, or the softmax of its logits). It offers incremental
 * passes (`IncrementalForward`), which sliding-window occlusion uses when they are faster.
 */
export function netsClassifier(model: Model): BatchClassifier {
  const classify: BatchClassifier = (batch) => {
    const r = forward(model, batch);
    tf.dispose([r.output, r.logits, ...Object.values(r.taps)]);
    return r.probabilities;
  };
  classify.incremental = netsIncremental(model);
  return classify;
}

/** Incremental passes of a nets model: recompute the early layers on crops around a changed box only. */
export function netsIncremental(model: Model): IncrementalClassifier {
  return {
    async prepare(input, box, force) {
      // The cost model is calibrated on wasm/cpu, where host round trips are cheap; a GPU backend pays a readback per
      // step, so there it runs only when asked for explicitly.
      if (!force && !['wasm', 'cpu'].includes(tf.getBackend())) return null;
      const inc = await IncrementalForward.create(model, input, { box, cut: force ? 'best' : 'auto' });
      if (!inc.plan.cut) {
        inc.dispose();
        return null;
      }
      const { cut, estimatedFlops, fullFlops } = inc.plan;
      return {
        description: `recompute up to '${cut}' on crops (estimated ×${(fullFlops / estimatedFlops).toFixed(2)} fewer FLOPs)`,
        classify: async (patches) => {
          const r = await inc.forward(patches);
          tf.dispose([r.output, r.logits, ...Object.values(r.taps)]);
          return r.probabilities;
        },
        dispose: () => inc.dispose(),
      };
    },
  };
}

/** The per-image scalar a gradient-based method differentiates (class score before softmax, neuron, channel mean). */
export type VisObjective = GradientObjective;

/** S(I) and ∂S/∂I for gradient ascent (standard ReLU gradients), and S(I) alone by a forward pass. */
export function netsScore(model: Model, objective: VisObjective): DifferentiableScore {
  const score: DifferentiableScore = (x) => {
    const { gradient, value } = inputGradient(model, x, objective);
    const total = tf.sum(value) as tf.Scalar;
    value.dispose();
    return { value: total, gradient: gradient as tf.Tensor4D };
  };
  const value = forwardObjective(model, objective);
  return value ? Object.assign(score, { value }) : score;
}

/**
 * The objective summed over the batch by a forward pass (the value `inputGradient` reports, without the backward
 * pass), for the objectives of one class or one channel; null for the others.
 */
function forwardObjective(model: Model, o: VisObjective): ((x: tf.Tensor4D) => tf.Scalar) | null {
  if (o.kind === 'class') {
    if (Array.isArray(o.index)) return null;
    const index = o.index;
    return (x) => {
      const r = forward(model, x);
      try {
        return tf.tidy(() => tf.sum(tf.slice(tf.reshape(r.logits, [x.shape[0], -1]), [0, index], [-1, 1])) as tf.Scalar);
      } finally {
        tf.dispose([r.output, r.logits, r.probabilities, ...Object.values(r.taps)]);
      }
    };
  }
  if (o.kind !== 'neuron' && o.kind !== 'channelMean') return null;
  return (x) => {
    const act = activations(model, x, [o.node])[o.node];
    try {
      if (act.rank !== 4) throw new Error(`node '${o.node}' is not a feature map (shape [${act.shape.join(', ')}])`);
      return tf.tidy(() => {
        const ch = tf.slice(act, [0, 0, 0, o.channel], [-1, -1, -1, 1]);
        if (o.kind === 'channelMean') return tf.sum(tf.mean(ch, [1, 2, 3])) as tf.Scalar;
        // A neuron without a position: the channel's strongest one in each image (the executor's rule).
        if (o.y === undefined && o.x === undefined) return tf.sum(tf.max(ch, [1, 2, 3])) as tf.Scalar;
        return tf.sum(tf.slice(ch, [0, o.y ?? 0, o.x ?? 0, 0], [-1, 1, 1, 1])) as tf.Scalar;
      });
    } finally {
      act.dispose();
    }
  };
}

/** An attribution provider for one objective; `gradCamLayer` enables Grad-CAM on that node. */
export function netsAttributionProvider(model: Model, objective: VisObjective, gradCamLayer?: string): AttributionProvider {
  return {
    inputGradient: (x, mode) => {
      const r = inputGradient(model, x, objective, { reluMode: mode });
      return { gradient: r.gradient as tf.Tensor4D, value: r.value };
    },
    layerGradient: gradCamLayer
      ? (x) => {
          const act = activations(model, x, [gradCamLayer])[gradCamLayer];
          const r = inputGradient(model, x, objective, { wrt: gradCamLayer });
          return { activation: act as tf.Tensor4D, gradient: r.gradient as tf.Tensor4D, value: r.value };
        }
      : undefined,
  };
}

/** The activation of one node for a batch. */
export function netsLayerActivation(model: Model, nodeId: string): LayerActivation {
  return (batch) => activations(model, batch, [nodeId])[nodeId] as tf.Tensor4D;
}

/** The strongest position of one channel of a feature-map node for a batch-1 input (first maximum on ties). */
export function strongestNeuron(model: Model, input: tf.Tensor4D, nodeId: string, channel: number): { y: number; x: number; value: number } {
  const act = activations(model, input, [nodeId])[nodeId];
  try {
    if (act.rank !== 4 || act.shape[0] !== 1) throw new Error(`node '${nodeId}' is not a feature map of one image (shape [${act.shape.join(', ')}])`);
    const [, h, w, c] = act.shape;
    return strongestInChannel(act.dataSync(), h, w, c, channel);
  } finally {
    act.dispose();
  }
}

/** Receptive field of a feature-map node, with a clear error for vector nodes. */
export function netsReceptiveField(model: Model, nodeId: string): PatchReceptiveField {
  const info = analyzeGraph(model.graph).find((n) => n.id === nodeId);
  if (!info) throw new Error(`no node '${nodeId}' in model '${model.meta.id}'`);
  const rf: ReceptiveField | null = info.receptiveField;
  if (!rf) throw new Error(`node '${nodeId}' is not a feature map (shape [${info.shape.join(', ')}]): it has no spatial receptive field`);
  return { size: [...rf.size], jump: [...rf.jump], start: [...rf.start] };
}

/** Per-channel range of valid inputs (pixels 0..255 after preprocessing), in the network's channel order. */
export function inputRange(p: Preprocessing): { min: number[]; max: number[] } {
  const order = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const at = (pixel: number) => order.map((c) => (pixel * p.scale - p.mean[c]) / p.std[c]);
  return { min: at(0), max: at(255) };
}

/** The value of mid-grey (pixel 128) per channel in the network's input space. */
export function greyValue(p: Preprocessing): number[] {
  const order = p.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  return order.map((c) => (128 * p.scale - p.mean[c]) / p.std[c]);
}

/** The first convolution that reads the image (not depthwise): its id, HWIO kernel (owned by the model) and strides. */
export function firstConvKernel(model: Model): { id: string; kernel: tf.Tensor4D; strides: [number, number] } {
  const node = firstOrdinaryConv(model.graph);
  if (!node) throw new Error(`model '${model.meta.id}' has no ordinary convolution`);
  const k = model.weights[node.kernel];
  if (!k || k.rank !== 4) throw new Error(`weights '${node.kernel}' of node '${node.id}' are missing or not HWIO`);
  return { id: node.id, kernel: k as tf.Tensor4D, strides: [node.strides[0], node.strides[1]] };
}
