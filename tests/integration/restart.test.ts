/**
 * Restart safety: SIGKILL the real server process in the middle of a session, start it again on the
 * same port, and check that every client reconnects by itself to the same step with the same identity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstructorClient, SLIDES, StudentClient, api, request, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';
import { freePort, spawnServer, type ServerProcess } from './helpers/server-process';

describe.each(databaseTargets())('restart on $kind', (target) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let proc: ServerProcess | undefined;
  const clients: { close(): void }[] = [];

  beforeAll(async () => {
    db = await target.create();
    env = { ...db.env, PORT: String(await freePort()), HOST: '127.0.0.1', CONVLAB_GRACE_SECONDS: '30' };
    proc = await spawnServer(env);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await proc?.kill('SIGKILL');
    await db?.cleanup();
  });

  it('keeps the session after SIGKILL and the clients come back by themselves', async () => {
    const base = proc!.url;
    const { cookie } = await signUpInstructor(base, 'restart@example.org');
    const created = await api(base, '/api/sessions', { cookie, body: { title: 'Restart', steps: SLIDES } });
    const { id: sessionId, code } = created.body.session;

    const teacher = new InstructorClient(base, cookie, sessionId);
    clients.push(teacher);
    await teacher.watching();
    const students = ['Ana', 'Bo', 'Cy'].map((n) => new StudentClient(base, code, n));
    clients.push(...students);
    await Promise.all(students.map((s) => s.joined()));
    const identities = students.map((s) => s.participant!.id);

    await request(teacher.socket, 'step:goto', { index: 2 });
    await request(teacher.socket, 'controls:lock', { locked: true });
    await request(teacher.socket, 'session:pause', { paused: true, message: 'back in a second' });
    await waitFor(() => students.every((s) => s.state?.currentStep === 2 && s.state.paused), 'students on step 3, paused');

    await proc!.kill('SIGKILL');
    await waitFor(() => students.every((s) => s.socket.disconnected) && teacher.socket.disconnected, 'everyone dropped');
    for (const s of students) s.state = undefined; // whatever they see next must come from the restarted server

    proc = await spawnServer(env);
    expect(proc.url).toBe(base);

    // socket.io-client reconnects on its own; on `connect` each tab re-sends student:join with its token.
    await Promise.all(students.map((s) => s.joined(2)));
    await teacher.watching(2);
    students.forEach((s, i) => {
      expect(s.participant!.id).toBe(identities[i]);
      expect(s.state).toMatchObject({ sessionId, currentStep: 2, locked: true, paused: true, pauseMessage: 'back in a second' });
    });
    await waitFor(() => teacher.participants.length === 3 && teacher.participants.every((p) => p.presence === 'online'), 'all online');

    // The instructor's cookie survived too (the secret is kept in the data dir), and the session goes on.
    expect((await api(base, '/api/auth/me', { cookie })).status).toBe(200);
    expect(await request(teacher.socket, 'step:next', {})).toMatchObject({ ok: true, data: { state: { currentStep: 3 } } });
    await waitFor(() => students.every((s) => s.state?.currentStep === 3), 'students follow after the restart');
  });
});
