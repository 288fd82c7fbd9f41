/**
 * Browser side of the model store: a {@link ResourceReader} over the server's model files (`http.ts`) that keeps
 * every file in Cache Storage, so a class of 100 students downloads a model once per browser, not once per lesson.
 * Requests carry `?v=<sha256>` from the manifest, which the server answers as immutable; every response is checked
 * against the manifest's size and sha256 before it is cached or used. Works without Cache Storage (plain fetch).
 * No DOM beyond `fetch` and `caches` (Web Crypto where the page has it); also runs in Node 20 for tests.
 */
import type { ResourceReader } from '../model.types';
import { checkIntegrity, ModelStoreError, STORED_MODELS } from './stored-models';
import type { ManifestFile } from './store.types';

/** Cache Storage bucket; bump the suffix if the cached layout ever changes. */
export const MODEL_CACHE_NAME = 'convlab-models-v1';

/** Options of {@link createCachedModelReader}. */
export interface CachedModelReaderOptions {
  /** fetch implementation (default: global fetch). */
  fetch?: typeof fetch;
  /** Cache Storage (default: `globalThis.caches` when present; null disables caching). */
  caches?: CacheStorage | null;
  /** Manifest files to verify against (default: all built-in models' files). */
  files?: ManifestFile[];
  /** Called for each file with whether it came from the cache. */
  onFile?: (event: { path: string; bytes: number; cached: boolean }) => void;
}

/**
 * A reader rooted at the server's models URL (e.g. `/models/`, the same layout as the models directory) for
 * `loadBuiltinModel`. Files in the manifest are fetched versioned, verified and cached; other paths are fetched as is.
 */
export function createCachedModelReader(baseUrl: string, options: CachedModelReaderOptions = {}): ResourceReader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const fetchFn = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const storage = options.caches === undefined ? (globalThis as { caches?: CacheStorage }).caches ?? null : options.caches;
  const manifest = new Map((options.files ?? STORED_MODELS.flatMap((m) => m.files)).map((f) => [f.path, f] as const));
  const absolute = (p: string) => new URL(p, new URL(base, (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/')).toString();

  const readBytes = async (p: string): Promise<Uint8Array> => {
    const file = manifest.get(p);
    const url = file ? `${absolute(p)}?v=${file.sha256}` : absolute(p);
    // Storage can be refused (a third-party frame such as an LMS's, with third-party storage blocked): read uncached.
    const cache = storage && file ? await storage.open(MODEL_CACHE_NAME).catch(() => null) : null;
    if (cache && file) {
      const hit = await cache.match(url);
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        try {
          await checkIntegrity(file, bytes, `cached ${p}`);
          options.onFile?.({ path: p, bytes: bytes.byteLength, cached: true });
          return bytes;
        } catch {
          await cache.delete(url); // damaged entry (quota eviction mid-write, manual edits): fetch it again
        }
      }
    }
    const res = await fetchFn(url);
    if (!res.ok) throw new ModelStoreError(`cannot fetch ${url}: HTTP ${res.status}`, 'download');
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (file) await checkIntegrity(file, bytes, `download of ${url}`);
    if (cache) {
      // Store a fresh Response: the original body is consumed, and the headers we need are few.
      await cache
        .put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': res.headers.get('Content-Type') ?? 'application/octet-stream' } }))
        .catch(() => undefined); // over quota or refused: the bytes are good, only the next read fetches again
    }
    options.onFile?.({ path: p, bytes: bytes.byteLength, cached: false });
    return bytes;
  };

  return {
    readBytes,
    async readText(p) {
      return new TextDecoder().decode(await readBytes(p));
    },
    describe(p) {
      return p ? absolute(p) : base;
    },
  };
}

/** Deletes every cached model file (a "free space" button, or after a failed load). */
export async function clearModelCache(storage: CacheStorage | null = (globalThis as { caches?: CacheStorage }).caches ?? null): Promise<boolean> {
  return storage ? storage.delete(MODEL_CACHE_NAME) : false;
}
