/**
 * Node side of the model store: finds a built-in model's files, verifies them (size + sha256) and downloads missing
 * ones into a local cache. Sources, first that has the model wins:
 *   1. an explicit directory (`modelsDir` option, the CLI's --models-dir);
 *   2. $CONVLAB_MODELS_DIR;
 *   3. ../shared/models next to the repository, when present;
 *   4. the local cache ($CONVLAB_CACHE_DIR, else $XDG_CACHE_HOME/convlab/models, else ~/.cache/convlab/models);
 *   5. a download from the model's public home (or $CONVLAB_MODELS_MIRROR) into the cache, each file checked.
 * A directory holds the same layout as ../shared/models: `<id>/...` folders and `tflite/<id>.tflite`.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceReader } from '../model.types';
import type { Env } from '../node';
import {
  checkIntegrity, downloadUrl, getStoredModel, modelFolder, ModelStoreError, requiredFiles,
} from './stored-models';
import type { StoredModelEntry, ManifestFile, ModelLocationKind } from './store.types';

/** Options of the Node model store; every field has a default from the environment. */
export interface ModelStoreOptions {
  /** An explicit models directory, tried first. */
  modelsDir?: string;
  /** Environment to read CONVLAB_* variables from (default: process.env). */
  env?: Env;
  /** The shared models directory (default: ../shared/models next to the repository). */
  sharedDir?: string;
  /** Cache directory for downloads. */
  cacheDir?: string;
  /** Allow downloads (default: true unless CONVLAB_OFFLINE=1). */
  download?: boolean;
  /** Base URL with the models-directory layout that replaces the public homes (default: $CONVLAB_MODELS_MIRROR). */
  mirror?: string;
  /** fetch implementation (tests, proxies). */
  fetch?: typeof fetch;
  /** Called after each downloaded file. */
  onDownload?: (event: { model: string; file: string; bytes: number; done: number; total: number }) => void;
}

/** A place the store looks in. */
export interface ModelSource {
  kind: ModelLocationKind;
  dir: string;
}

/** A model whose files are present and verified. */
export interface ResolvedModel {
  entry: StoredModelEntry;
  /** The models root the files are in. */
  root: string;
  /** The model's folder (`<root>/<id>`) or, for TFLite, its file (`<root>/tflite/<id>.tflite`). */
  path: string;
  location: ModelLocationKind;
  /** A reader rooted at `root` (pass it to `loadBuiltinModel`) that re-checks size and sha256 of the model's files. */
  reader: ResourceReader;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '../../../..');

/** The cache directory for downloaded models. */
export function defaultCacheDir(env: Env = process.env): string {
  if (env.CONVLAB_CACHE_DIR) return path.resolve(env.CONVLAB_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
  return path.join(base, 'convlab', 'models');
}

/** The directories the store looks in, in order (the cache last; downloads go there). */
export function modelSources(options: ModelStoreOptions = {}): ModelSource[] {
  const env = options.env ?? process.env;
  const out: ModelSource[] = [];
  if (options.modelsDir) out.push({ kind: 'explicit', dir: path.resolve(options.modelsDir) });
  if (env.CONVLAB_MODELS_DIR) out.push({ kind: 'env', dir: path.resolve(env.CONVLAB_MODELS_DIR) });
  out.push({ kind: 'shared', dir: path.resolve(options.sharedDir ?? path.join(REPO_ROOT, '..', 'shared', 'models')) });
  out.push({ kind: 'cache', dir: path.resolve(options.cacheDir ?? defaultCacheDir(env)) });
  return out;
}

type FileState = 'ok' | 'missing' | 'wrong-size';

async function fileState(full: string, file: ManifestFile): Promise<FileState> {
  try {
    const s = await stat(full);
    return s.isFile() && s.size === file.size ? 'ok' : 'wrong-size';
  } catch {
    return 'missing';
  }
}

/** Verified-file memo: path → "size:mtime" of the version whose sha256 matched. Re-hashing 10 MB per load adds up. */
const verified = new Map<string, string>();

async function hashFile(full: string): Promise<{ bytes: Buffer; sha256: string }> {
  const bytes = await readFile(full);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Checks size and sha256 of one file on disk (memoized by size and mtime); throws 'integrity' on a mismatch. */
export async function verifyFile(full: string, file: ManifestFile, model: string): Promise<void> {
  const s = await stat(full);
  const key = `${s.size}:${s.mtimeMs}`;
  if (verified.get(full) === key) return;
  const { bytes, sha256 } = await hashFile(full);
  await checkIntegrity(file, bytes, `model '${model}': ${full}`, sha256);
  verified.set(full, key);
}

/** What one source holds of a model: 'complete', 'partial' (some files missing) or 'absent'; sizes only. */
export async function probeSource(entry: StoredModelEntry, dir: string): Promise<{
  status: 'complete' | 'partial' | 'absent';
  missing: ManifestFile[];
  wrongSize: ManifestFile[];
}> {
  const missing: ManifestFile[] = [];
  const wrongSize: ManifestFile[] = [];
  const files = requiredFiles(entry);
  for (const f of files) {
    const st = await fileState(path.join(dir, f.path), f);
    if (st === 'missing') missing.push(f);
    else if (st === 'wrong-size') wrongSize.push(f);
  }
  const status = missing.length === files.length ? 'absent' : missing.length === 0 && wrongSize.length === 0 ? 'complete' : 'partial';
  return { status, missing, wrongSize };
}

/** Where a built-in model is available locally right now (sizes only, no hashing, no download), or null. */
export async function locateModel(id: string, options: ModelStoreOptions = {}): Promise<ModelSource | null> {
  const entry = getStoredModel(id);
  for (const src of modelSources(options)) {
    if ((await probeSource(entry, src.dir)).status === 'complete') return src;
  }
  return null;
}

/**
 * Finds a built-in model's files (see the module comment for the order), verifies every file's size and sha256, and
 * downloads missing or damaged files into the cache when no directory has them. Throws a {@link ModelStoreError}
 * that names the model and what to set when no source can give the files, or names the file that is damaged.
 */
export async function resolveModel(id: string, options: ModelStoreOptions = {}): Promise<ResolvedModel> {
  const entry = getStoredModel(id);
  const env = options.env ?? process.env;
  const sources = modelSources(options);
  const looked: string[] = [];
  for (const src of sources) {
    const probe = await probeSource(entry, src.dir);
    if (probe.status === 'absent') {
      looked.push(`${path.join(src.dir, modelFolder(entry))} (${src.kind}: not there)`);
      continue;
    }
    if (src.kind === 'cache') {
      if (probe.status === 'complete') {
        try {
          for (const f of requiredFiles(entry)) await verifyFile(path.join(src.dir, f.path), f, id);
          return resolved(entry, src.dir, 'cache');
        } catch {
          // a damaged cache entry is repaired by the download below
        }
      }
      looked.push(`${path.join(src.dir, modelFolder(entry))} (cache: incomplete)`);
      break;
    }
    if (probe.status === 'partial') {
      // A copy that someone put in place but that lacks files or has truncated ones is an error, not a fallback:
      // loading from elsewhere would hide the problem.
      const bad = [...probe.wrongSize.map((f) => `${f.path} (size differs from ${f.size} bytes)`), ...probe.missing.map((f) => `${f.path} (missing)`)];
      throw new ModelStoreError(
        `model '${id}' in ${src.dir} (${src.kind}) is incomplete or damaged: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? `, … (${bad.length} files)` : ''}. Restore these files or remove the folder.`,
        'integrity',
      );
    }
    for (const f of requiredFiles(entry)) await verifyFile(path.join(src.dir, f.path), f, id);
    return resolved(entry, src.dir, src.kind);
  }

  const cache = sources[sources.length - 1].dir;
  const allowDownload = options.download ?? env.CONVLAB_OFFLINE !== '1';
  const mirror = options.mirror ?? env.CONVLAB_MODELS_MIRROR;
  if (!allowDownload) {
    throw notFound(id, looked, 'downloads are off (CONVLAB_OFFLINE=1)');
  }
  try {
    await downloadInto(entry, cache, mirror, options);
  } catch (err) {
    if (err instanceof ModelStoreError && err.code === 'integrity') throw err;
    throw notFound(id, looked, `download failed: ${(err as Error).message}`);
  }
  return resolved(entry, cache, 'download');
}

function notFound(id: string, looked: string[], why: string): ModelStoreError {
  return new ModelStoreError(
    `model '${id}' is not available: looked in ${looked.join('; ')}; ${why}. ` +
      `Set CONVLAB_MODELS_DIR to a folder that holds '${id}' (the layout of ../shared/models), pass --models-dir, ` +
      `or allow the download from its public home (CONVLAB_MODELS_MIRROR for a mirror).`,
    'not-found',
  );
}

/** Downloads every missing or damaged required file of a model into `cache`, each checked before it is kept. */
async function downloadInto(entry: StoredModelEntry, cache: string, mirror: string | undefined, options: ModelStoreOptions): Promise<void> {
  const fetchFn = options.fetch ?? fetch;
  const files = requiredFiles(entry);
  let done = 0;
  for (const f of files) {
    const target = path.join(cache, f.path);
    done++;
    try {
      await verifyFile(target, f, entry.id);
      continue; // already cached and intact
    } catch {
      // missing or damaged: fetch it again
    }
    const url = downloadUrl(entry, f, mirror);
    if (!url) throw new Error(`${f.path} has no public home`);
    const res = await fetchFn(url);
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    await checkIntegrity(f, bytes, `model '${entry.id}': download of ${url}`);
    await mkdir(path.dirname(target), { recursive: true });
    // Write next to the target and rename: a crash or a parallel reader never sees a half-written file.
    const part = `${target}.${process.pid}.${Date.now()}.part`;
    await writeFile(part, bytes);
    await rename(part, target);
    options.onDownload?.({ model: entry.id, file: f.path, bytes: bytes.byteLength, done, total: files.length });
  }
  // The cache now holds each file once; drop a stale verification memo of replaced files.
  for (const f of files) verified.delete(path.join(cache, f.path));
  for (const f of files) await verifyFile(path.join(cache, f.path), f, entry.id);
}

function resolved(entry: StoredModelEntry, root: string, location: ModelLocationKind): ResolvedModel {
  const where = entry.layout === 'tflite' ? path.join(root, 'tflite', `${entry.id}.tflite`) : path.join(root, entry.id);
  return { entry, root, path: where, location, reader: createVerifyingReader(entry, root) };
}

/**
 * A {@link ResourceReader} rooted at a models directory (what `loadBuiltinModel` expects) that checks size and sha256
 * of every file of `entry`'s manifest it returns, so that a file damaged after resolution is still caught before it
 * is parsed. Other files under the root are read as they are.
 */
export function createVerifyingReader(entry: StoredModelEntry, root: string): ResourceReader {
  const base = path.resolve(root);
  const byPath = new Map(entry.files.map((f) => [f.path, f] as const));
  const full = (p: string) => {
    const f = path.resolve(base, p);
    if (!f.startsWith(base + path.sep)) throw new ModelStoreError(`path '${p}' leaves ${base}`, 'not-found');
    return f;
  };
  const read = async (p: string): Promise<Uint8Array> => {
    const file = full(p);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelStoreError(code === 'ENOENT' ? `missing file ${file}` : `cannot read ${file}: ${(e as Error).message}`, 'not-found');
    }
    const m = byPath.get(path.relative(base, file).split(path.sep).join('/'));
    if (m) await checkIntegrity(m, bytes, `model '${entry.id}': ${file}`, createHash('sha256').update(bytes).digest('hex'));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  return {
    readBytes: read,
    async readText(p) {
      return new TextDecoder().decode(await read(p));
    },
    describe(p) {
      return p ? full(p) : base;
    },
  };
}

/** Removes a model's files from the cache (e.g. `convlab models --clear-cache`). */
export async function clearCachedModel(id: string, options: ModelStoreOptions = {}): Promise<void> {
  const entry = getStoredModel(id);
  const cache = modelSources(options).at(-1)!.dir;
  for (const f of entry.files) {
    await rm(path.join(cache, f.path), { force: true });
    verified.delete(path.join(cache, f.path));
  }
}

/** Reads the first bytes of a file (to sniff formats without loading large files). */
export async function readHead(file: string, length: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
  } finally {
    await fh.close();
  }
}
