/**
 * `convlab patches --model M --layer L --channel C (--images DIR | --image F ...) [--k 9] [--every N] [--limit N]
 * [--out F.png] [--json]`: the k image patches (receptive fields) that activate one channel most.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { maxActivatingPatches, netsLayerActivation, netsReceptiveField, tileGrid, upscaleNearest, type PatchImage, inputToRgb } from '@convlab/vis';
import { num, readModelInput, requireFeatureMapNode, writePng } from '@convlab/vis/node';
import * as tf from '@tensorflow/tfjs-core';
import { CliError, defineCommand } from '../command.types';

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|tiff?|bmp)$/i;

export default defineCommand({
  name: 'patches',
  summary: 'maximally activating patches of a channel over a set of images',
  order: 110,
  configure: (cmd) => cmd
    .requiredOption('--model <id|path>', 'built-in model id, or an .onnx, .tflite or TensorFlow.js layers model file')
    .requiredOption('--layer <id>', 'node id of a feature-map layer')
    .requiredOption('--channel <c>', 'channel of the layer')
    .option('--images <dir>', 'folder of images (sorted by name; the index in that order breaks ties)')
    .option('--image <file...>', 'image files')
    .option('--npy <file...>', 'already-preprocessed inputs [1,H,W,3] (NHWC), after the images')
    .option('--k <n>', 'how many patches to keep', '9')
    .option('--every <n>', 'use every n-th image of the folder', '1')
    .option('--limit <n>', 'at most this many images')
    .option('--out <file.png>', 'grid of the patches, best first')
    .option('--json', 'print the winners as JSON'),
  async run(opts, ctx) {
    const files: string[] = [];
    if (opts.images) {
      const dir = String(opts.images);
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--images: no folder ${dir}`);
      files.push(...readdirSync(dir).filter((f) => IMAGE_EXT.test(f)).sort().map((f) => path.join(dir, f)));
    }
    if (opts.image) files.push(...(opts.image as string[]));
    if (opts.npy) files.push(...(opts.npy as string[]));
    if (files.length === 0) throw new CliError('give --images DIR, --image FILE... or --npy FILE...', true);
    const every = num(opts.every, '--every', { integer: true, min: 1 });
    let chosen = files.map((f, i) => ({ f, i })).filter(({ i }) => i % every === 0);
    if (opts.limit !== undefined) chosen = chosen.slice(0, num(opts.limit, '--limit', { integer: true, min: 1 }));
    const model = await ctx.loadModel(String(opts.model));
    const layer = String(opts.layer);
    requireFeatureMapNode(model, layer);
    const rf = netsReceptiveField(model, layer);
    const k = num(opts.k, '--k', { integer: true, min: 1 });
    const channel = num(opts.channel, '--channel', { integer: true, min: 0 });
    async function* stream(): AsyncGenerator<PatchImage> {
      for (const { f, i } of chosen) {
        const input = f.endsWith('.npy') ? await readModelInput(ctx, model, { npy: f }) : await ctx.readImageInput(f, model.meta);
        yield { id: path.basename(f), index: i, input };
      }
    }
    const started = performance.now();
    const top = await maxActivatingPatches(netsLayerActivation(model, layer), stream(), {
      channel, k, receptiveField: rf, totalImages: chosen.length,
      onProgress: (p) => { if (!opts.json) process.stderr.write(`\r${p.step}/${p.total} images`); },
    });
    if (!opts.json) process.stderr.write('\n');
    const seconds = (performance.now() - started) / 1000;
    if (opts.out && top.length > 0) {
      const tiles = top.map((t) => {
        const patch = tf.tensor4d(t.patch.data, [1, t.patch.height, t.patch.width, t.patch.channels]);
        const rgb = inputToRgb(patch, model.meta);
        patch.dispose();
        return upscaleNearest(rgb, Math.max(1, Math.floor(96 / Math.max(rgb.width, rgb.height))));
      });
      await writePng(String(opts.out), tileGrid(tiles, Math.ceil(Math.sqrt(tiles.length)), 4));
    }
    const winners = top.map((t) => ({ image: t.id, index: t.index, value: t.value, y: t.y, x: t.x, box: t.box }));
    if (opts.json) ctx.out.json({ model: model.meta.id, layer, channel, receptiveField: rf, images: chosen.length, seconds: Math.round(seconds * 10) / 10, winners });
    else {
      ctx.out.line(`${layer}[${channel}] over ${chosen.length} images (receptive field ${rf.size.join('x')} px) in ${seconds.toFixed(1)} s:`);
      ctx.out.table(['rank', 'value', 'image', 'y', 'x', 'box'], winners.map((w, i) => [i + 1, Number(w.value.toFixed(4)), w.image, w.y, w.x, w.box.join(',')]));
      if (opts.out) ctx.out.line(`wrote ${String(opts.out)}`);
    }
  },
});
