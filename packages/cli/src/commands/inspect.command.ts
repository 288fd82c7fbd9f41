/** `convlab inspect --model ID|PATH [--json]`: nodes with output shapes, receptive fields, parameters and FLOPs. */
import { analyzeGraph, graphTotals } from '@convlab/nets';
import { defineCommand } from '../command.types';

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

export default defineCommand({
  name: 'inspect',
  summary: 'show a model\'s nodes: output shapes, receptive fields, parameters, FLOPs',
  order: 20,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path|url>', 'built-in model id, ONNX or TFLite file, layers model folder/model.json, or URL')
    .option('--json', 'print JSON'),
  async run(opts, ctx) {
    const { model, from, kind, location } = await ctx.loadModelWithSource(String(opts.model));
    const nodes = analyzeGraph(model.graph);
    const totals = graphTotals(model.graph);
    const labels = new Map(model.graph.nodes.map((n) => [n.id, n.label] as const));
    if (opts.json) {
      ctx.out.json({
        meta: model.meta,
        source: { kind, location: location ?? null, from },
        output: model.graph.output,
        totals,
        nodes: nodes.map((n) => ({ ...n, label: labels.get(n.id) ?? null })),
      });
      return;
    }
    ctx.out.line(`${model.meta.displayName} (${model.meta.id}) from ${from}`);
    ctx.out.line(`input ${model.meta.inputSize.join('x')}x3, ${model.meta.numClasses} outputs (${model.meta.outputKind}), ` +
      `${nodes.length} nodes, ${totals.params.toLocaleString('en-US')} parameters, ${(totals.flops / 1e6).toFixed(1)} MFLOPs per image`);
    ctx.out.line();
    ctx.out.table(
      ['#', 'node', 'op', 'output', 'RF size', 'jump', 'start', 'params', 'FLOPs'],
      nodes.map((n, i) => [
        i, n.id, n.op, `[${n.shape.join(', ')}]`,
        n.receptiveField ? n.receptiveField.size.join('x') : 'all',
        n.receptiveField ? n.receptiveField.jump.join('x') : '-',
        n.receptiveField ? n.receptiveField.start.map(fmt).join(',') : '-',
        n.params, n.flops,
      ]),
    );
  },
});
