/**
 * The present view (projector) over the live connection, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL: the
 * instructor pins a student's submission or a class view with `present:set`, every client of the session gets it in
 * `session:state`, students cannot pin, bad targets are refused, and the pin survives a server restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { howCnnsSeeLesson } from '@convlab/labs';
import type { LabStep, SessionState, Submission } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import { InstructorClient, StudentClient, api, request, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';
import { freePort } from './helpers/server-process';

const occlusionResult = {
  classIndex: 780,
  baseline: 0.59,
  inputSize: [224, 224],
  masks: [{ mask: { kind: 'rect', x: 80, y: 40, width: 60, height: 90 }, probability: 0.05 }],
};

describe.each(databaseTargets())('present view on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer | undefined;
  let env: Record<string, string>;
  const clients: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (clients.push(c), c);

  beforeAll(async () => {
    db = await target.create();
    // A fixed port, so the clients reconnect by themselves to the restarted server.
    env = { ...db.env, PORT: String(await freePort()), HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' };
    server = await startServer({ env, log: false });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
    await db?.cleanup();
  });

  it('pins a submission or a class view for everyone, refuses students and bad targets, and keeps the pin across a restart', async () => {
    const base = server!.url;
    const { cookie } = await signUpInstructor(base, `present-${target.kind}@example.org`);
    const lesson = howCnnsSeeLesson();
    const created = await api(base, '/api/sessions', { cookie, body: { title: lesson.title, steps: lesson.steps } });
    expect(created.status).toBe(201);
    const { id: sessionId, code } = created.body.session as { id: string; code: string };
    expect(created.body.session.presenting).toBeNull();
    const occ = lesson.steps.find((s): s is LabStep => s.kind === 'lab' && s.labId === 'occlusion')!;
    const slide = lesson.steps.find((s) => s.kind === 'slide')!;

    const teacher = track(await new InstructorClient(base, cookie, sessionId).watching());
    // A second instructor tab (the projector's present page) watches the same session.
    const projector = track(await new InstructorClient(base, cookie, sessionId).watching());
    const ada = track(await new StudentClient(base, code, 'Ada').joined());
    expect(ada.state?.presenting).toBeNull();

    // Students submit on the class's current step (NOT_CURRENT_STEP otherwise).
    expect(await request(teacher.socket, 'step:goto', { index: lesson.steps.indexOf(occ) })).toMatchObject({ ok: true });
    const submitted = await request(ada.socket, 'lab:submit', {
      stepId: occ.id,
      params: occ.params,
      result: occlusionResult,
      computedWhere: 'browser',
      backend: 'webgl',
      ms: 30,
      // The ack waits for the server's own recomputation (the first one also starts the compute workers).
    }, 120_000);
    if (!submitted.ok) throw new Error(`lab:submit refused: ${submitted.error} ${submitted.message}`);
    const submission: Submission = submitted.data.submission;

    // A student may not pin anything, not even their own work.
    const byStudent = await request(ada.socket, 'present:set', { target: { kind: 'submission', submissionId: submission.id } });
    expect(byStudent).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    // Checked before the payload: a student does not even learn what a valid target looks like.
    expect(await request(ada.socket, 'present:set', { target: { kind: 'nonsense' } } as never)).toMatchObject({ ok: false, error: 'FORBIDDEN' });

    const pinSubmission = { kind: 'submission' as const, submissionId: submission.id };
    const pinned = await request(teacher.socket, 'present:set', { target: pinSubmission });
    expect(pinned).toMatchObject({ ok: true, data: { state: { sessionId, presenting: pinSubmission } } });
    await waitFor(() => projector.state?.presenting?.kind === 'submission', 'the projector tab gets the pinned submission');
    expect(projector.state?.presenting).toEqual(pinSubmission);
    await waitFor(() => ada.state?.presenting?.kind === 'submission', 'students get the field too');

    const view = { kind: 'view' as const, stepId: occ.id, view: 'class-map' };
    expect(await request(teacher.socket, 'present:set', { target: view })).toMatchObject({ ok: true, data: { state: { presenting: view } } });
    await waitFor(() => projector.state?.presenting?.kind === 'view', 'the projector follows the new pin');

    // Refused targets change nothing.
    const refusals = await Promise.all([
      request(teacher.socket, 'present:set', { target: { kind: 'submission', submissionId: 'no-such-submission' } }),
      request(teacher.socket, 'present:set', { target: { kind: 'view', stepId: slide.id, view: 'class-map' } }),
      request(teacher.socket, 'present:set', { target: { kind: 'view', stepId: 'no-such-step', view: 'class-map' } }),
      request(teacher.socket, 'present:set', { target: { kind: 'slide' } } as never),
    ]);
    expect(refusals.map((r) => (r.ok ? 'ok' : r.error))).toEqual(['NOT_FOUND', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST']);
    // Another instructor's submission: pinned from a different session of another instructor.
    const other = await signUpInstructor(base, `present-other-${target.kind}@example.org`);
    const otherSession = await api(base, '/api/sessions', { cookie: other.cookie, body: { title: 'Other', steps: lesson.steps } });
    const stranger = track(await new InstructorClient(base, other.cookie, otherSession.body.session.id).watching());
    expect(await request(stranger.socket, 'present:set', { target: pinSubmission })).toMatchObject({ ok: false, error: 'NOT_FOUND' });

    const stored = await api(base, `/api/sessions/${sessionId}`, { cookie });
    expect(stored.body.session.presenting).toEqual(view);

    // Restart on the same data: the pin is still there for every client that comes back.
    await server!.close();
    for (const c of [projector, ada]) c.state = undefined;
    server = await startServer({ env, log: false });
    await Promise.all([teacher.watching(2), projector.watching(2), ada.joined(2)]);
    expect(projector.state?.presenting).toEqual(view);
    expect(ada.state?.presenting).toEqual(view);

    // Unpinning goes to everyone, too.
    const cleared = await request(teacher.socket, 'present:set', { target: null });
    expect(cleared).toMatchObject({ ok: true, data: { state: { presenting: null } } });
    await waitFor(() => projector.state?.presenting === null && ada.state?.presenting === null, 'everyone sees the pin cleared');
    expect(((await api(server!.url, `/api/sessions/${sessionId}`, { cookie })).body.session as { presenting: SessionState['presenting'] }).presenting).toBeNull();

    // A pin belongs to the step it was made on: moving on clears it for everyone; a move that goes nowhere keeps it.
    const here = ((await api(server!.url, `/api/sessions/${sessionId}`, { cookie })).body.session as { currentStep: number }).currentStep;
    expect(await request(teacher.socket, 'present:set', { target: view })).toMatchObject({ ok: true });
    await waitFor(() => projector.state?.presenting?.kind === 'view', 'the projector gets the new pin');
    expect(await request(teacher.socket, 'step:goto', { index: here })).toMatchObject({ ok: true, data: { state: { presenting: view } } });
    const moved = await request(teacher.socket, 'step:goto', { index: here + 1 });
    expect(moved).toMatchObject({ ok: true, data: { state: { currentStep: here + 1, presenting: null } } });
    await waitFor(() => projector.state?.presenting === null && ada.state?.presenting === null, 'the pin is cleared on every screen');
    expect(await request(teacher.socket, 'present:set', { target: view })).toMatchObject({ ok: true });
    expect(await request(teacher.socket, 'step:prev', {})).toMatchObject({ ok: true, data: { state: { currentStep: here, presenting: null } } });
    expect(((await api(server!.url, `/api/sessions/${sessionId}`, { cookie })).body.session as { presenting: SessionState['presenting'] }).presenting).toBeNull();
  }, 60_000);
});
