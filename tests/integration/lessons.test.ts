/** Ready-made lessons, lab steps in lesson plans, and sample images over real HTTP. */
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LessonsResponseSchema, ModelsResponseSchema, SamplesResponseSchema, SessionDetailResponseSchema, type Step } from '@convlab/protocol';
import { api, signUpInstructor } from './helpers/clients';
import { databaseTargets } from './helpers/databases';
import { useApiServer } from './helpers/api-server';

const SHARED_SCHOONER = join(__dirname, '../../../shared/images/imagenet-samples/n04147183_schooner.jpg');
const SHARED_SQUEEZENET = join(__dirname, '../../../shared/models/squeezenet1.1_nchw');

describe.each(databaseTargets())('lessons and lab steps on $kind', (target) => {
  const suite = useApiServer(target);
  let cookie: string;

  beforeAll(async () => {
    cookie = (await signUpInstructor(suite.base, 'lessons@example.org')).cookie;
  });

  it('offers "How CNNs see" to instructors only, and runs it as a session whose lab steps round-trip', async () => {
    expect((await api(suite.base, '/api/lessons')).status).toBe(401);
    const res = await api(suite.base, '/api/lessons', { cookie });
    expect(res.status).toBe(200);
    const { lessons } = LessonsResponseSchema.parse(res.body);
    const lesson = lessons.find((l) => l.id === 'how-cnns-see')!;
    expect(lesson.title).toBe('How CNNs see');
    // The lecture's order: convolution, make this output, pooling, filters, max patches, occlusion ×3, neuron, ascent.
    expect(lesson.steps.filter((s) => s.kind === 'lab')).toHaveLength(10);
    if (existsSync(SHARED_SCHOONER)) expect(lesson.notice).toBeNull();

    const created = await api(suite.base, '/api/sessions', { cookie, body: { title: lesson.title, steps: lesson.steps } });
    expect(created.status).toBe(201);
    const detail = SessionDetailResponseSchema.parse((await api(suite.base, `/api/sessions/${created.body.session.id}`, { cookie })).body);
    expect(detail.session.steps).toEqual(lesson.steps);
  });

  it('refuses a lesson plan whose lab step does not fit its lab, naming the step and field', async () => {
    const steps: Step[] = [
      { kind: 'slide', id: 'intro', title: 'Intro', markdown: '' },
      { kind: 'lab', id: 'asc', title: 'Ascent', markdown: '', labId: 'ascent', params: { classes: [1, 2], classIndex: 3 } },
    ];
    const bad = await api(suite.base, '/api/sessions', { cookie, body: { title: 'Bad', steps } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST', message: expect.stringMatching(/step "asc": Gradient ascent: params\.classIndex/) } });
    const unknown = await api(suite.base, '/api/sessions', { cookie, body: { title: 'Bad', steps: [{ ...steps[1]!, labId: 'quiz' }] } });
    expect(unknown).toMatchObject({ status: 400, body: { message: expect.stringMatching(/unknown lab "quiz"/) } });
    const huge = await api(suite.base, '/api/sessions', { cookie, body: { title: 'Bad', steps: [{ ...steps[1]!, params: { blob: 'x'.repeat(30_000) } }] } });
    expect(huge).toMatchObject({ status: 400, body: { message: expect.stringMatching(/at most 20000 characters/) } });
  });

  it('falls back to the repository photos when the images directory lacks the lecture photos, and says so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'convlab-no-images-'));
    const saved = process.env.CONVLAB_IMAGES_DIR;
    process.env.CONVLAB_IMAGES_DIR = empty;
    try {
      const { lessons } = LessonsResponseSchema.parse((await api(suite.base, '/api/lessons', { cookie })).body);
      const lesson = lessons[0]!;
      expect(lesson.notice).toMatch(/not on this server/);
      for (const step of lesson.steps) {
        if (step.kind !== 'lab' || !('image' in step.params)) continue;
        const id = (step.params.image as { id: string }).id;
        expect(id).toMatch(/^photos\/(skimage|matplotlib|sklearn)_/);
        const img = await fetch(`${suite.base}/api/samples/${id}`);
        expect(img.status, id).toBe(200);
      }
    } finally {
      if (saved === undefined) delete process.env.CONVLAB_IMAGES_DIR;
      else process.env.CONVLAB_IMAGES_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves sample images by id and nothing outside the image folders', async () => {
    const photo = await fetch(`${suite.base}/api/samples/photos/skimage_chelsea.png`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect((await photo.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    if (existsSync(SHARED_SCHOONER)) {
      const schooner = await fetch(`${suite.base}/api/samples/imagenet-samples/n04147183_schooner.jpg`);
      expect(schooner.status).toBe(200);
      expect(schooner.headers.get('content-type')).toBe('image/jpeg');
    }
    for (const path of ['photos/nope.png', 'photos/..%2F..%2Fpackage.json', 'secret/x.png', 'photos/.hidden.png']) {
      expect((await fetch(`${suite.base}/api/samples/${path}`)).status, path).toBe(404);
    }
  });

  it('lists the models this server has, with input size and classes, and none whose files are absent', async () => {
    const res = await api(suite.base, '/api/models');
    expect(res.status).toBe(200);
    const { models } = ModelsResponseSchema.parse(res.body);
    expect(new Set(models.map((m) => m.id)).size).toBe(models.length);
    if (existsSync(SHARED_SQUEEZENET)) {
      expect(models.find((m) => m.id === 'squeezenet1.1_nchw')).toMatchObject({
        id: 'squeezenet1.1_nchw', displayName: 'SqueezeNet 1.1', family: 'squeezenet', inputSize: [224, 224], numClasses: 1000, weights: 'float', source: 'builtin', serverOnly: false,
        // The layers labs offer come from the model's metadata, and so does the layer they start on.
        layers: expect.arrayContaining([{ id: 'fire9_concat', shape: [13, 13, 512] }]),
        defaultLayer: 'fire9_concat',
        speed: { gflops: 0.71, laptop: 'fast' },
      });
      // The server's forward time is measured once in the background; a later list has it.
      let speed = null as null | { serverMs: number | null; backend: string | null };
      for (let i = 0; i < 120 && !speed?.serverMs; i++) {
        await new Promise((r) => setTimeout(r, 500));
        speed = ModelsResponseSchema.parse((await api(suite.base, '/api/models')).body).models.find((m) => m.id === 'squeezenet1.1_nchw')!.speed;
      }
      expect(speed).toMatchObject({ serverMs: expect.any(Number), backend: expect.any(String) });
      expect(speed!.serverMs).toBeGreaterThan(0);
    }
    for (const m of models) expect(m.layers.length, m.id).toBeGreaterThan(0);
    const darknet = models.find((m) => m.id === 'darknet_tiny');
    if (darknet) expect(darknet.defaultLayer).toBe('leaky_re_lu_15');
    // Only what a models directory holds counts: an empty one lists nothing, one model folder lists that model.
    const dir = mkdtempSync(join(tmpdir(), 'convlab-models-'));
    const { listInstalledModels } = await import('../../server/http/catalog.routes');
    try {
      const empty = { env: { CONVLAB_CACHE_DIR: dir }, sharedDir: dir };
      expect(await listInstalledModels(empty)).toEqual([]);
      if (existsSync(SHARED_SQUEEZENET)) {
        symlinkSync(SHARED_SQUEEZENET, join(dir, 'squeezenet1.1_nchw'));
        expect((await listInstalledModels(empty)).map((m) => m.id)).toEqual(['squeezenet1.1_nchw']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the sample images by id, each of which the sample route serves', async () => {
    const res = await api(suite.base, '/api/samples');
    expect(res.status).toBe(200);
    const { samples } = SamplesResponseSchema.parse(res.body);
    expect(samples).toContain('photos/skimage_chelsea.png');
    expect(samples).toEqual([...samples].sort());
    for (const id of samples) expect(id).toMatch(/^(photos|imagenet-samples)\/[A-Za-z0-9][\w.-]*\.(jpe?g|png|webp)$/i);
    if (existsSync(SHARED_SCHOONER)) expect(samples).toContain('imagenet-samples/n04147183_schooner.jpg');
    for (const id of [samples[0]!, samples.at(-1)!]) expect((await fetch(`${suite.base}/api/samples/${id}`)).status, id).toBe(200);
    expect(samples).not.toContain('photos/README.md');
  });

  it('creates a session from an edited lab step, and refuses one whose student controls name no parameter', async () => {
    const step: Step = {
      kind: 'lab', id: 'occ', title: 'Occlusion', markdown: 'Hide the cat.', labId: 'occlusion',
      params: { model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, window: 32, stride: 8 },
      studentControls: ['fill'],
    };
    const ok = await api(suite.base, '/api/sessions', { cookie, body: { title: 'Edited', steps: [step] } });
    expect(ok.status).toBe(201);
    expect(ok.body.session.steps[0]).toEqual(step);
    const bad = await api(suite.base, '/api/sessions', { cookie, body: { title: 'Edited', steps: [{ ...step, studentControls: ['colour'] }] } });
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringMatching(/step "occ": Occlusion: "colour" is not a parameter/) } });
    const stride = await api(suite.base, '/api/sessions', { cookie, body: { title: 'Edited', steps: [{ ...step, params: { ...step.params, stride: 64 } }] } });
    expect(stride).toMatchObject({ status: 400, body: { message: expect.stringMatching(/params\.stride/) } });
  });
});
