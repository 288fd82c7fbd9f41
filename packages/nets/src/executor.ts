/**
 * Runs a {@link Model}'s graph on tfjs-core ops: forward passes with taps, pre/post-softmax scores, and gradients of
 * any scalar objective with respect to the input (or any node) under the three ReLU modes.
 *
 * Speed: batch norm that directly follows a conv/dense is folded into its kernel and bias once per model, and
 * conv/dense + bias + ReLU-like activation run as one fused kernel. Fusion never hides a node that is tapped or
 * differentiated with respect to: the plan is rebuilt (and cached) per set of requested nodes.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradient rules of the core kernels on the differentiable path (see ops/gradients.ts for why not tfjs's own).
import './ops/gradients';
import { analyzeGraph } from './graph.analysis';
import { consumers, findLogitsNode, GraphError, inputNode, nodeMap, topoSort, validateGraph } from './graph';
import type { BatchNormNode, Conv2dNode, DenseNode, FusedActivation, GraphNode, Padding, Shape } from './graph.types';
import type { Model } from './model.types';
import type {
  ForwardOptions, ForwardResult, GradientObjective, GradientOptions, GradientResult, PlanStep, ReluMode,
} from './executor.types';
import { backwardKernel, convForward, convWithGrad, type ConvSpec } from './ops/conv-ops';
import { reluForward, reluWithMode, type ReluLike } from './ops/relu-modes';
import { maxPoolWithGrad } from './ops/pool-ops';

type Mode = 'forward' | ReluMode;

interface LinearStep {
  kind: 'linear';
  node: Conv2dNode | DenseNode;
  /** Batch norm folded into the kernel, if any. */
  bn: string | null;
  act: FusedActivation;
  alpha: number;
  /** Id whose value this step produces (the conv, its batch norm, or the fused activation). */
  out: string;
}

interface NodeStep {
  kind: 'node';
  node: GraphNode;
  out: string;
}

type Step = LinearStep | NodeStep;

interface Params {
  kernel: tf.Tensor;
  bias?: tf.Tensor1D;
}

const RELU_LIKE: ReadonlySet<string> = new Set(['relu', 'relu6', 'leakyRelu']);

function isReluLike(a: string): a is ReluLike {
  return RELU_LIKE.has(a);
}

/** Error thrown for inputs that do not fit the model (wrong shape, unknown node, bad objective). */
export class ExecutorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutorError';
  }
}

/** Options of an {@link Executor}: both default to true; turn them off to compare against unoptimized arithmetic. */
export interface ExecutorOptions {
  /** Fold a batch norm into the conv/dense before it. */
  foldBatchNorm?: boolean;
  /** Run conv/dense + bias + ReLU-like activation as one fused op. */
  fuseActivations?: boolean;
}

/** Executes one model; holds folded weights (free with {@link Executor.dispose} or `disposeModel`). */
export class Executor {
  readonly model: Model;
  private readonly options: Required<ExecutorOptions>;
  private readonly order: GraphNode[];
  private readonly byId: Map<string, GraphNode>;
  private readonly users: Map<string, string[]>;
  private readonly shapes: Map<string, Shape>;
  private readonly logits: { node: string; softmaxApplied: boolean; softmaxNode?: string };
  private readonly plans = new Map<string, Step[]>();
  private readonly folded = new Map<string, Params>();
  /** Flipped/transposed kernels of the backward convolutions, per (node, folded batch norm). */
  private readonly backKernels = new Map<string, tf.Tensor4D>();
  private readonly bnParams = new Map<string, { scale: tf.Tensor1D; shift: tf.Tensor1D }>();
  private disposed = false;

  constructor(model: Model, options: ExecutorOptions = {}) {
    this.model = model;
    this.options = { foldBatchNorm: true, fuseActivations: true, ...options };
    this.order = topoSort(model.graph);
    validateGraph(model.graph);
    this.byId = nodeMap(model.graph);
    this.users = consumers(model.graph);
    this.shapes = new Map(analyzeGraph(model.graph).map((i) => [i.id, i.shape]));
    this.logits = findLogitsNode(model.graph);
    checkWeights(model, this.shapes);
  }

  /** Forward pass on a preprocessed batch `[N, h, w, c]`: output, pre/post-softmax scores and tapped activations. */
  forward(input: tf.Tensor4D, options: ForwardOptions = {}): ForwardResult {
    return this.forwardSeeded(input, new Map(), options);
  }

  /**
   * Forward pass that starts from supplied activations (node id → batched activation `[N, ...shape]`) instead of the
   * image, e.g. a cached clean activation with a locally changed patch pasted in. The supplied nodes must cut every
   * path from the input to the output (and to the taps); the input tensors stay the caller's.
   */
  forwardFrom(from: Record<string, tf.Tensor>, options: ForwardOptions = {}): ForwardResult {
    const seeds = new Map(Object.entries(from));
    if (seeds.size === 0) throw new ExecutorError('forwardFrom needs at least one supplied activation');
    let n = -1;
    for (const [id, t] of seeds) {
      this.requireNode(id);
      const shape = this.shapes.get(id)!;
      if (t.rank !== shape.length + 1 || t.shape.slice(1).join() !== shape.join() || (n >= 0 && t.shape[0] !== n)) {
        throw new ExecutorError(`activation supplied for '${id}' has shape [${t.shape.join(', ')}], expected [${n >= 0 ? n : 'N'}, ${shape.join(', ')}]`);
      }
      n = t.shape[0];
    }
    return this.forwardSeeded(null, seeds, options, n);
  }

  /**
   * The fused steps a forward pass to `targets` runs, in order (starting from the nodes in `from`, else the input).
   * With {@link Executor.runStep} a caller can run the network piecewise, e.g. on crops of the feature maps.
   */
  forwardPlan(targets: string[], from: string[] = []): PlanStep[] {
    for (const t of [...targets, ...from]) this.requireNode(t);
    const seeds = from.length > 0 ? from : [inputNode(this.model.graph).id];
    return this.plan(targets, [...seeds], 'forward').map((s) => this.publicStep(s));
  }

  /**
   * Runs one step of {@link Executor.forwardPlan} on the given input activations (one per input of `step.node`, in
   * order). `padding` overrides the padding of a convolution or pooling step: the caller has padded the inputs itself
   * (e.g. with 'valid' on a crop that carries its own halo). Returns a new tensor the caller owns.
   */
  runStep(step: PlanStep, inputs: tf.Tensor[], padding?: Padding): tf.Tensor {
    if (this.disposed) throw new ExecutorError(`executor of model '${this.model.meta.id}' was disposed`);
    const inner = this.stepInternals.get(step);
    if (!inner) throw new ExecutorError(`step for '${step.out}' does not come from this executor's forwardPlan`);
    const node = inner.node;
    if (inputs.length !== node.inputs.length) throw new ExecutorError(`step '${step.out}' needs ${node.inputs.length} inputs, got ${inputs.length}`);
    const patched = padding !== undefined && 'padding' in node && node.op !== 'zeroPad' ? ({ ...node, padding } as GraphNode) : node;
    const values = new Map(node.inputs.map((id, i) => [id, inputs[i]] as const));
    return tf.tidy(() => {
      if (inner.kind === 'linear') return this.linear({ ...inner, node: patched as Conv2dNode | DenseNode }, values, 'forward');
      return this.node(patched, values, 'forward', inputs[0].shape[0]);
    });
  }

  private readonly stepInternals = new WeakMap<PlanStep, Step>();
  private readonly publicSteps = new WeakMap<Step, PlanStep>();

  private publicStep(s: Step): PlanStep {
    let p = this.publicSteps.get(s);
    if (!p) {
      const fused = s.kind === 'linear' ? [s.bn, s.out !== s.node.id && s.out !== s.bn ? s.out : null].filter((x): x is string => !!x) : [];
      p = Object.freeze({ node: s.node.id, op: s.node.op, out: s.out, inputs: [...s.node.inputs], fused });
      this.publicSteps.set(s, p);
      this.stepInternals.set(p, s);
    }
    return p;
  }

  private forwardSeeded(input: tf.Tensor4D | null, seeds: Map<string, tf.Tensor>, options: ForwardOptions, batch?: number): ForwardResult {
    const taps = options.taps ?? [];
    const { node: logitsId, softmaxNode } = this.logits;
    const out = this.model.graph.output;
    const targets = [...taps, out, logitsId, ...(softmaxNode ? [softmaxNode] : [])];
    const given = new Set<tf.Tensor>([...seeds.values(), ...(input ? [input] : [])]);
    return tf.tidy(() => {
      const values = this.run(input, targets, 'forward', seeds);
      const n = input ? input.shape[0] : batch!;
      const logits = tf.reshape(values.get(logitsId)!, [n, -1]) as tf.Tensor2D;
      const probabilities = (softmaxNode ? tf.reshape(values.get(softmaxNode)!, [n, -1]) : tf.softmax(logits)) as tf.Tensor2D;
      // Never hand the caller's own tensors back (disposing the result would dispose them).
      const own = (t: tf.Tensor) => (given.has(t) ? tf.clone(t) : t);
      const tapped: Record<string, tf.Tensor> = {};
      for (const t of taps) tapped[t] = own(values.get(t)!);
      return { output: own(values.get(out)!), logits, probabilities, taps: tapped };
    });
  }

  /** Activations of the given nodes only (computes just their ancestors). */
  activations(input: tf.Tensor4D, nodeIds: string[]): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const values = this.run(input, nodeIds, 'forward', new Map());
      const result: Record<string, tf.Tensor> = {};
      for (const id of nodeIds) result[id] = values.get(id) === input ? tf.clone(input) : values.get(id)!;
      return result;
    });
  }

  /**
   * Gradient of `objective` (a scalar per image, summed over the batch) with respect to the input image — or the
   * activation of `options.wrt` — with ReLU-like nodes following `options.reluMode`.
   */
  gradient(input: tf.Tensor4D, objective: GradientObjective, options: GradientOptions = {}): GradientResult {
    const mode = options.reluMode ?? 'standard';
    if (!['standard', 'guided', 'deconvnet'].includes(mode)) throw new ExecutorError(`unknown ReLU mode '${mode}'`);
    const target = objective.kind === 'class' ? this.logits.node : objective.node;
    this.requireNode(target);
    const wrt = options.wrt ?? inputNode(this.model.graph).id;
    this.requireNode(wrt);
    if (!this.dependsOn(target, wrt)) throw new ExecutorError(`'${target}' does not depend on '${wrt}', so it has no gradient with respect to it`);
    return tf.tidy(() => {
      const start = wrt === inputNode(this.model.graph).id ? this.checkInput(input) : this.activations(input, [wrt])[wrt];
      let perImage: tf.Tensor | null = null;
      const f = (a: tf.Tensor): tf.Scalar => {
        const values = this.run(input, [target], mode, new Map([[wrt, a]]));
        const v = this.objectiveValue(values.get(target)!, objective, input.shape[0]);
        perImage = tf.keep(v);
        return tf.sum(v);
      };
      const gradient = tf.grad(f)(start);
      return { gradient, value: perImage! };
    });
  }

  /** Frees the folded weights this executor made (the model's own weights stay). */
  dispose(): void {
    for (const p of this.folded.values()) {
      p.kernel.dispose();
      p.bias?.dispose();
    }
    for (const k of this.backKernels.values()) k.dispose();
    this.backKernels.clear();
    for (const p of this.bnParams.values()) {
      p.scale.dispose();
      p.shift.dispose();
    }
    this.folded.clear();
    this.bnParams.clear();
    this.disposed = true;
  }

  /** Whether `node` is `ancestor` or reads it, directly or indirectly. */
  private dependsOn(node: string, ancestor: string): boolean {
    const seen = new Set<string>();
    const stack = [node];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === ancestor) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...this.byId.get(id)!.inputs);
    }
    return false;
  }

  private requireNode(id: string): GraphNode {
    const n = this.byId.get(id);
    if (!n) throw new ExecutorError(`no node '${id}' in model '${this.model.meta.id}'`);
    return n;
  }

  private checkInput(input: tf.Tensor): tf.Tensor4D {
    const expected = inputNode(this.model.graph).shape;
    if (input.rank !== 4 || input.shape.slice(1).join() !== expected.join()) {
      throw new ExecutorError(
        `model '${this.model.meta.id}' expects a batch [N, ${expected.join(', ')}], got [${input.shape.join(', ')}] ` +
        `(use preprocessImage to crop, resize and scale images)`,
      );
    }
    return (input.dtype === 'float32' ? input : tf.cast(input, 'float32')) as tf.Tensor4D;
  }

  private objectiveValue(act: tf.Tensor, o: GradientObjective, n: number): tf.Tensor1D {
    const shape = act.shape.slice(1);
    const bad = (msg: string) => new ExecutorError(`objective on '${o.kind === 'class' ? this.logits.node : o.node}': ${msg}`);
    switch (o.kind) {
      case 'class': {
        const flat = tf.reshape(act, [n, -1]);
        const k = flat.shape[1] as number;
        const indices = Array.isArray(o.index) ? o.index : [o.index];
        if (Array.isArray(o.index) && o.index.length !== n) throw bad(`${o.index.length} class indices for a batch of ${n}`);
        for (const i of indices) {
          if (!Number.isInteger(i) || i < 0 || i >= k) throw bad(`class index ${i} outside 0..${k - 1}`);
        }
        if (!Array.isArray(o.index)) return tf.reshape(tf.slice(flat, [0, o.index], [n, 1]), [n]);
        // One class per image: a one-hot mask (gather's gradient is missing on wasm).
        const mask = new Float32Array(n * k);
        indices.forEach((c, i) => { mask[i * k + c] = 1; });
        return tf.sum(tf.mul(flat, tf.tensor2d(mask, [n, k])), 1);
      }
      case 'neuron': {
        const c = shape[shape.length - 1];
        if (o.channel < 0 || o.channel >= c) throw bad(`channel ${o.channel} outside 0..${c - 1}`);
        if (shape.length === 3) {
          // No position: the channel's strongest one, per image.
          if (o.y === undefined && o.x === undefined) {
            const flat = tf.reshape(tf.slice(act, [0, 0, 0, o.channel], [n, -1, -1, 1]), [n, -1]);
            // A one-hot of each image's argmax: a constant for the tape (Max has no registered gradient here), built
            // on the backend (WebGPU cannot read synchronously in Node).
            return tf.sum(tf.mul(flat, strongestMask(flat)), 1);
          }
          const y = o.y ?? 0;
          const x = o.x ?? 0;
          if (y < 0 || y >= shape[0] || x < 0 || x >= shape[1]) throw bad(`position (${y}, ${x}) outside ${shape[0]}x${shape[1]}`);
          return tf.reshape(tf.slice(act, [0, y, x, o.channel], [n, 1, 1, 1]), [n]);
        }
        const flat = tf.reshape(act, [n, -1]);
        return tf.reshape(tf.slice(flat, [0, o.channel], [n, 1]), [n]);
      }
      case 'channelMean': {
        if (shape.length !== 3) throw bad(`channelMean needs a [h, w, c] activation, got [${shape.join(', ')}]`);
        if (o.channel < 0 || o.channel >= shape[2]) throw bad(`channel ${o.channel} outside 0..${shape[2] - 1}`);
        return tf.mean(tf.slice(act, [0, 0, 0, o.channel], [n, -1, -1, 1]), [1, 2, 3]);
      }
      case 'weighted': {
        const w = o.weights;
        const ok = w.shape.join() === shape.join() || w.shape.join() === act.shape.join();
        if (!ok) throw bad(`weights [${w.shape.join(', ')}] do not match the activation [N, ${shape.join(', ')}]`);
        return tf.sum(tf.reshape(tf.mul(act, w), [n, -1]), 1);
      }
      default:
        throw new ExecutorError(`unknown objective ${JSON.stringify(o)}`);
    }
  }

  /**
   * Computes the values of `targets`, starting from the input and any `seeds` (node id → activation). Without an
   * input the seeds must cut every path from the input to the targets.
   */
  private run(input: tf.Tensor4D | null, targets: string[], mode: Mode, seeds: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
    if (this.disposed) throw new ExecutorError(`executor of model '${this.model.meta.id}' was disposed`);
    for (const t of targets) this.requireNode(t);
    const inputId = inputNode(this.model.graph).id;
    const values = new Map<string, tf.Tensor>(seeds);
    if (input && !values.has(inputId)) values.set(inputId, this.checkInput(input));
    const steps = this.plan(targets, [...values.keys()], mode);
    if (!values.has(inputId)) {
      const reader = steps.find((s) => this.byId.get(s.node.id)!.inputs.includes(inputId));
      if (reader) {
        throw new ExecutorError(`the supplied activations (${[...seeds.keys()].join(', ')}) do not cut the graph: '${reader.node.id}' still reads the input`);
      }
    }
    const batch = input ? input.shape[0] : [...seeds.values()][0].shape[0];
    // In forward mode, free each intermediate activation after its last reader (big batches stay within memory);
    // gradients need them all until the backward pass, so there the enclosing tidy frees them.
    const lastUse = mode === 'forward' ? lastUses(steps, this.byId) : null;
    const keep = new Set([...targets, ...values.keys()]);
    steps.forEach((step, i) => {
      values.set(step.out, step.kind === 'linear' ? this.linear(step, values, mode) : this.node(step.node, values, mode, batch));
      if (!lastUse) return;
      for (const id of this.byId.get(step.node.id)!.inputs) {
        if (lastUse.get(id) === i && !keep.has(id)) values.get(id)?.dispose();
      }
    });
    return values;
  }

  private plan(targets: string[], seeds: string[], mode: Mode): Step[] {
    const key = `${mode}|${[...new Set(targets)].sort().join(',')}|${[...seeds].sort().join(',')}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const seedSet = new Set(seeds);
    const needed = new Set<string>();
    const stack = [...targets];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (needed.has(id) || seedSet.has(id)) continue;
      // Without an input value, the input node is a missing seed: run() reports which step still reads it.
      if (this.byId.get(id)!.op === 'input') continue;
      needed.add(id);
      stack.push(...this.byId.get(id)!.inputs);
    }
    const keep = new Set([...targets, ...seeds]);
    const absorbed = new Set<string>();
    const steps: Step[] = [];
    // A node can disappear inside a fused step only when nobody else reads or asks for it.
    const soleUser = (id: string): GraphNode | null => {
      const u = this.users.get(id) ?? [];
      if (keep.has(id) || u.length !== 1 || !needed.has(u[0])) return null;
      return this.byId.get(u[0])!;
    };
    for (const node of this.order) {
      if (!needed.has(node.id) || absorbed.has(node.id)) continue;
      if (node.op !== 'conv2d' && node.op !== 'dense') {
        steps.push({ kind: 'node', node, out: node.id });
        continue;
      }
      let out = node.id;
      let bn: string | null = null;
      let act: FusedActivation = node.activation ?? 'linear';
      let alpha = node.alpha ?? 0.2;
      if (act === 'linear') {
        const next = soleUser(out);
        if (next?.op === 'batchNorm' && this.options.foldBatchNorm) {
          bn = next.id;
          out = next.id;
          absorbed.add(next.id);
        }
        const after = soleUser(out);
        if (after && this.options.fuseActivations && (isReluLike(after.op) || (mode === 'forward' && after.op === 'sigmoid'))) {
          act = after.op as FusedActivation;
          if (after.op === 'leakyRelu') alpha = after.alpha;
          out = after.id;
          absorbed.add(after.id);
        }
      }
      steps.push({ kind: 'linear', node, bn, act, alpha, out });
    }
    this.plans.set(key, steps);
    return steps;
  }

  private convSpec(node: Conv2dNode): ConvSpec {
    return {
      strides: node.strides,
      dilation: node.dilation,
      pad: node.padding === 'same' ? 'same' : 'valid',
      depthwise: node.depthwise,
      groups: node.groups,
    };
  }

  private params(node: Conv2dNode | DenseNode, bnId: string | null): Params {
    const w = this.model.weights;
    if (!bnId) return { kernel: w[node.kernel], bias: node.bias ? (w[node.bias] as tf.Tensor1D) : undefined };
    const key = `${node.id}|${bnId}`;
    let p = this.folded.get(key);
    if (!p) {
      const { scale, shift } = this.bn(this.byId.get(bnId) as BatchNormNode);
      p = tf.tidy(() => {
        const k = w[node.kernel];
        // Depthwise output channel c*m + j is kernel [.., c, j]: the per-output scale has the kernel's last two axes.
        const s = node.op === 'conv2d' && node.depthwise ? tf.reshape(scale, k.shape.slice(2)) : scale;
        const kernel = tf.mul(k, s);
        const bias = node.bias ? tf.add(tf.mul(w[node.bias], scale), shift) : shift.clone();
        return { kernel, bias: bias as tf.Tensor1D };
      });
      // Created lazily inside some caller's tidy: keep them alive until dispose().
      tf.keep(p.kernel);
      tf.keep(p.bias!);
      this.folded.set(key, p);
    }
    return p;
  }

  private bn(node: BatchNormNode): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    let p = this.bnParams.get(node.id);
    if (!p) {
      const w = this.model.weights;
      p = tf.tidy(() => {
        const inv = tf.rsqrt(tf.add(w[node.variance], node.epsilon));
        const scale = node.gamma ? tf.mul(inv, w[node.gamma]) : inv;
        const shifted = tf.neg(tf.mul(w[node.mean], scale));
        const shift = node.beta ? tf.add(shifted, w[node.beta]) : shifted;
        return { scale: scale as tf.Tensor1D, shift: shift as tf.Tensor1D };
      });
      tf.keep(p.scale);
      tf.keep(p.shift);
      this.bnParams.set(node.id, p);
    }
    return p;
  }

  private linear(step: LinearStep, values: Map<string, tf.Tensor>, mode: Mode): tf.Tensor {
    const { node, act, alpha } = step;
    const { kernel, bias } = this.params(node, step.bn);
    const x = values.get(node.inputs[0])!;
    if (node.op === 'dense') {
      if (mode === 'forward') {
        const fused = act === 'tanh' ? 'linear' : act === 'leakyRelu' ? 'leakyrelu' : act;
        const y = tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias, activation: fused, leakyreluAlpha: alpha });
        return act === 'tanh' ? tf.tanh(y) : y;
      }
      const z = bias ? tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias) : tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
      return this.activate(z, act, alpha, mode);
    }
    const spec = this.convSpec(node);
    const xin = pad4(x as tf.Tensor4D, node.padding, 0);
    if (mode === 'forward') return convForward(xin, kernel as tf.Tensor4D, bias, spec, act, alpha);
    const relu = isReluLike(act) ? act : 'linear';
    const y = convWithGrad(xin, kernel as tf.Tensor4D, bias, spec, relu, alpha, mode, this.backKernel(node, step.bn, kernel as tf.Tensor4D, spec));
    return relu === 'linear' ? this.activate(y, act, alpha, mode) : y;
  }

  private backKernel(node: Conv2dNode, bn: string | null, kernel: tf.Tensor4D, spec: ConvSpec): tf.Tensor4D | undefined {
    if (!spec.depthwise && spec.groups > 1) return undefined;
    const key = `${node.id}|${bn ?? ''}`;
    let k = this.backKernels.get(key);
    if (!k) {
      k = tf.keep(backwardKernel(kernel, spec));
      this.backKernels.set(key, k);
    }
    return k;
  }

  private activate(x: tf.Tensor, act: FusedActivation, alpha: number, mode: Mode): tf.Tensor {
    switch (act) {
      case 'linear': return x;
      case 'sigmoid': return tf.sigmoid(x);
      case 'tanh': return tf.tanh(x);
      default: return mode === 'forward' ? reluForward(act, x, alpha) : reluWithMode(act, mode, x, alpha);
    }
  }

  private node(node: GraphNode, values: Map<string, tf.Tensor>, mode: Mode, batch: number): tf.Tensor {
    const x = values.get(node.inputs[0])!;
    switch (node.op) {
      case 'input':
        throw new GraphError(`input node '${node.id}' has no value`);
      case 'batchNorm': {
        const { scale, shift } = this.bn(node);
        return tf.add(tf.mul(x, scale), shift);
      }
      case 'relu':
      case 'relu6':
        return this.activate(x, node.op, 0, mode);
      case 'leakyRelu':
        return this.activate(x, 'leakyRelu', node.alpha, mode);
      case 'sigmoid':
        return tf.sigmoid(x);
      case 'tanh':
        return tf.tanh(x);
      case 'softmax':
        return tf.softmax(x);
      case 'maxPool': {
        // Padding for max pooling must never win the max: pad with a very negative number (not -Inf: 0·Inf is NaN).
        const xin = pad4(x as tf.Tensor4D, node.padding, -3e38);
        const pad = node.padding === 'same' ? 'same' : 'valid';
        // Gradients go to each window's first maximum in row-major order, as in PyTorch and TensorFlow, on every
        // backend: flat image regions tie POSITIVE values, where the backends' own MaxPoolGrad kernels disagree.
        return mode === 'forward' ? tf.maxPool(xin, node.poolSize, node.strides, pad) : maxPoolWithGrad(xin, node.poolSize, node.strides, pad);
      }
      case 'avgPool': {
        const xin = pad4(x as tf.Tensor4D, node.padding, 0);
        return tf.avgPool(xin, node.poolSize, node.strides, node.padding === 'same' ? 'same' : 'valid');
      }
      case 'globalAvgPool':
        return tf.mean(x, [1, 2], node.keepDims ?? false);
      case 'zeroPad':
        return tf.pad(x, [[0, 0], node.padding[0], node.padding[1], [0, 0]]);
      case 'concat': {
        const rank = x.rank;
        const axis = node.axis === undefined ? rank - 1 : node.axis < 0 ? rank + node.axis : node.axis + 1;
        return tf.concat(node.inputs.map((i) => values.get(i)!), axis);
      }
      case 'add':
        return node.inputs.slice(1).reduce((acc, i) => tf.add(acc, values.get(i)!), x);
      case 'flatten':
        return tf.reshape(x, [batch, -1]);
      case 'reshape':
        return tf.reshape(x, [batch, ...this.shapes.get(node.id)!]);
      case 'dropout':
        return tf.clone(x);
      case 'conv2d':
      case 'dense':
        return this.linear({ kind: 'linear', node, bn: null, act: node.activation ?? 'linear', alpha: node.alpha ?? 0.2, out: node.id }, values, mode);
      default: {
        const never: never = node;
        throw new GraphError(`unsupported op in node ${JSON.stringify(never)}`);
      }
    }
  }
}

/** Index of the last step that reads each value. */
function lastUses(steps: Step[], byId: Map<string, GraphNode>): Map<string, number> {
  const last = new Map<string, number>();
  steps.forEach((step, i) => {
    for (const id of byId.get(step.node.id)!.inputs) last.set(id, i);
  });
  return last;
}

/** Applies explicit `[[t, b], [l, r]]` padding as a pad op; 'same'/'valid' are left to the op itself. */
function pad4(x: tf.Tensor4D, padding: Padding, value: number): tf.Tensor4D {
  if (typeof padding === 'string') return x;
  return tf.pad(x, [[0, 0], padding[0], padding[1], [0, 0]], value);
}

/** Throws a clear error when a weight a node names is missing or has the wrong shape. */
export function checkWeights(model: Model, shapes: Map<string, Shape>): void {
  const w = model.weights;
  const need = (owner: GraphNode, name: string | undefined, shape: number[]) => {
    if (name === undefined) return;
    const t = w[name];
    if (!t) throw new GraphError(`node '${owner.id}' needs weight '${name}', which the model does not have`);
    if (t.shape.join() !== shape.join()) {
      throw new GraphError(`weight '${name}' of node '${owner.id}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  };
  for (const node of model.graph.nodes) {
    const inShape = node.inputs.length > 0 ? shapes.get(node.inputs[0])! : [];
    const c = inShape[inShape.length - 1];
    if (node.op === 'conv2d') {
      const [kh, kw] = node.kernelSize;
      const k = node.depthwise ? [kh, kw, c, node.filters / c] : [kh, kw, c / node.groups, node.filters];
      need(node, node.kernel, k);
      need(node, node.bias, [node.filters]);
    } else if (node.op === 'dense') {
      need(node, node.kernel, [inShape[0], node.units]);
      need(node, node.bias, [node.units]);
    } else if (node.op === 'batchNorm') {
      for (const name of [node.mean, node.variance, node.gamma, node.beta]) need(node, name, [c]);
    }
  }
}

const executors = new WeakMap<Model, Executor>();

/** The (cached) executor of a model. */
export function getExecutor(model: Model): Executor {
  let e = executors.get(model);
  if (!e) {
    e = new Executor(model);
    executors.set(model, e);
  }
  return e;
}

/** Forward pass of a model on a preprocessed batch; see {@link Executor.forward}. */
export function forward(model: Model, input: tf.Tensor4D, options?: ForwardOptions): ForwardResult {
  return getExecutor(model).forward(input, options);
}

/** Forward pass from supplied activations at cut nodes; see {@link Executor.forwardFrom}. */
export function forwardFrom(model: Model, from: Record<string, tf.Tensor>, options?: ForwardOptions): ForwardResult {
  return getExecutor(model).forwardFrom(from, options);
}

/** Activations of some nodes; see {@link Executor.activations}. */
export function activations(model: Model, input: tf.Tensor4D, nodeIds: string[]): Record<string, tf.Tensor> {
  return getExecutor(model).activations(input, nodeIds);
}

/** Gradient of an objective with respect to the input image; see {@link Executor.gradient}. */
export function inputGradient(model: Model, input: tf.Tensor4D, objective: GradientObjective, options?: GradientOptions): GradientResult {
  return getExecutor(model).gradient(input, objective, options);
}

/** One-hot [n, k] of each row's argmax, with a zero gradient (its ops stay off the tape inside customGrad). */
const strongestMask = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const flat = args[0] as tf.Tensor;
  const k = flat.shape[1] as number;
  // tf.oneHot needs a depth of 2 or more; a 1×1 map's only position is its strongest.
  const value = k === 1 ? tf.onesLike(flat) : tf.cast(tf.oneHot(tf.argMax(flat, 1), k), 'float32');
  return { value, gradFunc: () => tf.zerosLike(flat) };
}) as (flat: tf.Tensor) => tf.Tensor;

/** Disposes every tensor of a forward result. */
export function disposeForward(result: ForwardResult): void {
  const all = new Set<tf.Tensor>([result.output, result.logits, result.probabilities, ...Object.values(result.taps)]);
  for (const t of all) t.dispose();
}

/** Frees a model's weights and its cached executor. The model cannot be used afterwards. */
export function disposeModel(model: Model): void {
  executors.get(model)?.dispose();
  executors.delete(model);
  for (const t of Object.values(model.weights)) t.dispose();
}
