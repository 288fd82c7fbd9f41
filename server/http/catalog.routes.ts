/**
 * What a lesson editor can choose from on this server. `GET /api/models`: the built-in models whose files are
 * present (models dir, shared dir or cache — no download), then the uploaded ones, with input size and number of
 * classes. `POST /api/models` (instructor): upload an ONNX model (multipart form: file, settings, optional labels).
 * `GET /api/models/<id>`: one model's entry, and for uploaded ones the metadata and file browsers load it with;
 * `GET /api/models/<id>/model.onnx`: that file (immutable when asked for with `?v=<sha256>`).
 * `POST /api/models/<id>/delete`: deletes an uploaded model (its uploader or an admin), refused (409, naming them)
 * while a live session or an open assignment uses it.
 * `GET /api/samples`: the ids of the built-in sample images (`photos/<file>`, `imagenet-samples/<file>`) in the
 * images directory, plus the repository's photos that stand in for `photos/` (as `GET /api/samples/<id>` serves them).
 * `GET /api/models/<id>/first-conv`: the model's first convolution (layer, HWIO shape, stride, weights), read by a
 * compute worker once per model (the first-layer filters lab).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_GRAPH_FACTS, BUILTIN_MODELS, defaultFeatureLayer, getStoredModel } from '@convlab/nets';
import { locateModel, type ModelStoreOptions } from '@convlab/nets/node';
import { SampleIdSchema } from '@convlab/labs';
import { REPO_PHOTOS_DIR, resolveImagesDir } from '@convlab/labs/node';
import { API, MODEL_LABELS_MAX_BYTES, MODEL_UPLOAD, ModelUploadSettingsSchema, ProtocolError, isComputeError, type InstalledModel } from '@convlab/protocol';
import { speedOf, withMeasuredSpeeds } from '../models/model-speed';
import type { ServerContext } from '../context';
import { requireApprovedInstructor, requireInstructorId } from './auth.routes';
import { readBody, type Router } from './router';

const SAMPLE_FOLDERS = ['photos', 'imagenet-samples'] as const;

async function fileNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return []; // an absent folder simply has no samples
  }
}

/** Sample ids available under `imagesDir` (and the repository's photos), sorted; only ids the labs accept. */
export async function listSampleIds(imagesDir: string, repoPhotosDir = REPO_PHOTOS_DIR): Promise<string[]> {
  const ids = new Set<string>();
  for (const folder of SAMPLE_FOLDERS) {
    for (const name of await fileNames(join(imagesDir, folder))) ids.add(`${folder}/${name}`);
  }
  for (const name of await fileNames(repoPhotosDir)) ids.add(`photos/${name}`);
  return [...ids].filter((id) => SampleIdSchema.safeParse(id).success).sort();
}

/**
 * The built-in models present on this server (where the compute workers look for them), in registry order; those
 * larger than `browserMaxBytes` are computed on the server only.
 */
export async function listInstalledModels(options: ModelStoreOptions, browserMaxBytes = Number.POSITIVE_INFINITY): Promise<InstalledModel[]> {
  const found = await Promise.all(BUILTIN_MODELS.map(async (m) => ((await locateModel(m.meta.id, options)) ? m.meta : null)));
  return found
    .filter((m) => m !== null)
    .map(({ id, displayName, family, inputSize, numClasses, weights }) => {
      const sizeBytes = getStoredModel(id).totalBytes;
      const facts = BUILTIN_GRAPH_FACTS[id];
      const layers = facts?.layers.map((l) => ({ id: l.id, shape: l.shape })) ?? [];
      return {
        id, displayName, family, inputSize: [inputSize[0], inputSize[1]], numClasses, source: 'builtin', sizeBytes, serverOnly: sizeBytes > browserMaxBytes, weights: weights ?? 'float',
        layers, defaultLayer: defaultFeatureLayer(layers, numClasses), speed: facts ? speedOf(facts.gflops) : null, firstConv: facts?.firstConv,
      };
    });
}

/** The text of an optional form file (a label file), bounded. */
async function formText(value: FormDataEntryValue | null, what: string, maxBytes: number): Promise<string | null> {
  if (value === null || (typeof value !== 'string' && value.size === 0)) return null;
  if (typeof value !== 'string' && value.size > maxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', `the ${what} is larger than ${maxBytes / 1024} KB`);
  return typeof value === 'string' ? value : value.text();
}

/** Reads the multipart upload of `POST /api/models` into the model store's terms. */
async function readModelUpload(req: Parameters<Parameters<Router['addRaw']>[1]>[0], ctx: ServerContext) {
  const maxBytes = ctx.config.models.uploadMaxBytes;
  const type = String(req.raw.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    req.raw.resume();
    throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', `send the model as multipart/form-data with the fields '${MODEL_UPLOAD.file}', '${MODEL_UPLOAD.settings}' and (optional) '${MODEL_UPLOAD.labels}'`);
  }
  const tooLarge = `the model is larger than ${Math.round(maxBytes / (1024 * 1024))} MB (CONVLAB_MODEL_UPLOAD_MB); at most that is accepted`;
  // Room for the label file and the form's own framing on top of the model.
  const body = await readBody(req.raw, maxBytes + MODEL_LABELS_MAX_BYTES + 64 * 1024, tooLarge);
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), { headers: { 'content-type': type } }).formData();
  } catch {
    throw new ProtocolError('BAD_REQUEST', 'the upload is not a well-formed multipart form');
  }
  const file = form.get(MODEL_UPLOAD.file);
  if (!file || typeof file === 'string') throw new ProtocolError('BAD_REQUEST', `the form has no '${MODEL_UPLOAD.file}' (the .onnx file)`);
  if (file.size > maxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', tooLarge);
  if (file.size === 0) throw new ProtocolError('BAD_REQUEST', `${file.name || 'the file'} is empty`);
  let settings: unknown;
  try {
    settings = JSON.parse((await formText(form.get(MODEL_UPLOAD.settings), 'settings', 64 * 1024)) ?? '{}');
  } catch {
    throw new ProtocolError('BAD_REQUEST', `'${MODEL_UPLOAD.settings}' is not JSON`);
  }
  const parsed = ModelUploadSettingsSchema.safeParse(settings);
  if (!parsed.success) throw new ProtocolError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '));
  return {
    bytes: new Uint8Array(await file.arrayBuffer()),
    fileName: (file.name || 'model.onnx').slice(0, 200),
    settings: parsed.data,
    labels: await formText(form.get(MODEL_UPLOAD.labels), 'label file', MODEL_LABELS_MAX_BYTES),
  };
}

/** Registers the model and sample routes; directories are read from `env` on each request. */
export function registerCatalogRoutes(router: Router, env: Record<string, string | undefined> = process.env): void {
  router.add('GET', API.models, async (_req, ctx) => ({
    status: 200,
    body: { models: withMeasuredSpeeds(ctx, [...(await listInstalledModels({ env }, ctx.config.models.browserMaxBytes)), ...(await ctx.models.list())]) },
  }));
  router.addRaw(API.models, async (req, ctx) => {
    const uploadedBy = await requireInstructorId(req, ctx);
    const upload = await readModelUpload(req, ctx);
    const { model, created } = await ctx.models.upload({ ...upload, uploadedBy });
    return { status: created ? 201 : 200, body: { model, created } };
  });
  router.add('GET', '/api/models/:id', async (req, ctx) => {
    const id = req.params.id!;
    const detail = await ctx.models.detail(id);
    if (detail) return { status: 200, body: detail };
    const builtin = (await listInstalledModels({ env }, ctx.config.models.browserMaxBytes)).find((m) => m.id === id);
    if (!builtin) throw new ProtocolError('NOT_FOUND', `no model '${id}' on this server`);
    return { status: 200, body: { model: builtin } };
  });
  router.add('POST', '/api/models/:id/delete', async (req, ctx) => {
    const account = await requireApprovedInstructor(req, ctx);
    return { status: 200, body: { deleted: await ctx.models.remove(req.params.id!, account) } };
  });
  router.add('GET', '/api/models/:id/model.onnx', async (req, ctx) => {
    const { bytes, sha256 } = await ctx.models.readFile(req.params.id!);
    const etag = `"${sha256}"`;
    const headers = {
      'content-type': 'application/octet-stream',
      // Asked for by content (?v=<sha256>, as the browser's model cache does): it never changes.
      'cache-control': req.url.searchParams.get('v') === sha256 ? 'public, max-age=31536000, immutable' : 'public, max-age=300, must-revalidate',
      etag,
      'x-content-type-options': 'nosniff',
    };
    if (String(req.raw.headers['if-none-match'] ?? '').split(',').some((t) => t.trim() === etag)) return { status: 304, headers };
    return { status: 200, bytes, headers };
  });
  router.add('GET', '/api/models/:id/first-conv', async (req, ctx) => {
    const id = req.params.id!;
    const described = await (await ctx.compute.get()).describeModel(id).catch((err: unknown) => {
      throw isComputeError(err) && err.code === 'UNKNOWN_MODEL' ? new ProtocolError('NOT_FOUND', err.message) : err;
    });
    if (!described.firstConv) throw new ProtocolError('NOT_FOUND', `model ${id} has no ordinary convolution`);
    return { status: 200, body: described.firstConv, headers: { 'cache-control': 'public, max-age=3600' } };
  });
  router.add('GET', API.samples, async () => ({ status: 200, body: { samples: await listSampleIds(resolveImagesDir(env)) } }));
}
