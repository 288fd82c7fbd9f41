/**
 * @convlab/nets — ConvLab's model engine on tfjs-core: a JSON graph IR, its analysis (shapes, parameters, FLOPs,
 * receptive fields), an executor (forward with taps, pre/post-softmax scores, input gradients in three ReLU modes that
 * work on every backend including wasm), importers (TensorFlow.js layers, SqueezeNet .npy, TFLite, ONNX), the built-in model
 * registry, labels and image preprocessing. Browser-safe: no DOM, no fs (Node helpers live in `./node`).
 *
 * Typical use:
 * ```ts
 * const model = await loadBuiltinModel('mobilenet_v1_0.75_224', createFileReader(defaultModelsDir()));
 * const x = preprocessImage(pixels, model.meta);                 // [1, 224, 224, 3]
 * const { probabilities, taps } = forward(model, x, { taps: ['conv_pw_1_relu'] });
 * const { gradient } = inputGradient(model, x, { kind: 'class', index: 386 }, { reluMode: 'guided' });
 * ```
 */
export type {
  Shape, Pair, Padding, FusedActivation, GraphNode, NodeOp, Graph, WeightMap, NodeInfo, ReceptiveField,
  InputNode, Conv2dNode, DenseNode, BatchNormNode, ActivationNode, LeakyReluNode, SoftmaxNode, PoolNode,
  GlobalAvgPoolNode, ZeroPadNode, ConcatNode, AddNode, FlattenNode, ReshapeNode, DropoutNode,
} from './graph.types';
export { NODE_OPS } from './graph.types';
export type { Preprocessing, LabelSet, ModelMeta, Model, ResourceReader } from './model.types';
export type {
  ForwardOptions, ForwardResult, GradientObjective, ReluMode, GradientOptions, GradientResult, PlanStep,
} from './executor.types';

export { GraphError, validateGraph, topoSort, getNode, inputNode, consumers, findLogitsNode } from './graph';
export { GraphBuilder, type ConvOptions } from './graph.builder';
export { analyzeGraph, graphTotals, receptiveFieldBox, resolveAxis } from './graph.analysis';
export { featureLayers, defaultFeatureLayer, earlyFeatureLayer, firstOrdinaryConv, graphFacts, MAX_FEATURE_LAYERS, type FeatureLayer, type FirstConvFacts, type GraphFacts } from './feature-layers';
export { BUILTIN_GRAPH_FACTS } from './builtin-layers.generated';
export {
  Executor, ExecutorError, type ExecutorOptions, getExecutor, forward, forwardFrom, activations, inputGradient, disposeForward, disposeModel,
} from './executor';
export {
  IncrementalForward, planIncremental, type IncrementalOptions, type IncrementalPlan, type IncrementalPatch,
} from './incremental-forward';
export { depthwiseInputGrad } from './ops/conv-ops';
export { reluWithMode, reluBackward } from './ops/relu-modes';

export { parseNpy, npyToTensor, encodeNpy, type NpyArray } from './io/npy';
export { createHttpReader, createMemoryReader, subReader, joinPath } from './io/readers';
export {
  importLayersModel, layersTopologyToGraph, UnsupportedLayerError, SUPPORTED_KERAS_LAYERS, type LayersImportOptions,
} from './importers/tfjs-layers.importer';
export { importSqueezeNet, squeezeNetGraph, type SqueezeNetVariant } from './importers/squeezenet-npy.importer';
// The TFLite importer (written alongside) registers itself for loadBuiltinModel's 'tflite' format on import.
export { importTflite, TFLITE_SUPPORTED_OPS, TfliteImportError, type TfliteImportOptions } from './importers/tflite';
export { importOnnx, ONNX_SUPPORTED_OPS, ONNX_OPSETS, OnnxImportError, type OnnxImportOptions } from './importers/onnx.importer';

export {
  BUILTIN_MODELS, getModelEntry, MINUS_ONE_TO_ONE, ZERO_TO_ONE, IMAGENET_MEAN_STD, type ModelEntry, type ModelFormat,
} from './models';
export { loadBuiltinModel, registerModelImporter, withMeta, type ModelImporter } from './load-model';
export {
  LABEL_FILES, parseImageNetTsv, loadImageNetClasses, outputToImageNetIndex, outputNames, toImageNetOrder, topK,
  type ImageNetClass, type Prediction,
} from './labels';
export { preprocessImage, preprocessBatch, normalizePixels, denormalizePixels, centerCropBox } from './preprocess';

// The model store's browser-safe half: the registry of stored files and the Cache Storage reader.
export {
  STORED_MODELS, STORED_MODEL_IDS, ModelStoreError, isStoredModelId, getStoredModel, sha256Hex, checkIntegrity,
} from './store/stored-models';
export type { ManifestFile, StoredModelEntry, ModelLocationKind } from './store/store.types';
export { createCachedModelReader, clearModelCache, MODEL_CACHE_NAME } from './store/browser-cache';
