/**
 * The student's side of an assignment, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL, with real compute:
 * drafts round-trip exactly and stay the student's own; a student reads only their own work (never another's, never a
 * gradebook); result images over HTTP with the live lab's checks; the server computes for a signed-in student of the
 * course while the assignment is open — not for a student of another course, not for a closed assignment.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobOutcome, LabStep } from '@convlab/protocol';
import type { RunningServer } from '../../server/index';
import { startComputeServer } from './helpers/api-server';
import { hashPassword } from '../../server/auth/password';
import { api, connect, connected, request as send, signUpInstructor, waitFor, type ClientSocket } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL));
const DAY = 24 * 60 * 60 * 1000;

const OCCLUSION: LabStep = { kind: 'lab', id: 'occ', title: 'Hide the cat', markdown: '', labId: 'occlusion', params: { model: MODEL, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285 } };
const ASCENT: LabStep = { kind: 'lab', id: 'asc', title: 'Make a lemon', markdown: '', labId: 'ascent', params: { model: MODEL, classes: [951], classIndex: 951 } };
const grading = { points: 10, rule: { id: 'occlusion-drop', params: { maxCoveragePercent: 100, minDropPoints: 1 } }, rubric: [], attempts: 2, counts: 'best' as const };
const manual = { points: 0, rubric: [{ id: 'why', label: 'Why', points: 2 }], attempts: 1, counts: 'best' as const };

/** Acks can wait for the compute service to start on a busy machine: a generous timeout. */
const request: typeof send = (socket, event, payload, timeoutMs = 60_000) => send(socket, event, payload, timeoutMs);

let seq = 0;
const rid = () => `stu-${Date.now()}-${++seq}`;

describe.skipIf(!HAVE_DATA).each(databaseTargets())('the student side of assignments on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  const cookies: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const sockets: ClientSocket[] = [];
  let courseId: string;
  let otherCourseId: string;
  let openId: string;

  async function account(key: string) {
    const email = `${key}-student-${target.kind}@example.org`;
    const created = await server.context.accounts.create({ email, name: key, role: 'student', passwordHash: await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 }) });
    const signin = await api(base, '/api/auth/signin', { body: { email, password: 'correct horse battery' } });
    cookies[key] = signin.setCookie!.split(';')[0]!;
    ids[key] = created.id;
  }

  const assignment = async (course: string, extra: Record<string, unknown> = {}) => {
    const made = await api(base, `/api/courses/${course}/assignments`, {
      cookie: cookies.teacher,
      body: {
        title: 'Homework',
        source: { kind: 'steps', steps: [OCCLUSION, ASCENT] },
        steps: [
          { stepId: OCCLUSION.id, grading },
          { stepId: ASCENT.id, grading: manual },
        ],
        opensAt: new Date(Date.now() - DAY).toISOString(),
        dueAt: new Date(Date.now() + DAY).toISOString(),
        latePolicy: { kind: 'refuse' },
        ...extra,
      },
    });
    expect([200, 201], JSON.stringify(made.body)).toContain(made.status);
    return made.body.assignment.id as string;
  };

  const studentSocket = async (who: string) => {
    const s = connect(base, { cookie: cookies[who] });
    sockets.push(s);
    await connected(s);
    return s;
  };

  beforeAll(async () => {
    db = await target.create();
    server = await startComputeServer(db, MODELS);
    base = server.url;
    const teacher = await signUpInstructor(base, `teacher-student-${target.kind}@example.org`);
    cookies.teacher = teacher.cookie;
    ids.teacher = teacher.id;
    for (const key of ['ada', 'ben', 'olga']) await account(key);
    courseId = (await server.context.courses.create('CNNs 101', ids.teacher!)).id;
    otherCourseId = (await server.context.courses.create('Another course', ids.teacher!)).id;
    for (const key of ['ada', 'ben']) await server.context.courses.upsertMember({ courseId, accountId: ids[key]!, role: 'student', source: 'added' });
    await server.context.courses.upsertMember({ courseId: otherCourseId, accountId: ids.olga!, role: 'student', source: 'added' });
    openId = await assignment(courseId);
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server?.close();
    await db?.cleanup();
  });

  it('creates a course and an assignment once per requestId, however often the request is retried', async () => {
    const requestId = rid();
    const first = await api(base, '/api/courses', { cookie: cookies.teacher, body: { title: 'Retried', requestId } });
    const again = await api(base, '/api/courses', { cookie: cookies.teacher, body: { title: 'Retried', requestId } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.course.id).toBe(first.body.course.id);
    const mine = (await api(base, '/api/courses', { cookie: cookies.teacher })).body.courses.filter((c: { title: string }) => c.title === 'Retried');
    expect(mine).toHaveLength(1);
    // Another request id makes another course.
    expect((await api(base, '/api/courses', { cookie: cookies.teacher, body: { title: 'Retried', requestId: rid() } })).body.course.id).not.toBe(first.body.course.id);

    const courseRequest = rid();
    const a1 = await assignment(first.body.course.id, { requestId: courseRequest });
    const a2 = await assignment(first.body.course.id, { requestId: courseRequest });
    expect(a2).toBe(a1);
    expect((await api(base, `/api/courses/${first.body.course.id}/assignments`, { cookie: cookies.teacher })).body.assignments).toHaveLength(1);
  });

  it('keeps a draft exactly as saved, for its student only', async () => {
    const draft = { masks: [{ kind: 'rect', x: 3, y: 4, width: 50.5, height: 20 }, { kind: 'brush', size: 12, points: [[1, 2], [3.25, 4]] }], fill: 'blur', chosenClass: 281, caption: 'Ünïcode ✓' };
    expect((await api(base, `/api/assignments/${openId}/drafts/${OCCLUSION.id}`, { cookie: cookies.ada, body: { draft } })).status).toBe(200);
    expect((await api(base, `/api/assignments/${openId}/drafts/${OCCLUSION.id}`, { cookie: cookies.ada })).body.draft).toEqual(draft);
    // Saving again replaces it; another step and another student have their own (none).
    const next = { ...draft, fill: 'grey' };
    await api(base, `/api/assignments/${openId}/drafts/${OCCLUSION.id}`, { cookie: cookies.ada, body: { draft: next } });
    expect((await api(base, `/api/assignments/${openId}/drafts/${OCCLUSION.id}`, { cookie: cookies.ada })).body.draft).toEqual(next);
    expect((await api(base, `/api/assignments/${openId}/drafts/${ASCENT.id}`, { cookie: cookies.ada })).body.draft).toBeNull();
    expect((await api(base, `/api/assignments/${openId}/drafts/${OCCLUSION.id}`, { cookie: cookies.ben })).body.draft).toBeNull();
    expect((await api(base, `/api/assignments/${openId}/drafts/${OCCLUSION.id}`, { cookie: cookies.olga })).status).toBe(404);
    expect((await api(base, `/api/assignments/${openId}/drafts/nope`, { cookie: cookies.ada, body: { draft } })).status).toBe(404);
  });

  it('stores result images with the live lab checks, and a student reads only their own work', async () => {
    const png = await readFile(path.resolve(__dirname, '../../assets/photos/skimage_coffee.png'));
    const upload = (who: string, stepId: string, body: Uint8Array, type = 'image/png') =>
      fetch(`${base}/api/assignments/${openId}/images?stepId=${stepId}`, { method: 'POST', headers: { cookie: cookies[who]!, 'content-type': type, origin: base }, body: new Blob([new Uint8Array(body)]) });
    const stored = await upload('ada', ASCENT.id, png);
    expect(stored.status).toBe(201);
    const { hash } = (await stored.json()) as { hash: string };
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // Not a PNG, an outsider, an unknown step: refused in words.
    const jpeg = await upload('ada', ASCENT.id, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]), 'image/jpeg');
    expect(jpeg.status).toBe(415);
    expect(((await jpeg.json()) as { message: string }).message).toMatch(/PNG/);
    expect((await upload('olga', ASCENT.id, png)).status).toBe(404);
    expect((await upload('ada', 'nope', png)).status).toBe(404);

    const sent = await api(base, `/api/assignments/${openId}/submissions`, {
      cookie: cookies.ada,
      body: { requestId: rid(), stepId: ASCENT.id, params: ASCENT.params, result: { classIndex: 951, score: 1, objective: 1, scores: [1] }, resultImageHash: hash },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const id = sent.body.submission.id as string;
    // Ada sees hers; Ben sees none of it, neither in the list, nor by id, nor in a gradebook.
    expect((await api(base, `/api/assignments/${openId}/submissions`, { cookie: cookies.ada })).body.submissions.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await api(base, `/api/assignments/${openId}/submissions`, { cookie: cookies.ben })).body.submissions).toEqual([]);
    expect((await api(base, `/api/assignments/${openId}/submissions?accountId=${ids.ada}`, { cookie: cookies.ben })).body.submissions).toEqual([]);
    expect((await api(base, `/api/assignment-submissions/${id}`, { cookie: cookies.ben })).status).toBe(403);
    expect((await api(base, `/api/assignments/${openId}/gradebook`, { cookie: cookies.ben })).status).toBe(403);
    expect((await api(base, `/api/assignments/${openId}/my-submissions.json`, { cookie: cookies.olga })).status).toBe(404);
    const mine = await api(base, `/api/assignments/${openId}/my-submissions.json`, { cookie: cookies.ben });
    expect(mine.body.submissions).toEqual([]);
  });

  it("grades a pooling quiz by the server's own check of the student's grid, never the browser's claim", async () => {
    const POOL: LabStep = { kind: 'lab', id: 'pool', title: 'Pool by hand', markdown: '', labId: 'pooling', params: { model: MODEL, quiz: true } };
    const made = await api(base, `/api/courses/${courseId}/assignments`, {
      cookie: cookies.teacher,
      body: {
        title: 'Quiz',
        source: { kind: 'steps', steps: [POOL] },
        steps: [{ stepId: POOL.id, grading: { points: 5, rule: { id: 'pooling-quiz', params: {} }, rubric: [], attempts: 2, counts: 'best' } }],
        opensAt: new Date(Date.now() - DAY).toISOString(),
        dueAt: new Date(Date.now() + DAY).toISOString(),
        latePolicy: { kind: 'refuse' },
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.assignment.id as string;
    // The student's own question, over HTTP (what the panel's lab:task asks for).
    const task = await api(base, `/api/assignments/${id}/tasks/${POOL.id}`, { cookie: cookies.ada });
    expect(task.status, JSON.stringify(task.body)).toBe(200);
    expect(task.body.task.kind).toBe('pooling');
    expect(JSON.stringify(task.body.task)).not.toMatch(/"answer"|"correct"/);
    expect((await api(base, `/api/assignments/${id}/tasks/${POOL.id}`, { cookie: cookies.olga })).status).toBe(404);
    // A wrong answer that claims to be right: the server checks it against Ada's grid.
    const forged = await api(base, `/api/assignments/${id}/submissions`, { cookie: cookies.ada, body: { requestId: rid(), stepId: POOL.id, params: POOL.params, result: { answer: 999_999, correct: true } } });
    expect(forged.status, JSON.stringify(forged.body)).toBe(201);
    const [stored] = (await api(base, `/api/assignments/${id}/submissions`, { cookie: cookies.teacher })).body.submissions;
    expect(stored.result).toMatchObject({ answer: 999_999, correct: false });
    expect(stored.result.question).toEqual(expect.any(String));
    expect(stored.auto).toMatchObject({ ruleId: 'pooling-quiz', fraction: 0, points: 0 });
  });

  it('computes on the server for a student of the course while the assignment is open, and for nobody else', async () => {
    const spec = { kind: 'classify' as const, model: MODEL, image: { kind: 'sample' as const, id: 'photos/skimage_chelsea.png' } };
    // Before opening the assignment the signed-in socket follows nothing.
    const ada = await studentSocket('ada');
    expect(await request(ada, 'job:submit', { spec })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    expect(await request(ada, 'assignment:open', { assignmentId: openId })).toMatchObject({ ok: true });
    const results = new Map<string, JobOutcome>();
    ada.on('job:result', (o) => results.set(o.jobId, o));
    const ack = await request(ada, 'job:submit', { spec });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    const outcome = await waitFor(() => results.get((ack as { data: { jobId: string } }).data.jobId), 'the classify result', 120_000);
    expect(outcome.ok).toBe(true);
    // Opening does not make the socket a session member: live-lecture events stay refused.
    expect(await request(ada, 'lab:submissions', {})).toMatchObject({ ok: false, error: 'FORBIDDEN' });

    // A student of another course; a signed-out socket; a closed assignment (refused late work, past due).
    const olga = await studentSocket('olga');
    expect(await request(olga, 'assignment:open', { assignmentId: openId })).toMatchObject({ ok: false, error: 'NOT_FOUND' });
    expect(await request(olga, 'job:submit', { spec })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    const guest = connect(base);
    sockets.push(guest);
    await connected(guest);
    expect(await request(guest, 'assignment:open', { assignmentId: openId })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
    const closedId = await assignment(courseId, { opensAt: new Date(Date.now() - 3 * DAY).toISOString(), dueAt: new Date(Date.now() - DAY).toISOString() });
    const ben = await studentSocket('ben');
    expect(await request(ben, 'assignment:open', { assignmentId: closedId })).toMatchObject({ ok: false, error: 'PAST_DUE' });

    // An assignment that closes while the page is open: the next job is refused by the server's clock.
    try {
      server.context.clock.offsetMs = 2 * DAY;
      expect(await request(ada, 'job:submit', { spec })).toMatchObject({ ok: false, error: 'PAST_DUE' });
      const view = await api(base, `/api/assignments/${openId}`, { cookie: cookies.ada });
      expect(view.body.assignment.window).toMatchObject({ status: 'refused' });
    } finally {
      server.context.clock.offsetMs = 0;
    }
  }, 180_000);
});
