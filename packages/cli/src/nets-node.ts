/**
 * The Node-only and not-yet-exported parts of @convlab/nets that the CLI uses. The package's `exports` has only its
 * browser-safe entry ('.'); until it also exports './node' (node.ts + the store), they are reached by path here, in
 * this one file, so switching to package imports later is a one-file change.
 */
export { createFileReader, defaultLabelsDir, defaultModelsDir } from '../../nets/src/node';
export { loadModelSpec, type LoadedModel, type LoadModelSpecOptions } from '../../nets/src/store/load-model-node';
export { locateModel, resolveModel, defaultCacheDir, type ModelStoreOptions } from '../../nets/src/store/model-store-node';
export { getStoredModel, STORED_MODELS, ModelStoreError } from '../../nets/src/store/stored-models';
