/**
 * Self-paced assignments with the server as the authority, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL, with
 * real compute (the small MobileNet on wasm): late work penalized or refused by the server's clock whatever the
 * browser claims; attempts enforced and a retried request not counted twice; a forged browser probability gets the
 * grade the server recomputes; students see no grading rule and only their own work, grades once released; TAs
 * grade but do not edit; hand grading, override and regrade keep a history; the gradebook and its CSV.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOnnx } from '@convlab/nets/testing/onnx-writer';
import { API, MODEL_UPLOAD, ModelUploadResponseSchema, TENSOR_UPLOAD_LIMITS, type LabStep } from '@convlab/protocol';
import type { RunningServer } from '../../server/index';
import { startComputeServer } from './helpers/api-server';
import { hashPassword } from '../../server/auth/password';
import { api, signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const MODEL = 'mobilenet_v1_0.25_224';
const GRADIENTS = 'squeezenet1.1_nchw';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL)) && existsSync(path.join(MODELS, GRADIENTS));
const DAY = 24 * 60 * 60 * 1000;
const HIDDEN_D = 7;

/** One occlusion step on the repository's cat photo (class 285, Egyptian cat). */
const STEP: LabStep = {
  kind: 'lab',
  id: 'occ-cat',
  title: 'Hide the cat',
  markdown: 'Hide as little as you can.',
  labId: 'occlusion',
  params: { model: MODEL, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285, fill: 'grey' },
};
const grading = (minDropPoints: number) => ({
  points: 10,
  rule: { id: 'occlusion-drop', params: { maxCoveragePercent: 100, minDropPoints } },
  rubric: [{ id: 'why', label: 'Explains what the network looked at', points: 2 }],
  attempts: 2,
  counts: 'best' as const,
});
const TINY = { kind: 'rect', x: 0, y: 0, width: 1, height: 1 };
const WHOLE = { kind: 'rect', x: 0, y: 0, width: 224, height: 224 };
/** What a browser claims: a huge drop, on time. The server must ignore both. */
const forged = (mask: object) => ({ classIndex: 285, baseline: 0.99, inputSize: [224, 224], masks: [{ mask, probability: 0 }] });

let seq = 0;
const rid = () => `req-${Date.now()}-${++seq}`;

/** An Inception-sized classifier (299×299 input, the 1000 ImageNet classes): global average pool, then a 3×1000 matrix. */
function inceptionSized(): Uint8Array {
  return writeOnnx({
    input: { name: 'input', dims: [null, 3, 299, 299] },
    output: { name: 'y', dims: [null, 1000] },
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] },
    ],
    initializers: [{ name: 'w', dims: [3, 1000], data: Float32Array.from({ length: 3000 }, (_, i) => (i % 11) / 11 - 0.45) }],
  });
}

/** A gradient-ascent submission as the browser sends it: a forged score, the PNG's hash and the h×w float32 image. */
function ascentSubmission(step: LabStep, resultImageHash: string, [h, w]: readonly number[], value: number) {
  const values = new Float32Array(h! * w! * 3).fill(value);
  return {
    requestId: rid(),
    stepId: step.id,
    params: step.params,
    result: { classIndex: 951, score: 1e6, objective: 1e6, scores: [1e6] },
    resultImageHash,
    tensor: { shape: [h, w, 3], base64: Buffer.from(values.buffer).toString('base64') },
  };
}

describe.skipIf(!HAVE_DATA).each(databaseTargets())('assignments on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  const cookies: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let courseId: string;

  async function account(key: string, role: 'student' | 'instructor') {
    const email = `${key}-${target.kind}@example.org`;
    const created = await server.context.accounts.create({ email, name: key === 'eve' ? '=HYPERLINK("x")' : key[0]!.toUpperCase() + key.slice(1), role, passwordHash: await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 }) });
    const signin = await api(base, '/api/auth/signin', { body: { email, password: 'correct horse battery' } });
    expect(signin.status).toBe(200);
    cookies[key] = signin.setCookie!.split(';')[0]!;
    ids[key] = created.id;
  }

  beforeAll(async () => {
    db = await target.create();
    server = await startComputeServer(db, MODELS);
    base = server.url;
    const teacher = await signUpInstructor(base, `teacher-${target.kind}@example.org`);
    cookies.teacher = teacher.cookie;
    ids.teacher = teacher.id;
    for (const key of ['ada', 'ben', 'eve', 'outsider']) await account(key, 'student');
    await account('tara', 'student');
    courseId = (await server.context.courses.create('CNNs 101', ids.teacher!)).id;
    for (const key of ['ada', 'ben', 'eve']) await server.context.courses.upsertMember({ courseId, accountId: ids[key]!, role: 'student', source: 'added' });
    await server.context.courses.upsertMember({ courseId, accountId: ids.tara!, role: 'ta', source: 'added' });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  const create = (who: string, extra: Record<string, unknown> = {}) =>
    api(base, `/api/courses/${courseId}/assignments`, {
      cookie: cookies[who],
      body: {
        title: 'Occlusion homework',
        source: { kind: 'steps', steps: [STEP] },
        steps: [{ stepId: STEP.id, grading: grading(HIDDEN_D) }],
        opensAt: new Date(Date.now() - DAY).toISOString(),
        dueAt: new Date(Date.now() + DAY).toISOString(),
        latePolicy: { kind: 'penalty', percentPerDay: 10, capPercent: 30 },
        ...extra,
      },
    });
  const submit = (who: string, assignmentId: string, mask: object, requestId = rid()) =>
    api(base, `/api/assignments/${assignmentId}/submissions`, {
      cookie: cookies[who],
      body: { requestId, stepId: STEP.id, params: STEP.params, result: forged(mask), claimedLate: false },
    });

  it('grades by recomputing, enforces attempts, penalizes late work by the server clock, and keeps grading from students', async () => {
    server.context.clock.offsetMs = 0;
    expect((await create('tara')).status).toBe(403); // a TA grades, does not edit
    const made = await create('teacher');
    expect(made.status).toBe(201);
    const a = made.body.assignment;
    expect(a.steps[0].grading.rule.params.minDropPoints).toBe(HIDDEN_D);

    // The student's copy: no rule, no hidden parameters — what the step is worth and how it is graded by hand, yes.
    const view = await api(base, `/api/assignments/${a.id}`, { cookie: cookies.ada });
    expect(view.status).toBe(200);
    expect(JSON.stringify(view.body)).not.toMatch(/grading|minDropPoints|maxCoveragePercent|occlusion-drop|"rule"/);
    expect(view.body.assignment.status).toEqual([
      { stepId: STEP.id, attemptsUsed: 0, attemptsLeft: 2, attempts: 2, counts: 'best', maxPoints: 12, autoGraded: true, rubric: [{ id: 'why', label: 'Explains what the network looked at', points: 2 }], countedId: null },
    ]);
    expect(view.body.assignment.window).toEqual({ status: 'on-time' });
    expect((await api(base, `/api/assignments/${a.id}`, { cookie: cookies.outsider })).status).toBe(404);

    // Attempt 1: a one-pixel mask with a forged 99-point drop. The server measures almost none: no points.
    const requestId = rid();
    const first = await submit('ada', a.id, TINY, requestId);
    expect(first.status).toBe(201);
    expect(first.body.attemptsLeft).toBe(1);
    // A retry of the same request is the same submission, not a second attempt.
    const retry = await submit('ada', a.id, TINY, requestId);
    expect(retry.body.submission.id).toBe(first.body.submission.id);
    // Attempt 2: the whole image hidden — a real drop.
    const second = await submit('ada', a.id, WHOLE);
    expect(second.status).toBe(201);
    expect(second.body.attemptsLeft).toBe(0);
    const third = await submit('ada', a.id, WHOLE);
    expect(third).toMatchObject({ status: 409, body: { error: 'NO_ATTEMPTS_LEFT' } });
    // Grades are not shown to the student before release.
    expect(second.body.submission.auto).toBeNull();

    const staffList = await api(base, `/api/assignments/${a.id}/submissions?accountId=${ids.ada}`, { cookie: cookies.teacher });
    const [s1, s2] = staffList.body.submissions;
    expect(s1.auto).toMatchObject({ ruleId: 'occlusion-drop', fraction: 0, points: 0 });
    expect(Math.abs(s1.auto.measured.dropPoints)).toBeLessThan(HIDDEN_D);
    expect(s1.result.masks[0].probability).toBe(0); // stored as sent, graded as recomputed
    expect(s2.auto).toMatchObject({ fraction: 1, points: 10 });
    expect(s2.auto.measured.dropPoints).toBeGreaterThanOrEqual(HIDDEN_D);
    expect(s2.lateDays).toBe(0);

    // Ben submits 1 day and 1 hour after the due time by the server's clock, claiming to be on time: 2 started days late.
    server.context.clock.offsetMs = 2 * DAY + 60 * 60 * 1000;
    const late = await submit('ben', a.id, WHOLE);
    expect(late.status).toBe(201);
    expect(late.body.submission).toMatchObject({ lateDays: 2, penaltyPercent: 20 });
    // Eve has an extension past that time: on time.
    expect((await api(base, `/api/assignments/${a.id}/extensions`, { cookie: cookies.teacher, body: { accountId: ids.eve, dueAt: new Date(Date.now() + 3 * DAY).toISOString() } })).status).toBe(200);
    const eve = await submit('eve', a.id, TINY);
    expect(eve.body.submission).toMatchObject({ lateDays: 0, penaltyPercent: 0 });

    // A refuse policy refuses late work; an assignment not yet open refuses everything.
    const strict = await create('teacher', { title: 'Strict', latePolicy: { kind: 'refuse' } });
    expect(await submit('ben', strict.body.assignment.id, WHOLE)).toMatchObject({ status: 409, body: { error: 'PAST_DUE' } });
    server.context.clock.offsetMs = -3 * DAY;
    expect(await submit('ben', strict.body.assignment.id, WHOLE)).toMatchObject({ status: 409, body: { error: 'NOT_OPEN' } });
    server.context.clock.offsetMs = 0;

    // Privacy: a student reads only their own submissions, and no gradebook or other student's submission.
    const bens = await api(base, `/api/assignments/${a.id}/submissions`, { cookie: cookies.ben });
    expect(bens.body.submissions.map((s: { accountId: string }) => s.accountId)).toEqual([ids.ben]);
    expect((await api(base, `/api/assignments/${a.id}/gradebook`, { cookie: cookies.ben })).status).toBe(403);
    expect((await api(base, `/api/assignment-submissions/${s2.id}`, { cookie: cookies.ben })).status).toBe(403);
    expect((await api(base, `/api/assignment-submissions/${s2.id}`, { cookie: cookies.outsider })).status).toBe(404);

    // The TA grades by hand (within the rubric) and overrides with a reason.
    expect((await api(base, `/api/assignment-submissions/${s2.id}/grade`, { cookie: cookies.tara, body: { requestId: rid(), rubric: { why: 3 }, comment: '' } })).status).toBe(400);
    const graded = await api(base, `/api/assignment-submissions/${s2.id}/grade`, { cookie: cookies.tara, body: { requestId: rid(), rubric: { why: 1.5 }, comment: 'Good: the face matters most.' } });
    expect(graded.body.submission).toMatchObject({ manual: { points: 1.5 }, points: 11.5 });
    const overridden = await api(base, `/api/assignment-submissions/${late.body.submission.id}/override`, { cookie: cookies.tara, body: { requestId: rid(), points: 5, reason: 'Mask drawn outside the photo' } });
    expect(overridden.body.submission).toMatchObject({ overridePoints: 5, overrideReason: 'Mask drawn outside the photo', points: 4 });

    // Gradebook: best attempt counts; CSV with BOM, formula-injection neutralized, numbers as numbers.
    const book = (await api(base, `/api/assignments/${a.id}/gradebook`, { cookie: cookies.tara })).body.gradebook;
    const row = (key: string) => book.rows.find((r: { accountId: string }) => r.accountId === ids[key]);
    expect(row('ada').cells[0]).toMatchObject({ submissionId: s2.id, attempts: 2, auto: 10, manual: 1.5, late: false, points: 11.5 });
    expect(row('ben').cells[0]).toMatchObject({ late: true, points: 4 });
    expect(book.steps).toEqual([{ stepId: STEP.id, title: STEP.title, maxPoints: 12 }]);
    const csv = await fetch(`${base}/api/assignments/${a.id}/gradebook.csv`, { headers: { cookie: cookies.teacher } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    expect(text).toContain(`Ada,ada-${target.kind}@example.org,,11.5,11.5`);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);

    // Release: the student then sees grade and feedback; and downloads their own submissions.
    expect((await api(base, `/api/assignments/${a.id}/release`, { cookie: cookies.tara, body: { released: true } })).status).toBe(403);
    expect((await api(base, `/api/assignments/${a.id}/release`, { cookie: cookies.teacher, body: { released: true } })).status).toBe(200);
    const adas = (await api(base, `/api/assignments/${a.id}/submissions`, { cookie: cookies.ada })).body.submissions;
    expect(adas[1]).toMatchObject({ points: 11.5, manual: { comment: 'Good: the face matters most.' } });
    const download = await fetch(`${base}/api/assignments/${a.id}/my-submissions.json`, { headers: { cookie: cookies.ada } });
    expect(download.headers.get('content-disposition')).toMatch(/attachment/);
    expect((await download.json()).submissions).toHaveLength(2);

    // Regrade after a rule change: instructors only; the new rule is kept and the history grows.
    expect((await api(base, `/api/assignments/${a.id}/regrade`, { cookie: cookies.tara, body: { requestId: rid(), stepId: STEP.id, grading: grading(100) } })).status).toBe(403);
    const regraded = await api(base, `/api/assignments/${a.id}/regrade`, { cookie: cookies.teacher, body: { requestId: rid(), stepId: STEP.id, grading: grading(100) } });
    expect(regraded.body).toMatchObject({ regraded: 4 });
    const after = await api(base, `/api/assignment-submissions/${s2.id}`, { cookie: cookies.teacher });
    expect(after.body.submission.auto).toMatchObject({ fraction: 0, points: 0 });
    expect(after.body.history.map((e: { kind: string }) => e.kind)).toEqual(['auto', 'manual', 'regrade']);
    expect(after.body.history[2].data.previous).toMatchObject({ points: 10 });
  }, 600_000);

  it('grades a gradient-ascent image on its stored float32 values, not the score the browser claims', async () => {
    const ascent: LabStep = { kind: 'lab', id: 'asc', title: 'Make a lemon', markdown: '', labId: 'ascent', params: { model: GRADIENTS, classes: [951], classIndex: 951 } };
    const [h, w] = (await (await server.context.compute.get()).describeModel(GRADIENTS)).inputSize;
    const rule = (threshold: number) => ({ points: 4, rule: { id: 'ascent-objective', params: { lambda: 0.01, threshold } }, rubric: [], attempts: 1, counts: 'best' as const });
    const made = await create('teacher', { title: 'Ascent', source: { kind: 'steps', steps: [ascent] }, steps: [{ stepId: ascent.id, grading: rule(-1e9) }] });
    expect(made.status).toBe(201);
    // The PNG beside it (students' uploads over HTTP are not there yet: the instructor's upload stands in).
    const png = await readFile(path.resolve(__dirname, '../../assets/photos/skimage_coffee.png'));
    const uploaded = await fetch(`${base}/api/images`, { method: 'POST', headers: { cookie: cookies.teacher!, 'content-type': 'image/png', origin: base }, body: png });
    const resultImageHash = (await uploaded.json()).image.hash as string;
    const body = ascentSubmission(ascent, resultImageHash, [h, w], 0.5);
    const sent = await api(base, `/api/assignments/${made.body.assignment.id}/submissions`, { cookie: cookies.ada, body });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const [s] = (await api(base, `/api/assignments/${made.body.assignment.id}/submissions`, { cookie: cookies.teacher })).body.submissions;
    expect(s.tensorHash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.auto).toMatchObject({ ruleId: 'ascent-objective', fraction: 1, points: 4 });
    expect(s.auto.measured.squaredNorm).toBeCloseTo(0.25 * h * w * 3, 3);
    expect(s.auto.measured.score).not.toBe(1e6);
    expect(s.auto.measured.objective).toBeCloseTo(s.auto.measured.score - 0.01 * 0.25 * h * w * 3, 6);
    // A threshold above what the image reaches: no points, whatever the browser's 1e6.
    const regraded = await api(base, `/api/assignments/${made.body.assignment.id}/regrade`, { cookie: cookies.teacher, body: { requestId: rid(), stepId: ascent.id, grading: rule(s.auto.measured.objective + 1) } });
    expect(regraded.status).toBe(200);
    expect((await api(base, `/api/assignment-submissions/${s.id}`, { cookie: cookies.teacher })).body.submission.auto).toMatchObject({ fraction: 0 });
  }, 300_000);

  it('takes the float32 image of a 299×299 model (1.4 MB of base64, past the general body limit) and grades it', async () => {
    const form = new FormData();
    form.set(MODEL_UPLOAD.file, new Blob([new Uint8Array(inceptionSized())]), 'inception-sized.onnx');
    form.set(MODEL_UPLOAD.settings, JSON.stringify({ displayName: 'Inception-sized' }));
    const uploadedModel = await fetch(`${base}${API.models}`, { method: 'POST', body: form, headers: { cookie: cookies.teacher!, origin: base } });
    const { model } = ModelUploadResponseSchema.parse(await uploadedModel.json());
    expect(model.inputSize).toEqual([299, 299]);
    const ascent: LabStep = { kind: 'lab', id: 'asc299', title: 'A lemon at 299 px', markdown: '', labId: 'ascent', params: { model: model.id, classes: [951], classIndex: 951 } };
    const rule = { points: 4, rule: { id: 'ascent-objective', params: { lambda: 0.01, threshold: -1e9 } }, rubric: [], attempts: 1, counts: 'best' as const };
    const made = await create('teacher', { title: 'Ascent at 299 px', source: { kind: 'steps', steps: [ascent] }, steps: [{ stepId: ascent.id, grading: rule }] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const png = await readFile(path.resolve(__dirname, '../../assets/photos/skimage_coffee.png'));
    const uploaded = await fetch(`${base}/api/assignments/${made.body.assignment.id}/images?stepId=${ascent.id}`, { method: 'POST', headers: { cookie: cookies.ben!, 'content-type': 'image/png', origin: base }, body: png });
    expect(uploaded.status).toBe(201);
    const body = ascentSubmission(ascent, ((await uploaded.json()) as { hash: string }).hash, [299, 299], 0.25);
    expect(JSON.stringify(body).length).toBeGreaterThan(server.context.limits.maxBodyBytes);
    const sent = await api(base, `/api/assignments/${made.body.assignment.id}/submissions`, { cookie: cookies.ben, body });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const [s] = (await api(base, `/api/assignments/${made.body.assignment.id}/submissions`, { cookie: cookies.teacher })).body.submissions;
    expect(s.tensorHash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.auto).toMatchObject({ ruleId: 'ascent-objective', fraction: 1, points: 4 });
    expect(s.auto.measured.squaredNorm).toBeCloseTo(0.0625 * 299 * 299 * 3, 1);
    // The room is for the image only: a body past the general limit plus the largest image's base64 is still refused.
    const huge = { ...body, requestId: rid(), result: { ...body.result, note: 'x'.repeat(server.context.limits.maxBodyBytes) } };
    expect(await api(base, `/api/assignments/${made.body.assignment.id}/submissions`, { cookie: cookies.ben, body: { ...huge, tensor: { ...body.tensor, base64: body.tensor.base64.padEnd(TENSOR_UPLOAD_LIMITS.maxBase64Chars, 'A') } } })).toMatchObject({ status: 413, body: { error: 'PAYLOAD_TOO_LARGE' } });
  }, 300_000);

  it('saves a draft and restores it exactly', async () => {
    const a = (await create('teacher', { title: 'Drafts' })).body.assignment;
    const draft = { params: { fill: 'blur', brushSize: 17 }, masks: [{ kind: 'bitmap', width: 4, height: 2, runs: [1, 3, 4] }], note: 'Zoë — 李' };
    expect((await api(base, `/api/assignments/${a.id}/drafts/${STEP.id}`, { cookie: cookies.ada, body: { draft } })).status).toBe(200);
    expect((await api(base, `/api/assignments/${a.id}/drafts/${STEP.id}`, { cookie: cookies.ada })).body.draft).toEqual(draft);
    expect((await api(base, `/api/assignments/${a.id}/drafts/${STEP.id}`, { cookie: cookies.ben })).body.draft).toBeNull();
    expect((await api(base, `/api/assignments/${a.id}/drafts/${STEP.id}`, { cookie: cookies.teacher })).status).toBe(403);
  });
});
