/**
 * `convlab infer --model ID|PATH --npy IN.npy [--layout nhwc|nchw] [--output logits|probs] --out OUT.npy`: runs an
 * already-preprocessed input and writes the model's whole output vector in its own order — how an import is checked
 * against another framework's reference output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { forward } from '@convlab/nets';
import { CliError, defineCommand } from '../command.types';

export default defineCommand({
  name: 'infer',
  summary: 'run a preprocessed .npy input and write the raw output vector as .npy',
  order: 40,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path|url>', 'built-in model id, ONNX or TFLite file, layers model folder/model.json, or URL')
    .requiredOption('--npy <file>', 'input tensor [N,H,W,C] / [H,W,C] (nhwc) or [N,C,H,W] / [C,H,W] (nchw), float')
    .requiredOption('--out <file>', 'where to write the [N, outputs] float32 .npy')
    .option('--layout <layout>', 'nhwc or nchw', 'nhwc')
    .option('--output <kind>', "logits (before softmax) or probs (after); default: the model's own output"),
  async run(opts, ctx) {
    const layout = String(opts.layout).toLowerCase();
    if (layout !== 'nhwc' && layout !== 'nchw') throw new CliError(`--layout must be nhwc or nchw, got '${layout}'`, true);
    const model = await ctx.loadModel(String(opts.model));
    const kind = opts.output ? String(opts.output) : model.meta.outputKind === 'probabilities' ? 'probs' : 'logits';
    if (kind !== 'logits' && kind !== 'probs') throw new CliError(`--output must be logits or probs, got '${kind}'`, true);
    const npy = await ctx.readNpy(String(opts.npy));
    let shape = npy.shape;
    if (shape.length === 3) shape = [1, ...shape];
    if (shape.length !== 4) throw new CliError(`input must have 3 or 4 dimensions, ${String(opts.npy)} has shape [${npy.shape.join(', ')}]`);
    const [h, w] = model.meta.inputSize;
    const nhwc = layout === 'nchw' ? [shape[0], shape[2], shape[3], shape[1]] : shape;
    if (nhwc[1] !== h || nhwc[2] !== w || nhwc[3] !== 3) {
      throw new CliError(
        `input [${npy.shape.join(', ')}] read as ${layout} is [N, ${nhwc[1]}, ${nhwc[2]}, ${nhwc[3]}] (NHWC); ` +
          `model '${model.meta.id}' expects [N, ${h}, ${w}, 3]${layout === 'nhwc' && shape[1] === 3 ? ' — is it NCHW? (--layout nchw)' : ''}`,
      );
    }
    const x = tf.tidy(() => {
      const t = tf.tensor4d(Float32Array.from(npy.data), shape as [number, number, number, number]);
      return layout === 'nchw' ? tf.transpose(t, [0, 2, 3, 1]) : t;
    }) as tf.Tensor4D;
    const result = forward(model, x);
    try {
      const out = kind === 'logits' ? result.logits : result.probabilities;
      const data = (await out.data()) as Float32Array;
      await ctx.writeNpy(String(opts.out), data, out.shape);
      ctx.out.line(`wrote ${String(opts.out)}: [${out.shape.join(', ')}] ${kind} of '${model.meta.id}' (backend ${ctx.backend})`);
    } finally {
      tf.dispose([x, result.output, result.logits, result.probabilities, ...Object.values(result.taps)]);
    }
  },
});
