/**
 * The server's authority over a live session, end to end: a real server (port 0, no Next.js), real socket.io clients,
 * a real database (SQLite; PostgreSQL too when CONVLAB_TEST_PG_URL is set). The session's rules refuse students
 * (LOCKED, PAUSED, NOT_CURRENT_STEP, SESSION_ENDED, CONTROL_NOT_ALLOWED), roles are checked before payloads,
 * retries with the same requestId never duplicate (also across a restart), removal sticks to the browser, the
 * instructor can undo it and close joining, and every request — however malformed — gets an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENT_NAMES, newRequestId, type LabStep, type Submission } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import {
  InstructorClient,
  SLIDES,
  StudentClient,
  api,
  connect,
  connected,
  newDeviceToken,
  rawRequest,
  request,
  signUpInstructor,
  waitFor,
  type ClientSocket,
} from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const OCC: LabStep = {
  kind: 'lab',
  id: 'occ',
  title: 'Occlusion',
  markdown: '',
  labId: 'occlusion',
  params: { model: 'mobilenet_v1_0.25_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285, fill: 'grey' },
  studentControls: ['fill', 'brushSize'],
};
const STEPS = [SLIDES[0]!, OCC, SLIDES[1]!];
const OCC_INDEX = 1;

const result = (probability: number) => ({
  classIndex: 285,
  baseline: 0.59,
  inputSize: [224, 224],
  masks: [{ mask: { kind: 'rect', x: 80, y: 40, width: 60, height: 90 }, probability }],
});
const submission = (over: Record<string, unknown> = {}) => ({
  stepId: OCC.id,
  params: OCC.params,
  result: result(0.2),
  computedWhere: 'browser' as const,
  backend: 'webgl',
  ms: 10,
  ...over,
});
const spec = { kind: 'classify', model: 'mobilenet_v1_0.25_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' } } as const;
/** The untyped view of a socket, for sending what the typed maps forbid. */
type RawEmitter = { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } };

describe.each(databaseTargets())('the server enforces the session on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  let cookie: string;
  let sessionId: string;
  let code: string;
  let teacher: InstructorClient;
  let ada: StudentClient;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);
  const start = (port = '0') =>
    startServer({
      env: { ...db.env, PORT: port, HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' },
      log: false,
      // The fuzzing below sends thousands of requests from one socket.
      limits: { socketBurst: 100_000, socketRefillPerSecond: 100_000 },
    });
  const teacherDo = async (event: Parameters<typeof request>[1], payload: object) => {
    const ack = await request(teacher.socket, event, payload as never);
    if (!ack.ok) throw new Error(`${event} refused: ${ack.error} ${ack.message}`);
    return ack.data;
  };
  const stored = async () => server.context.store.listSubmissions(sessionId);

  beforeAll(async () => {
    db = await target.create();
    server = await start();
    base = server.url;
    ({ cookie } = await signUpInstructor(base, `authority-${target.kind}@example.org`));
    const created = await api(base, '/api/sessions', { cookie, body: { title: 'Rules', steps: STEPS } });
    expect(created.status).toBe(201);
    ({ id: sessionId, code } = created.body.session);
    teacher = track(await new InstructorClient(base, cookie, sessionId).watching());
    ada = track(await new StudentClient(base, code, 'Ada').joined());
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    await server?.close();
    await db?.cleanup();
  });

  it('refuses what the lock, the pause, the current step and the student controls forbid, and stores nothing', async () => {
    const submit = (over: Record<string, unknown> = {}) => request(ada.socket, 'lab:submit', submission(over) as never);
    // On a slide: the lab step is not the current one.
    expect(await submit()).toMatchObject({ ok: false, error: 'NOT_CURRENT_STEP' });
    await teacherDo('step:goto', { index: OCC_INDEX });
    await teacherDo('controls:lock', { locked: true });
    expect(await submit()).toMatchObject({ ok: false, error: 'LOCKED' });
    expect(await rawRequest(ada.socket, 'lab:image', { stepId: OCC.id, image: Buffer.from([0x89, 0x50]) })).toMatchObject({ ok: false, error: 'LOCKED' });
    await teacherDo('session:pause', { paused: true, message: 'eyes up here' });
    // Paused wins over locked; compute is refused too.
    expect(await submit()).toMatchObject({ ok: false, error: 'PAUSED' });
    expect(await request(ada.socket, 'job:submit', { spec })).toMatchObject({ ok: false, error: 'PAUSED' });
    await teacherDo('session:pause', { paused: false });
    await teacherDo('controls:lock', { locked: false });
    // A parameter outside the step's student controls that differs from the preset; an allowed one passes.
    expect(await submit({ params: { ...OCC.params, classIndex: 1 } })).toMatchObject({ ok: false, error: 'CONTROL_NOT_ALLOWED', message: expect.stringMatching(/"classIndex"/) });
    expect(await submit({ params: { ...OCC.params, model: 'squeezenet1.1_nchw' } })).toMatchObject({ ok: false, error: 'CONTROL_NOT_ALLOWED' });
    expect(await stored()).toHaveLength(0);
    expect(await submit({ params: { ...OCC.params, fill: 'zero' } })).toMatchObject({ ok: true });
    // The instructor is not held by the students' rules.
    await teacherDo('controls:lock', { locked: true });
    expect(await request(teacher.socket, 'lab:submit', submission({ params: { ...OCC.params, classIndex: 1 } }) as never)).toMatchObject({ ok: true });
    await teacherDo('controls:lock', { locked: false });
    expect(await stored()).toHaveLength(2);
  });

  it('checks the sender before the payload: FORBIDDEN or UNAUTHORIZED, never BAD_REQUEST, for a sender who may not send it', async () => {
    expect(await rawRequest(teacher.socket, 'sweep:result', 'garbage')).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    expect(await rawRequest(ada.socket, 'session:joining', { open: 'maybe' })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    expect(await rawRequest(ada.socket, 'participant:restore', 42)).toMatchObject({ ok: false, error: 'FORBIDDEN' });
    const guest = track(connect(base));
    await connected(guest);
    for (const event of ['lab:submit', 'job:submit', 'sweep:result', 'step:goto'] as const) {
      expect(await rawRequest(guest, event, { nonsense: true }), event).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
    }
  });

  it('returns the first result to a retry with the same requestId, never a second submission or step', async () => {
    const before = (await stored()).length;
    const requestId = newRequestId();
    const first = await request(ada.socket, 'lab:submit', submission() as never, 5000, requestId);
    expect(first.ok).toBe(true);
    const again = await request(ada.socket, 'lab:submit', submission() as never, 5000, requestId);
    expect(again).toEqual(first);
    // Sent twice at once (a retry while the first is still running): one submission.
    const twin = newRequestId();
    const [a, b] = await Promise.all([0, 1].map(() => request(ada.socket, 'lab:submit', submission() as never, 5000, twin)));
    expect(a).toEqual(b);
    expect(await stored()).toHaveLength(before + 2);
    // The same id for another event is a client bug, said so; a mutating event without an id is refused.
    expect(await request(ada.socket, 'job:submit', { spec }, 5000, requestId)).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/lab:submit/) });
    expect(await (ada.socket as unknown as RawEmitter).timeout(5000).emitWithAck('lab:submit', submission())).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/requestId/) });
    expect(await rawRequest(ada.socket, 'lab:submit', { ...submission(), requestId: 'bad id!' })).toMatchObject({ ok: false, error: 'BAD_REQUEST' });

    const step = newRequestId();
    const moved = (await teacherDo('step:next', {})) as { state: { currentStep: number } };
    await teacherDo('step:prev', {});
    const n1 = await request(teacher.socket, 'step:next', {}, 5000, step);
    const n2 = await request(teacher.socket, 'step:next', {}, 5000, step);
    expect(n2).toEqual(n1);
    expect(n1).toMatchObject({ ok: true, data: { state: { currentStep: moved.state.currentStep } } });
    await teacherDo('step:goto', { index: OCC_INDEX });
  });

  it('gives a retried join the seat it created, never "Ada (2)", also after the server restarted', async () => {
    const device = newDeviceToken();
    const requestId = newRequestId();
    const join = { code, displayName: 'Cy', deviceToken: device };
    const s1 = track(connect(base));
    await connected(s1);
    const first = await request(s1, 'student:join', join, 5000, requestId);
    expect(first).toMatchObject({ ok: true, data: { participant: { displayName: 'Cy' } } });
    // The answer was "lost": the tab retries on a new connection with the same requestId.
    const s2 = track(connect(base));
    await connected(s2);
    const retried = await request(s2, 'student:join', join, 5000, requestId);
    expect(retried).toMatchObject({ ok: true, data: { participant: { id: first.ok && first.data.participant.id, displayName: 'Cy' } } });
    const token = retried.ok ? retried.data.resumeToken : '';
    // The retry's resume token is the one that works now.
    const s3 = track(connect(base));
    await connected(s3);
    expect(await request(s3, 'student:join', { code, resumeToken: token })).toMatchObject({ ok: true, data: { participant: { displayName: 'Cy' } } });

    // A restart in between: the seat is found in the database.
    const requestId2 = newRequestId();
    const dee = { code, displayName: 'Dee', deviceToken: newDeviceToken() };
    const d1 = await request(s3, 'student:join', dee, 5000, requestId2);
    expect(d1.ok).toBe(true);
    await restart();
    const s4 = track(connect(base));
    await connected(s4);
    const d2 = await request(s4, 'student:join', dee, 5000, requestId2);
    expect(d2).toMatchObject({ ok: true, data: { participant: { id: d1.ok && d1.data.participant.id, displayName: 'Dee' } } });
    const names = (await server.context.store.listParticipants(sessionId)).map((p) => p.displayName);
    expect(names.filter((n) => n.startsWith('Cy') || n.startsWith('Dee'))).toEqual(['Cy', 'Dee']);
  });

  it('returns the first submission to a retry after a restart', async () => {
    await ada.joined(ada.joins + 0);
    await waitFor(() => ada.socket.connected && ada.joins > 0, 'Ada back');
    const requestId = newRequestId();
    const first = await request(ada.socket, 'lab:submit', submission() as never, 5000, requestId);
    expect(first.ok).toBe(true);
    const count = (await stored()).length;
    const joins = ada.joins;
    await restart();
    await ada.joined(joins + 1);
    const again = await request(ada.socket, 'lab:submit', submission() as never, 5000, requestId);
    expect(again.ok && again.data.submission.id).toBe(first.ok && (first.data.submission as Submission).id);
    expect(await stored()).toHaveLength(count);
  });

  it('keeps a removed browser out under any name, until the instructor undoes the removal', async () => {
    const eve = track(await new StudentClient(base, code, 'Eve').joined());
    const eveId = eve.participant!.id;
    await teacherDo('participant:remove', { participantId: eveId });
    await waitFor(() => eve.removedMessage, 'Eve told she was removed');
    // The same browser under another name: refused by its device token.
    const again = track(connect(base));
    await connected(again);
    expect(await request(again, 'student:join', { code, displayName: 'Not Eve', deviceToken: eve.deviceToken })).toMatchObject({ ok: false, error: 'REMOVED' });
    expect(await request(again, 'student:join', { code, resumeToken: eve.resumeToken! })).toMatchObject({ ok: false, error: 'REMOVED' });
    // Another browser is welcome.
    expect(await request(again, 'student:join', { code, displayName: 'Fay', deviceToken: newDeviceToken() })).toMatchObject({ ok: true });
    // Undo: her seat comes back with her token and her browser may join again.
    await teacherDo('participant:restore', { participantId: eveId });
    const back = track(connect(base));
    await connected(back);
    expect(await request(back, 'student:join', { code, resumeToken: eve.resumeToken! })).toMatchObject({ ok: true, data: { participant: { id: eveId, displayName: 'Eve' } } });
    await waitFor(() => teacher.participants.some((p) => p.id === eveId), 'Eve listed again');
    expect(await request(teacher.socket, 'participant:restore', { participantId: 'nobody' })).toMatchObject({ ok: false, error: 'NOT_FOUND' });
  });

  it('closes joining: new students are refused, joined ones resume; reopening lets them in', async () => {
    const closed = (await teacherDo('session:joining', { open: false })) as { state: { joiningClosed: boolean } };
    expect(closed.state.joiningClosed).toBe(true);
    await waitFor(() => ada.state?.joiningClosed === true, 'students see joining closed');
    const late = track(connect(base));
    await connected(late);
    expect(await request(late, 'student:join', { code, displayName: 'Late', deviceToken: newDeviceToken() })).toMatchObject({ ok: false, error: 'JOINING_CLOSED' });
    expect(await request(late, 'student:join', { code, resumeToken: ada.resumeToken! })).toMatchObject({ ok: true, data: { participant: { id: ada.participant!.id } } });
    await teacherDo('session:joining', { open: true });
    const later = track(connect(base));
    await connected(later);
    expect(await request(later, 'student:join', { code, displayName: 'Late', deviceToken: newDeviceToken() })).toMatchObject({ ok: true });
  });

  it('answers every request, however malformed: deep nesting, lone surrogates, random payloads to every event', async () => {
    const deep = (n: number) => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = { a: v };
      return v;
    };
    expect(await rawRequest(ada.socket, 'lab:submit', { ...submission(), result: deep(2000) })).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/deeper/) });
    const s = track(connect(base));
    await connected(s);
    expect(await request(s, 'student:join', { code, displayName: '\ud800' })).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/surrogate/) });
    expect(await request(s, 'student:join', { code, displayName: 'Zoë', deviceToken: newDeviceToken() })).toMatchObject({ ok: true });
    const http = await api(base, '/api/sessions', { cookie, body: '{"title":' + '['.repeat(3000) + ']'.repeat(3000) + '}' });
    expect(http).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
    expect((await api(base, '/api/sessions', { cookie, body: { title: 'x\udc00', steps: SLIDES } })).status).toBe(400);

    // Random payloads from a guest, a student and the instructor: every one is answered (no timeout), and the
    // server keeps serving. A seeded generator keeps failures reproducible.
    let seed = 20261204;
    // mulberry32
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const value = (depth: number): unknown => {
      const r = rand();
      // Leaves grow likelier with depth, so a payload stays small (a deep chain now and then).
      if (depth > 40 || r < 0.3 + depth * 0.2) return pick([null, true, 0, -1, 1e308, 3.5, '', 'x', '\ud800', 'é', 'A'.repeat(300), code, sessionId]);
      if (r < 0.5) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      const keys = ['stepId', 'params', 'result', 'requestId', 'code', 'displayName', 'index', 'spec', 'image', '__proto__', 'constructor'];
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [pick(keys), value(depth + 1)]));
    };
    const senders: ClientSocket[] = [s, ada.socket, teacher.socket];
    const events = [...CLIENT_EVENT_NAMES, 'no:such-event'];
    let answered = 0;
    const N = 600;
    for (let i = 0; i < N; i += 50) {
      const batch = Array.from({ length: 50 }, () => {
        const sender = pick(senders);
        const event = pick(events);
        const payload = rand() < 0.05 ? deep(20 + Math.floor(rand() * 60)) : rand() < 0.2 ? { ...(value(0) as object), requestId: newRequestId() } : value(0);
        return (sender as unknown as RawEmitter)
          .timeout(10_000)
          .emitWithAck(event, payload)
          .catch((err: unknown) => ({ unanswered: `${event} ${JSON.stringify(payload)?.slice(0, 300)}: ${String(err)}` }));
      });
      for (const ack of await Promise.all(batch)) {
        expect(ack).toMatchObject({ ok: expect.any(Boolean) });
        answered++;
      }
    }
    expect(answered).toBe(N);
    expect((await api(base, '/api/health')).status).toBe(200);
    expect(await request(teacher.socket, 'step:goto', { index: OCC_INDEX })).toMatchObject({ ok: true });
  });

  /** Stops the server and starts it again on the same port and data: the clients reconnect by themselves. */
  async function restart(): Promise<void> {
    const watches = teacher.watches;
    await server.close();
    server = await start(new URL(base).port);
    await teacher.watching(watches + 1);
  }
});
