/**
 * Loads a model named the way users name them (CLI `--model`, server jobs): a built-in id (through the store: local
 * copy or verified download), a TFLite or ONNX file, a TensorFlow.js layers model (its folder or its model.json), or an
 * http(s) URL of one of them. Node-only.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createHttpReader } from '../io/readers';
import { importLayersModel } from '../importers/tfjs-layers.importer';
import { importTflite } from '../importers/tflite';
import { importOnnx } from '../importers/onnx.importer';
import { loadBuiltinModel } from '../load-model';
import type { Model, ModelMeta } from '../model.types';
import { createFileReader } from '../node';
import { isStoredModelId, ModelStoreError, STORED_MODEL_IDS } from './stored-models';
import { resolveModel, type ModelStoreOptions } from './model-store-node';
import type { ModelLocationKind } from './store.types';

/** Options of {@link loadModelSpec}. */
export interface LoadModelSpecOptions extends ModelStoreOptions {
  /** Metadata for a user's model (preprocessing, labels, …); ignored for built-in models. */
  meta?: Partial<ModelMeta>;
}

/** A loaded model and where it came from. */
export interface LoadedModel {
  model: Model;
  /** 'builtin' (with the store location), 'file' or 'url'. */
  kind: 'builtin' | 'file' | 'url';
  location?: ModelLocationKind;
  /** Path or URL the model was read from. */
  from: string;
}

const TFLITE_MAGIC = 'TFL3';

/** The metadata file of a model folder (`meta.json`: a partial {@link ModelMeta} applied to the model beside it). */
export const FOLDER_META = 'meta.json';

function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === TFLITE_MAGIC;
}

function idFromName(name: string): string {
  return path.basename(name).replace(/\.(tflite|json|onnx)$/i, '') || 'custom';
}

/**
 * Loads a model from a built-in id, a path (TFLite file, ONNX file, model.json, or a folder holding one of them — with a
 * `meta.json` beside it, as the server's model store writes, its settings apply) or an http(s) URL (of a .tflite file
 * or a model.json). Errors say which of these `spec` was taken for and what went wrong.
 */
export async function loadModelSpec(spec: string, options: LoadModelSpecOptions = {}): Promise<LoadedModel> {
  if (isStoredModelId(spec)) {
    const resolved = await resolveModel(spec, options);
    const model = await loadBuiltinModel(spec, resolved.reader);
    return { model, kind: 'builtin', location: resolved.location, from: resolved.path };
  }
  if (/^https?:\/\//i.test(spec)) return loadFromUrl(spec, options);
  let info;
  try {
    info = await stat(spec);
  } catch {
    throw new ModelStoreError(
      `unknown model '${spec}': not a built-in id (${STORED_MODEL_IDS.join(', ')}), and no such file, folder or http(s) URL`,
      'unknown-model',
    );
  }
  const full = path.resolve(spec);
  if (info.isDirectory()) {
    const names = await readdir(full);
    if (names.includes(FOLDER_META)) {
      // A model folder the server's model store wrote: its settings (preprocessing, labels, id) travel with it.
      const meta = JSON.parse(await readFile(path.join(full, FOLDER_META), 'utf8')) as Partial<ModelMeta>;
      options = { ...options, meta: { ...meta, ...options.meta } };
    }
    if (names.includes('model.json')) return loadLayersFile(path.join(full, 'model.json'), options);
    const tflites = names.filter((n) => n.toLowerCase().endsWith('.tflite'));
    if (tflites.length === 1) return loadTfliteFile(path.join(full, tflites[0]), options);
    const onnxs = names.filter((n) => n.toLowerCase().endsWith('.onnx'));
    if (onnxs.length === 1 && tflites.length === 0) return loadOnnxFile(path.join(full, onnxs[0]), options);
    const found = [...tflites, ...onnxs];
    throw new ModelStoreError(
      `folder ${full} holds neither a model.json (TensorFlow.js layers model) nor exactly one .tflite or .onnx file` +
        (found.length > 1 ? ` (found ${found.join(', ')}: name the file)` : ''),
      'not-found',
    );
  }
  if (full.toLowerCase().endsWith('.onnx')) return loadOnnxFile(full, options);
  const bytes = new Uint8Array(await readFile(full));
  if (isTflite(bytes)) return loadTfliteBytes(bytes, full, 'file', options);
  if (full.toLowerCase().endsWith('.json')) return loadLayersFile(full, options);
  throw new ModelStoreError(`${full} is neither a TFLite file (no 'TFL3' identifier), an .onnx file nor a TensorFlow.js model.json`, 'not-found');
}

/** An ONNX file; external-data files are read from its folder (and only from there). */
async function loadOnnxFile(file: string, options: LoadModelSpecOptions): Promise<LoadedModel> {
  const id = options.meta?.id ?? idFromName(file);
  const bytes = new Uint8Array(await readFile(file));
  try {
    const model = await importOnnx(bytes, {
      id, reader: createFileReader(path.dirname(file)), meta: { displayName: id, source: file, ...options.meta },
    });
    return { model, kind: 'file', from: file };
  } catch (e) {
    throw new Error(`cannot import ONNX model ${file}: ${(e as Error).message}`);
  }
}

async function loadTfliteFile(file: string, options: LoadModelSpecOptions): Promise<LoadedModel> {
  return loadTfliteBytes(new Uint8Array(await readFile(file)), file, 'file', options);
}

function loadTfliteBytes(bytes: Uint8Array, from: string, kind: 'file' | 'url', options: LoadModelSpecOptions): LoadedModel {
  const id = options.meta?.id ?? idFromName(from);
  const model = importTflite(bytes, { id, meta: { source: from, ...options.meta } });
  return { model, kind, from };
}

async function loadLayersFile(jsonFile: string, options: LoadModelSpecOptions): Promise<LoadedModel> {
  const dir = path.dirname(jsonFile);
  const model = await importLayersModel(createFileReader(dir), {
    modelJson: path.basename(jsonFile),
    meta: { id: path.basename(dir), displayName: path.basename(dir), source: jsonFile, ...options.meta },
  });
  return { model, kind: 'file', from: jsonFile };
}

async function loadFromUrl(url: string, options: LoadModelSpecOptions): Promise<LoadedModel> {
  const fetchFn = options.fetch ?? fetch;
  const u = new URL(url);
  const res = await fetchFn(u);
  if (!res.ok) throw new ModelStoreError(`cannot fetch model ${url}: HTTP ${res.status}`, 'download');
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (isTflite(bytes)) return loadTfliteBytes(bytes, url, 'url', options);
  const base = new URL('.', u).toString();
  if (u.pathname.toLowerCase().endsWith('.onnx')) {
    // External-data files are fetched from beside the model.
    const id = options.meta?.id ?? idFromName(u.pathname);
    const model = await importOnnx(bytes, { id, reader: createHttpReader(base, fetchFn), meta: { displayName: id, source: url, ...options.meta } });
    return { model, kind: 'url', from: url };
  }
  // Otherwise it must be a layers model.json; its shards are relative to it.
  const name = u.pathname.slice(u.pathname.lastIndexOf('/') + 1) || 'model.json';
  const model = await importLayersModel(createHttpReader(base, fetchFn), {
    modelJson: name,
    meta: { id: new URL(base).pathname.split('/').filter(Boolean).pop() ?? 'custom', source: url, ...options.meta },
  });
  return { model, kind: 'url', from: url };
}
