import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted, yieldToEventLoop, type FeatureMap, type LongRunOptions } from './common';
import { clipPerChannel, gaussianBlur, roll, zeroSmallContribution, zeroSmallNorm } from './image-ops';
import { createRng, normalArray } from './rng';

/**
 * A differentiable scalar score of an input image: its value and its gradient with respect to the
 * input (the caller's engine computes both; ascent disposes of the returned tensors).
 */
export type DifferentiableScore = ((x: tf.Tensor4D) => { value: tf.Scalar; gradient: tf.Tensor4D }) & {
  /** S(I) alone (a forward pass), for scoring snapshots without the gradient's cost; optional. */
  value?: (x: tf.Tensor4D) => tf.Scalar;
};

/** A snapshot passed to the caller every `snapshotEvery` steps. */
export interface AscentSnapshot {
  step: number;
  /** S(I) of `image` (unjittered), before the L2 term. */
  score: number;
  /** S(I) - λ‖I‖² of `image`. */
  objective: number;
  /** The image after this step's update and projections. */
  image: FeatureMap;
}

/** The regularization knobs of Yosinski et al. 2015 plus Simonyan's L2 term. */
export interface AscentRegularization {
  /** λ in S(I) - λ‖I‖² (enters the gradient as -2λI). */
  l2?: number;
  /** Yosinski's L2 decay: I ← (1 - decay)·I after each step. */
  decay?: number;
  /** Blur every `blurEvery` steps with a Gaussian of standard deviation `blurWidth` pixels. */
  blurEvery?: number;
  blurWidth?: number;
  /** Zero pixels whose norm is below this percentile (0 = off). */
  normPercentile?: number;
  /** Zero pixels whose contribution |Σ_c I·∂S/∂I| is below this percentile (0 = off). */
  contributionPercentile?: number;
  /** Random circular shift of up to ±jitter pixels before each gradient. */
  jitter?: number;
}

/** Everything gradient ascent needs besides the score. */
export interface AscentOptions extends AscentRegularization, LongRunOptions {
  /** NHWC input shape, batch 1. */
  shape: [1, number, number, number];
  steps: number;
  learningRate: number;
  optimizer?: 'sgd' | 'adam';
  /** Start from zeros (the dataset mean for mean-centred inputs) or from seeded Gaussian noise. */
  init?: 'zeros' | 'noise';
  /** Standard deviation of the initial noise, in input units. */
  initNoiseStd?: number;
  seed?: number;
  /** Per-channel valid range of the input; null turns clipping off. */
  clip?: { min: number | number[]; max: number | number[] } | null;
  snapshotEvery?: number;
  onSnapshot?: (s: AscentSnapshot) => void | Promise<void>;
}

/** The result of gradient ascent. */
export interface AscentResult {
  /** The final image in the model's input space (caller disposes). */
  image: tf.Tensor4D;
  score: number;
  objective: number;
  /** The score each step's gradient was taken at: S of that step's jittered image, before its update. */
  scores: number[];
}

/**
 * Named regularization presets: Simonyan et al. 2013 (L2 only) and the four rows of Yosinski et al. 2015, Table 1
 * (θ_decay, θ_b_width, θ_b_every, θ_n_pct, θ_c_pct). The paper's learning rates assume Caffe's 0..255 input space, so
 * presets fix only the regularizers; the step size is the caller's.
 */
export const ASCENT_PRESETS: Record<string, AscentRegularization> = {
  simonyan: { l2: 1e-3, decay: 0, blurEvery: 0, blurWidth: 0, normPercentile: 0, contributionPercentile: 0, jitter: 0 },
  'yosinski-1': { decay: 0, blurWidth: 0.5, blurEvery: 4, normPercentile: 50, contributionPercentile: 0 },
  'yosinski-2': { decay: 0.3, blurWidth: 0, blurEvery: 0, normPercentile: 20, contributionPercentile: 0 },
  'yosinski-3': { decay: 0.0001, blurWidth: 1.0, blurEvery: 4, normPercentile: 0, contributionPercentile: 0 },
  'yosinski-4': { decay: 0, blurWidth: 0.5, blurEvery: 4, normPercentile: 0, contributionPercentile: 90 },
};

function checkNonNegative(name: string, v: number | undefined): number {
  const x = v ?? 0;
  if (!Number.isFinite(x) || x < 0) throw new Error(`${name} must be a finite number >= 0, got ${v}`);
  return x;
}

/**
 * Maximizes S(I) - λ‖I‖² over the input image by gradient steps (Simonyan et al. 2013) with the
 * optional per-step projections of Yosinski et al. 2015. Deterministic for a given seed.
 */
export async function gradientAscent(score: DifferentiableScore, opts: AscentOptions): Promise<AscentResult> {
  const [b, h, w, c] = opts.shape;
  if (b !== 1 || ![h, w, c].every((v) => Number.isInteger(v) && v > 0)) throw new Error(`ascent shape must be [1,H,W,C], got [${opts.shape.join(',')}]`);
  if (!Number.isInteger(opts.steps) || opts.steps < 0) throw new Error(`steps must be an integer >= 0, got ${opts.steps}`);
  if (!(opts.learningRate > 0)) throw new Error(`learning rate must be > 0, got ${opts.learningRate}`);
  const l2 = checkNonNegative('l2', opts.l2);
  const decay = checkNonNegative('decay', opts.decay);
  if (decay >= 1) throw new Error(`decay must be < 1, got ${decay}`);
  const blurEvery = checkNonNegative('blurEvery', opts.blurEvery);
  const blurWidth = checkNonNegative('blurWidth', opts.blurWidth);
  const normPct = checkNonNegative('normPercentile', opts.normPercentile);
  const contribPct = checkNonNegative('contributionPercentile', opts.contributionPercentile);
  const jitter = Math.round(checkNonNegative('jitter', opts.jitter));
  const optimizer = opts.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new Error(`optimizer must be sgd or adam, got "${optimizer}"`);
  const rng = createRng(opts.seed ?? 0);
  const snapshotEvery = opts.snapshotEvery ?? 0;

  let x: tf.Tensor4D =
    (opts.init ?? 'zeros') === 'noise'
      ? tf.tensor4d(normalArray(rng, h * w * c, opts.initNoiseStd ?? 0.1), opts.shape)
      : tf.zeros(opts.shape);
  if (opts.clip) {
    const clipped = clipPerChannel(x, opts.clip.min, opts.clip.max);
    x.dispose();
    x = clipped;
  }
  let m: tf.Tensor4D | null = optimizer === 'adam' ? tf.zerosLike(x) : null;
  let v: tf.Tensor4D | null = optimizer === 'adam' ? tf.zerosLike(x) : null;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const scores: number[] = [];

  /** S(I) and S(I) - λ‖I‖² of one image, unjittered. */
  const measure = async (img: tf.Tensor4D) => {
    let valueT: tf.Scalar;
    if (score.value) valueT = score.value(img);
    else {
      const out = score(img);
      out.gradient.dispose();
      valueT = out.value;
    }
    const value = (await valueT.data())[0];
    valueT.dispose();
    const sqT = tf.tidy(() => tf.sum(tf.square(img)));
    const sq = (await sqT.data())[0];
    sqT.dispose();
    return { score: value, objective: value - l2 * sq };
  };
  let shown: { step: number; score: number; objective: number } | null = null;

  const replace = (t: tf.Tensor4D) => {
    x.dispose();
    x = t;
  };

  try {
    for (let step = 1; step <= opts.steps; step++) {
      throwIfAborted(opts.signal);
      const dy = jitter ? rng.int(-jitter, jitter) : 0;
      const dx = jitter ? rng.int(-jitter, jitter) : 0;
      const shifted = roll(x, dy, dx);
      const out = score(shifted);
      shifted.dispose();
      const gradS = roll(out.gradient, -dy, -dx);
      out.gradient.dispose();
      scores.push((await out.value.data())[0]);
      out.value.dispose();

      const next = tf.tidy(() => {
        // Ascent direction of S(I) - λ‖I‖².
        const g = l2 > 0 ? tf.sub(gradS, tf.mul(x, 2 * l2)) : gradS;
        if (optimizer === 'sgd') return { x: tf.add(x, tf.mul(g, opts.learningRate)) as tf.Tensor4D };
        const m2 = tf.add(tf.mul(m!, beta1), tf.mul(g, 1 - beta1)) as tf.Tensor4D;
        const v2 = tf.add(tf.mul(v!, beta2), tf.mul(tf.square(g), 1 - beta2)) as tf.Tensor4D;
        const mh = tf.div(m2, 1 - Math.pow(beta1, step));
        const vh = tf.div(v2, 1 - Math.pow(beta2, step));
        return { x: tf.add(x, tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), eps)), opts.learningRate)) as tf.Tensor4D, m: m2, v: v2 };
      });
      replace(next.x);
      if (next.m) {
        m!.dispose();
        v!.dispose();
        m = next.m;
        v = next.v!;
      }
      if (decay > 0) replace(tf.tidy(() => tf.mul(x, 1 - decay) as tf.Tensor4D));
      if (blurEvery > 0 && blurWidth > 0 && step % blurEvery === 0) replace(gaussianBlur(x, blurWidth));
      if (normPct > 0) replace(zeroSmallNorm(x, normPct));
      if (contribPct > 0) replace(zeroSmallContribution(x, gradS, contribPct));
      gradS.dispose();
      if (opts.clip) replace(clipPerChannel(x, opts.clip.min, opts.clip.max));

      opts.onProgress?.({ step, total: opts.steps });
      if (opts.onSnapshot && snapshotEvery > 0 && (step % snapshotEvery === 0 || step === opts.steps)) {
        // The step's own score was taken on the jittered image before the update: score the image shown instead.
        shown = { step, ...(await measure(x)) };
        const data = Float32Array.from((await x.data()) as Float32Array);
        await opts.onSnapshot({ step, score: shown.score, objective: shown.objective, image: { height: h, width: w, channels: c, data } });
      }
      if (step % 4 === 0) await yieldToEventLoop();
    }
    // Score of the final image, so the result describes what is returned (a snapshot of the last step scored it).
    const final = shown?.step === opts.steps ? shown : await measure(x);
    return { image: x, score: final.score, objective: final.objective, scores };
  } catch (e) {
    x.dispose();
    throw e;
  } finally {
    m?.dispose();
    v?.dispose();
  }
}
