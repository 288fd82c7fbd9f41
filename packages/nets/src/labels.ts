/**
 * ImageNet labels (read at runtime from the shared labels folder through a {@link ResourceReader}) and the mapping of
 * a model's outputs to the standard 1,000 classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelMeta, ResourceReader } from './model.types';

/** One of the 1,000 standard ImageNet classes. */
export interface ImageNetClass {
  index: number;
  wnid: string;
  /** Short name, e.g. 'African elephant'. */
  name: string;
  /** Full synonym list, e.g. 'African elephant, Loxodonta africana'. */
  fullName: string;
}

/** File names inside the labels folder. */
export const LABEL_FILES = {
  imagenet1k: 'imagenet1k_index_wnid_names.tsv',
  imagenet1001: 'imagenet_labels_1001_with_background.coral.txt',
} as const;

/** Parses imagenet1k_index_wnid_names.tsv (index, wnid, short name, full name, sample image). */
export function parseImageNetTsv(text: string): ImageNetClass[] {
  const rows = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const out: ImageNetClass[] = [];
  for (const row of rows.slice(1)) {
    const [index, wnid, name, fullName] = row.split('\t');
    out.push({ index: Number(index), wnid, name, fullName: fullName ?? name });
  }
  if (out.length !== 1000 || out.some((c, i) => c.index !== i)) {
    throw new Error(`ImageNet label table has ${out.length} rows in an unexpected order (expected indices 0..999)`);
  }
  return out;
}

/** Reads the 1,000 standard ImageNet classes from a reader rooted at the labels folder. */
export async function loadImageNetClasses(labelsReader: ResourceReader): Promise<ImageNetClass[]> {
  return parseImageNetTsv(await labelsReader.readText(LABEL_FILES.imagenet1k));
}

/** Output index → standard ImageNet index (-1 for background) for a model's metadata. */
export function outputToImageNetIndex(meta: ModelMeta): number[] {
  if (meta.outputToImageNet) {
    if (meta.outputToImageNet.length !== meta.numClasses) {
      throw new Error(`model '${meta.id}': outputToImageNet has ${meta.outputToImageNet.length} entries, expected ${meta.numClasses}`);
    }
    return meta.outputToImageNet;
  }
  if (meta.labels === 'custom') return Array.from({ length: meta.numClasses }, () => -1);
  if (meta.backgroundClass) return Array.from({ length: meta.numClasses }, (_, i) => i - 1);
  return Array.from({ length: meta.numClasses }, (_, i) => i);
}

/** Display name of each output of a model ('background' for a background class). */
export function outputNames(meta: ModelMeta, classes: ImageNetClass[]): string[] {
  if (meta.classNames) return meta.classNames;
  return outputToImageNetIndex(meta).map((i) => (i < 0 ? 'background' : classes[i].name));
}

/**
 * Re-orders `[N, numClasses]` scores into `[N, 1000]` standard ImageNet order (dropping a background class).
 * Forward-only (it uses gather, whose gradient is missing on wasm).
 */
export function toImageNetOrder(meta: ModelMeta, scores: tf.Tensor2D): tf.Tensor2D {
  const map = outputToImageNetIndex(meta);
  const inverse = new Int32Array(1000).fill(-1);
  map.forEach((std, out) => {
    if (std >= 0) inverse[std] = out;
  });
  if (inverse.some((v) => v < 0)) throw new Error(`model '${meta.id}' does not cover all 1000 ImageNet classes`);
  return tf.tidy(() => tf.gather(scores, tf.tensor1d(inverse, 'int32'), 1) as tf.Tensor2D);
}

/** One ranked prediction. */
export interface Prediction {
  /** Index in the model's own output order. */
  outputIndex: number;
  /** Standard ImageNet index, or -1 for background. */
  imagenetIndex: number;
  name: string;
  score: number;
}

/** Top-k predictions per image of `[N, numClasses]` scores (probabilities or logits). */
export async function topK(scores: tf.Tensor2D, k: number, meta: ModelMeta, classes?: ImageNetClass[]): Promise<Prediction[][]> {
  const map = outputToImageNetIndex(meta);
  const { values, indices } = tf.topk(scores, Math.min(k, scores.shape[1]));
  const [v, ix] = await Promise.all([values.array(), indices.array()]);
  values.dispose();
  indices.dispose();
  return ix.map((row, n) => row.map((outputIndex, j) => {
    const imagenetIndex = map[outputIndex];
    const name = meta.classNames?.[outputIndex] ?? (imagenetIndex < 0 ? 'background' : classes ? classes[imagenetIndex].name : `class ${imagenetIndex}`);
    return { outputIndex, imagenetIndex, name, score: v[n][j] };
  }));
}
