/**
 * Public homes of the built-in models: where a user's machine downloads them from when no local copy exists.
 * The ids are the folder names of the models directory and, for TFLite, the file names without `.tflite`.
 */
import type { BuiltinModelSource } from './store.types';

const TFJS = 'https://storage.googleapis.com/tfjs-models/tfjs';
const CORAL = 'https://raw.githubusercontent.com/google-coral/test_data/master';
const WEBNN = 'https://raw.githubusercontent.com/webmachinelearning/test-data/main/models';

/** Every built-in model with its public home; the manifest (`builtin-manifest.generated.ts`) adds the files. */
export const BUILTIN_MODEL_SOURCES: readonly BuiltinModelSource[] = [
  { id: 'mobilenet_v1_0.25_224', layout: 'tfjs-layers', home: `${TFJS}/mobilenet_v1_0.25_224/`, licence: 'Apache-2.0' },
  { id: 'mobilenet_v1_0.75_224', layout: 'tfjs-layers', home: `${TFJS}/mobilenet_v1_0.75_224/`, licence: 'Apache-2.0' },
  {
    id: 'darknet_tiny', layout: 'tfjs-layers', licence: 'MIT',
    home: 'https://raw.githubusercontent.com/ml5js/ml5-data-and-models/main/models/darknetclassifier/darknettiny/',
    // Made for this project from Darknet's label list; it has no public home, the loader may do without it.
    extraFiles: ['darknet_order_to_standard_index.json'],
  },
  { id: 'squeezenet1.1_nchw', layout: 'npy', home: `${WEBNN}/squeezenet1.1_nchw/`, licence: 'Apache-2.0' },
  { id: 'squeezenet1.0_nhwc', layout: 'npy', home: `${WEBNN}/squeezenet1.0_nhwc/`, licence: 'Apache-2.0' },
  { id: 'mobilenet_v1_0.25_128_quant', layout: 'tflite', home: `${CORAL}/mobilenet_v1_0.25_128_quant.tflite`, licence: 'Apache-2.0' },
  { id: 'mobilenet_v1_0.5_160_quant', layout: 'tflite', home: `${CORAL}/mobilenet_v1_0.5_160_quant.tflite`, licence: 'Apache-2.0' },
  { id: 'mobilenet_v1_0.75_192_quant', layout: 'tflite', home: `${CORAL}/mobilenet_v1_0.75_192_quant.tflite`, licence: 'Apache-2.0' },
  { id: 'mobilenet_v2_1.0_224_quant', layout: 'tflite', home: `${CORAL}/mobilenet_v2_1.0_224_quant.tflite`, licence: 'Apache-2.0' },
  { id: 'tf2_mobilenet_v2_1.0_224_ptq', layout: 'tflite', home: `${CORAL}/tf2_mobilenet_v2_1.0_224_ptq.tflite`, licence: 'Apache-2.0' },
  {
    id: 'mobilenet_v1_0.25_224_float', layout: 'tflite', licence: 'Apache-2.0',
    // The same bytes (sha256 446ec673…) as tflite-support's test model mobilenet_v1_0.25_224_1_default_1.tflite.
    home: 'https://storage.googleapis.com/mediapipe-assets/mobilenet_v1_0.25_224_1_default_1.tflite',
  },
];
