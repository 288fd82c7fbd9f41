/**
 * A student's own work after the session ended, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL: the live
 * connection refuses them once the session ends, but `POST /api/join/:code/work` with the resume token their browser
 * saved gives back their own submissions and what the instructor shared — never a classmate's unshared work — and a
 * wrong token or code is the same NOT_FOUND.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { howCnnsSeeLesson } from '@convlab/labs';
import type { LabStep, Submission } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import { InstructorClient, StudentClient, api, request, signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const result = (probability: number) => ({
  classIndex: 780,
  baseline: 0.59,
  inputSize: [224, 224],
  masks: [{ mask: { kind: 'rect', x: 80, y: 40, width: 60, height: 90 }, probability }],
});

describe.each(databaseTargets())("a student's work after the session on $kind", (target) => {
  let db: TestDatabase;
  let server: RunningServer | undefined;
  const clients: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (clients.push(c), c);

  beforeAll(async () => {
    db = await target.create();
    server = await startServer({ env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' }, log: false });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
    await db?.cleanup();
  });

  it('gives a student their own and the shared submissions, also after the end, and nothing to a wrong token', async () => {
    const base = server!.url;
    const { cookie } = await signUpInstructor(base, `work-${target.kind}@example.org`);
    const lesson = howCnnsSeeLesson();
    const created = await api(base, '/api/sessions', { cookie, body: { title: lesson.title, steps: lesson.steps } });
    const { id: sessionId, code } = created.body.session as { id: string; code: string };
    const occ = lesson.steps.find((s): s is LabStep => s.kind === 'lab' && s.labId === 'occlusion')!;
    const teacher = track(await new InstructorClient(base, cookie, sessionId).watching());
    const ada = track(await new StudentClient(base, code, 'Ada').joined());
    const ben = track(await new StudentClient(base, code, 'Ben').joined());

    // Students submit on the class's current step only; the ack waits for the server's own check of the result.
    expect(await request(teacher.socket, 'step:goto', { index: lesson.steps.indexOf(occ) })).toMatchObject({ ok: true });
    const submit = async (who: StudentClient, p: number): Promise<Submission> => {
      const ack = await request(who.socket, 'lab:submit', { stepId: occ.id, params: occ.params, result: result(p), computedWhere: 'server', backend: 'wasm', ms: 12 }, 120_000);
      if (!ack.ok) throw new Error(`lab:submit refused: ${ack.error} ${ack.message}`);
      return ack.data.submission;
    };
    const adas = await submit(ada, 0.1);
    const bensShared = await submit(ben, 0.2);
    const bensOwn = await submit(ben, 0.3);
    expect(await request(teacher.socket, 'lab:share', { submissionId: bensShared.id, shared: true })).toMatchObject({ ok: true });
    expect(await request(teacher.socket, 'session:end', {})).toMatchObject({ ok: true, data: { state: { status: 'ended' } } });

    // The live connection is closed to them now…
    const again = track(new StudentClient(base, code, 'Ada', ada.resumeToken));
    await expect.poll(() => again.lastError).toBe('SESSION_ENDED');

    // …but their work is there.
    const work = await api(base, `/api/join/${code}/work`, { body: { resumeToken: ada.resumeToken } });
    expect(work.status).toBe(200);
    expect(work.body.state).toMatchObject({ sessionId, status: 'ended', code });
    expect(work.body.participant).toMatchObject({ id: ada.participant!.id, displayName: 'Ada' });
    expect((work.body.submissions as Submission[]).map((s) => s.id).sort()).toEqual([adas.id, bensShared.id].sort());
    const bens = await api(base, `/api/join/${code.toLowerCase()}/work`, { body: { resumeToken: ben.resumeToken } });
    expect((bens.body.submissions as Submission[]).map((s) => s.id).sort()).toEqual([bensShared.id, bensOwn.id].sort());

    // A wrong token, an unknown code and a malformed body learn nothing.
    const wrong = await Promise.all([
      api(base, `/api/join/${code}/work`, { body: { resumeToken: 'x'.repeat(43) } }),
      api(base, `/api/join/ZZZZZZ/work`, { body: { resumeToken: ada.resumeToken } }),
      api(base, `/api/join/${code}/work`, { body: { token: ada.resumeToken } }),
    ]);
    expect(wrong.map((r) => [r.status, r.body.error])).toEqual([
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
      [400, 'BAD_REQUEST'],
    ]);
  }, 60_000);
});
