/** Ready-made lessons, lab steps in lesson plans, and sample images over real HTTP. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LessonsResponseSchema, SessionDetailResponseSchema, type Step } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import { api, signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const SHARED_SCHOONER = join(__dirname, '../../../shared/images/imagenet-samples/n04147183_schooner.jpg');

describe.each(databaseTargets())('lessons and lab steps on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  let cookie: string;

  beforeAll(async () => {
    db = await target.create();
    server = await startServer({ env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' }, log: false });
    base = server.url;
    cookie = (await signUpInstructor(base, 'lessons@example.org')).cookie;
  });
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  it('offers "How CNNs see" to instructors only, and runs it as a session whose lab steps round-trip', async () => {
    expect((await api(base, '/api/lessons')).status).toBe(401);
    const res = await api(base, '/api/lessons', { cookie });
    expect(res.status).toBe(200);
    const { lessons } = LessonsResponseSchema.parse(res.body);
    const lesson = lessons.find((l) => l.id === 'how-cnns-see')!;
    expect(lesson.title).toBe('How CNNs see');
    expect(lesson.steps.filter((s) => s.kind === 'lab')).toHaveLength(5);
    if (existsSync(SHARED_SCHOONER)) expect(lesson.notice).toBeNull();

    const created = await api(base, '/api/sessions', { cookie, body: { title: lesson.title, steps: lesson.steps } });
    expect(created.status).toBe(201);
    const detail = SessionDetailResponseSchema.parse((await api(base, `/api/sessions/${created.body.session.id}`, { cookie })).body);
    expect(detail.session.steps).toEqual(lesson.steps);
  });

  it('refuses a lesson plan whose lab step does not fit its lab, naming the step and field', async () => {
    const steps: Step[] = [
      { kind: 'slide', id: 'intro', title: 'Intro', markdown: '' },
      { kind: 'lab', id: 'asc', title: 'Ascent', markdown: '', labId: 'ascent', params: { classes: [1, 2], classIndex: 3 } },
    ];
    const bad = await api(base, '/api/sessions', { cookie, body: { title: 'Bad', steps } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST', message: expect.stringMatching(/step "asc": Gradient ascent: params\.classIndex/) } });
    const unknown = await api(base, '/api/sessions', { cookie, body: { title: 'Bad', steps: [{ ...steps[1]!, labId: 'quiz' }] } });
    expect(unknown).toMatchObject({ status: 400, body: { message: expect.stringMatching(/unknown lab "quiz"/) } });
    const huge = await api(base, '/api/sessions', { cookie, body: { title: 'Bad', steps: [{ ...steps[1]!, params: { blob: 'x'.repeat(30_000) } }] } });
    expect(huge).toMatchObject({ status: 400, body: { message: expect.stringMatching(/at most 20000 characters/) } });
  });

  it('falls back to the repository photos when the images directory lacks the lecture photos, and says so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'convlab-no-images-'));
    const saved = process.env.CONVLAB_IMAGES_DIR;
    process.env.CONVLAB_IMAGES_DIR = empty;
    try {
      const { lessons } = LessonsResponseSchema.parse((await api(base, '/api/lessons', { cookie })).body);
      const lesson = lessons[0]!;
      expect(lesson.notice).toMatch(/not on this server/);
      for (const step of lesson.steps) {
        if (step.kind !== 'lab' || !('image' in step.params)) continue;
        const id = (step.params.image as { id: string }).id;
        expect(id).toMatch(/^photos\/(skimage|matplotlib|sklearn)_/);
        const img = await fetch(`${base}/api/samples/${id}`);
        expect(img.status, id).toBe(200);
      }
    } finally {
      if (saved === undefined) delete process.env.CONVLAB_IMAGES_DIR;
      else process.env.CONVLAB_IMAGES_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serves sample images by id and nothing outside the image folders', async () => {
    const photo = await fetch(`${base}/api/samples/photos/skimage_chelsea.png`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect((await photo.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    if (existsSync(SHARED_SCHOONER)) {
      const schooner = await fetch(`${base}/api/samples/imagenet-samples/n04147183_schooner.jpg`);
      expect(schooner.status).toBe(200);
      expect(schooner.headers.get('content-type')).toBe('image/jpeg');
    }
    for (const path of ['photos/nope.png', 'photos/..%2F..%2Fpackage.json', 'secret/x.png', 'photos/.hidden.png']) {
      expect((await fetch(`${base}/api/samples/${path}`)).status, path).toBe(404);
    }
  });
});
