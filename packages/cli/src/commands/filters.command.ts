/** `convlab filters --model M --out F.png [--normalize per-filter|global] [--scale N] [--columns N] [--json]`: first-layer filters as RGB tiles. */
import { filterGrid, firstConvKernel } from '@convlab/vis';
import { num, writePng } from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

export default defineCommand({
  name: 'filters',
  summary: "grid image of the first convolution's filters as RGB tiles",
  order: 100,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path>', 'built-in model id, or an .onnx, .tflite or TensorFlow.js layers model file')
    .option('--out <file.png>', 'where to write the grid')
    .option('--normalize <mode>', 'per-filter (each tile stretched to its own range) or global (one range: compare strengths)', 'per-filter')
    .option('--scale <n>', 'pixels per weight (default: tiles of about 48 px)')
    .option('--columns <n>', 'tiles per row (default: about square)')
    .option('--json', 'print the layer, kernel shape and weight range'),
  async run(opts, ctx) {
    const normalize = String(opts.normalize);
    if (normalize !== 'per-filter' && normalize !== 'global') throw new CliError(`--normalize must be per-filter or global, got '${normalize}'`, true);
    const model = await ctx.loadModel(String(opts.model));
    const { id, kernel } = firstConvKernel(model);
    const grid = filterGrid(kernel, {
      normalize,
      scale: opts.scale === undefined ? undefined : num(opts.scale, '--scale', { integer: true, min: 1 }),
      columns: opts.columns === undefined ? undefined : num(opts.columns, '--columns', { integer: true, min: 1 }),
      channelOrder: model.meta.preprocessing.channelOrder,
    });
    if (opts.out) await writePng(String(opts.out), grid);
    const data = kernel.dataSync();
    let min = Infinity;
    let max = -Infinity;
    for (const v of data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const info = { model: model.meta.id, layer: id, kernelShape: kernel.shape, filters: kernel.shape[3], min, max, width: grid.width, height: grid.height };
    if (opts.json) ctx.out.json(info);
    else {
      ctx.out.line(`${info.filters} filters of layer ${id}, kernel [${kernel.shape.join(', ')}] (HWIO), weights ${min.toFixed(3)}..${max.toFixed(3)}`);
      if (opts.out) ctx.out.line(`wrote ${String(opts.out)} (${grid.width}x${grid.height})`);
      else ctx.out.line('(give --out FILE.png to write the grid)');
    }
  },
});
