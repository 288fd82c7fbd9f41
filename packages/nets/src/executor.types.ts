/** Public option/result types of the executor (`executor.ts`) and of input gradients (`gradients.ts`). */
import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Node ids whose activations are returned in `taps` (batched: `[N, ...shape]`). */
  taps?: string[];
}

/**
 * Result of a forward pass. All tensors belong to the caller (dispose them, e.g. with `disposeForward`).
 * `logits` are the scores before the softmax: for graphs that end in softmax (+ reshape/flatten/dropout) they are
 * the softmax's input; otherwise they are the output itself. `probabilities` is the softmax of `logits`
 * (for a graph that ends in softmax, the graph's own output).
 */
export interface ForwardResult {
  /** The graph output node's activation, `[N, ...]`. */
  output: Tensor;
  /** `[N, numClasses]` scores before softmax. */
  logits: Tensor2D;
  /** `[N, numClasses]` softmax probabilities. */
  probabilities: Tensor2D;
  /** Activation of each requested tap, keyed by node id. */
  taps: Record<string, Tensor>;
}

/**
 * What to differentiate, always a scalar per image (summed over the batch, so each image gets its own gradient):
 * - `class`: the pre-softmax score of output `index` (in the model's own output order); an array gives one index per
 *   image of the batch, so different requests can share one batched pass;
 * - `neuron`: one activation value `(node, channel, y, x)` (for vector nodes give only `channel`; without y and x,
 *   the channel's strongest position);
 * - `channelMean`: the mean over y, x of one channel of a node's activation;
 * - `weighted`: `sum(activation * weights)` for a `[...shape]` or `[N, ...shape]` weight tensor (e.g. Grad-CAM style
 *   or a one-hot over several classes). The weights are not disposed.
 */
export type GradientObjective =
  | { kind: 'class'; index: number | number[] }
  /** Without y and x: the channel's strongest position in each image. */
  | { kind: 'neuron'; node: string; channel: number; y?: number; x?: number }
  | { kind: 'channelMean'; node: string; channel: number }
  | { kind: 'weighted'; node: string; weights: Tensor };

/**
 * How gradients pass backwards through ReLU-like nodes (relu, relu6, leakyRelu, and the same activations fused in
 * conv/dense nodes). With `x` the activation's input, `g` the incoming gradient:
 * - `standard`: the true gradient. relu: `g·[x>0]`; relu6: `g·[0<x<6]`; leakyRelu: `g·(x>0 ? 1 : α)`.
 * - `deconvnet` (Zeiler & Fergus 2014): ignore the forward pass, apply the nonlinearity to the gradient itself.
 *   relu and relu6: `max(g, 0)` (relu6's cap at 6 has no meaning for a gradient's scale, so it is not applied);
 *   leakyRelu: `g>0 ? g : α·g`.
 * - `guided` (Springenberg et al. 2014): the product of both rules — relu: `g·[x>0]·[g>0]`;
 *   relu6: `g·[0<x<6]·[g>0]`; leakyRelu: `g·(x>0 ? 1 : α)·(g>0 ? 1 : α)`.
 * Every other node (max pooling's switches included) uses its true gradient in all modes.
 */
export type ReluMode = 'standard' | 'guided' | 'deconvnet';

/** Options of an input gradient. */
export interface GradientOptions {
  /** ReLU backward rule (default 'standard'). */
  reluMode?: ReluMode;
  /**
   * Differentiate with respect to this node's activation instead of the input image (e.g. Grad-CAM).
   * Default: the input node.
   */
  wrt?: string;
}

/** Result of an input gradient. Tensors belong to the caller. */
export interface GradientResult {
  /** Gradient with the shape of the input batch (or of the `wrt` node's batched activation). */
  gradient: Tensor4D | Tensor;
  /** `[N]` the objective's value per image. */
  value: Tensor;
}

/**
 * One step of the executor's forward plan (see `Executor.forwardPlan`): the op of `node`, with a directly following
 * batch norm and ReLU-like/sigmoid activation folded into it when nothing else reads them.
 */
export interface PlanStep {
  /** The node whose op the step runs. */
  readonly node: string;
  readonly op: string;
  /** The node whose value the step produces (`node` itself, or the last node fused into it). */
  readonly out: string;
  /** Ids the step reads, in order (the inputs of `node`). */
  readonly inputs: readonly string[];
  /** Nodes folded or fused into the step (batch norm, activation). */
  readonly fused: readonly string[];
}
