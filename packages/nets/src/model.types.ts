/** Types of a loaded model and its metadata (one {@link ModelMeta} per built-in model lives in `models.ts`). */
import type { Graph, WeightMap } from './graph.types';

/**
 * How raw RGB pixels (0..255) become the network input:
 * `x = (pixel * scale - mean[c]) / std[c]`, channels reordered to `channelOrder` first, after a centre crop of
 * `cropFraction` of the shorter side and a bilinear resize to the model's input size.
 * Examples: MobileNet `x/127.5 - 1` is `{scale: 1/255, mean: [0.5,0.5,0.5], std: [0.5,0.5,0.5]}`;
 * Darknet `x/255` is `{scale: 1/255, mean: [0,0,0], std: [1,1,1]}`.
 */
export interface Preprocessing {
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  channelOrder: 'RGB' | 'BGR';
  /** Fraction of the shorter side kept by the centre crop (0.875 for all built-in models). */
  cropFraction: number;
}

/** Which label list a model's outputs refer to. */
export type LabelSet =
  /** 1000 standard ImageNet classes (labels/imagenet1k_index_wnid_names.tsv). */
  | 'imagenet-1k'
  /** 1001 entries, index 0 = background, then the 1000 standard classes in order (labels/…1001_with_background.coral.txt). */
  | 'imagenet-1001-background'
  /** The model's own classes, named in {@link ModelMeta.classNames} (an uploaded model's label file). */
  | 'custom';

/** Everything known about a model apart from its graph and weights. JSON-serializable. */
export interface ModelMeta {
  /** Stable id; for built-in models the folder name under the models dir (or the .tflite file name without extension). */
  id: string;
  displayName: string;
  /** Architecture family for grouping in UIs, e.g. 'mobilenet-v1', 'squeezenet', 'darknet'. */
  family: string;
  /** Network input `[height, width]` (3 channels). */
  inputSize: [number, number];
  preprocessing: Preprocessing;
  /** Whether the graph's output is already a softmax ('probabilities') or raw scores ('logits'). */
  outputKind: 'logits' | 'probabilities';
  /** Number of outputs (1000 or 1001 for ImageNet classifiers). */
  numClasses: number;
  /** True when output 0 is a 'background' class and outputs 1..1000 are the standard classes. */
  backgroundClass: boolean;
  /**
   * Output index → standard ImageNet index (0..999), or -1 for outputs that are no ImageNet class (background).
   * Omitted when the outputs are already the standard order (identity). See `outputToImageNetIndex`.
   */
  outputToImageNet?: number[];
  labels: LabelSet;
  /** With `labels: 'custom'`: the name of each output, in output order (no output is an ImageNet class). */
  classNames?: string[];
  licence: string;
  /** Where the weights come from (public home), for the about box and the store. */
  source: string;
  /** Free text, e.g. measured top-1 on the sample set. */
  notes?: string;
}

/** A loaded model: graph + weights (tensors owned by the model; free them with `disposeModel`) + metadata. */
export interface Model {
  graph: Graph;
  weights: WeightMap;
  meta: ModelMeta;
}

/**
 * Reads model and label files by relative path ('model.json', 'weights/conv1_kernel.npy') from some root:
 * a directory in Node (`createFileReader` in `@convlab/nets/node`), an HTTP base URL in the browser
 * (`createHttpReader`), or anything else (cache, IndexedDB) that implements it.
 */
export interface ResourceReader {
  /** Whole file as bytes; rejects with an error naming the path when it is missing. */
  readBytes(path: string): Promise<Uint8Array>;
  /** Whole file as UTF-8 text. */
  readText(path: string): Promise<string>;
  /** A human-readable location for error messages (a directory or URL). */
  describe(path?: string): string;
}
