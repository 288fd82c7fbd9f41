/** `convlab classify --model ID|PATH --image FILE [--top N] [--json]`: top classes with probabilities and names. */
import * as tf from '@tensorflow/tfjs-core';
import { forward, topK } from '@convlab/nets';
import { CliError, defineCommand } from '../command.types';

export default defineCommand({
  name: 'classify',
  summary: 'classify an image: top classes with probabilities and names',
  order: 30,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path|url>', 'built-in model id, ONNX or TFLite file, layers model folder/model.json, or URL')
    .requiredOption('--image <file>', 'image file (JPEG, PNG, WebP, …)')
    .option('--top <n>', 'how many classes', '5')
    .option('--json', 'print JSON'),
  async run(opts, ctx) {
    const top = Number(opts.top);
    if (!Number.isInteger(top) || top < 1) throw new CliError(`--top must be a positive integer, got '${String(opts.top)}'`, true);
    const model = await ctx.loadModel(String(opts.model));
    const x = await ctx.readImageInput(String(opts.image), model.meta);
    const classes = await ctx.imagenetClasses();
    const started = performance.now();
    const result = forward(model, x);
    let predictions;
    try {
      predictions = (await topK(result.probabilities, top, model.meta, classes ?? undefined))[0];
    } finally {
      tf.dispose([x, result.output, result.logits, result.probabilities, ...Object.values(result.taps)]);
    }
    const ms = performance.now() - started;
    if (opts.json) {
      ctx.out.json({
        model: model.meta.id,
        image: String(opts.image),
        backend: ctx.backend,
        ms: Math.round(ms * 10) / 10,
        predictions: predictions.map((p, i) => ({ rank: i + 1, name: p.name, probability: p.score, imagenetIndex: p.imagenetIndex, outputIndex: p.outputIndex })),
      });
      return;
    }
    ctx.out.table(
      ['rank', 'class', 'probability', 'imagenet index'],
      predictions.map((p, i) => [i + 1, p.name, `${(p.score * 100).toFixed(2)}%`, p.imagenetIndex]),
    );
  },
});
