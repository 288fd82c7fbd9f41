/** Resource readers that work in the browser and in Node (no `fs` here; see `node.ts` for files on disk). */
import type { ResourceReader } from '../model.types';

/** Joins path segments with '/', dropping empty ones and './' prefixes. */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join('/')
    .replace(/\/+/g, '/')
    .replace(/(^|\/)\.\//g, '$1');
}

/** A reader for files under an HTTP(S) base URL, using `fetch` (browser, or Node 18+). */
export function createHttpReader(baseUrl: string, fetchFn: typeof fetch = fetch): ResourceReader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const url = (path: string) => new URL(path, base).toString();
  const get = async (path: string) => {
    const res = await fetchFn(url(path));
    if (!res.ok) throw new Error(`cannot fetch ${url(path)}: HTTP ${res.status}`);
    return res;
  };
  return {
    async readBytes(path) {
      return new Uint8Array(await (await get(path)).arrayBuffer());
    },
    async readText(path) {
      return (await get(path)).text();
    },
    describe(path) {
      return path ? url(path) : base;
    },
  };
}

/** A reader over in-memory files (tests, uploads, or files already taken from a cache). */
export function createMemoryReader(files: Record<string, Uint8Array | string>, name = 'memory'): ResourceReader {
  const find = (path: string) => {
    const f = files[joinPath(path)];
    if (f === undefined) throw new Error(`${name}: no file '${path}'`);
    return f;
  };
  return {
    async readBytes(path) {
      const f = find(path);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
    async readText(path) {
      const f = find(path);
      return typeof f === 'string' ? f : new TextDecoder().decode(f);
    },
    describe(path) {
      return path ? `${name}:${path}` : name;
    },
  };
}

/** A reader for a sub-folder of another reader. */
export function subReader(reader: ResourceReader, dir: string): ResourceReader {
  return {
    readBytes: (path) => reader.readBytes(joinPath(dir, path)),
    readText: (path) => reader.readText(joinPath(dir, path)),
    describe: (path) => reader.describe(path ? joinPath(dir, path) : dir),
  };
}
