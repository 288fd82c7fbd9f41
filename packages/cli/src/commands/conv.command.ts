/**
 * `convlab conv (--image F | --npy F) --kernel NAME|ROWS [--size N] [--stride S] [--bias B] [--padding valid|zero|reflect|same]
 * [--grey] [--at Y,X] [--out F.png] [--json]`: convolution as a weighted sum, with the breakdown of one output pixel.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  PRESET_KERNEL_NAMES,
  convolutionBreakdown,
  convolve,
  featureMapToRgb,
  hconcat,
  presetKernel,
  tensorToFeatureMap,
  type ConvPadding,
  type PresetKernelName,
} from '@convlab/vis';
import { num, writePng } from '@convlab/vis/node';
import { CliError, defineCommand } from '../command.types';

/** A preset name, or rows separated by ';' with numbers separated by ',' (e.g. "0,-1,0;-1,5,-1;0,-1,0"). */
function parseKernel(spec: string, size: number): number[][] {
  if ((PRESET_KERNEL_NAMES as readonly string[]).includes(spec)) return presetKernel(spec as PresetKernelName, size);
  const rows = spec.split(';').map((r) => r.split(',').map((v) => Number(v.trim())));
  if (rows.some((r) => r.some((v) => !Number.isFinite(v)))) {
    throw new CliError(`--kernel must be a preset (${PRESET_KERNEL_NAMES.join(', ')}) or rows like "1,2,1;2,4,2;1,2,1", got '${spec}'`, true);
  }
  return rows;
}

export default defineCommand({
  name: 'conv',
  summary: 'convolve an image with a kernel and explain one output pixel as a weighted sum',
  order: 80,
  configure: (cmd) => cmd
    .option('--image <file>', 'image file (pixels 0..255, not resized)')
    .option('--npy <file>', 'an array [H,W], [H,W,C] or [1,H,W,C] (e.g. a preprocessed input)')
    .option('--kernel <name|rows>', `preset (${PRESET_KERNEL_NAMES.join(', ')}) or rows "a,b,c;d,e,f;g,h,i"`, 'sobel-x')
    .option('--size <n>', 'size of identity, box-blur and gaussian presets (odd, 1..7)', '3')
    .option('--stride <n>', 'stride', '1')
    .option('--bias <x>', 'bias added to every output', '0')
    .option('--padding <mode>', 'valid, zero, reflect or same', 'zero')
    .option('--grey', 'convert the image to grey (luma) first')
    .option('--at <y,x>', 'output pixel to explain', '0,0')
    .option('--channel <c>', 'channel of the explained pixel', '0')
    .option('--out <file.png>', 'PNG: input | result (stretched to its min..max)')
    .option('--json', 'print the shapes and the breakdown as JSON'),
  async run(opts, ctx) {
    if (!!opts.image === !!opts.npy) throw new CliError('give exactly one of --image FILE or --npy FILE', true);
    const padding = String(opts.padding) as ConvPadding;
    const spec = {
      kernel: parseKernel(String(opts.kernel), num(opts.size, '--size', { integer: true })),
      stride: num(opts.stride, '--stride', { integer: true, min: 1 }),
      bias: num(opts.bias, '--bias'),
      padding,
    };
    const [ay, ax] = String(opts.at).split(',').map((v) => num(v, '--at', { integer: true, min: 0 }));
    let img = await ctx.readPlainImage(opts);
    if (opts.grey && img.shape[2] === 3) {
      const g = tf.tidy(() => tf.sum(tf.mul(img, tf.tensor1d([0.299, 0.587, 0.114])), 2, true) as tf.Tensor3D);
      img.dispose();
      img = g;
    }
    let out: tf.Tensor3D | null = null;
    try {
      out = convolve(img, spec);
      const inMap = tensorToFeatureMap(img);
      const breakdown = convolutionBreakdown(inMap, spec, ay, ax, num(opts.channel, '--channel', { integer: true, min: 0 }));
      if (opts.out) {
        const outMap = tensorToFeatureMap(out);
        const left = featureMapToRgb(inMap, opts.image ? 0 : undefined, opts.image ? 255 : undefined);
        // Blurs keep 0..255; kernels with negative weights (edges) are stretched so both signs show.
        const negative = spec.kernel.flat().some((v) => v < 0);
        const right = featureMapToRgb(outMap, negative || !opts.image ? undefined : 0, negative || !opts.image ? undefined : 255);
        await writePng(String(opts.out), hconcat([left, right]));
      }
      const info = { input: img.shape, output: out.shape, kernel: spec.kernel, stride: spec.stride, bias: spec.bias, padding, breakdown };
      if (opts.json) ctx.out.json(info);
      else {
        ctx.out.line(`input [${img.shape.join(', ')}] → output [${out.shape.join(', ')}] (${padding} padding, stride ${spec.stride})`);
        ctx.out.line(`output (${ay}, ${ax}) channel ${breakdown.channel}, window centred on input (${breakdown.centerY}, ${breakdown.centerX}):`);
        const fmt = (v: number) => v.toFixed(2).padStart(9);
        breakdown.window.forEach((row, i) => ctx.out.line(`  ${row.map(fmt).join('')}   ×  ${breakdown.kernel[i].map(fmt).join('')}   =  ${breakdown.products[i].map(fmt).join('')}`));
        ctx.out.line(`  sum ${breakdown.sum.toFixed(4)} + bias ${breakdown.bias} = ${breakdown.output.toFixed(4)}`);
        if (opts.out) ctx.out.line(`wrote ${String(opts.out)}`);
      }
    } finally {
      tf.dispose([img, ...(out ? [out] : [])]);
    }
  },
});
