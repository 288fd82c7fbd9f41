/**
 * `convlab saliency --model M (--image F | --npy F) (--class C | --neuron LAYER:CHANNEL[:Y:X]) --method
 * vanilla|guided|deconvnet|smoothgrad|gradcam|gradient-x-input [--out-npy F] [--out F.png]`: attribution to pixels.
 * --out-npy holds the raw gradient with respect to the input (vanilla/guided/deconvnet), the mean gradient
 * (smoothgrad), gradient × input, or the Grad-CAM map at the layer's resolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward, receptiveFieldBox } from '@convlab/nets';
import {
  ATTRIBUTION_METHODS,
  attribute,
  attributionHeatmap,
  strongestNeuron,
  colorize,
  hconcat,
  inputToRgb,
  netsAttributionProvider,
  netsReceptiveField,
  overlayHeatmap,
  upscaleNearest,
  type AttributionMethod,
  type VisObjective,
} from '@convlab/vis';
import {
  className,
  cropRgb,
  lastFeatureMapNode,
  num,
  parseNeuron,
  readModelInput,
  requireFeatureMapNode,
  resolveClass,
  signedToRgb,
  writePng,
} from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

export default defineCommand({
  name: 'saliency',
  summary: 'attribution to pixels: gradient/saliency, guided backprop, deconvnet, SmoothGrad, gradient×input, Grad-CAM',
  order: 130,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path>', 'built-in model id, or an .onnx, .tflite or TensorFlow.js layers model file')
    .option('--image <file>', 'image file (centre-cropped, resized and scaled for the model)')
    .option('--npy <file>', 'already-preprocessed input [1,H,W,3] (NHWC)')
    .option('--class <index|name>', "class score before softmax: output index or ImageNet name (default: top-1)")
    .option('--neuron <LAYER:CHANNEL[:Y:X]>', "one activation of a layer instead of a class score (no Y:X: the channel's strongest position)")
    .option('--channel-mean <LAYER:CHANNEL>', "a channel's mean activation instead of a class score")
    .option('--method <name>', ATTRIBUTION_METHODS.join(' | '), 'vanilla')
    .option('--layer <id>', 'Grad-CAM layer (default: the last spatial feature map)')
    .option('--samples <n>', 'SmoothGrad samples', '25')
    .option('--noise <fraction>', 'SmoothGrad noise σ as a fraction of the input range', '0.15')
    .option('--seed <n>', 'SmoothGrad seed', '0')
    .option('--out-npy <file>', 'raw result as .npy (see the command description)')
    .option('--out <file.png>', 'PNG: input | attribution (| overlay)')
    .option('--crop-rf', "with --neuron: crop the PNG to the neuron's receptive field")
    .option('--json', 'print a JSON summary'),
  async run(opts, ctx) {
    const method = String(opts.method) as AttributionMethod;
    if (!ATTRIBUTION_METHODS.includes(method)) throw new CliError(`--method must be one of ${ATTRIBUTION_METHODS.join(', ')}, got '${method}'`, true);
    const targets = [opts.class, opts.neuron, opts.channelMean].filter((v) => v !== undefined);
    if (targets.length > 1) throw new CliError('give at most one of --class, --neuron, --channel-mean', true);
    const model = await ctx.loadModel(String(opts.model));
    const classes = await ctx.imagenetClasses();
    const x = await readModelInput(ctx, model, opts);
    const disposables: tf.Tensor[] = [x];
    try {
      let objective: VisObjective;
      let label: string;
      let rfBox: [number, number, number, number] | null = null;
      if (opts.neuron) {
        const n = parseNeuron(String(opts.neuron));
        requireFeatureMapNode(model, n.node);
        // Without a position: the channel's strongest one for this image (the executor's and the labs' rule).
        const at = n.y !== undefined && n.x !== undefined ? { y: n.y, x: n.x } : strongestNeuron(model, x, n.node, n.channel);
        objective = { kind: 'neuron', node: n.node, channel: n.channel, y: at.y, x: at.x };
        label = `neuron ${n.node}[${n.channel}] at (${at.y}, ${at.x})${n.y === undefined ? ', its strongest position' : ''}`;
        rfBox = receptiveFieldBox(netsReceptiveField(model, n.node), at.y, at.x);
      } else if (opts.channelMean) {
        const n = parseNeuron(String(opts.channelMean));
        requireFeatureMapNode(model, n.node);
        objective = { kind: 'channelMean', node: n.node, channel: n.channel };
        label = `mean of ${n.node}[${n.channel}]`;
      } else {
        let index = resolveClass(opts.class, model.meta, classes);
        if (index === undefined) {
          const p = tf.tidy(() => tf.argMax(forward(model, x).logits, 1));
          index = p.dataSync()[0];
          p.dispose();
        }
        objective = { kind: 'class', index };
        label = `class ${index} (${className(index, model.meta, classes)}), score before softmax`;
      }
      const layer = method === 'gradcam' ? (opts.layer ? String(opts.layer) : lastFeatureMapNode(model)) : undefined;
      if (layer) requireFeatureMapNode(model, layer);
      const started = performance.now();
      const r = await attribute(netsAttributionProvider(model, objective, layer), x, {
        method,
        samples: num(opts.samples, '--samples', { integer: true, min: 1 }),
        noiseLevel: num(opts.noise, '--noise', { min: 0 }),
        seed: num(opts.seed, '--seed', { integer: true }),
      });
      const ms = performance.now() - started;
      if (r.raw) disposables.push(r.raw);
      if (opts.outNpy) {
        if (r.raw) await ctx.writeNpy(String(opts.outNpy), (await r.raw.data()) as Float32Array, r.raw.shape);
        else await ctx.writeNpy(String(opts.outNpy), r.map.data, [r.map.height, r.map.width]);
      }
      if (opts.out) {
        const rgb = inputToRgb(x, model.meta);
        let panels;
        if (method === 'gradcam') {
          const heat = upscaleNearest(colorize(r.map.data, r.map.width, r.map.height, { colormap: 'jet' }), Math.max(1, Math.floor(rgb.width / r.map.width)));
          panels = [rgb, overlayHeatmap(rgb, r.map.data, r.map.width, r.map.height, { colormap: 'jet', alpha: 0.5 }), heat];
        } else if (method === 'guided' || method === 'deconvnet' || (method === 'smoothgrad' && r.raw)) {
          panels = [rgb, signedToRgb(r.raw!), attributionHeatmap(method, r.map, 'gray')];
        } else {
          panels = [rgb, attributionHeatmap(method, r.map, 'gray')];
        }
        if (opts.cropRf && rfBox) {
          const box = rfBox;
          const factor = Math.max(1, Math.floor(320 / (box[2] - box[0] + 1)));
          panels = panels.map((p) => upscaleNearest(cropRgb(p, box), factor));
        }
        await writePng(String(opts.out), hconcat(panels));
      }
      const summary = {
        model: model.meta.id,
        method,
        objective: label,
        value: r.value,
        layer,
        shape: r.raw ? r.raw.shape : [r.map.height, r.map.width],
        receptiveField: rfBox,
        backend: ctx.backend,
        ms: Math.round(ms),
      };
      if (opts.json) ctx.out.json(summary);
      else {
        ctx.out.line(`${method} of ${label} = ${r.value.toFixed(4)} in ${Math.round(ms)} ms`);
        if (opts.outNpy) ctx.out.line(`wrote ${String(opts.outNpy)} [${summary.shape.join(', ')}]`);
        if (opts.out) ctx.out.line(`wrote ${String(opts.out)}`);
      }
    } finally {
      tf.dispose(disposables);
    }
  },
});
