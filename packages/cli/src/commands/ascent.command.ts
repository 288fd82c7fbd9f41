/**
 * `convlab ascent --model M --class C --steps N --lr X --l2 LAMBDA [--optimizer sgd|adam] [--blur-every K --blur-width S]
 * [--jitter P] [--clip valid|none] [--init zeros|noise] [--seed N] --out-npy F [--out F.png]`: gradient ascent on the
 * input (Simonyan et al. 2013) with Yosinski et al.'s regularizers; writes the image in the model's input space.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward } from '@convlab/nets';
import {
  ASCENT_PRESETS,
  gradientAscent,
  inputRange,
  netsScore,
  type AscentRegularization,
  type VisObjective, inputToRgb } from '@convlab/vis';
import { className, num, parseNeuron, requireFeatureMapNode, resolveClass, writePng } from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

export default defineCommand({
  name: 'ascent',
  summary: 'gradient ascent: an image that maximizes a class score (or a neuron) minus λ‖I‖²',
  order: 140,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path>', 'built-in model id, or an .onnx, .tflite or TensorFlow.js layers model file')
    .option('--class <index|name>', "class score before softmax: output index or ImageNet name")
    .option('--neuron <LAYER:CHANNEL[:Y:X]>', "maximize one activation instead (no Y:X: the channel's strongest position in each step's image)")
    .option('--channel-mean <LAYER:CHANNEL>', "maximize a channel's mean activation instead")
    .option('--preset <name>', `regularization preset: ${Object.keys(ASCENT_PRESETS).join(', ')} (explicit options override it)`)
    .option('--steps <n>', 'gradient steps', '200')
    .option('--lr <x>', 'learning rate (step size)', '0.05')
    .option('--l2 <lambda>', 'λ of the L2 penalty λ‖I‖² (in input units)')
    .option('--optimizer <name>', 'sgd (plain gradient steps) or adam', 'sgd')
    .option('--decay <x>', "Yosinski's L2 decay: I ← (1 − x)·I after each step")
    .option('--blur-every <k>', 'blur every k steps (0 = never)')
    .option('--blur-width <sigma>', 'Gaussian blur σ in pixels')
    .option('--norm-pct <p>', 'zero pixels whose norm is below this percentile each step')
    .option('--contrib-pct <p>', 'zero pixels whose contribution is below this percentile each step')
    .option('--jitter <px>', 'random shift of up to ±px before each gradient')
    .option('--clip <mode>', 'valid (clip to the pixel range 0..255 after preprocessing) or none', 'valid')
    .option('--init <kind>', 'zeros (= the dataset mean for mean-centred inputs) or noise', 'zeros')
    .option('--init-std <x>', 'standard deviation of the initial noise, in input units', '0.1')
    .option('--seed <n>', 'seed of the noise and jitter', '0')
    .option('--progress-every <k>', 'print the score every k steps', '25')
    .option('--snapshots <file.png>', 'also write the image every --progress-every steps as FILE-<step>.png')
    .option('--out-npy <file>', 'the final image in the model input space, [1,H,W,3] .npy')
    .option('--out <file.png>', 'the final image as pixels')
    .option('--json', 'print a JSON summary'),
  async run(opts, ctx) {
    const targets = [opts.class, opts.neuron, opts.channelMean].filter((v) => v !== undefined);
    if (targets.length !== 1) throw new CliError('give exactly one of --class, --neuron, --channel-mean', true);
    if (!opts.outNpy && !opts.out) throw new CliError('give --out-npy FILE and/or --out FILE.png', true);
    const clipMode = String(opts.clip);
    if (clipMode !== 'valid' && clipMode !== 'none') throw new CliError(`--clip must be valid or none, got '${clipMode}'`, true);
    const init = String(opts.init);
    if (init !== 'zeros' && init !== 'noise') throw new CliError(`--init must be zeros or noise, got '${init}'`, true);
    const optimizer = String(opts.optimizer);
    if (optimizer !== 'sgd' && optimizer !== 'adam') throw new CliError(`--optimizer must be sgd or adam, got '${optimizer}'`, true);
    let preset: AscentRegularization = {};
    if (opts.preset) {
      preset = ASCENT_PRESETS[String(opts.preset)];
      if (!preset) throw new CliError(`unknown --preset '${String(opts.preset)}'; known: ${Object.keys(ASCENT_PRESETS).join(', ')}`, true);
    }
    const opt = (v: unknown, name: string, fallback: number | undefined, o: { integer?: boolean; min?: number } = {}) =>
      v === undefined ? fallback : num(v, name, o);
    const reg: AscentRegularization = {
      l2: opt(opts.l2, '--l2', preset.l2 ?? 0, { min: 0 }),
      decay: opt(opts.decay, '--decay', preset.decay, { min: 0 }),
      blurEvery: opt(opts.blurEvery, '--blur-every', preset.blurEvery, { integer: true, min: 0 }),
      blurWidth: opt(opts.blurWidth, '--blur-width', preset.blurWidth, { min: 0 }),
      normPercentile: opt(opts.normPct, '--norm-pct', preset.normPercentile, { min: 0 }),
      contributionPercentile: opt(opts.contribPct, '--contrib-pct', preset.contributionPercentile, { min: 0 }),
      jitter: opt(opts.jitter, '--jitter', preset.jitter, { integer: true, min: 0 }),
    };
    const model = await ctx.loadModel(String(opts.model));
    const classes = await ctx.imagenetClasses();
    let objective: VisObjective;
    let label: string;
    let classIndex: number | undefined;
    if (opts.class !== undefined) {
      classIndex = resolveClass(opts.class, model.meta, classes)!;
      objective = { kind: 'class', index: classIndex };
      label = `class ${classIndex} (${className(classIndex, model.meta, classes)})`;
    } else {
      const n = parseNeuron(String(opts.neuron ?? opts.channelMean));
      requireFeatureMapNode(model, n.node);
      // A neuron without a position is the channel's strongest one in each image (the executor's and the labs' rule).
      const at = n.y !== undefined && n.x !== undefined ? { y: n.y, x: n.x } : {};
      objective = opts.neuron ? { kind: 'neuron', node: n.node, channel: n.channel, ...at } : { kind: 'channelMean', node: n.node, channel: n.channel };
      label = String(opts.neuron ?? opts.channelMean);
    }
    const [h, w] = model.meta.inputSize;
    const steps = num(opts.steps, '--steps', { integer: true, min: 0 });
    const every = num(opts.progressEvery, '--progress-every', { integer: true, min: 1 });
    const started = performance.now();
    const res = await gradientAscent(netsScore(model, objective), {
      shape: [1, h, w, 3],
      steps,
      learningRate: num(opts.lr, '--lr', { min: Number.MIN_VALUE }),
      optimizer,
      init,
      initNoiseStd: num(opts.initStd, '--init-std', { min: 0 }),
      seed: num(opts.seed, '--seed', { integer: true }),
      clip: clipMode === 'valid' ? inputRange(model.meta.preprocessing) : null,
      ...reg,
      snapshotEvery: every,
      onSnapshot: async (s) => {
        if (!opts.json) ctx.out.warn(`step ${s.step}/${steps}: score ${s.score.toFixed(3)}, objective ${s.objective.toFixed(3)}`);
        if (opts.snapshots) {
          const t = tf.tensor4d(s.image.data, [1, h, w, 3]);
          await writePng(String(opts.snapshots).replace(/\.png$/i, '') + `-${String(s.step).padStart(4, '0')}.png`, inputToRgb(t, model.meta));
          t.dispose();
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    try {
      let probability: number | undefined;
      if (classIndex !== undefined) {
        const r = forward(model, res.image);
        probability = r.probabilities.dataSync()[classIndex];
        tf.dispose([r.output, r.logits, r.probabilities, ...Object.values(r.taps)]);
      }
      if (opts.outNpy) await ctx.writeNpy(String(opts.outNpy), (await res.image.data()) as Float32Array, res.image.shape);
      if (opts.out) await writePng(String(opts.out), inputToRgb(res.image, model.meta));
      const summary = {
        model: model.meta.id,
        objective: label,
        score: res.score,
        objectiveValue: res.objective,
        probability,
        steps,
        stepsPerSecond: Math.round((steps / seconds) * 100) / 100,
        regularization: reg,
        backend: ctx.backend,
      };
      if (opts.json) ctx.out.json(summary);
      else {
        ctx.out.line(`${label}: score ${res.score.toFixed(3)}${probability !== undefined ? `, probability ${probability.toFixed(4)}` : ''} after ${steps} steps (${summary.stepsPerSecond} steps/s)`);
        if (opts.outNpy) ctx.out.line(`wrote ${String(opts.outNpy)}`);
        if (opts.out) ctx.out.line(`wrote ${String(opts.out)}`);
      }
    } finally {
      res.image.dispose();
    }
  },
});
