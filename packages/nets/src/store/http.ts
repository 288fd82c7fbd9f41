/**
 * HTTP handler that serves the built-in models' files to browsers (Node-only; mount it on the server's http server
 * before Next's handler). Routes under `basePath` (default '/models'):
 *   GET <base>/index.json                → the registry: ids, layouts, files with size and sha256, availability;
 *   GET|HEAD <base>/<id>/<file>          → a file of a folder model (e.g. /models/darknet_tiny/model.json);
 *   GET|HEAD <base>/tflite/<id>.tflite   → a TFLite model.
 * Only files listed in the manifest are served (no path traversal is possible). Files are verified by the store
 * before the first response. Each response carries `ETag: "<sha256>"`; a request with `?v=<sha256>` (what
 * `browser-cache.ts` sends) is answered with `Cache-Control: public, max-age=31536000, immutable`, others with a
 * short max-age plus revalidation; `If-None-Match` gets a 304.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { locateModel, resolveModel, type ModelStoreOptions } from './model-store-node';
import { ModelStoreError, STORED_MODELS } from './stored-models';
import type { ManifestFile, StoredModelEntry } from './store.types';

/** Options of {@link createModelFilesHandler}. */
export interface ModelFilesHandlerOptions extends ModelStoreOptions {
  /** URL prefix (default '/models'). */
  basePath?: string;
  /** Let the server download a model that is not available locally (default: false — serve only local copies). */
  allowDownload?: boolean;
}

/** A request handler: resolves true when it answered, false when the URL is not under its base path. */
export type ModelFilesHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=300, must-revalidate';

function contentType(file: string): string {
  if (file.endsWith('.json')) return 'application/json; charset=utf-8';
  return 'application/octet-stream';
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Creates the handler; see the module comment for routes and caching. */
export function createModelFilesHandler(options: ModelFilesHandlerOptions = {}): ModelFilesHandler {
  const base = (options.basePath ?? '/models').replace(/\/+$/, '');
  const byPath = new Map<string, { entry: StoredModelEntry; file: ManifestFile }>();
  for (const entry of STORED_MODELS) for (const file of entry.files) byPath.set(file.path, { entry, file });
  /** Model id → root directory once resolved and verified (verification hashes every file once per process). */
  const roots = new Map<string, Promise<string>>();
  const storeOptions: ModelStoreOptions = { ...options, download: options.allowDownload ?? false };

  const rootOf = (entry: StoredModelEntry): Promise<string> => {
    let p = roots.get(entry.id);
    if (!p) {
      p = resolveModel(entry.id, storeOptions).then((r) => r.root);
      // A failure is not remembered: the files may appear later (e.g. after a download finishes elsewhere).
      p.catch(() => roots.delete(entry.id));
      roots.set(entry.id, p);
    }
    return p;
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      res.end();
      return true;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname.slice(base.length + 1));
    } catch {
      sendJson(res, 400, { error: 'bad-request', message: 'malformed URL' });
      return true;
    }

    if (rel === 'index.json') {
      const models = await Promise.all(STORED_MODELS.map(async (m) => ({
        id: m.id, layout: m.layout, licence: m.licence, totalBytes: m.totalBytes,
        available: (await locateModel(m.id, storeOptions)) !== null,
        files: m.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
      })));
      sendJson(res, 200, { basePath: base, models }, { 'Cache-Control': 'no-cache' });
      return true;
    }

    const hit = byPath.get(rel);
    if (!hit) {
      sendJson(res, 404, { error: 'not-found', message: `no model file '${rel}'` });
      return true;
    }
    const etag = `"${hit.file.sha256}"`;
    let root: string;
    try {
      root = await rootOf(hit.entry);
    } catch (err) {
      const code = err instanceof ModelStoreError && err.code === 'integrity' ? 500 : 503;
      sendJson(res, code, { error: err instanceof ModelStoreError ? err.code : 'error', message: (err as Error).message });
      return true;
    }
    const versioned = url.searchParams.get('v') === hit.file.sha256;
    const headers: Record<string, string | number> = {
      ETag: etag,
      'Cache-Control': versioned ? IMMUTABLE : REVALIDATE,
      'Content-Type': contentType(rel),
      'X-Content-Type-Options': 'nosniff',
    };
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').map((s) => s.trim()).includes(etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    headers['Content-Length'] = hit.file.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((resolve) => {
      const stream = createReadStream(path.join(root, hit.file.path));
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      stream.on('end', () => resolve());
      stream.pipe(res);
    });
    return true;
  };
}
