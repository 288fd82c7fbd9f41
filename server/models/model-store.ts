/**
 * The server's store of uploaded ONNX models — the one module that knows where they live. Each model is a folder
 * `<dir>/<id>/` holding `model.onnx` and `meta.json` (the settings the instructor gave: preprocessing, labels),
 * which `loadModelSpec` and the compute workers load like any model folder; its catalog row (UploadedModel) is in
 * the database. A folder is written once and never changed (the id hashes the file and its settings), so copying
 * the folders is all another node needs. An upload is accepted only when a compute worker imports it: truncated
 * files, fp16 or integer weights, unsupported operators and non-image inputs are refused with the importer's message.
 * Its uploader (or an admin) deletes it, unless a live session or an open assignment still names it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MODEL_LABELS_MAX_BYTES,
  ProtocolError,
  UPLOADED_MODEL_ID,
  type InstalledModel,
  type ModelDetail,
  type ModelUploadSettings,
  ModelUploadSettingsSchema,
} from '@convlab/protocol';
import { defaultFeatureLayer, type GraphFacts } from '@convlab/nets';
import { FOLDER_META } from '@convlab/nets/node';
import { speedOf } from './model-speed';
import type { ModelUses, UploadedModelDTO, UploadedModelStore } from '../db';

/** The file and metadata names inside a model's folder. */
export const MODEL_FILE = 'model.onnx';
/** Centre crop of the built-in models and torchvision's eval transform (resize 256, crop 224). */
const CROP_FRACTION = 0.875;

/** What the store needs from the compute service: a worker's import of the model (or its refusal). */
export type ModelValidator = (id: string) => Promise<{ inputSize: [number, number]; numClasses: number; facts?: GraphFacts }>;

export interface ModelStoreOptions {
  /** Folder of the model folders (`<data dir>/models`). */
  dir: string;
  rows: UploadedModelStore;
  validate: ModelValidator;
  /** Called once a model is deleted: the compute service forgets what it cached of it. */
  forget: (id: string) => void;
  /** Models larger than this are computed on the server only (never sent to browsers). */
  browserMaxBytes: number;
}

/** An upload as the HTTP route hands it over. */
export interface ModelUpload {
  bytes: Uint8Array;
  fileName: string;
  settings: ModelUploadSettings;
  /** A label file's text (one class name per line), or null for the ImageNet-1000 classes. */
  labels: string | null;
  uploadedBy: string;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** "ResNet-18 (ours)" → "resnet_18_ours". */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40).replace(/_+$/, '') || 'model';
}

/** Class names of a label file: one per line, blank lines and surrounding spaces dropped. */
export function parseLabelFile(text: string): string[] {
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (names.length === 0) throw new ProtocolError('BAD_REQUEST', 'the label file has no class names (one name per line)');
  if (names.some((n) => n.length > 200)) throw new ProtocolError('BAD_REQUEST', 'a class name in the label file is longer than 200 characters');
  return names;
}

/** Who asks to delete a model. */
export interface ModelDeleter {
  id: string;
  admin: boolean;
}

/** Why a model cannot go yet, in words: the sessions and assignments that use it (null when none). */
export function modelInUse(name: string, uses: ModelUses): string | null {
  const list = (what: string, items: string[]) => (items.length ? `the ${what}${items.length === 1 ? '' : 's'} ${items.join(', ')}` : null);
  const parts = [
    list('live session', uses.sessions.map((s) => `“${s.title}” (code ${s.code})`)),
    list('open assignment', uses.assignments.map((a) => `“${a.title}” of ${a.course}`)),
  ].filter((p) => p !== null);
  return parts.length ? `${name} is still used by ${parts.join(' and ')}: end the session, or release the assignment's grades after its due time, first` : null;
}

/** Uploaded models: files in folders, rows in the database. */
export class ModelStore {
  constructor(private readonly options: ModelStoreOptions) {}

  /** The folder of an uploaded model (workers load it from there). */
  folder(id: string): string {
    if (!UPLOADED_MODEL_ID.test(id)) throw new ProtocolError('NOT_FOUND', `no uploaded model '${id}'`);
    return path.join(this.options.dir, id);
  }

  /**
   * Stores and checks an upload: the file and its settings go into a new folder, a compute worker imports it, the
   * classes are checked against the labels, then the catalog row is written. The same file with the same settings
   * again (a retry) answers the existing model with `created: false`.
   */
  async upload(upload: ModelUpload): Promise<{ model: InstalledModel; created: boolean }> {
    const settings = ModelUploadSettingsSchema.parse(upload.settings);
    if (upload.labels !== null && Buffer.byteLength(upload.labels) > MODEL_LABELS_MAX_BYTES) {
      throw new ProtocolError('PAYLOAD_TOO_LARGE', `the label file is larger than ${MODEL_LABELS_MAX_BYTES / 1024} KB`);
    }
    const classNames = upload.labels === null ? null : parseLabelFile(upload.labels);
    const fileSha = sha256(upload.bytes);
    const id = `onnx-${slug(settings.displayName)}-${sha256(JSON.stringify([fileSha, settings, classNames])).slice(0, 12)}`;
    const existing = await this.options.rows.findUploadedModel(id);
    if (existing) return { model: this.entry(existing), created: false };

    const meta = {
      id,
      displayName: settings.displayName,
      family: 'onnx',
      preprocessing: { ...settings.preprocessing, cropFraction: CROP_FRACTION },
      labels: classNames ? 'custom' : 'imagenet-1k',
      ...(classNames ? { classNames } : {}),
      backgroundClass: false,
      licence: 'as its uploader says',
      source: `uploaded file ${upload.fileName}`,
    };
    const folder = this.folder(id);
    await this.writeFolder(folder, upload.bytes, meta);
    let described: Awaited<ReturnType<ModelValidator>>;
    try {
      described = await this.options.validate(id);
      const expected = classNames?.length ?? 1000;
      if (described.numClasses !== expected) {
        throw new ProtocolError(
          'BAD_REQUEST',
          classNames
            ? `the model has ${described.numClasses} outputs but the label file names ${classNames.length} classes`
            : `the model has ${described.numClasses} outputs, not the 1000 ImageNet classes: add a label file with one class name per output`,
        );
      }
    } catch (err) {
      await rm(folder, { recursive: true, force: true });
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', `${upload.fileName} is not a model ConvLab can use: ${(err as Error).message}`);
    }
    const { model, created } = await this.options.rows.saveUploadedModel({
      id,
      displayName: settings.displayName,
      fileName: upload.fileName,
      sha256: fileSha,
      bytes: upload.bytes.byteLength,
      // The layers labs offer and the size in GFLOPs, so editors know them without loading the model.
      meta: { ...meta, inputSize: described.inputSize, numClasses: described.numClasses, ...(described.facts ? { facts: described.facts } : {}) },
      uploadedBy: upload.uploadedBy,
    });
    return { model: this.entry(model), created };
  }

  /** The uploaded models whose folders are here, oldest first. */
  async list(): Promise<InstalledModel[]> {
    const rows = await this.options.rows.listUploadedModels();
    const present = await Promise.all(rows.map((r) => this.present(r.id)));
    return rows.filter((_, i) => present[i]).map((r) => this.entry(r));
  }

  /** An uploaded model's catalog entry, metadata and file (null when unknown here). */
  async detail(id: string): Promise<ModelDetail | null> {
    const row = UPLOADED_MODEL_ID.test(id) ? await this.options.rows.findUploadedModel(id) : null;
    if (!row || !(await this.present(id))) return null;
    return { model: this.entry(row), meta: row.meta as ModelDetail['meta'], file: { size: row.bytes, sha256: row.sha256 } };
  }

  /**
   * Deletes an uploaded model, its row and its folder: only its uploader or an admin, and never while a live session
   * or an open assignment names it (CONFLICT, naming them). Returns the model that went.
   */
  async remove(id: string, by: ModelDeleter, now = new Date()): Promise<InstalledModel> {
    const row = UPLOADED_MODEL_ID.test(id) ? await this.options.rows.findUploadedModel(id) : null;
    if (!row) throw new ProtocolError('NOT_FOUND', `no uploaded model '${id}'`);
    if (row.uploadedBy !== by.id && !by.admin) throw new ProtocolError('FORBIDDEN', `only the instructor who uploaded ${row.displayName} (or an administrator) can delete it`);
    const busy = modelInUse(row.displayName, await this.options.rows.findModelUses(id, now));
    if (busy) throw new ProtocolError('CONFLICT', busy);
    await this.options.rows.deleteUploadedModel(id);
    await rm(this.folder(id), { recursive: true, force: true });
    this.options.forget(id);
    return this.entry(row);
  }

  /** The .onnx file of a model browsers may compute on; refused for server-only models. */
  async readFile(id: string): Promise<{ bytes: Uint8Array; sha256: string }> {
    const found = await this.detail(id);
    if (!found) throw new ProtocolError('NOT_FOUND', `no uploaded model '${id}'`);
    if (found.model.serverOnly) throw new ProtocolError('FORBIDDEN', `${found.model.displayName} is computed on the server only (it is too large for laptops)`);
    return { bytes: new Uint8Array(await readFile(path.join(this.folder(id), MODEL_FILE))), sha256: found.file!.sha256 };
  }

  private entry(row: UploadedModelDTO): InstalledModel {
    // Facts stored before first-layer filters were kept lack `firstConv`: not known, so not checked.
    const meta = row.meta as { inputSize: [number, number]; numClasses: number; classNames?: string[]; facts?: Omit<GraphFacts, 'firstConv'> & Partial<Pick<GraphFacts, 'firstConv'>> };
    const layers = meta.facts?.layers ?? [];
    return {
      id: row.id,
      displayName: row.displayName,
      family: 'onnx',
      // The ONNX importer refuses fp16 and integer weights, so an uploaded model is float.
      weights: 'float',
      inputSize: meta.inputSize,
      numClasses: meta.numClasses,
      source: 'upload',
      sizeBytes: row.bytes,
      serverOnly: row.bytes > this.options.browserMaxBytes,
      layers,
      defaultLayer: defaultFeatureLayer(layers, meta.numClasses),
      ...(meta.classNames ? { classNames: meta.classNames } : {}),
      speed: meta.facts ? speedOf(meta.facts.gflops) : null,
      ...(meta.facts?.firstConv !== undefined ? { firstConv: meta.facts.firstConv } : {}),
    };
  }

  private async present(id: string): Promise<boolean> {
    return stat(path.join(this.folder(id), MODEL_FILE)).then(() => true, () => false);
  }

  /** Writes the folder beside its final place and renames it in, so a worker never sees half a model. */
  private async writeFolder(folder: string, bytes: Uint8Array, meta: object): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const incoming = path.join(this.options.dir, `.incoming-${randomBytes(8).toString('hex')}`);
    await mkdir(incoming);
    try {
      await writeFile(path.join(incoming, MODEL_FILE), bytes);
      await writeFile(path.join(incoming, FOLDER_META), JSON.stringify(meta, null, 2));
      await rm(folder, { recursive: true, force: true }); // left by an upload the server did not finish
      await rename(incoming, folder);
    } catch (err) {
      await rm(incoming, { recursive: true, force: true });
      throw err;
    }
  }
}
