/**
 * Uploaded ONNX models over real HTTP, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL: an instructor uploads the
 * real squeezenet1_1.onnx, it joins the catalog and the compute server classifies with it; retries find the same
 * model and the filters lab reads its first convolution; bad files (truncated, fp16, non-image input, too large) are
 * refused with their messages and leave nothing behind; a model with its own classes needs a label file; server-only models are not sent to browsers; its
 * uploader (or an admin) deletes a model, refused with the reason while a live session or an open assignment uses it; everything survives a restart.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelsDir } from '@convlab/nets/node';
import { writeOnnx, type OnnxModelSpec } from '@convlab/nets/testing/onnx-writer';
import { API, MODEL_UPLOAD, ModelDetailSchema, ModelsResponseSchema, ModelUploadResponseSchema, type JobOutcome } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import { adminCookie, api, signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const ONNX_DIR = join(defaultModelsDir(), 'onnx');
const SQUEEZENET = join(ONNX_DIR, 'squeezenet1_1.onnx');
const skip = !existsSync(SQUEEZENET);

/** A tiny classifier: global average pool, then a 3×`classes` matrix; `dataType` 10 makes its weights fp16. */
function tinyModel(classes: number, patch: Partial<OnnxModelSpec> = {}, dataType?: number): Uint8Array {
  return writeOnnx({
    input: { name: 'input', dims: [null, 3, 8, 8] },
    output: { name: 'y', dims: [null, classes] },
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] },
    ],
    initializers: [{ name: 'w', dims: [3, classes], data: Float32Array.from({ length: dataType === 10 ? (3 * classes) / 2 : 3 * classes }, (_, i) => (i % 7) / 7 - 0.4), ...(dataType ? { dataType } : {}) }],
    ...patch,
  });
}

async function upload(base: string, cookie: string | null, file: Uint8Array, name: string, settings: object, labels?: string) {
  const form = new FormData();
  form.set(MODEL_UPLOAD.file, new Blob([new Uint8Array(file)]), name);
  form.set(MODEL_UPLOAD.settings, JSON.stringify(settings));
  if (labels !== undefined) form.set(MODEL_UPLOAD.labels, new Blob([labels]), 'labels.txt');
  const res = await fetch(`${base}${API.models}`, { method: 'POST', body: form, headers: cookie ? { cookie } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(skip).each(databaseTargets())('uploaded models on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let cookie: string;
  let squeezeId: string;
  const modelFolders = () => (existsSync(join(db.dataDir, 'models')) ? readdirSync(join(db.dataDir, 'models')).sort() : []);
  // 6 MB uploads (squeezenet1_1.onnx is 4.7 MB), laptops get models up to 4 MB: SqueezeNet runs on the server only.
  const start = () =>
    startServer({
      env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_COMPUTE_WORKERS: '1', CONVLAB_COMPUTE_BACKEND: 'wasm', CONVLAB_MODEL_UPLOAD_MB: '6', CONVLAB_BROWSER_MODEL_MAX_MB: '4' },
      log: false,
    });
  const catalog = async () => ModelsResponseSchema.parse(await (await fetch(`${server.url}${API.models}`)).json()).models;
  const classify = async (model: string) => {
    const service = await server.context.compute.get();
    const outcome = await new Promise<JobOutcome>((resolve, reject) => {
      service
        .submit({ kind: 'classify', model, image: { kind: 'sample', id: 'photos/skimage_coffee.png' }, params: { top: 3 } }, { ownerId: 'test', role: 'instructor' }, { result: resolve })
        .catch(reject);
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return (outcome.data as { predictions: { index: number; label?: string; probability: number }[] }).predictions;
  };

  beforeAll(async () => {
    db = await target.create();
    server = await start();
    cookie = (await signUpInstructor(server.url, 'models@example.org')).cookie;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  it('takes squeezenet1_1.onnx with torchvision preprocessing, lists it, computes with it, and finds it again on a retry', async () => {
    const bytes = new Uint8Array(readFileSync(SQUEEZENET));
    const res = await upload(server.url, cookie, bytes, 'squeezenet1_1.onnx', { displayName: 'SqueezeNet 1.1 (ONNX)' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { model } = ModelUploadResponseSchema.parse(res.body);
    expect(model).toMatchObject({ displayName: 'SqueezeNet 1.1 (ONNX)', source: 'upload', inputSize: [224, 224], numClasses: 1000, sizeBytes: bytes.byteLength, serverOnly: true });
    expect(model.id).toMatch(/^onnx-squeezenet_1_1_onnx-[0-9a-f]{12}$/);
    // Its layers (by the same rule as the built-in models) and size come from the worker's import, kept with the row.
    expect(model.layers.length).toBeGreaterThan(5);
    expect(model.layers.length).toBeLessThanOrEqual(32);
    expect(model.defaultLayer).toBe(model.layers.filter((l) => l.shape[2] !== 1000).at(-1)!.id);
    expect(model.layers.find((l) => l.id === model.defaultLayer)!.shape).toEqual([13, 13, 512]);
    expect(model.speed).toMatchObject({ laptop: 'fast' });
    expect(model.speed!.gflops).toBeCloseTo(0.7, 1);
    expect(model.classNames).toBeUndefined();
    // Its first-layer filters, so the lesson editor offers it to the filters lab without loading it.
    expect(model.firstConv).toMatchObject({ kernelSize: [3, 3], filters: 64, stride: [2, 2] });
    squeezeId = model.id;

    const again = await upload(server.url, cookie, bytes, 'squeezenet1_1.onnx', { displayName: 'SqueezeNet 1.1 (ONNX)' });
    expect(again.status).toBe(200);
    expect(ModelUploadResponseSchema.parse(again.body)).toEqual({ model, created: false });
    expect((await catalog()).filter((m) => m.source === 'upload')).toEqual([model]);

    // The same network and weights as the built-in SqueezeNet 1.1: the same top class for the coffee photo.
    const [top] = await classify(squeezeId);
    expect(top).toMatchObject({ index: 967, label: 'espresso' });
    const detail = ModelDetailSchema.parse(await (await fetch(`${server.url}${API.model(squeezeId)}`)).json());
    expect(detail.meta).toMatchObject({ labels: 'imagenet-1k', preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'RGB' } });
    // The first-layer filters lab reads its first convolution like a built-in model's.
    const conv = (await (await fetch(`${server.url}${API.firstConv(squeezeId)}`)).json()) as { shape: number[]; weights: number[] };
    expect(conv.shape).toEqual([3, 3, 3, 64]);
    expect(conv.weights).toHaveLength(3 * 3 * 3 * 64);
    // Larger than CONVLAB_BROWSER_MODEL_MAX_MB: browsers never get the file.
    const file = await fetch(`${server.url}${API.modelFile(squeezeId)}`);
    expect(file.status).toBe(403);
    expect(((await file.json()) as { message: string }).message).toMatch(/computed on the server only/);
  }, 180_000);

  it('refuses bad files with their messages and keeps nothing of them', async () => {
    const before = modelFolders();
    const squeeze = new Uint8Array(readFileSync(SQUEEZENET));
    const cases: [Uint8Array, RegExp, number][] = [
      [squeeze.subarray(0, squeeze.length >> 1), /truncated/, 415],
      [tinyModel(4, {}, 10), /holds float16 weights; ConvLab imports float32 models/, 415],
      [tinyModel(4, { input: { name: 'input', dims: [null, 40] } }), /ConvLab imports image classifiers with one NCHW input/, 415],
      [new Uint8Array(readFileSync(join(ONNX_DIR, 'mobilenet_v2.onnx'))).subarray(0, 0), /is empty/, 400],
    ];
    for (const [bytes, message, status] of cases) {
      const res = await upload(server.url, cookie, bytes, 'bad.onnx', { displayName: 'Bad' });
      expect(res.status, String(message)).toBe(status);
      expect(res.body.message).toMatch(message);
      expect(String(res.body.message)).not.toContain(db.dataDir);
    }
    const big = await upload(server.url, cookie, new Uint8Array(readFileSync(join(ONNX_DIR, 'mobilenet_v2.onnx'))), 'mobilenet_v2.onnx', { displayName: 'Too big' });
    expect(big.status).toBe(413);
    expect(big.body.message).toMatch(/larger than 6 MB \(CONVLAB_MODEL_UPLOAD_MB\)/);
    expect((await upload(server.url, null, tinyModel(1000), 'm.onnx', { displayName: 'Anon' })).status).toBe(401);
    expect(modelFolders()).toEqual(before);
    // A job naming an uploaded model this server does not have is refused before any work, without server paths.
    await expect(classify('onnx-gone-0123456789ab')).rejects.toThrow("the uploaded model 'onnx-gone-0123456789ab' is not on this server");
    expect((await catalog()).filter((m) => m.source === 'upload').map((m) => m.id)).toEqual([squeezeId]);
  }, 180_000);

  it('needs a label file for other class counts, names outputs by it, and serves small models to browsers', async () => {
    const bytes = tinyModel(4);
    const missing = await upload(server.url, cookie, bytes, 'tiny.onnx', { displayName: 'Tiny' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('the model has 4 outputs, not the 1000 ImageNet classes: add a label file with one class name per output');
    const wrong = await upload(server.url, cookie, bytes, 'tiny.onnx', { displayName: 'Tiny' }, 'cat\ndog\n');
    expect(wrong.body.message).toBe('the model has 4 outputs but the label file names 2 classes');

    const res = await upload(server.url, cookie, bytes, 'tiny.onnx', { displayName: 'Tiny', preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'BGR' } }, 'cat\n dog \n\nbird\nfish\n');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { model } = ModelUploadResponseSchema.parse(res.body);
    expect(model).toMatchObject({ numClasses: 4, inputSize: [8, 8], serverOnly: false, classNames: ['cat', 'dog', 'bird', 'fish'] });
    const predictions = await classify(model.id);
    expect(predictions.map((p) => p.label).sort()).toEqual(expect.arrayContaining([predictions[0]!.label]));
    for (const p of predictions) expect(['cat', 'dog', 'bird', 'fish'][p.index]).toBe(p.label);

    const detail = ModelDetailSchema.parse(await (await fetch(`${server.url}${API.model(model.id)}`)).json());
    expect(detail.meta).toMatchObject({ labels: 'custom', classNames: ['cat', 'dog', 'bird', 'fish'], preprocessing: { channelOrder: 'BGR' } });
    const file = await fetch(`${server.url}${API.modelFile(model.id)}?v=${detail.file!.sha256}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  }, 120_000);

  it('lets its uploader or an admin delete a model, but not while a live session or an open assignment uses it', async () => {
    const ctx = server.context;
    const owner = await signUpInstructor(server.url, 'owner-models@example.org');
    const uploadTiny = async (displayName: string) => {
      const res = await upload(server.url, owner.cookie, tinyModel(4), 'tiny.onnx', { displayName }, 'a\nb\nc\nd\n');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return ModelUploadResponseSchema.parse(res.body).model;
    };
    const model = await uploadTiny('Tiny to delete');
    const remove = async (cookie: string, id = model.id) => api(server.url, API.modelDelete(id), { body: {}, cookie });

    const other = await signUpInstructor(server.url, 'other-models@example.org');
    expect(await remove(other.cookie)).toMatchObject({ status: 403, body: { message: 'only the instructor who uploaded Tiny to delete (or an administrator) can delete it' } });

    const step = { kind: 'lab', id: 'occ', title: 'Occlusion', markdown: '', labId: 'occlusion', params: { model: model.id, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' } } };
    const session = await ctx.store.createSession({ code: 'TNYDEL', title: 'Lecture with Tiny', instructorId: owner.id, steps: [step] as never });
    let refused = await remove(owner.cookie);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('Tiny to delete is still used by the live session “Lecture with Tiny” (code TNYDEL): end the session, or release the assignment\'s grades after its due time, first');
    await ctx.store.updateSession(session.id, { status: 'ended', endedAt: new Date().toISOString() });

    const course = await ctx.courses.create('Vision 101', owner.id);
    const past = new Date(Date.now() - 3_600_000);
    const homework = await ctx.assignments.create({ courseId: course.id, title: 'Homework 3', source: 'steps', steps: [step] as never, opensAt: past, dueAt: past, latePolicy: { kind: 'refuse' }, createdById: owner.id });
    refused = await remove(owner.cookie);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/^Tiny to delete is still used by the open assignment “Homework 3” of Vision 101:/);
    expect(modelFolders()).toContain(model.id);
    // Grades released after the due time: the assignment is closed, the model may go.
    await ctx.assignments.setReleased(homework.id, new Date());
    // Used before it goes: the compute service has its description and timing, a worker has it loaded.
    const service = await ctx.compute.get();
    const described = await service.describeModel(model.id);
    service.modelTiming(model.id);
    await service.measureModel(model.id);
    expect(service.modelTiming(model.id)).not.toBeNull();
    expect(await classify(model.id)).toHaveLength(3);

    expect(await remove(owner.cookie)).toMatchObject({ status: 200, body: { deleted: { id: model.id, displayName: 'Tiny to delete' } } });
    expect((await catalog()).map((m) => m.id)).not.toContain(model.id);
    expect(modelFolders()).not.toContain(model.id);
    expect((await fetch(`${server.url}${API.model(model.id)}`)).status).toBe(404);
    expect((await remove(owner.cookie)).status).toBe(404);
    // Forgotten by the compute service and its workers: a job naming it is refused, its timing is gone.
    await expect(classify(model.id)).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    await expect(service.describeModel(model.id)).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    expect(service.modelTiming(model.id)).toBeNull();
    // Uploaded again under the same id (same file, settings and labels): imported afresh, not the old description.
    const again = await uploadTiny('Tiny to delete');
    expect(again.id).toBe(model.id);
    const redescribed = await service.describeModel(model.id);
    expect(redescribed).not.toBe(described);
    expect(redescribed).toEqual(described);
    expect(await classify(model.id)).toHaveLength(3);
    expect((await remove(owner.cookie)).status).toBe(200);

    // An admin may delete anyone's model.
    const second = await uploadTiny('Tiny for the admin');
    expect((await remove(await adminCookie(server.url), second.id)).status).toBe(200);
    expect(modelFolders()).not.toContain(second.id);
  }, 120_000);

  it('keeps uploaded models across a restart', async () => {
    // Server times are measured again by each process; everything else is kept.
    const unmeasured = (models: Awaited<ReturnType<typeof catalog>>) => models.map((m) => ({ ...m, speed: m.speed && { ...m.speed, serverMs: null, backend: null } }));
    const before = unmeasured(await catalog());
    await server.close();
    server = await start();
    expect(unmeasured(await catalog())).toEqual(before);
    const [top] = await classify(squeezeId);
    expect(top).toMatchObject({ index: 967, label: 'espresso' });
  }, 180_000);
});
