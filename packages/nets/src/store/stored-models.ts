/**
 * The registry of built-in models as the store sees them: id, format, public home and the size and sha256 of every
 * file. Browser-safe (no fs, no network): the app uses it to request versioned files and check what it received.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BUILTIN_MANIFEST } from './builtin-manifest.generated';
import { BUILTIN_MODEL_SOURCES } from './builtin-sources';
import type { StoredModelEntry, ManifestFile } from './store.types';

/** Error of the model store; `code` tells the kind of failure. */
export class ModelStoreError extends Error {
  constructor(
    message: string,
    readonly code: 'unknown-model' | 'not-found' | 'integrity' | 'download',
  ) {
    super(message);
    this.name = 'ModelStoreError';
  }
}

/** All built-in models in registry order. */
export const STORED_MODELS: readonly StoredModelEntry[] = BUILTIN_MODEL_SOURCES.map((src) => {
  const files = BUILTIN_MANIFEST[src.id];
  if (!files) throw new Error(`built-in model '${src.id}' has no manifest entry; run generate-manifest.ts`);
  return { ...src, files, totalBytes: files.reduce((a, f) => a + f.size, 0) };
});

/** Ids of all built-in models. */
export const STORED_MODEL_IDS: readonly string[] = STORED_MODELS.map((m) => m.id);

/** True when `id` names a built-in model. */
export function isStoredModelId(id: string): boolean {
  return STORED_MODEL_IDS.includes(id);
}

/** The registry entry of a built-in model; the error lists the known ids. */
export function getStoredModel(id: string): StoredModelEntry {
  const m = STORED_MODELS.find((e) => e.id === id);
  if (!m) throw new ModelStoreError(`unknown model '${id}'; built-in models: ${STORED_MODEL_IDS.join(', ')}`, 'unknown-model');
  return m;
}

/**
 * The folder (relative to the models root) that a model's reader is rooted at: `<id>` for folder models,
 * `tflite` for TFLite files. Paths inside it are what importers ask for ('model.json', '<id>.tflite').
 */
export function modelFolder(entry: StoredModelEntry): string {
  return entry.layout === 'tflite' ? 'tflite' : entry.id;
}

/** Path of a manifest file relative to the model's folder. */
export function pathInFolder(entry: StoredModelEntry, file: ManifestFile): string {
  return file.path.slice(modelFolder(entry).length + 1);
}

/** The file a loader reads first: model.json for tfjs layers, the .tflite file, or (npy) the weights folder marker. */
export function mainFile(entry: StoredModelEntry): string {
  return entry.layout === 'tflite' ? `${entry.id}.tflite` : entry.layout === 'tfjs-layers' ? 'model.json' : 'weights';
}

/** Files that must be present for the model to load (extra files without a public home are optional). */
export function requiredFiles(entry: StoredModelEntry): ManifestFile[] {
  const extra = new Set((entry.extraFiles ?? []).map((f) => `${entry.id}/${f}`));
  return entry.files.filter((f) => !extra.has(f.path));
}

/** Public URL of a file (null for files without a public home); `mirror` replaces the homes by one base URL. */
export function downloadUrl(entry: StoredModelEntry, file: ManifestFile, mirror?: string): string | null {
  if (mirror) return `${mirror.replace(/\/+$/, '')}/${file.path}`;
  if (entry.extraFiles?.some((f) => `${entry.id}/${f}` === file.path)) return null;
  if (entry.layout === 'tflite') return entry.home;
  return entry.home + pathInFolder(entry, file);
}

/**
 * Hex sha256 of bytes: Web Crypto where there is one (Node, pages in a secure context); in JavaScript on a page without
 * it (served over plain http from another machine, or framed by an http LMS), so such a page still checks model files.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = globalThis.crypto?.subtle ? new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)) : sha256(bytes);
  return bytesToHex(digest);
}

/** Throws a {@link ModelStoreError} ('integrity') when bytes do not match the manifest's size and sha256. */
export async function checkIntegrity(file: ManifestFile, bytes: Uint8Array, where: string, hash?: string): Promise<void> {
  if (bytes.byteLength !== file.size) {
    throw new ModelStoreError(
      `${where}: ${bytes.byteLength} bytes, expected ${file.size} — the file is truncated or not the published one`,
      'integrity',
    );
  }
  const actual = hash ?? (await sha256Hex(bytes));
  if (actual !== file.sha256) {
    throw new ModelStoreError(`${where}: sha256 ${actual}, expected ${file.sha256} — the file is corrupt or not the published one`, 'integrity');
  }
}
