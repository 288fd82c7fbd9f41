/**
 * Rate limits that cannot be turned against the class (issue #10 item 6), over real HTTP and socket.io, on SQLite and
 * (with CONVLAB_TEST_PG_URL) PostgreSQL: a student guessing codes behind the class's NAT address never locks out the
 * valid code or resume tokens; wrong passwords delay one (account, address), never the account; behind a trusted
 * proxy the address is the one the proxy appended, not the client-written leftmost X-Forwarded-For entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/index';
import { SLIDES, StudentClient, api, connect, connected, request, signUpInstructor, waitFor, type ClientSocket } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

describe.each(databaseTargets())('rate limits on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  let code: string;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);

  beforeAll(async () => {
    db = await target.create();
    server = await startServer({
      // Every client here is 127.0.0.1, like a lecture hall behind one NAT; one trusted proxy hop lets the sign-in
      // test speak from several addresses through X-Forwarded-For.
      env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_TRUST_PROXY: '1' },
      log: false,
      limits: {
        joinFailuresPerSocket: { maxFailures: 3, windowMs: 60_000 },
        joinFailuresPerIp: { maxFailures: 6, windowMs: 60_000 },
        signinBackoff: { freeFailures: 3, baseDelayMs: 30_000, maxDelayMs: 120_000, forgetAfterMs: 60_000 },
      },
    });
    base = server.url;
    const { cookie } = await signUpInstructor(base, `limits-${target.kind}@example.org`);
    const created = await api(base, '/api/sessions', { cookie, body: { title: 'Limits', steps: SLIDES } });
    code = created.body.session.code;
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    await server?.close();
    await db?.cleanup();
  });

  it('one student guessing codes never locks the class out: valid codes and resume tokens still join', async () => {
    const ana = track(await new StudentClient(base, code, 'Ana').joined());
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';

    // Mallory spends the address's wrong-code budget from several sockets (same address as the class).
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s: ClientSocket = track(connect(base));
      await connected(s);
      for (let j = 0; j < 3; j++) {
        const ack = await request(s, 'student:join', { code: wrong, displayName: 'Mallory' });
        answers.push(ack.ok ? 'ok' : ack.error);
      }
      // Her own socket, past its budget, still gets a valid code in.
      if (i === 0) expect(await request(s, 'student:join', { code, displayName: 'Mallory' })).toMatchObject({ ok: true });
      s.close();
    }
    expect(answers.slice(0, 6)).toEqual(Array(6).fill('NOT_FOUND'));
    expect(answers.slice(6)).toEqual(Array(6).fill('RATE_LIMITED'));
    expect((await api(base, `/api/join/${wrong}`)).body.error).toBe('RATE_LIMITED');

    // From the same address: a new student with the valid code, the join page, and a resume after a reconnect.
    const bo = track(await new StudentClient(base, code, 'Bo').joined());
    expect(bo.lastError).toBeUndefined();
    expect((await api(base, `/api/join/${code}`)).status).toBe(200);
    const seat = ana.participant!.id;
    ana.socket.disconnect();
    ana.socket.connect();
    await ana.joined(2);
    expect(ana.participant!.id).toBe(seat);
    const returning = track(new StudentClient(base, code, 'Ana', ana.resumeToken));
    await returning.joined();
    expect(returning.participant!.id).toBe(seat);
    await waitFor(() => returning.lastError === undefined, 'no refusal');
  });

  it('wrong passwords delay one (account, address), never the account; the spoofable X-Forwarded-For entry is ignored', async () => {
    const email = `teacher-${target.kind}@example.org`;
    await signUpInstructor(base, email);
    // One trusted hop: the proxy appended the right-most entry; "6.6.6.6" was written by the client.
    const from = (address: string, spoof = '6.6.6.6') => ({ 'x-forwarded-for': `${spoof}, ${address}` });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(base, '/api/auth/signin', { body: { email, password: `wrong-${i}-xx` }, headers: from('198.51.100.1') });
      statuses.push(res.status);
    }
    // Three wrong tries answered, then this (account, address) waits.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Changing the client-written entry does not make a new address.
    const spoofed = await api(base, '/api/auth/signin', { body: { email, password: 'correct horse battery' }, headers: from('198.51.100.1', '7.7.7.7') });
    expect(spoofed).toMatchObject({ status: 429, body: { error: 'RATE_LIMITED' } });
    // The teacher, from another address, signs in with the right password at once.
    const right = await api(base, '/api/auth/signin', { body: { email, password: 'correct horse battery' }, headers: from('198.51.100.2') });
    expect(right.status).toBe(200);
    expect(right.setCookie).toMatch(/^convlab_session=/);
  });
});
