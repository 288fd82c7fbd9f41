/**
 * The live session end to end over the wire: a real server on port 0 (no Next.js), real socket.io
 * clients, a real database — SQLite always, PostgreSQL when CONVLAB_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTOR_EVENTS, PROTOCOL_VERSION, connectErrorCode, type ClientEventName } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import {
  InstructorClient,
  SLIDES,
  StudentClient,
  api,
  connect,
  connected,
  rawRequest,
  request,
  signUpInstructor,
  waitFor,
  type ClientSocket,
} from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const GRACE_SECONDS = 1.5;
/** The untyped view of a socket, for sending what the typed maps forbid. */
type RawEmitter = { emit(event: string, ...args: unknown[]): void };

describe.each(databaseTargets())('live session on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  let cookie: string;
  let sessionId: string;
  let code: string;
  let teacher: InstructorClient;
  let ana: StudentClient;
  let ana2: StudentClient;
  let bo: StudentClient;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);
  const students = () => [ana, ana2, bo];

  beforeAll(async () => {
    db = await target.create();
    server = await startServer({
      env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_GRACE_SECONDS: String(GRACE_SECONDS) },
      log: false,
      limits: { joinFailuresPerSocket: { maxFailures: 4, windowMs: 60_000 }, joinFailuresPerIp: { maxFailures: 10, windowMs: 60_000 } },
    });
    base = server.url;
    expect(server.context.dbKind).toBe(target.kind);
    ({ cookie } = await signUpInstructor(base, `teacher-${target.kind}@example.org`));
    const created = await api(base, '/api/sessions', { cookie, body: { title: 'How CNNs see', steps: SLIDES } });
    expect(created.status).toBe(201);
    ({ id: sessionId, code } = created.body.session);
    teacher = track(await new InstructorClient(base, cookie, sessionId).watching());
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    await server?.close();
    await db?.cleanup();
  });

  it('lets three students join by code, with unique names, and shows them online to the instructor', async () => {
    ana = track(await new StudentClient(base, code.toLowerCase(), 'Ana').joined());
    ana2 = track(await new StudentClient(base, code, ' Ana ').joined());
    bo = track(await new StudentClient(base, `${code.slice(0, 3)}-${code.slice(3)}`, 'Bo').joined());
    expect(students().map((s) => s.participant!.displayName)).toEqual(['Ana', 'Ana (2)', 'Bo']);
    expect(new Set(students().map((s) => s.participant!.id)).size).toBe(3);
    for (const s of students()) expect(s.state).toMatchObject({ sessionId, code, currentStep: 0, status: 'live' });
    await waitFor(() => teacher.participants.filter((p) => p.presence === 'online').length === 3, 'three online');
  });

  it('sends every step change to every student', async () => {
    const next = await request(teacher.socket, 'step:next', {});
    expect(next).toMatchObject({ ok: true, data: { state: { currentStep: 1 } } });
    await waitFor(() => students().every((s) => s.state?.currentStep === 1), 'students on step 2');

    expect(await request(teacher.socket, 'step:goto', { index: 3 })).toMatchObject({ ok: true, data: { state: { currentStep: 3 } } });
    await waitFor(() => students().every((s) => s.state?.currentStep === 3), 'students on step 4');

    expect(await request(teacher.socket, 'step:next', {})).toMatchObject({ ok: true, data: { state: { currentStep: 3 } } });
    expect(await request(teacher.socket, 'step:goto', { index: 4 })).toMatchObject({ ok: false, error: 'BAD_REQUEST' });

    expect(await request(teacher.socket, 'step:prev', {})).toMatchObject({ ok: true, data: { state: { currentStep: 2 } } });
    await waitFor(() => students().every((s) => s.state?.currentStep === 2), 'students on step 3');
  });

  it('sends lock and pause to every student', async () => {
    expect(await request(teacher.socket, 'controls:lock', { locked: true })).toMatchObject({ ok: true, data: { state: { locked: true } } });
    await waitFor(() => students().every((s) => s.state?.locked === true), 'students locked');

    const paused = await request(teacher.socket, 'session:pause', { paused: true, message: 'Eyes on the projector' });
    expect(paused).toMatchObject({ ok: true, data: { state: { paused: true, pauseMessage: 'Eyes on the projector' } } });
    await waitFor(() => students().every((s) => s.state?.paused && s.state.pauseMessage === 'Eyes on the projector'), 'students paused');

    await request(teacher.socket, 'session:pause', { paused: false });
    await request(teacher.socket, 'controls:lock', { locked: false });
    await waitFor(() => students().every((s) => s.state?.paused === false && s.state.locked === false), 'students resumed');
  });

  it('resumes the same participant after a reload, keeping the seat through the grace period', async () => {
    const before = bo.participant!;
    bo.close(); // the tab reloads: the old connection drops
    await waitFor(() => teacher.presenceOf('Bo') === 'reconnecting', 'Bo reconnecting');

    bo = track(await new StudentClient(base, code, 'ignored on resume', bo.resumeToken).joined());
    expect(bo.participant).toEqual(before);
    expect(bo.state?.currentStep).toBe(2);
    await waitFor(() => teacher.presenceOf('Bo') === 'online', 'Bo online again');

    // A second tab of the same browser is the same participant too.
    const tab = track(await new StudentClient(base, code, 'x', bo.resumeToken).joined());
    expect(tab.participant?.id).toBe(before.id);
    tab.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(teacher.presenceOf('Bo')).toBe('online'); // the first tab is still open
    expect(teacher.participants).toHaveLength(3);
  });

  it('releases the seat after the grace period when a student does not come back', async () => {
    const tab = track(await new StudentClient(base, code, 'Cy').joined());
    await waitFor(() => teacher.presenceOf('Cy') === 'online', 'Cy online');
    tab.close();
    await waitFor(() => teacher.presenceOf('Cy') === 'reconnecting', 'Cy reconnecting');
    await waitFor(() => teacher.presenceOf('Cy') === 'offline', 'Cy offline after the grace period', GRACE_SECONDS * 1000 + 5000);
  });

  it('refuses every instructor action from a student with FORBIDDEN and changes nothing', async () => {
    const payloads: { [E in ClientEventName]?: unknown } = {
      'instructor:watch': { sessionId },
      'step:goto': { index: 0 },
      'step:next': {},
      'step:prev': {},
      'controls:lock': { locked: true },
      'session:pause': { paused: true, message: 'hijacked' },
      'participant:remove': { participantId: bo.participant!.id },
      'session:end': {},
      'session:reopen': { sessionId },
    };
    for (const event of INSTRUCTOR_EVENTS) {
      const ack = await rawRequest(ana.socket, event, payloads[event]);
      expect(ack, event).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    }
    const { body } = await api(base, `/api/sessions/${sessionId}`, { cookie });
    expect(body.session).toMatchObject({ currentStep: 2, locked: false, paused: false, status: 'live' });
    expect(body.participants.every((p: { removedAt: string | null }) => p.removedAt === null)).toBe(true);

    // A student who also holds an instructor cookie (the teacher testing in one browser) is still a student.
    const mixed = track(connect(base, { cookie }));
    await connected(mixed);
    expect(await request(mixed, 'student:join', { code, displayName: 'Tester' })).toMatchObject({ ok: true });
    expect(await request(mixed, 'step:next', {})).toMatchObject({ ok: false, error: 'FORBIDDEN' });

    // Without a sign-in: UNAUTHORIZED; another instructor: FORBIDDEN.
    const guest = track(connect(base));
    await connected(guest);
    expect(await request(guest, 'step:next', {})).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
    const other = await signUpInstructor(base, `other-${target.kind}@example.org`);
    const stranger = track(connect(base, { cookie: other.cookie }));
    await connected(stranger);
    expect(await request(stranger, 'instructor:watch', { sessionId })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    expect(await request(stranger, 'session:reopen', { sessionId })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    expect(await request(stranger, 'step:next', {})).toMatchObject({ ok: false, error: 'BAD_REQUEST' }); // watches nothing
    // A forged cookie is no cookie.
    const forged = track(connect(base, { cookie: `${cookie.slice(0, -4)}AAAA` }));
    await connected(forged);
    expect(await request(forged, 'instructor:watch', { sessionId })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
  });

  it('refuses malformed payloads with BAD_REQUEST and keeps serving', async () => {
    const s = track(connect(base));
    await connected(s);
    const bad: [string, unknown[]][] = [
      ['student:join', [null]],
      ['student:join', ['ABCDEF']],
      ['student:join', [{ code }]], // neither name nor token
      ['student:join', [{ code, displayName: 'x'.repeat(41) }]],
      ['student:join', [{ code, displayName: 'Eve', role: 'instructor' }]],
      ['student:join', [{ code: 'O0O0O0', displayName: 'Eve' }]],
      ['student:join', [{ code, displayName: 'Eve' }, 'extra']],
      ['no:such-event', [{}]],
    ];
    for (const [event, args] of bad) {
      const ack = await rawRequest(s, event, ...args);
      expect(ack, `${event} ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
      expect(typeof (ack as { message: string }).message).toBe('string');
      expect(JSON.stringify(ack)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    }
    // The instructor's malformed payloads too (a guest would learn UNAUTHORIZED first: the sender is checked before parsing).
    for (const payload of [{ index: 'two' }, { index: -1 }]) {
      expect(await rawRequest(teacher.socket, 'step:goto', payload)).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
      expect(await rawRequest(s, 'step:goto', payload)).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
    }
    // A request without an ack is ignored, and the socket still works.
    (s as unknown as RawEmitter).emit('step:next', {});
    expect(await request(s, 'student:join', { code, displayName: 'Eve' })).toMatchObject({ ok: true });
  });

  it('refuses oversized payloads: PAYLOAD_TOO_LARGE, or a closed connection past the transport cap', async () => {
    const s = track(connect(base, { reconnection: false }));
    await connected(s);
    const big = await rawRequest(s, 'student:join', { code, displayName: 'Zed', resumeToken: 'a'.repeat(20_000) });
    expect(big).toMatchObject({ ok: false, error: 'PAYLOAD_TOO_LARGE' });

    const closed = new Promise<string>((r) => s.once('disconnect', (reason) => r(reason)));
    (s as unknown as RawEmitter).emit('student:join', { code, displayName: 'x'.repeat(200_000) });
    expect(await closed).toMatch(/transport (close|error)/);

    // Everyone else is unaffected and the server still accepts connections.
    expect(await request(teacher.socket, 'step:goto', { index: 1 })).toMatchObject({ ok: true });
    await waitFor(() => students().every((s) => s.state?.currentStep === 1), 'students on step 2 after the oversized message');
    const fresh = track(connect(base));
    await connected(fresh);
    expect(await request(fresh, 'student:join', { code, displayName: 'Fay' })).toMatchObject({ ok: true });
    expect((await api(base, '/api/health')).status).toBe(200);
  });

  it('checks the protocol version and the Origin at connect', async () => {
    const old = track(connect(base, { protocolVersion: PROTOCOL_VERSION + 1, reconnection: false }));
    const err = await connected(old).then(() => null, (e: unknown) => e);
    expect(connectErrorCode(err)).toBe('PROTOCOL_MISMATCH');

    const evil = track(connect(base, { origin: 'https://evil.example', reconnection: false }));
    expect(connectErrorCode(await connected(evil).then(() => null, (e: unknown) => e))).toBe('FORBIDDEN');

    const same = track(connect(base, { origin: base, reconnection: false }));
    await connected(same);
  });

  it('limits how fast one socket may send', async () => {
    const s = track(connect(base));
    await connected(s);
    const acks = await Promise.all(Array.from({ length: 60 }, () => request(s, 'step:next', {})));
    const limited = acks.filter((a) => !a.ok && a.error === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThan(0);
    expect(limited).toBeLessThan(60);
  });

  it('removes a participant: told, disconnected, and refused with REMOVED on rejoin', async () => {
    const victim = ana2;
    const ack = await request(teacher.socket, 'participant:remove', { participantId: victim.participant!.id });
    expect(ack).toEqual({ ok: true, data: {} });
    await waitFor(() => victim.removedMessage, 'removal notice');
    await waitFor(() => victim.socket.disconnected, 'victim disconnected');
    await waitFor(() => teacher.participants.every((p) => p.displayName !== 'Ana (2)'), 'victim gone from presence');

    const retry = track(connect(base));
    await connected(retry);
    expect(await request(retry, 'student:join', { code, resumeToken: victim.resumeToken! })).toMatchObject({
      ok: false,
      error: 'REMOVED',
    });
  });

  it('ends the session for everyone, keeps it readable, and reopens it', async () => {
    expect(await request(teacher.socket, 'session:end', {})).toMatchObject({ ok: true, data: { state: { status: 'ended' } } });
    await waitFor(() => [ana, bo].every((s) => s.state?.status === 'ended'), 'students see the end');
    expect(await request(teacher.socket, 'step:next', {})).toMatchObject({ ok: false, error: 'SESSION_ENDED' });
    const late = track(connect(base));
    await connected(late);
    expect(await request(late, 'student:join', { code, displayName: 'Late' })).toMatchObject({ ok: false, error: 'SESSION_ENDED' });

    const record = await api(base, `/api/sessions/${sessionId}`, { cookie });
    expect(record.body.session.status).toBe('ended');
    expect(record.body.participants.map((p: { displayName: string }) => p.displayName)).toEqual(
      expect.arrayContaining(['Ana', 'Ana (2)', 'Bo', 'Cy']),
    );

    expect(await request(teacher.socket, 'session:reopen', { sessionId })).toMatchObject({ ok: true, data: { state: { status: 'live' } } });
    await waitFor(() => [ana, bo].every((s) => s.state?.status === 'live'), 'students see the reopening');
  });

  it('refuses a wrong join code and throttles repeated guesses', async () => {
    const guesser = track(connect(base));
    await connected(guesser);
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    expect(await request(guesser, 'student:join', { code: wrong, displayName: 'Mallory' })).toMatchObject({ ok: false, error: 'NOT_FOUND' });
    for (let i = 0; i < 3; i++) await request(guesser, 'student:join', { code: wrong, displayName: 'Mallory' });
    // Past the per-socket budget a wrong code is refused from this socket.
    expect(await request(guesser, 'student:join', { code: wrong, displayName: 'Mallory' })).toMatchObject({ ok: false, error: 'RATE_LIMITED' });

    // New sockets from the same address keep guessing until the per-IP budget is spent.
    let limitedAt = -1;
    for (let i = 0; i < 10 && limitedAt < 0; i++) {
      const s = track(connect(base));
      await connected(s);
      const ack = await request(s, 'student:join', { code: wrong, displayName: 'Mallory' });
      if (!ack.ok && ack.error === 'RATE_LIMITED') limitedAt = i;
      s.close();
    }
    expect(limitedAt).toBeGreaterThanOrEqual(0);
    const page = await api(base, `/api/join/${wrong}`);
    expect(page.status).toBe(429);
    expect(page.body.error).toBe('RATE_LIMITED');
    // The valid code is never refused by the wrong-code limit (a whole class may share this address).
    expect((await api(base, `/api/join/${code}`)).status).toBe(200);

    // Students already in the session are not affected.
    expect(await request(teacher.socket, 'step:goto', { index: 0 })).toMatchObject({ ok: true });
    await waitFor(() => [ana, bo].every((s) => s.state?.currentStep === 0), 'students still follow');
  });
});
