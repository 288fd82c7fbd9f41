/**
 * Registry of the built-in models: the one source of truth for their metadata, file format and location
 * (relative to the models directory). Ids are the folder names under the models dir, or a `.tflite` file's name
 * without the extension. Measured top-1 counts refer to the 100-image sample set described in shared/README.md.
 */
import type { ModelMeta, Preprocessing } from './model.types';

/** File formats the importers understand. */
export type ModelFormat = 'tfjs-layers' | 'squeezenet1.1-npy' | 'squeezenet1.0-npy' | 'tflite';

/** A built-in model: metadata plus where and how its files are stored. */
export interface ModelEntry {
  meta: ModelMeta;
  format: ModelFormat;
  /** Path under the models directory: a folder (layers, npy) or a file (tflite). */
  path: string;
  /** Extra files the model needs besides the main ones (e.g. an output→ImageNet map). */
  extraFiles?: string[];
  /** Top-1 correct of 100 sample images, as measured in shared/README.md (for tests). */
  referenceTop1?: number;
  /** Narrows the layers labs offer (`featureLayers`) to the ids a lecture names, e.g. SqueezeNet's fire concats. */
  layerPattern?: RegExp;
}

const SQUEEZENET_LAYER_PATTERN = /^(conv1_relu|fire\d+_concat)$/;

const CROP = 0.875;

/** `x / 127.5 - 1` (MobileNet, SqueezeNet 1.0 TFLite-zoo weights). */
export const MINUS_ONE_TO_ONE: Preprocessing = {
  scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channelOrder: 'RGB', cropFraction: CROP,
};
/** `x / 255` (Darknet). */
export const ZERO_TO_ONE: Preprocessing = {
  scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'RGB', cropFraction: CROP,
};
/** torchvision / ONNX zoo: `(x / 255 - mean) / std`. */
export const IMAGENET_MEAN_STD: Preprocessing = {
  scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'RGB', cropFraction: CROP,
};

const TFJS_HOME = 'https://storage.googleapis.com/tfjs-models/tfjs/';
const NPY_HOME = 'https://github.com/webmachinelearning/webnn-polyfill (test-data/models)';
const CORAL_HOME = 'https://github.com/google-coral/test_data';

function mobilenetV1Layers(alpha: '0.25' | '0.75', top1: number): ModelEntry {
  const id = `mobilenet_v1_${alpha}_224`;
  return {
    format: 'tfjs-layers',
    path: id,
    referenceTop1: top1,
    meta: {
      id,
      displayName: `MobileNet v1 ${alpha} (224)`,
      family: 'mobilenet-v1',
      inputSize: [224, 224],
      preprocessing: MINUS_ONE_TO_ONE,
      outputKind: 'probabilities',
      numClasses: 1000,
      backgroundClass: false,
      labels: 'imagenet-1k',
      licence: 'Apache-2.0',
      source: `${TFJS_HOME}${id}/model.json`,
    },
  };
}

function tflite(id: string, display: string, family: string, size: number, top1: number, source: string): ModelEntry {
  return {
    format: 'tflite',
    path: `tflite/${id}.tflite`,
    referenceTop1: top1,
    meta: {
      id,
      displayName: display,
      family,
      inputSize: [size, size],
      preprocessing: MINUS_ONE_TO_ONE,
      outputKind: 'probabilities',
      numClasses: 1001,
      backgroundClass: true,
      labels: 'imagenet-1001-background',
      licence: 'Apache-2.0',
      source,
      weights: /_(quant|ptq)$/.test(id) ? 'quantized' : 'float',
    },
  };
}

/** All built-in models. */
export const BUILTIN_MODELS: readonly ModelEntry[] = [
  mobilenetV1Layers('0.25', 59),
  mobilenetV1Layers('0.75', 83),
  {
    format: 'tfjs-layers',
    path: 'darknet_tiny',
    extraFiles: ['darknet_order_to_standard_index.json'],
    referenceTop1: 68,
    meta: {
      id: 'darknet_tiny',
      displayName: 'Darknet tiny',
      family: 'darknet',
      inputSize: [224, 224],
      preprocessing: ZERO_TO_ONE,
      outputKind: 'logits',
      numClasses: 1000,
      backgroundClass: false,
      // Filled from darknet_order_to_standard_index.json by the loader (Darknet's own class order).
      outputToImageNet: undefined,
      labels: 'imagenet-1k',
      licence: 'MIT',
      source: 'https://github.com/ml5js/ml5-data-and-models/tree/main/models/darknetclassifier/darknettiny',
    },
  },
  {
    format: 'squeezenet1.1-npy',
    path: 'squeezenet1.1_nchw',
    referenceTop1: 66,
    layerPattern: SQUEEZENET_LAYER_PATTERN,
    meta: {
      id: 'squeezenet1.1_nchw',
      displayName: 'SqueezeNet 1.1',
      family: 'squeezenet',
      inputSize: [224, 224],
      preprocessing: IMAGENET_MEAN_STD,
      outputKind: 'logits',
      numClasses: 1000,
      backgroundClass: false,
      labels: 'imagenet-1k',
      licence: 'Apache-2.0',
      source: `ONNX model zoo SqueezeNet 1.1 as .npy, ${NPY_HOME}`,
    },
  },
  {
    format: 'squeezenet1.0-npy',
    path: 'squeezenet1.0_nhwc',
    referenceTop1: 35,
    layerPattern: SQUEEZENET_LAYER_PATTERN,
    meta: {
      id: 'squeezenet1.0_nhwc',
      displayName: 'SqueezeNet 1.0',
      family: 'squeezenet',
      inputSize: [224, 224],
      preprocessing: MINUS_ONE_TO_ONE,
      outputKind: 'probabilities',
      numClasses: 1001,
      backgroundClass: true,
      labels: 'imagenet-1001-background',
      licence: 'Apache-2.0',
      source: `TFLite model zoo squeezenet_2018_04_27 as .npy, ${NPY_HOME}`,
    },
  },
  tflite('mobilenet_v1_0.25_128_quant', 'MobileNet v1 0.25 (128, uint8)', 'mobilenet-v1', 128, 47, CORAL_HOME),
  tflite('mobilenet_v1_0.5_160_quant', 'MobileNet v1 0.5 (160, uint8)', 'mobilenet-v1', 160, 72, CORAL_HOME),
  tflite('mobilenet_v1_0.75_192_quant', 'MobileNet v1 0.75 (192, uint8)', 'mobilenet-v1', 192, 80, CORAL_HOME),
  tflite('mobilenet_v1_0.25_224_float', 'MobileNet v1 0.25 (224, float)', 'mobilenet-v1', 224, 59,
    'https://github.com/tensorflow/tflite-support (test data)'),
  tflite('mobilenet_v2_1.0_224_quant', 'MobileNet v2 1.0 (224, uint8)', 'mobilenet-v2', 224, 81, CORAL_HOME),
  tflite('tf2_mobilenet_v2_1.0_224_ptq', 'MobileNet v2 1.0 (224, int8 per-channel)', 'mobilenet-v2', 224, 81, CORAL_HOME),
];

/** The registry entry of a built-in model; throws listing the known ids. */
export function getModelEntry(id: string): ModelEntry {
  const e = BUILTIN_MODELS.find((m) => m.meta.id === id);
  if (!e) throw new Error(`unknown model '${id}'; built-in models: ${BUILTIN_MODELS.map((m) => m.meta.id).join(', ')}`);
  return e;
}
