/**
 * `convlab pool (--image F | --npy F) [--kind max|avg] [--size N] [--stride S] [--at Y,X] [--out F.png] [--json]`,
 * or `convlab pool --examples`: pooling, one window explained, and the ready-made examples of each drawback.
 */
import * as tf from '@tensorflow/tfjs-core';
import { featureMapToRgb, hconcat, pool, poolBreakdown, poolingDrawbackExamples, tensorToFeatureMap, upscaleNearest } from '@convlab/vis';
import { num, writePng } from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

/** Float32 values print as their shortest decimal (0.7, not 0.699999988). */
const tidy = (v: number) => Number(v.toPrecision(6));

export default defineCommand({
  name: 'pool',
  summary: 'max/average pooling with one window explained, and examples of their drawbacks',
  order: 90,
  configure: (cmd) => cmd
    .option('--image <file>', 'image file (pixels 0..255)')
    .option('--npy <file>', 'an array [H,W], [H,W,C] or [1,H,W,C] (e.g. a feature map)')
    .option('--kind <kind>', 'max or avg', 'max')
    .option('--size <n>', 'window size', '2')
    .option('--stride <n>', 'stride (default: the window size)')
    .option('--at <y,x>', 'output position to explain', '0,0')
    .option('--channel <c>', 'channel of the explained position', '0')
    .option('--examples', 'print the drawback examples (max keeps only the largest value; average dilutes a peak)')
    .option('--out <file.png>', 'PNG: input | pooled (upscaled to the same size)')
    .option('--json', 'print JSON'),
  async run(opts, ctx) {
    if (opts.examples) {
      const ex = poolingDrawbackExamples();
      if (opts.json) {
        ctx.out.json(ex.map((e) => ({ ...e, outputs: e.outputs.map(tidy), inputs: e.inputs.map((m) => Array.from({ length: m.height }, (_, y) => Array.from(m.data.slice(y * m.width, (y + 1) * m.width), tidy))) })));
        return;
      }
      for (const e of ex) {
        ctx.out.line(`${e.title} (${e.spec.kind} pool ${e.spec.size}x${e.spec.size})`);
        e.inputs.forEach((m, i) => {
          for (let y = 0; y < m.height; y++) ctx.out.line(`  ${Array.from(m.data.slice(y * m.width, (y + 1) * m.width)).map((v) => String(tidy(v)).padStart(5)).join('')}${y === 0 ? `   → ${tidy(e.outputs[i])}` : ''}`);
          ctx.out.line('');
        });
        ctx.out.line(`  ${e.explanation}`);
        ctx.out.line('');
      }
      return;
    }
    if (!!opts.image === !!opts.npy) throw new CliError('give exactly one of --image FILE or --npy FILE (or --examples)', true);
    const kind = String(opts.kind);
    if (kind !== 'max' && kind !== 'avg') throw new CliError(`--kind must be max or avg, got '${kind}'`, true);
    const size = num(opts.size, '--size', { integer: true, min: 1 });
    const spec = { kind: kind as 'max' | 'avg', size, stride: opts.stride === undefined ? size : num(opts.stride, '--stride', { integer: true, min: 1 }) };
    const img = await ctx.readPlainImage(opts);
    const [ay, ax] = String(opts.at).split(',').map((v) => num(v, '--at', { integer: true, min: 0 }));
    let out: tf.Tensor3D | null = null;
    try {
      out = pool(img, spec);
      const inMap = tensorToFeatureMap(img);
      const b = poolBreakdown(inMap, spec, ay, ax, num(opts.channel, '--channel', { integer: true, min: 0 }));
      if (opts.out) {
        const outMap = tensorToFeatureMap(out);
        const lo = opts.image ? 0 : undefined;
        const hi = opts.image ? 255 : undefined;
        const left = featureMapToRgb(inMap, lo, hi);
        const right = upscaleNearest(featureMapToRgb(outMap, lo, hi), Math.max(1, Math.floor(inMap.height / outMap.height)));
        await writePng(String(opts.out), hconcat([left, right]));
      }
      if (opts.json) ctx.out.json({ input: img.shape, output: out.shape, spec, breakdown: b });
      else {
        ctx.out.line(`input [${img.shape.join(', ')}] → ${kind} pool ${size}/${spec.stride} → [${out.shape.join(', ')}]`);
        ctx.out.line(`output (${ay}, ${ax}) channel ${b.channel}: window at (${b.y0}, ${b.x0})`);
        for (const row of b.window) ctx.out.line(`  ${row.map((v) => v.toFixed(2).padStart(9)).join('')}`);
        ctx.out.line(`  → ${b.output.toFixed(4)}${b.argmax ? ` (the maximum, at window row ${b.argmax.dy}, column ${b.argmax.dx})` : ' (the mean)'}`);
        if (opts.out) ctx.out.line(`wrote ${String(opts.out)}`);
      }
    } finally {
      tf.dispose([img, ...(out ? [out] : [])]);
    }
  },
});
