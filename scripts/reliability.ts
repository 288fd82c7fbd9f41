/**
 * `npm run test:reliability`: a lecture hall on loopback against a real server process on SQLite.
 * 1. 300 students join (socket.io clients); a submission burst starts while the last 50 are still joining, and the
 *    server is killed with SIGKILL in the middle of it; it restarts on the same data and port; every client retries
 *    what was not answered with the same requestId. Prints acknowledged / stored / lost / duplicated / orphan seats
 *    and asserts lost = duplicated = orphans = 0.
 * 2. 300 new students join right after a restart: prints p50/p95 join time (a figure, not an assertion) and asserts
 *    every join succeeded.
 * 3. 10 000 fuzzed payloads to every event: asserts crashes 0 and unanswered 0.
 * Bounded in time (a deadline fails the run); ends with `reliability: N passed, M failed`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_EVENT_NAMES, PROTOCOL_VERSION, SESSION_COOKIE, newRequestId, withRequestId, type ClientEventName } from '@convlab/protocol';
import { io, type Socket } from 'socket.io-client';
import { freePort, spawnServer, type ServerProcess } from '../tests/integration/helpers/server-process';
import { OCC, RESULT, api, ask as askWithin } from './lib/class-load';

const STUDENTS = 300;
const LATE_JOINERS = 50;
const FUZZ_PAYLOADS = 10_000;
const ACK_TIMEOUT_MS = 10_000;
const ask = (socket: Socket, event: string, payload: unknown, timeoutMs = ACK_TIMEOUT_MS) => askWithin(socket, event, payload, timeoutMs);
// The bound of the whole run (the issue allows its tests 8 CI minutes); a quiet 2-core machine needs about 2–4.
const DEADLINE_MS = 420_000;


const checks: { name: string; ok: boolean; detail: string }[] = [];
function check(name: string, ok: boolean, detail: string): void {
  checks.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
}

/** One browser tab of a student: its device token, its seat, its one submission's requestId. */
interface Student {
  name: string;
  device: string;
  joinRequestId: string;
  submitRequestId: string;
  resumeToken?: string;
  participantId?: string;
  socket?: Socket;
  submitted: boolean;
}

function connect(url: string, cookie?: string): Promise<Socket> {
  const socket = io(url, {
    auth: { protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: ACK_TIMEOUT_MS,
    extraHeaders: cookie ? { cookie } : {},
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}



/** Joins (or resumes) a student, retrying with the same requestId until the server answers; ms taken or null. */
async function joinSession(url: string, code: string, s: Student, until: number): Promise<number | null> {
  const started = performance.now();
  while (Date.now() < until) {
    try {
      // A tab keeps its connection and asks again on it; it reconnects only when the connection is gone.
      if (!s.socket?.connected) {
        s.socket?.close();
        s.socket = await connect(url);
      }
      const payload = s.resumeToken ? { code, resumeToken: s.resumeToken, deviceToken: s.device } : { code, displayName: s.name, deviceToken: s.device };
      const ack = await ask(s.socket, 'student:join', { ...payload, requestId: s.joinRequestId });
      if (ack?.ok) {
        s.resumeToken = ack.data.resumeToken;
        s.participantId = ack.data.participant.id;
        s.joinRequestId = newRequestId();
        return performance.now() - started;
      }
      if (ack && ack.error !== 'RATE_LIMITED') throw new Error(`${s.name}: join refused: ${ack.error} ${ack.message}`);
    } catch (err) {
      if (err instanceof Error && err.message.includes('join refused')) throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

async function submit(s: Student): Promise<boolean> {
  if (!s.socket?.connected) return false;
  const payload = withRequestId('lab:submit', { stepId: OCC.id, params: OCC.params, result: RESULT, computedWhere: 'browser', backend: 'webgl', ms: 5 } as never, s.submitRequestId);
  const ack = await ask(s.socket, 'lab:submit', payload);
  if (ack?.ok) s.submitted = true;
  return ack?.ok === true;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-reliability-'));
  const port = String(await freePort());
  const env = { CONVLAB_DATA_DIR: dataDir, PORT: port, HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_COMPUTE_WORKERS: '1' };
  let server: ServerProcess = await spawnServer(env);
  const base = server.url;
  const deadline = Date.now() + DEADLINE_MS;
  const students: Student[] = [];
  try {
    const signup = await api(base, '/api/auth/signup', { body: { email: 'reliability@example.org', password: 'correct horse battery', name: 'Teacher' } });
    if (signup.status !== 201 || !signup.cookie?.startsWith(`${SESSION_COOKIE}=`)) throw new Error(`sign-up failed: ${signup.status}`);
    const cookie = signup.cookie;
    const created = await api(base, '/api/sessions', { cookie, body: { title: 'Reliability', steps: [OCC] } });
    if (created.status !== 201) throw new Error(`session not created: ${created.status} ${JSON.stringify(created.body)}`);
    const { id: sessionId, code } = created.body.session as { id: string; code: string };
    const token = () => globalThis.crypto.randomUUID().replace(/-/g, '');
    for (let i = 0; i < STUDENTS; i++) {
      students.push({ name: `Student ${i + 1}`, device: token(), joinRequestId: newRequestId(), submitRequestId: newRequestId(), submitted: false });
    }

    // ── 1. joins, a burst, SIGKILL during it, restart, retries ───────────────────────────────────
    const phase1 = Date.now();
    const early = students.slice(0, STUDENTS - LATE_JOINERS);
    const late = students.slice(STUDENTS - LATE_JOINERS);
    for (let i = 0; i < early.length; i += 50) await Promise.all(early.slice(i, i + 50).map((s) => joinSession(base, code, s, deadline)));
    let acked = 0;
    const burst = early.map(async (s) => {
      if (await submit(s)) acked++;
    });
    const lateJoins = late.map((s) => joinSession(base, code, s, Date.now() + 1000).catch(() => null));
    // Kill once part of the burst is answered: some submissions stored and acked, some stored but not acked, some never sent.
    while (acked < early.length / 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    await server.kill('SIGKILL');
    await Promise.allSettled([...burst, ...lateJoins]);
    const ackedBeforeKill = acked;
    server = await spawnServer(env);
    // Every client comes back: resume (or retry its join with the same requestId), then retry what was not answered.
    for (let i = 0; i < students.length; i += 50) {
      await Promise.all(
        students.slice(i, i + 50).map(async (s) => {
          if ((await joinSession(server.url, code, s, deadline)) === null) return;
          if (!s.submitted && (await submit(s))) acked++;
        }),
      );
    }
    // The late joiners submit too (their first submission, after the restart).
    const record = (await api(server.url, `/api/sessions/${sessionId}`, { cookie })).body as { participants: Array<{ id: string; displayName: string }> };
    const listed = (await api(server.url, `/api/sessions/${sessionId}/submissions`, { cookie })).body.submissions as Array<{ participantId: string }>;
    const perStudent = new Map<string, number>();
    for (const sub of listed) perStudent.set(sub.participantId, (perStudent.get(sub.participantId) ?? 0) + 1);
    // Every student submitted once: the early ones during the burst, the late joiners after the restart.
    const lost = students.filter((s) => !s.participantId || !perStudent.has(s.participantId)).length;
    const duplicated = [...perStudent.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const seats = new Set(students.map((s) => s.participantId).filter(Boolean));
    const orphans = record.participants.filter((p) => !seats.has(p.id)).length;
    const unjoined = students.filter((s) => !s.participantId).length;
    console.log(
      `burst: ${early.length} submissions (+${late.length} by late joiners), phase took ${((Date.now() - phase1) / 1000).toFixed(1)} s, ${ackedBeforeKill} acknowledged before SIGKILL, ${acked} acknowledged in all; ` +
        `stored ${listed.length}, lost ${lost}, duplicated ${duplicated}; seats ${record.participants.length} for ${STUDENTS} students, orphan seats ${orphans}`,
    );
    check('every student has a seat after the restart', unjoined === 0, `${STUDENTS - unjoined}/${STUDENTS} joined`);
    check('no submission lost', lost === 0, `lost ${lost}`);
    check('no submission duplicated', duplicated === 0, `duplicated ${duplicated}`);
    check('no orphan seat', orphans === 0, `orphans ${orphans} (seats ${record.participants.length})`);
    check('every submission acknowledged', acked === STUDENTS, `acknowledged ${acked}/${STUDENTS}`);
    for (const s of students) s.socket?.close();

    // ── 2. 300 joins right after a restart ─────────────────────────────────────────────────────────
    await server.kill('SIGKILL');
    server = await spawnServer(env);
    const phase2 = Date.now();
    const fresh: Student[] = Array.from({ length: STUDENTS }, (_, i) => ({
      name: `Newcomer ${i + 1}`,
      device: token(),
      joinRequestId: newRequestId(),
      submitRequestId: newRequestId(),
      submitted: false,
    }));
    const times = await Promise.all(fresh.map((s) => joinSession(server.url, code, s, deadline).catch(() => null)));
    const ok = times.filter((t): t is number => t !== null).sort((a, b) => a - b);
    const pct = (p: number) => (ok.length ? ok[Math.min(ok.length - 1, Math.floor((p / 100) * ok.length))]! : NaN);
    console.log(`joins after a restart: ${ok.length}/${STUDENTS} succeeded; p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms (goal p95 ≤ 2000 ms); phase took ${((Date.now() - phase2) / 1000).toFixed(1)} s`);
    check('every join after a restart succeeded', ok.length === STUDENTS, `${ok.length}/${STUDENTS}`);

    // ── 3. fuzzing ────────────────────────────────────────────────────────────────────────────────
    let seed = 1204;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const leaves = [null, true, false, 0, -1, 1e308, -0.5, '', 'x', '\ud800', '\udc00x', 'é', 'A'.repeat(500), code, sessionId, OCC.id];
    const keys = ['stepId', 'params', 'result', 'requestId', 'code', 'displayName', 'resumeToken', 'index', 'spec', 'image', 'shard', '__proto__', 'constructor'];
    const value = (depth: number): unknown => {
      const r = rand();
      if (r < 0.3 + depth * 0.2) return pick(leaves);
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [pick(keys), value(depth + 1)]));
    };
    const deep = (n: number) => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = rand() < 0.5 ? [v] : { a: v };
      return v;
    };
    const payload = (): unknown => {
      const r = rand();
      if (r < 0.05) return deep(30 + Math.floor(rand() * 3000));
      if (r < 0.3) return { ...(value(0) as object), requestId: newRequestId() };
      return value(0);
    };
    const events: string[] = [...(CLIENT_EVENT_NAMES as ClientEventName[]), 'no:such-event'];
    const instructor = await connect(server.url, cookie);
    await ask(instructor, 'instructor:watch', { sessionId });
    const guests = await Promise.all(Array.from({ length: 20 }, () => connect(server.url)));
    const senders = [...fresh.map((s) => s.socket!).filter((s) => s?.connected), ...guests, instructor];
    let answered = 0;
    let unanswered = 0;
    const perSender = Math.ceil(FUZZ_PAYLOADS / senders.length);
    let sent = 0;
    // Each sender stays within its rate budget (30 at once, 10 per second) so most requests reach their handler.
    for (let round = 0; sent < FUZZ_PAYLOADS && round < perSender; round += 25) {
      const wave: Promise<void>[] = [];
      for (const socket of senders) {
        for (let k = 0; k < 25 && sent < FUZZ_PAYLOADS; k++, sent++) {
          const event = pick(events);
          const body = event === 'step:goto' && socket === instructor ? { index: 0, requestId: newRequestId() } : payload();
          // A long wait: "unanswered" means no answer at all, not a slow one.
          wave.push(ask(socket, event, body, 60_000).then((ack) => void (ack && typeof ack.ok === 'boolean' ? answered++ : unanswered++)));
        }
      }
      await Promise.all(wave);
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2600));
    }
    const alive = server.child.exitCode === null && server.child.signalCode === null && (await api(server.url, '/api/health')).status === 200;
    console.log(`fuzz: ${sent} payloads, ${answered} answered, ${unanswered} unanswered; server ${alive ? 'alive' : 'CRASHED'}`);
    check('fuzz: every payload sent', sent === FUZZ_PAYLOADS, `${sent}/${FUZZ_PAYLOADS}`);
    check('fuzz: crashes 0', alive, alive ? 'crashes 0' : 'the server died');
    check('fuzz: unanswered 0', unanswered === 0, `unanswered ${unanswered}`);
    for (const s of [...senders]) s.close();
    check('finished within the deadline', Date.now() <= deadline, `${DEADLINE_MS / 1000} s budget`);
  } catch (err) {
    check('the run completed', false, err instanceof Error ? err.message : String(err));
    console.error(server.output().slice(-3000));
  } finally {
    for (const s of students) s.socket?.close();
    await server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`reliability: ${checks.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

void main();
