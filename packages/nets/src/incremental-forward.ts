/**
 * Incremental forward passes for images that differ from one clean image only inside a small box (occlusion windows,
 * drawn patches): the clean activations are computed once; for each changed image only the part of the early layers
 * that the box can influence is recomputed — on crops of the feature maps that carry their own halo and the layer's
 * true border padding, so the values equal a full pass within float tolerance — and pasted into the clean activation
 * of a cut node, from which the rest of the network runs batched (`Executor.forwardFrom`).
 *
 * Geometry: every window op maps a changed input interval [a, b] to the outputs whose window touches it; a node's crop
 * ("tile") has one fixed size per axis (the largest changed extent over all box positions, so a batch of positions is
 * one tensor), placed over the changed outputs and clamped inside the map. Extra outputs in a tile are still exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { analyzeGraph, resolveAxis } from './graph.analysis';
import { findLogitsNode, inputNode, nodeMap } from './graph';
import type { GraphNode, Pair } from './graph.types';
import type { Model } from './model.types';
import type { ForwardResult, PlanStep } from './executor.types';
import { Executor, ExecutorError, getExecutor } from './executor';

/** How to plan an incremental pass. */
export interface IncrementalOptions {
  /** `[height, width]` of the changed box in input pixels (e.g. the occlusion window). */
  box: Pair;
  /**
   * Node to paste the recomputed crop into; 'auto' (default) picks the cheapest by the FLOP estimate when it beats a
   * full pass by 10 %, 'best' the cheapest admissible cut in any case.
   */
  cut?: string | 'auto' | 'best';
  /** The executor to run on (default: the model's cached one). */
  executor?: Executor;
}

/** A changed image: `data` (`box[0] × box[1] × channels`, row-major HWC) replaces the input at top-left (y, x). */
export interface IncrementalPatch {
  y: number;
  x: number;
  data: Float32Array;
}

/** The chosen cut and the cost estimates behind the choice (FLOPs per changed image; copies counted as FLOPs). */
export interface IncrementalPlan {
  /** The cut node, or null when no cut is cheaper than a full pass by at least 10 %. */
  cut: string | null;
  fullFlops: number;
  /** Estimated cost per image at the chosen cut (fullFlops when cut is null). */
  estimatedFlops: number;
  /** Every admissible cut with its estimate, in graph order. */
  candidates: Array<{ cut: string; flops: number }>;
}

/** Cost of copying one float (assembling crops on the CPU side and uploading them), in FLOP-equivalents. */
const COPY_COST = 8;
/**
 * FLOPs on crops count this many times: many small ops on thin tiles run far below the batched full-map rate (on Node
 * wasm, MobileNet v1 0.25, window 32: cutting at conv_pw_5 beat conv_pw_9, whose pure FLOP estimate is lower).
 */
const TILE_COST = 3;
/** An incremental pass must beat a full one by this factor to be chosen automatically. */
const MIN_GAIN = 0.9;
/** Padding value of max pooling (as in the executor: never wins the max; not -Inf, whose 0·Inf is NaN). */
const MAX_POOL_PAD = -3e38;

interface AxisGeom {
  /** Fixed tile length. */
  len: number;
  /** Tile start per box position u (box top/left at input coordinate u). */
  start: Int32Array;
  /** Changed interval per u (inclusive; lo > hi when nothing changes). */
  lo: Int32Array;
  hi: Int32Array;
}

interface StepGeom {
  step: PlanStep;
  node: GraphNode;
  kind: 'window' | 'zeroPad' | 'pointwise';
  shape: [number, number, number];
  axes: [AxisGeom, AxisGeom];
  /** Per axis: stride, effective kernel extent, padding before. */
  stride: Pair;
  extent: Pair;
  before: Pair;
  padValue: number;
  /** Average pooling with 'same' padding divides by the in-map count only: the crop must be rescaled at borders. */
  avgSame: boolean;
  /** FLOPs per image of the step's nodes (the op and whatever is fused into it). */
  flops: number;
}

interface Geometry {
  input: { id: string; shape: [number, number, number]; axes: [AxisGeom, AxisGeom] };
  /** Croppable steps in plan order (up to the first step that is not). */
  steps: StepGeom[];
  byOut: Map<string, StepGeom>;
  fullFlops: number;
  candidates: Array<{ cut: string; flops: number }>;
}

const POINTWISE: ReadonlySet<string> = new Set(['batchNorm', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'dropout', 'add', 'softmax']);

/** Changed output interval of a window op, per box position, clipped to the output. */
function propagate(inp: AxisGeom, outLen: number, stride: number, extent: number, before: number): { lo: Int32Array; hi: Int32Array } {
  const n = inp.lo.length;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    if (inp.lo[u] > inp.hi[u]) {
      lo[u] = 1;
      hi[u] = 0;
      continue;
    }
    // Output o reads inputs [o·s − p, o·s − p + extent − 1].
    lo[u] = Math.max(0, Math.ceil((inp.lo[u] + before - extent + 1) / stride));
    hi[u] = Math.min(outLen - 1, Math.floor((inp.hi[u] + before) / stride));
  }
  return { lo, hi };
}

/** Fixed-length tiles over changed intervals, clamped inside [0, outLen). */
function tiles(lo: Int32Array, hi: Int32Array, outLen: number): AxisGeom {
  let len = 1;
  for (let u = 0; u < lo.length; u++) len = Math.max(len, hi[u] - lo[u] + 1);
  len = Math.min(len, outLen);
  const start = new Int32Array(lo.length);
  for (let u = 0; u < lo.length; u++) start[u] = lo[u] > hi[u] ? 0 : Math.max(0, Math.min(lo[u], outLen - len));
  return { len, start, lo, hi };
}

function hull(axes: AxisGeom[]): { lo: Int32Array; hi: Int32Array } {
  const n = axes[0].lo.length;
  const lo = new Int32Array(n).fill(2 ** 30);
  const hi = new Int32Array(n).fill(-1);
  for (const a of axes) {
    for (let u = 0; u < n; u++) {
      if (a.lo[u] > a.hi[u]) continue;
      lo[u] = Math.min(lo[u], a.lo[u]);
      hi[u] = Math.max(hi[u], a.hi[u]);
    }
  }
  for (let u = 0; u < n; u++) if (lo[u] > hi[u]) [lo[u], hi[u]] = [1, 0];
  return { lo, hi };
}

/** Nodes reachable from the input without passing through `cut`. */
function reachableAvoiding(model: Model, cut: string): Set<string> {
  const users = new Map<string, string[]>();
  for (const n of model.graph.nodes) for (const i of n.inputs) users.set(i, [...(users.get(i) ?? []), n.id]);
  const seen = new Set<string>();
  const stack = [inputNode(model.graph).id];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id) || id === cut) continue;
    seen.add(id);
    stack.push(...(users.get(id) ?? []));
  }
  return seen;
}

function buildGeometry(model: Model, ex: Executor, box: Pair): Geometry {
  const inp = inputNode(model.graph);
  if (inp.shape.length !== 3) throw new ExecutorError(`incremental passes need an image input, got [${inp.shape.join(', ')}]`);
  const [H, W] = inp.shape;
  if (!Number.isInteger(box[0]) || !Number.isInteger(box[1]) || box[0] < 1 || box[1] < 1 || box[0] > H || box[1] > W) {
    throw new ExecutorError(`changed box ${box[0]}x${box[1]} must be positive integers that fit the ${H}x${W} input`);
  }
  const infos = new Map(analyzeGraph(model.graph).map((i) => [i.id, i]));
  const byId = nodeMap(model.graph);
  const axisOfBox = (len: number, boxLen: number): AxisGeom => {
    const n = len - boxLen + 1;
    const lo = Int32Array.from({ length: n }, (_, u) => u);
    const hi = Int32Array.from({ length: n }, (_, u) => u + boxLen - 1);
    return { len: boxLen, start: lo.slice(), lo, hi };
  };
  const input = { id: inp.id, shape: inp.shape as [number, number, number], axes: [axisOfBox(H, box[0]), axisOfBox(W, box[1])] as [AxisGeom, AxisGeom] };
  const axesOf = new Map<string, [AxisGeom, AxisGeom]>([[inp.id, input.axes]]);
  const { node: logits, softmaxNode } = findLogitsNode(model.graph);
  const targets = [model.graph.output, logits, ...(softmaxNode ? [softmaxNode] : [])];
  const plan = ex.forwardPlan(targets);
  const fullFlops = [...infos.values()].reduce((a, i) => a + i.flops, 0);
  const steps: StepGeom[] = [];
  for (const step of plan) {
    const node = byId.get(step.node)!;
    const shape = infos.get(step.out)!.shape;
    const ins = node.inputs.map((i) => axesOf.get(i));
    if (shape.length !== 3 || ins.some((a) => !a) || node.inputs.some((i) => infos.get(i)!.shape.length !== 3)) break;
    const inShape = infos.get(node.inputs[0])!.shape;
    let kind: StepGeom['kind'];
    let stride: Pair = [1, 1];
    let extent: Pair = [1, 1];
    let before: Pair = [0, 0];
    let padValue = 0;
    let avgSame = false;
    if (node.op === 'conv2d' || node.op === 'maxPool' || node.op === 'avgPool') {
      kind = 'window';
      const k = node.op === 'conv2d' ? node.kernelSize : node.poolSize;
      const d: Pair = node.op === 'conv2d' ? node.dilation : [1, 1];
      stride = node.strides;
      extent = [(k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1];
      before = [0, 1].map((a) => resolveAxis(inShape[a], k[a], stride[a], d[a], node.padding, a as 0 | 1).before) as Pair;
      padValue = node.op === 'maxPool' ? MAX_POOL_PAD : 0;
      avgSame = node.op === 'avgPool' && node.padding === 'same';
    } else if (node.op === 'zeroPad') {
      kind = 'zeroPad';
      before = [node.padding[0][0], node.padding[1][0]];
    } else if (POINTWISE.has(node.op) || (node.op === 'concat' && (node.axis === undefined || node.axis === 2 || node.axis === -1))) {
      kind = 'pointwise';
    } else {
      break;
    }
    const axes = [0, 1].map((a) => {
      const inAx = ins.map((x) => x![a]);
      const src = inAx.length === 1 ? inAx[0] : { ...inAx[0], ...hull(inAx) };
      const { lo, hi } = propagate(src, shape[a], stride[a], extent[a], before[a]);
      return tiles(lo, hi, shape[a]);
    }) as [AxisGeom, AxisGeom];
    axesOf.set(step.out, axes);
    const flops = [step.node, ...step.fused].reduce((f, id) => f + infos.get(id)!.flops, 0);
    steps.push({ step, node, kind, shape: shape as [number, number, number], axes, stride, extent, before, padValue, avgSame, flops });
  }
  const byOut = new Map(steps.map((s) => [s.step.out, s] as const));
  // Estimate each cut: tiles of the prefix (fraction of each map), the crops assembled for them, the pasted cut map,
  // then the full cost of everything after the cut.
  const candidates: Array<{ cut: string; flops: number }> = [];
  let prefix = 0;
  const inPrefix = new Set<string>();
  for (const s of steps) {
    const [ay, ax] = s.axes;
    const frac = (ay.len * ax.len) / (s.shape[0] * s.shape[1]);
    const reqY = (ay.len - 1) * s.stride[0] + s.extent[0];
    const reqX = (ax.len - 1) * s.stride[1] + s.extent[1];
    const inC = s.node.inputs.reduce((c, i) => c + infos.get(i)!.shape[2], 0);
    prefix += TILE_COST * s.flops * frac + COPY_COST * reqY * reqX * inC;
    for (const id of [s.step.node, ...s.step.fused]) inPrefix.add(id);
    const reach = reachableAvoiding(model, s.step.out);
    if (targets.some((t) => reach.has(t))) continue;
    const rest = [...infos.values()].reduce((f, i) => f + (inPrefix.has(i.id) ? 0 : i.flops), 0);
    candidates.push({ cut: s.step.out, flops: prefix + COPY_COST * s.shape[0] * s.shape[1] * s.shape[2] + rest });
  }
  return { input, steps, byOut, fullFlops, candidates };
}

/** Picks the cut for changed boxes of a given size (see {@link IncrementalPlan}); pure geometry, runs nothing. */
export function planIncremental(model: Model, box: Pair, cut: string | 'auto' | 'best' = 'auto', executor?: Executor): IncrementalPlan {
  return choose(buildGeometry(model, executor ?? getExecutor(model), box), cut);
}

function choose(g: Geometry, cut: string | 'auto' | 'best'): IncrementalPlan {
  if (cut !== 'auto' && cut !== 'best') {
    const c = g.candidates.find((x) => x.cut === cut);
    if (!c) {
      throw new ExecutorError(`'${cut}' cannot be an incremental cut (it must be the output of a fused step of croppable ops that every path to the output passes through); candidates: ${g.candidates.map((x) => x.cut).join(', ') || 'none'}`);
    }
    return { cut, fullFlops: g.fullFlops, estimatedFlops: c.flops, candidates: g.candidates };
  }
  const best = g.candidates.reduce<{ cut: string; flops: number } | null>((b, c) => (!b || c.flops < b.flops ? c : b), null);
  const worth = best !== null && (cut === 'best' || best.flops < MIN_GAIN * g.fullFlops);
  return { cut: worth ? best!.cut : null, fullFlops: g.fullFlops, estimatedFlops: worth ? best!.flops : g.fullFlops, candidates: g.candidates };
}

/**
 * Copies, for each of `n` positions, the window [qy, qy+lh) × [qx, qx+lw) of a clean map (h×w×c) with a tile
 * (th×tw×c at (ty, tx), per position) pasted over it, into `dst` (n×lh×lw×c); outside the map gets `pad`.
 */
function assemble(
  dst: Float32Array, n: number, lh: number, lw: number, qy: ArrayLike<number>, qx: ArrayLike<number>,
  clean: Float32Array, h: number, w: number, c: number,
  tile: Float32Array | null, th: number, tw: number, ty: ArrayLike<number>, tx: ArrayLike<number>, pad: number,
): void {
  const plane = lh * lw * c;
  for (let b = 0; b < n; b++) {
    const base = b * plane;
    const y0 = qy[b], x0 = qx[b];
    if (y0 < 0 || x0 < 0 || y0 + lh > h || x0 + lw > w) dst.fill(pad, base, base + plane);
    const ya = Math.max(0, y0), yb = Math.min(h, y0 + lh);
    const xa = Math.max(0, x0), xb = Math.min(w, x0 + lw);
    if (xb > xa) {
      for (let y = ya; y < yb; y++) dst.set(clean.subarray((y * w + xa) * c, (y * w + xb) * c), base + ((y - y0) * lw + (xa - x0)) * c);
    }
    if (!tile) continue;
    const tplane = th * tw * c;
    const tya = Math.max(ty[b], y0), tyb = Math.min(ty[b] + th, y0 + lh);
    const txa = Math.max(tx[b], x0), txb = Math.min(tx[b] + tw, x0 + lw);
    if (txb <= txa) continue;
    for (let y = tya; y < tyb; y++) {
      const src = b * tplane + ((y - ty[b]) * tw + (txa - tx[b])) * c;
      dst.set(tile.subarray(src, src + (txb - txa) * c), base + ((y - y0) * lw + (txa - x0)) * c);
    }
  }
}

/**
 * Forward passes of images that equal one clean image outside a fixed-size box. Create with
 * {@link IncrementalForward.create}; free with {@link IncrementalForward.dispose} (it holds no tensors between calls,
 * only the clean activations as arrays).
 */
export class IncrementalForward {
  readonly plan: IncrementalPlan;
  private readonly ex: Executor;
  private readonly geom: Geometry;
  private readonly prefix: StepGeom[];
  private readonly clean: Map<string, Float32Array>;
  private readonly box: Pair;

  private constructor(ex: Executor, geom: Geometry, plan: IncrementalPlan, prefix: StepGeom[], clean: Map<string, Float32Array>, box: Pair) {
    this.ex = ex;
    this.geom = geom;
    this.plan = plan;
    this.prefix = prefix;
    this.clean = clean;
    this.box = box;
  }

  /**
   * Plans the cut for `options.box` and computes the clean activations of `input` (`[1, h, w, c]`, preprocessed).
   * When no cut helps (`plan.cut === null`) {@link IncrementalForward.forward} is unavailable: use a full pass.
   */
  static async create(model: Model, input: tf.Tensor4D, options: IncrementalOptions): Promise<IncrementalForward> {
    const ex = options.executor ?? getExecutor(model);
    if (input.rank !== 4 || input.shape[0] !== 1) throw new ExecutorError(`incremental passes start from one image [1, h, w, c], got [${input.shape.join(', ')}]`);
    const geom = buildGeometry(model, ex, options.box);
    const plan = choose(geom, options.cut ?? 'auto');
    const clean = new Map<string, Float32Array>();
    let prefix: StepGeom[] = [];
    if (plan.cut) {
      const needed = new Set(ex.forwardPlan([plan.cut]).map((s) => s.out));
      prefix = geom.steps.filter((s) => needed.has(s.step.out));
      const acts = ex.activations(input, [geom.input.id, ...prefix.map((s) => s.step.out)]);
      try {
        for (const [id, t] of Object.entries(acts)) clean.set(id, (await t.data()) as Float32Array);
      } finally {
        tf.dispose(Object.values(acts));
      }
    }
    return new IncrementalForward(ex, geom, plan, prefix, clean, [...options.box] as Pair);
  }

  /**
   * Forward pass of a batch of changed images (one per patch): the same result as `forward` on the full images,
   * within float tolerance. All tensors of the result belong to the caller.
   */
  async forward(patches: IncrementalPatch[]): Promise<ForwardResult> {
    const cut = this.plan.cut;
    if (!cut) throw new ExecutorError('no incremental cut pays off for this model and box: run full forward passes instead');
    const n = patches.length;
    if (n === 0) throw new ExecutorError('forward needs at least one patch');
    const [bh, bw] = this.box;
    const { shape: [H, W, C], axes: [iy, ix], id: inputId } = this.geom.input;
    for (const p of patches) {
      if (!Number.isInteger(p.y) || !Number.isInteger(p.x) || p.y < 0 || p.x < 0 || p.y >= iy.lo.length || p.x >= ix.lo.length) {
        throw new ExecutorError(`patch at (${p.y}, ${p.x}) does not fit: a ${bh}x${bw} box needs 0 <= y <= ${H - bh}, 0 <= x <= ${W - bw}`);
      }
      if (p.data.length !== bh * bw * C) throw new ExecutorError(`patch data has ${p.data.length} values, expected ${bh}x${bw}x${C} = ${bh * bw * C}`);
    }
    const us = patches.map((p) => p.y);
    const vs = patches.map((p) => p.x);
    // Tiles computed so far (host arrays, [n, th, tw, c]) and where each position's tile starts.
    const tiles = new Map<string, { data: Float32Array; th: number; tw: number; ty: number[]; tx: number[] }>();
    const patchData = new Float32Array(n * bh * bw * C);
    patches.forEach((p, b) => patchData.set(p.data, b * bh * bw * C));
    tiles.set(inputId, { data: patchData, th: bh, tw: bw, ty: us, tx: vs });
    const shapeOf = (id: string): [number, number, number] => (id === inputId ? [H, W, C] : this.geom.byOut.get(id)!.shape);
    const crop = (id: string, lh: number, lw: number, qy: number[], qx: number[], pad: number): Float32Array => {
      const [h, w, c] = shapeOf(id);
      const t = tiles.get(id)!;
      const dst = new Float32Array(n * lh * lw * c);
      assemble(dst, n, lh, lw, qy, qx, this.clean.get(id)!, h, w, c, t.data, t.th, t.tw, t.ty, t.tx, pad);
      return dst;
    };
    for (const s of this.prefix) {
      const [ay, ax] = s.axes;
      const ty = us.map((u) => ay.start[u]);
      const tx = vs.map((v) => ax.start[v]);
      const lh = (ay.len - 1) * s.stride[0] + s.extent[0];
      const lw = (ax.len - 1) * s.stride[1] + s.extent[1];
      const qy = ty.map((t) => t * s.stride[0] - s.before[0]);
      const qx = tx.map((t) => t * s.stride[1] - s.before[1]);
      let out: Float32Array;
      if (s.kind === 'zeroPad') {
        out = crop(s.node.inputs[0], lh, lw, qy, qx, 0);
      } else {
        const ins = s.node.inputs.map((id) => tf.tensor4d(crop(id, lh, lw, qy, qx, s.padValue), [n, lh, lw, shapeOf(id)[2]]));
        let y: tf.Tensor;
        try {
          y = this.ex.runStep(s.step, ins, s.kind === 'window' ? 'valid' : undefined);
        } finally {
          tf.dispose(ins);
        }
        if (s.avgSame) {
          const scaled = tf.tidy(() => tf.mul(y, this.avgScale(s, ty, tx)));
          y.dispose();
          y = scaled;
        }
        try {
          out = (await y.data()) as Float32Array;
        } finally {
          y.dispose();
        }
      }
      tiles.set(s.step.out, { data: out, th: ay.len, tw: ax.len, ty, tx });
    }
    const [ch, cw, cc] = shapeOf(cut);
    const zeros = new Array<number>(n).fill(0);
    const batch = tf.tensor4d(crop(cut, ch, cw, zeros, zeros, 0), [n, ch, cw, cc]);
    try {
      return this.ex.forwardFrom({ [cut]: batch });
    } finally {
      batch.dispose();
    }
  }

  /** `[n, th, tw, 1]` factors turning a zero-padded 'valid' average into TensorFlow's 'same' average (in-map count). */
  private avgScale(s: StepGeom, ty: number[], tx: number[]): tf.Tensor4D {
    const [ay, ax] = s.axes;
    const [h, w] = this.mapSize(s.node.inputs[0]);
    const count = (o: number, a: 0 | 1, len: number) => {
      const lo = o * s.stride[a] - s.before[a];
      return Math.min(len, lo + s.extent[a]) - Math.max(0, lo);
    };
    const n = ty.length;
    const f = new Float32Array(n * ay.len * ax.len);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ay.len; i++) {
        const cy = count(ty[b] + i, 0, h);
        for (let j = 0; j < ax.len; j++) f[(b * ay.len + i) * ax.len + j] = (s.extent[0] * s.extent[1]) / (cy * count(tx[b] + j, 1, w));
      }
    }
    return tf.tensor4d(f, [n, ay.len, ax.len, 1]);
  }

  /** Frees the clean activations (host memory only; no tensors are held). */
  dispose(): void {
    this.clean.clear();
  }

  /** Spatial size of a prefix node or the input. */
  private mapSize(id: string): Pair {
    if (id === this.geom.input.id) return [this.geom.input.shape[0], this.geom.input.shape[1]];
    const s = this.geom.byOut.get(id);
    if (!s) throw new ExecutorError(`'${id}' is not in the incremental prefix`);
    return [s.shape[0], s.shape[1]];
  }
}
