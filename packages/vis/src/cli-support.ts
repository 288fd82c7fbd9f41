/**
 * Helpers shared by the `convlab` visualization subcommands (Node only; exported from `@convlab/vis/node`):
 * the input from --image or --npy, class and neuron arguments, and display conversions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { analyzeGraph, outputToImageNetIndex, type ImageNetClass, type Model, type ModelMeta } from '@convlab/nets';
import { type RgbImage } from './common';
import { signedRgb } from './colormap';

/** The parts of the CLI context the helpers need (structural, so vis does not depend on the CLI package). */
export interface InputReader {
  readImageInput(file: string, meta: Pick<ModelMeta, 'inputSize' | 'preprocessing'>): Promise<tf.Tensor4D>;
  readNpy(file: string): Promise<{ data: Float32Array | Int32Array; shape: number[] }>;
}

/** An error for bad command-line input (the CLI shows its message as is). */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentError';
  }
}

/** The preprocessed input from exactly one of --image (decoded, cropped, resized, scaled) or --npy ([1,H,W,C] as is). */
export async function readModelInput(reader: InputReader, model: Model, opts: { image?: unknown; npy?: unknown }): Promise<tf.Tensor4D> {
  if (!!opts.image === !!opts.npy) throw new ArgumentError('give exactly one of --image FILE or --npy FILE');
  if (opts.image) return reader.readImageInput(String(opts.image), model.meta);
  const npy = await reader.readNpy(String(opts.npy));
  const [h, w] = model.meta.inputSize;
  const s = npy.shape;
  if (s.length !== 4 || s[0] !== 1 || s[1] !== h || s[2] !== w || s[3] !== 3) {
    throw new ArgumentError(`--npy must hold one preprocessed NHWC image [1, ${h}, ${w}, 3] for '${model.meta.id}', got [${s.join(', ')}]`);
  }
  return tf.tensor4d(Float32Array.from(npy.data), [1, h, w, 3]);
}

/**
 * The model output index of a --class argument: an integer is the model's own output index (as written by
 * `convlab infer`); anything else is an ImageNet class name ('lemon', 'African elephant'), case-insensitive.
 */
export function resolveClass(spec: unknown, meta: ModelMeta, classes: ImageNetClass[] | null): number | undefined {
  if (spec === undefined || spec === null || spec === '') return undefined;
  const s = String(spec).trim();
  if (/^\d+$/.test(s)) {
    const i = Number(s);
    if (i >= meta.numClasses) throw new ArgumentError(`--class ${i} is outside the model's outputs 0..${meta.numClasses - 1}`);
    return i;
  }
  if (!classes) throw new ArgumentError(`--class '${s}' is a name, but the ImageNet labels are not available; give an output index`);
  const want = s.toLowerCase();
  const hit = classes.find((c) => c.name.toLowerCase() === want) ?? classes.find((c) => c.fullName.toLowerCase().split(/,\s*/).includes(want));
  if (!hit) throw new ArgumentError(`no ImageNet class named '${s}'`);
  const out = outputToImageNetIndex(meta).indexOf(hit.index);
  if (out < 0) throw new ArgumentError(`model '${meta.id}' has no output for ImageNet class '${hit.name}'`);
  return out;
}

/** Display name of a model output (or its index when labels are missing). */
export function className(index: number, meta: ModelMeta, classes: ImageNetClass[] | null): string {
  const std = outputToImageNetIndex(meta)[index];
  if (std === undefined) return String(index);
  if (std < 0) return 'background';
  return classes?.[std]?.name ?? String(index);
}

/** Parses LAYER:CHANNEL[:Y:X]. */
export function parseNeuron(spec: string): { node: string; channel: number; y?: number; x?: number } {
  const parts = spec.split(':');
  if (parts.length !== 2 && parts.length !== 4) throw new ArgumentError(`--neuron must be LAYER:CHANNEL:Y:X (or LAYER:CHANNEL), got '${spec}'`);
  const [node, ...nums] = parts;
  const v = nums.map((n) => Number(n));
  if (!node || v.some((n) => !Number.isInteger(n) || n < 0)) throw new ArgumentError(`--neuron '${spec}': channel, y and x must be integers >= 0`);
  return parts.length === 4 ? { node, channel: v[0], y: v[1], x: v[2] } : { node, channel: v[0] };
}

/** A numeric option, checked. */
export function num(value: unknown, name: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  const v = Number(value);
  if (value === undefined || value === null || value === '' || !Number.isFinite(v)) throw new ArgumentError(`${name} must be a number, got '${String(value)}'`);
  if (opts.integer && !Number.isInteger(v)) throw new ArgumentError(`${name} must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new ArgumentError(`${name} must be >= ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new ArgumentError(`${name} must be <= ${opts.max}, got ${v}`);
  return v;
}

/** Checks that a node exists and is a feature map; the error lists the feature-map nodes. */
export function requireFeatureMapNode(model: Model, id: string): void {
  const infos = analyzeGraph(model.graph);
  const node = infos.find((n) => n.id === id);
  const maps = infos.filter((n) => n.shape.length === 3 && n.op !== 'input').map((n) => n.id);
  if (!node) throw new ArgumentError(`no layer '${id}' in '${model.meta.id}'; feature-map layers: ${maps.join(', ')}`);
  if (node.shape.length !== 3) throw new ArgumentError(`layer '${id}' is not a feature map (shape [${node.shape.join(', ')}]); use one of: ${maps.join(', ')}`);
}

/** The last feature-map node before the network collapses space (Grad-CAM's usual layer). */
export function lastFeatureMapNode(model: Model): string {
  const infos = analyzeGraph(model.graph).filter((n) => n.shape.length === 3 && n.receptiveField && n.op !== 'input' && n.shape[0] > 1);
  if (infos.length === 0) throw new ArgumentError(`model '${model.meta.id}' has no spatial feature map`);
  return infos[infos.length - 1].id;
}

/**
 * A signed tensor [1,H,W,3] as RGB around mid-grey: 0 → 128, ±(99.5th percentile of |v|) → 0/255, beyond clipped
 * (how guided backprop and deconvnet images are shown).
 */
export function signedToRgb(t: tf.Tensor4D, pct = 99.5): RgbImage {
  const [, h, w] = t.shape;
  return signedRgb(t.dataSync(), w, h, pct);
}

/** Crops an RGB image to box [top, left, bottom, right] (inclusive), padding outside with `fill`. */
export function cropRgb(img: RgbImage, box: [number, number, number, number], fill = 255): RgbImage {
  const [top, left, bottom, right] = box;
  const w = right - left + 1;
  const h = bottom - top + 1;
  const data = new Uint8ClampedArray(w * h * 3).fill(fill);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sy = top + y;
    const sx = left + x;
    if (sy < 0 || sx < 0 || sy >= img.height || sx >= img.width) continue;
    for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = img.data[(sy * img.width + sx) * 3 + c];
  }
  return { width: w, height: h, data };
}
