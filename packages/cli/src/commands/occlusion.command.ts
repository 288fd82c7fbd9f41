/**
 * `convlab occlusion --model M (--image F | --npy F) [--class C] --window W --stride S [--fill zero|grey|blur|noise] [--json]
 * [--out F.png]`: Zeiler & Fergus' occlusion experiment — the target probability with a window blanked at every position.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  colorize,
  greyValue,
  hconcat,
  inputRange,
  mergeOcclusion,
  netsClassifier,
  occludeSlidingWindow,
  overlayHeatmap,
  upscaleNearest,
  type OcclusionFill, inputToRgb } from '@convlab/vis';
import { className, num, readModelInput, resolveClass, writePng } from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

const FILLS: OcclusionFill[] = ['zero', 'grey', 'blur', 'noise'];

export default defineCommand({
  name: 'occlusion',
  summary: 'occlusion heatmap: the class probability with a window blanked at each position (Zeiler & Fergus)',
  order: 120,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path>', 'built-in model id, or an .onnx, .tflite or TensorFlow.js layers model file')
    .option('--image <file>', 'image file (centre-cropped, resized and scaled for the model)')
    .option('--npy <file>', 'already-preprocessed input [1,H,W,3] (NHWC)')
    .option('--class <index|name>', "target: the model's output index or an ImageNet class name (default: top-1)")
    .requiredOption('--window <px>', 'side of the occluding square in input pixels')
    .requiredOption('--stride <px>', 'step between window positions')
    .option('--fill <kind>', `what replaces the pixels: ${FILLS.join(', ')} (zero = 0 after preprocessing = the dataset mean)`, 'zero')
    .option('--batch <n>', 'positions per forward pass (1 = one pass per position)', '32')
    .option('--seed <n>', 'seed of the noise fill', '0')
    .option('--out <file.png>', 'heatmap over the input, next to the plain heatmap')
    .option('--json', 'print { classIndex, baseline, rows, cols, probabilities, ... }'),
  async run(opts, ctx) {
    const fill = String(opts.fill) as OcclusionFill;
    if (!FILLS.includes(fill)) throw new CliError(`--fill must be one of ${FILLS.join(', ')}, got '${fill}'`, true);
    const window = num(opts.window, '--window', { integer: true, min: 1 });
    const stride = num(opts.stride, '--stride', { integer: true, min: 1 });
    const batchSize = num(opts.batch, '--batch', { integer: true, min: 1 });
    const model = await ctx.loadModel(String(opts.model));
    const classes = await ctx.imagenetClasses();
    const classIndex = resolveClass(opts.class, model.meta, classes);
    const x = await readModelInput(ctx, model, opts);
    try {
      const started = performance.now();
      const partial = await occludeSlidingWindow(netsClassifier(model), x, {
        window, stride, fill, batchSize, classIndex,
        greyValue: greyValue(model.meta.preprocessing),
        noiseRange: inputRange(model.meta.preprocessing),
        seed: num(opts.seed, '--seed', { integer: true }),
        onProgress: (p) => { if (!opts.json) process.stderr.write(`\r${p.step}/${p.total} positions`); },
      });
      if (!opts.json) process.stderr.write('\n');
      const seconds = (performance.now() - started) / 1000;
      const map = mergeOcclusion([partial]);
      const { rows, cols } = map.grid;
      if (opts.out) {
        // Low probability = important region; the heat shows the drop from the baseline (rises are shown as no drop).
        const drop = map.probabilities.flat().map((p) => map.baseline - p);
        const rgb = inputToRgb(x, model.meta);
        const overlay = overlayHeatmap(rgb, drop, cols, rows, { colormap: 'jet', alpha: 0.5, min: 0, max: Math.max(1e-6, ...drop) });
        const plain = upscaleNearest(colorize(map.probabilities.flat(), cols, rows, { colormap: 'viridis', min: 0, max: Math.max(map.baseline, ...map.probabilities.flat()) }), Math.max(1, Math.floor(rgb.height / rows)));
        await writePng(String(opts.out), hconcat([rgb, overlay, plain]));
      }
      const name = className(map.classIndex, model.meta, classes);
      if (opts.json) {
        ctx.out.json({
          classIndex: map.classIndex,
          className: name,
          baseline: map.baseline,
          rows,
          cols,
          window,
          stride,
          fill,
          probabilities: map.probabilities,
          topClass: map.topClass,
          model: model.meta.id,
          backend: ctx.backend,
          seconds: Math.round(seconds * 100) / 100,
        });
        return;
      }
      const flat = map.probabilities.flat();
      const worst = flat.indexOf(Math.min(...flat));
      ctx.out.line(`class ${map.classIndex} (${name}): baseline ${map.baseline.toFixed(4)}; ${rows}x${cols} positions in ${seconds.toFixed(1)} s`);
      ctx.out.line(`lowest ${flat[worst].toFixed(4)} with the window at y=${Math.floor(worst / cols) * stride}, x=${(worst % cols) * stride}`);
      if (opts.out) ctx.out.line(`wrote ${String(opts.out)} (input | heatmap of the probability drop | probability map)`);
    } finally {
      tf.dispose(x);
    }
  },
});
