/**
 * Node-only helpers of `@convlab/nets` (import from 'packages/nets/src/node' / `@convlab/nets/node`): a file-system
 * {@link ResourceReader} and the default locations of the shared models and labels. The core never imports this.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceReader } from './model.types';

/** Environment variables as read here (a plain record, so callers can pass a clean one). */
export type Env = Record<string, string | undefined>;

/** A reader for files under a directory on disk; errors name the full path. */
export function createFileReader(rootDir: string): ResourceReader {
  const root = path.resolve(rootDir);
  const full = (p: string) => {
    const f = path.resolve(root, p);
    if (f !== root && !f.startsWith(root + path.sep)) throw new Error(`path '${p}' leaves ${root}`);
    return f;
  };
  const read = async (p: string) => {
    try {
      return await readFile(full(p));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `missing file ${full(p)}` : `cannot read ${full(p)}: ${(e as Error).message}`);
    }
  };
  return {
    async readBytes(p) {
      const b = await read(p);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    async readText(p) {
      return (await read(p)).toString('utf8');
    },
    describe(p) {
      return p ? full(p) : root;
    },
  };
}

/** The repository root (three levels above this file: packages/nets/src). */
export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
}

/** Models directory: $CONVLAB_MODELS_DIR, else ../shared/models next to the repo (the store adds its cache). */
export function defaultModelsDir(env: Env = process.env): string {
  return path.resolve(env.CONVLAB_MODELS_DIR ?? path.join(repoRoot(), '../shared/models'));
}

/** Labels directory: $CONVLAB_LABELS_DIR, else ../shared/labels next to the repo. */
export function defaultLabelsDir(env: Env = process.env): string {
  return path.resolve(env.CONVLAB_LABELS_DIR ?? path.join(repoRoot(), '../shared/labels'));
}

/** Sample images directory: $CONVLAB_IMAGES_DIR, else ../shared/images next to the repo. (Uploads live in the data dir.) */
export function defaultImagesDir(env: Env = process.env): string {
  return path.resolve(env.CONVLAB_IMAGES_DIR ?? path.join(repoRoot(), '../shared/images'));
}

/** True when a directory or file exists (for tests that skip without the shared data). */
export function pathExists(p: string): boolean {
  return existsSync(p);
}

/** Decodes an image file (JPEG, PNG, WebP, …) with sharp into RGB pixels `[h, w, 3]` (int32 0..255). */
export async function decodeImageFile(file: string): Promise<import('@tensorflow/tfjs-core').Tensor3D> {
  const [{ default: sharp }, tf] = await Promise.all([import('sharp'), import('@tensorflow/tfjs-core')]);
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected 3 channels after decoding, got ${info.channels}`);
  return tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
}

// The model store's Node half: locating, verifying and downloading model files, loading by id or path, serving them.
export {
  resolveModel, locateModel, modelSources, defaultCacheDir, clearCachedModel, type ModelStoreOptions, type ResolvedModel,
} from './store/model-store-node';
export { loadModelSpec, FOLDER_META, type LoadModelSpecOptions, type LoadedModel } from './store/load-model-node';
export { createModelFilesHandler, type ModelFilesHandlerOptions } from './store/http';
