/**
 * `convlab activations --model M (--image F | --npy F) --layer L [--top N] [--normalize per-channel|global] [--out F.png] [--json]`:
 * a layer's feature maps as a channel grid, channels ranked by mean activation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationGrid, netsLayerActivation, rankChannels, tensorToFeatureMap, type ColormapName } from '@convlab/vis';
import { num, readModelInput, requireFeatureMapNode, writePng } from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

export default defineCommand({
  name: 'activations',
  summary: "a layer's feature maps as a channel grid, channels ranked by mean activation",
  order: 105,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path>', 'built-in model id, or an .onnx, .tflite or TensorFlow.js layers model file')
    .option('--image <file>', 'image file (centre-cropped, resized and scaled for the model)')
    .option('--npy <file>', 'already-preprocessed input [1,H,W,3] (NHWC)')
    .requiredOption('--layer <id>', 'node id of a feature-map layer (see `convlab inspect`)')
    .option('--top <n>', 'draw only the n channels with the largest mean, in rank order (default: all, in channel order)')
    .option('--normalize <mode>', 'per-channel contrast or one global scale', 'per-channel')
    .option('--colormap <name>', 'viridis, inferno, jet, gray', 'viridis')
    .option('--scale <n>', 'pixels per activation (default: tiles of about 64 px)')
    .option('--out <file.png>', 'where to write the grid')
    .option('--json', 'print the channel ranking as JSON'),
  async run(opts, ctx) {
    const normalize = String(opts.normalize);
    if (normalize !== 'per-channel' && normalize !== 'global') throw new CliError(`--normalize must be per-channel or global, got '${normalize}'`, true);
    const model = await ctx.loadModel(String(opts.model));
    const layer = String(opts.layer);
    requireFeatureMapNode(model, layer);
    const x = await readModelInput(ctx, model, opts);
    let act: tf.Tensor4D | null = null;
    try {
      act = netsLayerActivation(model, layer)(x);
      const ranks = rankChannels(act);
      const top = opts.top === undefined ? undefined : num(opts.top, '--top', { integer: true, min: 1 });
      const channels = top ? ranks.slice(0, top).map((r) => r.channel) : undefined;
      if (opts.out) {
        const grid = activationGrid(tensorToFeatureMap(act), {
          channels,
          normalize,
          colormap: String(opts.colormap) as ColormapName,
          scale: opts.scale === undefined ? undefined : num(opts.scale, '--scale', { integer: true, min: 1 }),
        });
        await writePng(String(opts.out), grid);
      }
      const [, h, w, c] = act.shape;
      if (opts.json) ctx.out.json({ model: model.meta.id, layer, shape: [h, w, c], ranking: ranks });
      else {
        ctx.out.line(`${layer}: ${h}x${w}x${c}; channels by mean activation:`);
        ctx.out.table(['rank', 'channel', 'mean'], ranks.slice(0, top ?? 10).map((r, i) => [i + 1, r.channel, Number(r.mean.toFixed(4))]));
        if (opts.out) ctx.out.line(`wrote ${String(opts.out)}`);
      }
    } finally {
      tf.dispose([x, ...(act ? [act] : [])]);
    }
  },
});
