/** Loads built-in models by id (through the registry in `models.ts`) with the importer their format needs. */
import type { Model, ModelMeta, ResourceReader } from './model.types';
import { getModelEntry, type ModelEntry, type ModelFormat } from './models';
import { importLayersModel } from './importers/tfjs-layers.importer';
import { importSqueezeNet } from './importers/squeezenet-npy.importer';
import { subReader } from './io/readers';

/** Loads one model from a reader rooted at its folder (or, for single-file formats, at the file's folder). */
export type ModelImporter = (reader: ResourceReader, entry: ModelEntry) => Promise<Model>;

const importers: Partial<Record<ModelFormat, ModelImporter>> = {
  'tfjs-layers': async (reader, entry) => {
    const model = await importLayersModel(reader, { meta: entry.meta });
    if (entry.meta.id === 'darknet_tiny') {
      // Darknet's outputs are in its own class order; the map ships next to the model.
      const map = JSON.parse(await reader.readText('darknet_order_to_standard_index.json')) as number[];
      model.meta = { ...model.meta, outputToImageNet: map };
    }
    return model;
  },
  'squeezenet1.1-npy': (reader, entry) => importSqueezeNet(reader, '1.1', entry.meta),
  'squeezenet1.0-npy': (reader, entry) => importSqueezeNet(reader, '1.0', entry.meta),
};

/**
 * Registers the importer of a format (the TFLite importer registers 'tflite' here, so this module does not depend on it).
 * For 'tflite' the reader is rooted at the models directory's `tflite/` folder's parent and `entry.path` names the file.
 */
export function registerModelImporter(format: ModelFormat, importer: ModelImporter): void {
  importers[format] = importer;
}

/** Loads a built-in model by id or registry entry from a reader rooted at the models directory. */
export async function loadBuiltinModel(idOrEntry: string | ModelEntry, modelsReader: ResourceReader): Promise<Model> {
  const entry = typeof idOrEntry === 'string' ? getModelEntry(idOrEntry) : idOrEntry;
  const importer = importers[entry.format];
  if (!importer) throw new Error(`no importer registered for format '${entry.format}' (model '${entry.meta.id}')`);
  const reader = entry.format === 'tflite' ? modelsReader : subReader(modelsReader, entry.path);
  try {
    return await importer(reader, entry);
  } catch (e) {
    throw new Error(`cannot load model '${entry.meta.id}' from ${modelsReader.describe(entry.path)}: ${(e as Error).message}`);
  }
}

/** Copies metadata with overrides (e.g. a user model's own labels or preprocessing). */
export function withMeta(model: Model, meta: Partial<ModelMeta>): Model {
  return { ...model, meta: { ...model.meta, ...meta } };
}
