import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { disposeModel, forward } from '../executor';
import { loadBuiltinModel } from '../load-model';
import { BUILTIN_MODELS } from '../models';
import { createCachedModelReader, MODEL_CACHE_NAME } from './browser-cache';
import { createModelFilesHandler } from './http';
import { loadModelSpec } from './load-model-node';
import { locateModel, modelSources, resolveModel } from './model-store-node';
import { getStoredModel, sha256Hex, STORED_MODEL_IDS, STORED_MODELS } from './stored-models';

const SHARED_MODELS = path.resolve(__dirname, '../../../../../shared/models');
const haveShared = existsSync(path.join(SHARED_MODELS, 'tflite'));
const SMALL_TFLITE = 'mobilenet_v1_0.25_128_quant';
const SMALL_FOLDER = 'mobilenet_v1_0.25_224';
/** An environment with none of the CONVLAB_* variables, so tests do not depend on the caller's shell. */
const CLEAN_ENV: Record<string, string | undefined> = { HOME: tmpdir() };

const tmp = () => mkdtempSync(path.join(tmpdir(), 'convlab-store-'));

/** Copies one model's files (as listed in the manifest) from the shared folder into `root`. */
function copyModel(id: string, root: string): void {
  for (const f of getStoredModel(id).files) {
    const src = path.join(SHARED_MODELS, f.path);
    if (!existsSync(src)) continue;
    mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
    copyFileSync(src, path.join(root, f.path));
  }
}

describe('built-in model registry of the store', () => {
  it('hashes with Web Crypto, and the same without it', async () => {
    const abc = new TextEncoder().encode('abc');
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Hex(abc)).toBe(expected);
    vi.stubGlobal('crypto', {});
    try {
      expect(await sha256Hex(abc)).toBe(expected);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('has one entry with files for every model of the metadata registry, and no others', () => {
    expect([...STORED_MODEL_IDS].sort()).toEqual(BUILTIN_MODELS.map((m) => m.meta.id).sort());
    for (const m of BUILTIN_MODELS) {
      const s = getStoredModel(m.meta.id);
      expect(s.files.length).toBeGreaterThan(0);
      for (const f of s.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (m.format === 'tflite') expect(s.files.map((f) => f.path)).toEqual([m.path]);
      else expect(s.files.every((f) => f.path.startsWith(`${m.path}/`))).toBe(true);
    }
    expect(() => getStoredModel('resnet_9000')).toThrow(/unknown model 'resnet_9000'; built-in models: mobilenet_v1_0.25_224/);
  });

  it('looks in the explicit dir, then CONVLAB_MODELS_DIR, then the shared folder, then the cache', () => {
    const kinds = modelSources({ modelsDir: '/a', env: { CONVLAB_MODELS_DIR: '/b', CONVLAB_CACHE_DIR: '/c' }, sharedDir: '/s' });
    expect(kinds).toEqual([
      { kind: 'explicit', dir: '/a' }, { kind: 'env', dir: '/b' }, { kind: 'shared', dir: '/s' }, { kind: 'cache', dir: '/c' },
    ]);
  });
});

describe.skipIf(!haveShared)('model store on disk', () => {
  it('resolves from the shared folder and verifies every file', async () => {
    const r = await resolveModel(SMALL_FOLDER, { env: CLEAN_ENV, sharedDir: SHARED_MODELS, download: false });
    expect(r.location).toBe('shared');
    expect(r.path).toBe(path.join(SHARED_MODELS, SMALL_FOLDER));
    const model = await loadBuiltinModel(SMALL_FOLDER, r.reader);
    expect(model.meta.id).toBe(SMALL_FOLDER);
    disposeModel(model);
  });

  it('prefers CONVLAB_MODELS_DIR and an explicit dir over the shared folder', async () => {
    const envDir = tmp();
    copyModel(SMALL_TFLITE, envDir);
    const fromEnv = await resolveModel(SMALL_TFLITE, { env: { ...CLEAN_ENV, CONVLAB_MODELS_DIR: envDir }, sharedDir: SHARED_MODELS });
    expect(fromEnv.location).toBe('env');
    expect(fromEnv.path).toBe(path.join(envDir, 'tflite', `${SMALL_TFLITE}.tflite`));
    const explicit = tmp();
    copyModel(SMALL_TFLITE, explicit);
    const r = await resolveModel(SMALL_TFLITE, { modelsDir: explicit, env: { ...CLEAN_ENV, CONVLAB_MODELS_DIR: envDir }, sharedDir: SHARED_MODELS });
    expect(r.location).toBe('explicit');
    rmSync(envDir, { recursive: true });
    rmSync(explicit, { recursive: true });
  });

  it('detects a truncated file and a corrupted file (same size) and names them', async () => {
    const dir = tmp();
    copyModel(SMALL_TFLITE, dir);
    const file = path.join(dir, 'tflite', `${SMALL_TFLITE}.tflite`);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 1000));
    await expect(resolveModel(SMALL_TFLITE, { modelsDir: dir, env: CLEAN_ENV, sharedDir: SHARED_MODELS }))
      .rejects.toThrow(/model 'mobilenet_v1_0.25_128_quant' in .* \(explicit\) is incomplete or damaged: tflite\/mobilenet_v1_0.25_128_quant.tflite \(size differs/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5000] ^= 0xff;
    writeFileSync(file, flipped);
    await expect(resolveModel(SMALL_TFLITE, { modelsDir: dir, env: CLEAN_ENV, sharedDir: SHARED_MODELS }))
      .rejects.toThrow(/sha256 [0-9a-f]{64}, expected cb273c23.* corrupt/);
    rmSync(dir, { recursive: true });
  });

  it('says what to set when no source has the model and downloads are off', async () => {
    const empty = tmp();
    await expect(resolveModel(SMALL_TFLITE, { env: CLEAN_ENV, sharedDir: path.join(empty, 'nope'), cacheDir: empty, download: false }))
      .rejects.toThrow(/model 'mobilenet_v1_0.25_128_quant' is not available: looked in .*downloads are off.*Set CONVLAB_MODELS_DIR/);
    expect(await locateModel(SMALL_TFLITE, { env: CLEAN_ENV, sharedDir: path.join(empty, 'nope'), cacheDir: empty })).toBeNull();
    rmSync(empty, { recursive: true });
  });
});

describe.skipIf(!haveShared)('downloads, the HTTP handler and the browser cache, over real HTTP', () => {
  let server: Server;
  let baseUrl: string;
  /** When set, the server flips one byte of every file it sends (a corrupting mirror). */
  let corrupt = false;
  const handler = createModelFilesHandler({ env: CLEAN_ENV, sharedDir: SHARED_MODELS });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (corrupt && req.url?.startsWith('/bad/')) {
        const rel = req.url.slice('/bad/'.length).split('?')[0];
        const bytes = Buffer.from(readFileSync(path.join(SHARED_MODELS, rel)));
        bytes[Math.floor(bytes.length / 2)] ^= 1;
        res.end(bytes);
        return;
      }
      handler(req, res).then((handled) => {
        if (!handled) {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves files with ETag, immutable caching for versioned URLs, 304 and 404', async () => {
    const f = getStoredModel(SMALL_TFLITE).files[0];
    const plain = await fetch(`${baseUrl}/models/${f.path}`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('etag')).toBe(`"${f.sha256}"`);
    expect(plain.headers.get('cache-control')).toMatch(/must-revalidate/);
    expect((await plain.arrayBuffer()).byteLength).toBe(f.size);
    const versioned = await fetch(`${baseUrl}/models/${f.path}?v=${f.sha256}`, { method: 'HEAD' });
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(versioned.headers.get('content-length'))).toBe(f.size);
    const again = await fetch(`${baseUrl}/models/${f.path}`, { headers: { 'If-None-Match': `"${f.sha256}"` } });
    expect(again.status).toBe(304);
    expect((await fetch(`${baseUrl}/models/tflite/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/models/tflite/unknown.tflite`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/models/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${baseUrl}/models/index.json`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${baseUrl}/other`)).status).toBe(404); // not under /models: left to the next handler
    const index = (await (await fetch(`${baseUrl}/models/index.json`)).json()) as { models: Array<{ id: string; available: boolean }> };
    expect(index.models.map((m) => m.id)).toEqual([...STORED_MODEL_IDS]);
    expect(index.models.every((m) => m.available)).toBe(true);
  });

  it('downloads a model from a mirror into the cache, then uses the cache', async () => {
    const cache = tmp();
    const opts = { env: CLEAN_ENV, sharedDir: path.join(cache, 'none'), cacheDir: cache, mirror: `${baseUrl}/models` };
    const events: string[] = [];
    const r = await resolveModel(SMALL_FOLDER, { ...opts, onDownload: (e) => events.push(e.file) });
    expect(r.location).toBe('download');
    expect(events.length).toBe(getStoredModel(SMALL_FOLDER).files.length);
    const model = await loadBuiltinModel(SMALL_FOLDER, r.reader);
    const x = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
    const out = forward(model, x);
    expect(out.probabilities.shape).toEqual([1, 1000]);
    tf.dispose([x, out.output, out.logits, out.probabilities]);
    disposeModel(model);
    const second = await resolveModel(SMALL_FOLDER, { ...opts, mirror: 'http://127.0.0.1:9/unreachable' });
    expect(second.location).toBe('cache');
    rmSync(cache, { recursive: true });
  });

  it('rejects a corrupted download and keeps nothing of it in the cache', async () => {
    const cache = tmp();
    corrupt = true;
    await expect(resolveModel(SMALL_TFLITE, { env: CLEAN_ENV, sharedDir: path.join(cache, 'none'), cacheDir: cache, mirror: `${baseUrl}/bad` }))
      .rejects.toThrow(/download of .*sha256 .* expected cb273c23/);
    corrupt = false;
    const left = existsSync(path.join(cache, 'tflite')) ? readdirSync(path.join(cache, 'tflite')) : [];
    expect(left).toEqual([]);
    rmSync(cache, { recursive: true });
  });

  it('browser reader: fetches versioned URLs, verifies, caches, and serves the second read from the cache', async () => {
    const storage = new MemoryCacheStorage();
    const seen: Array<{ path: string; cached: boolean }> = [];
    const urls: string[] = [];
    const reader = createCachedModelReader(`${baseUrl}/models/`, {
      caches: storage as unknown as CacheStorage,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
      onFile: (e) => seen.push({ path: e.path, cached: e.cached }),
    });
    const f = getStoredModel(SMALL_TFLITE).files[0];
    const a = await reader.readBytes(f.path);
    const b = await reader.readBytes(f.path);
    expect(b).toEqual(a);
    expect(seen).toEqual([{ path: f.path, cached: false }, { path: f.path, cached: true }]);
    expect(urls).toEqual([`${baseUrl}/models/${f.path}?v=${f.sha256}`]);
    expect(storage.names()).toEqual([MODEL_CACHE_NAME]);
    // A whole built-in model loads through it.
    const model = await loadBuiltinModel(SMALL_TFLITE, reader);
    expect(model.meta.inputSize).toEqual([128, 128]);
    disposeModel(model);
    // Cache Storage that refuses (a third-party frame with storage blocked): the files are read without it.
    const refusing = { open: () => Promise.reject(new DOMException('The operation is insecure.', 'SecurityError')) } as unknown as CacheStorage;
    expect(await createCachedModelReader(`${baseUrl}/models/`, { caches: refusing }).readBytes(f.path)).toEqual(a);
    // A server that sends other bytes than the manifest's is refused.
    const bad = createCachedModelReader(`${baseUrl}/bad/`, { caches: null });
    corrupt = true;
    await expect(bad.readBytes(f.path)).rejects.toThrow(/sha256/);
    corrupt = false;
    // A page without Web Crypto (plain http from another machine, an http LMS's frame) checks the files all the same.
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => a });
    try {
      expect(globalThis.crypto.subtle).toBeUndefined();
      expect(await createCachedModelReader(`${baseUrl}/models/`, { caches: null }).readBytes(f.path)).toEqual(a);
      corrupt = true;
      await expect(bad.readBytes(f.path)).rejects.toThrow(/sha256/);
    } finally {
      corrupt = false;
      vi.unstubAllGlobals();
    }
  });

  it('loads a model by id, TFLite path, layers folder, model.json path and URL; unknown specs get a clear error', async () => {
    const opts = { env: CLEAN_ENV, sharedDir: SHARED_MODELS, download: false };
    const byId = await loadModelSpec(SMALL_TFLITE, opts);
    expect(byId).toMatchObject({ kind: 'builtin', location: 'shared' });
    disposeModel(byId.model);
    const tflitePath = path.join(SHARED_MODELS, 'tflite', `${SMALL_TFLITE}.tflite`);
    const byFile = await loadModelSpec(tflitePath, opts);
    expect(byFile).toMatchObject({ kind: 'file', from: tflitePath });
    expect(byFile.model.meta.id).toBe(SMALL_TFLITE);
    disposeModel(byFile.model);
    const byDir = await loadModelSpec(path.join(SHARED_MODELS, SMALL_FOLDER), opts);
    expect(byDir.model.graph.nodes.length).toBeGreaterThan(20);
    disposeModel(byDir.model);
    const byJson = await loadModelSpec(path.join(SHARED_MODELS, SMALL_FOLDER, 'model.json'), opts);
    disposeModel(byJson.model);
    const byUrl = await loadModelSpec(`${baseUrl}/models/tflite/${SMALL_TFLITE}.tflite`, opts);
    expect(byUrl.kind).toBe('url');
    disposeModel(byUrl.model);
    const layersUrl = await loadModelSpec(`${baseUrl}/models/${SMALL_FOLDER}/model.json`, opts);
    expect(layersUrl.model.meta.id).toBe(SMALL_FOLDER);
    disposeModel(layersUrl.model);
    await expect(loadModelSpec('no/such/model.tflite', opts)).rejects.toThrow(/unknown model 'no\/such\/model.tflite': not a built-in id \(mobilenet_v1_0.25_224,/);
  });

  it('loads a model folder with its meta.json (as the server stores uploads): id, preprocessing and class names apply', async () => {
    const dir = tmp();
    copyFileSync(path.join(SHARED_MODELS, 'onnx', 'squeezenet1_1.onnx'), path.join(dir, 'model.onnx'));
    const classNames = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
    const preprocessing = { scale: 1, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'BGR', cropFraction: 1 };
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ id: 'onnx-mine-0123456789ab', displayName: 'Mine', labels: 'custom', classNames, preprocessing }));
    const { model } = await loadModelSpec(dir, { env: CLEAN_ENV });
    expect(model.meta).toMatchObject({ id: 'onnx-mine-0123456789ab', displayName: 'Mine', labels: 'custom', preprocessing, inputSize: [224, 224], numClasses: 1000 });
    expect(model.meta.classNames).toEqual(classNames);
    disposeModel(model);
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Cache Storage as the browser has it (Node has none): enough of open/match/put/delete for the reader. */
class MemoryCacheStorage {
  private readonly caches = new Map<string, Map<string, { body: Uint8Array; type: string }>>();
  names(): string[] {
    return [...this.caches.keys()];
  }
  async open(name: string) {
    let c = this.caches.get(name);
    if (!c) this.caches.set(name, (c = new Map()));
    const store = c;
    return {
      match: async (url: string) => {
        const e = store.get(url);
        return e ? new Response(e.body as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': e.type } }) : undefined;
      },
      put: async (url: string, res: Response) => {
        store.set(url, { body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('Content-Type') ?? '' });
      },
      delete: async (url: string) => store.delete(url),
    };
  }
  async delete(name: string) {
    return this.caches.delete(name);
  }
}
