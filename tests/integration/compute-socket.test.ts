/**
 * Compute jobs over the live connection, end to end: a real server (port 0, no Next.js) whose compute service starts
 * with the first job (real worker threads on wasm, the real MobileNet v1 0.25 from ../shared/models), real
 * socket.io clients joined as students, a real database (SQLite; PostgreSQL too when CONVLAB_TEST_PG_URL is set).
 * Thirty students at once (none lost, order per student, round-robin from the order of events), role rules,
 * refusals before work, SERVER_BUSY with its position, cancellation rights, results to a reloaded tab, binary
 * results, and the health endpoint before and after the first job.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviveJobOutcome, withRequestId, type Ack, type JobAccepted, type JobOutcome, type JobProgress, type JobSpecInput } from '@convlab/protocol';
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

const SHARED = path.resolve(__dirname, '../../../shared');
const MODELS = path.join(SHARED, 'models');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL));
const IMAGES = ['photos/skimage_chelsea.png', 'photos/skimage_coffee.png', 'photos/matplotlib_grace_hopper.jpg'];
const STUDENTS = 30;
/** Pool of 2 workers × 2 slots: 4 computations at once (the machine has 2 shared cores). */
const WORKERS = 2;
const SLOTS_PER_WORKER = 2;
const SLOTS = WORKERS * SLOTS_PER_WORKER;
/** A queue small enough to fill in a test, large enough for the 60-job burst. */
const MAX_QUEUED = 64;
const MAX_PER_STUDENT = 4;
/** The first job waits for the worker pool to start. */
const FIRST_JOB_MS = 60_000;

const image = (s: number) => ({ kind: 'sample' as const, id: IMAGES[s % IMAGES.length] });
/** Distinct per student (target class), so nothing is deduplicated or cached in the burst. */
const occlusion = (s: number): JobSpecInput => ({ kind: 'occlusion', model: MODEL, image: image(s), params: { window: 112, stride: 56, classIndex: s } });
const saliency = (s: number): JobSpecInput => ({ kind: 'saliency', model: MODEL, image: image(s), params: { method: 'saliency', target: { kind: 'class', index: s } } });
/** Long enough to still be running (or waiting) when the test acts on it; cancelled by the test. */
const longAscent = (seed: number, steps = 1000): JobSpecInput => ({
  kind: 'ascent',
  model: MODEL,
  params: { target: { kind: 'class', index: 951 }, steps, learningRate: 1, l2: 0.001, seed },
});

/** Everything one socket received about jobs, in arrival order. */
class JobEvents {
  results = new Map<string, JobOutcome>();
  order: string[] = [];
  progress: JobProgress[] = [];
  constructor(socket: ClientSocket, all?: string[]) {
    socket.on('job:result', (o) => {
      this.results.set(o.jobId, o);
      this.order.push(o.jobId);
      all?.push(o.jobId);
    });
    socket.on('job:progress', (p) => this.progress.push(p));
  }
  result(jobId: string, timeoutMs = 60_000): Promise<JobOutcome> {
    return waitFor(() => this.results.get(jobId), `the result of ${jobId}`, timeoutMs);
  }
}

/** Submits a job and returns the ack's job id (throws on a refusal). */
async function submit(socket: ClientSocket, spec: JobSpecInput, timeoutMs = 10_000): Promise<string> {
  const ack = await request(socket, 'job:submit', { spec }, timeoutMs);
  if (!ack.ok) throw new Error(`job:submit refused: ${ack.error} ${ack.message}`);
  return ack.data.jobId;
}

describe.skipIf(!HAVE_DATA)('compute jobs over Socket.io', () => {
  describe.each(databaseTargets())('on $kind', (target) => {
    let db: TestDatabase;
    let server: RunningServer;
    let base: string;
    let cookie: string;
    let sessionId: string;
    let code: string;
    let teacher: InstructorClient;
    let teacherEvents: JobEvents;
    const students: StudentClient[] = [];
    const events: JobEvents[] = [];
    /** Every job:result any student received, in arrival order (one event loop: the order events arrived). */
    const arrivals: string[] = [];
    const opened: { close(): void }[] = [];
    const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);
    const service = () => server.context.compute.current()!;

    beforeAll(async () => {
      db = await target.create();
      server = await startServer({
        env: {
          ...db.env,
          PORT: '0',
          HOST: '127.0.0.1',
          CONVLAB_NO_NEXT: '1',
          CONVLAB_COMPUTE_WORKERS: String(WORKERS),
          CONVLAB_COMPUTE_BACKEND: 'wasm',
        },
        log: false,
        compute: { slotsPerWorker: SLOTS_PER_WORKER, modelsDir: MODELS, queue: { maxTotal: MAX_QUEUED, maxPerOwner: MAX_PER_STUDENT } },
      });
      base = server.url;
      ({ cookie } = await signUpInstructor(base, `compute-${target.kind}@example.org`));
      const created = await api(base, '/api/sessions', { cookie, body: { title: 'How CNNs see', steps: SLIDES } });
      ({ id: sessionId, code } = created.body.session);
      teacher = track(await new InstructorClient(base, cookie, sessionId).watching());
      teacherEvents = new JobEvents(teacher.socket);
      for (let s = 0; s < STUDENTS; s++) students.push(track(new StudentClient(base, code, `Student ${s}`)));
      await Promise.all(students.map((s) => s.joined()));
      for (const s of students) events.push(new JobEvents(s.socket, arrivals));
    });

    afterAll(async () => {
      for (const c of opened) c.close();
      await server?.close();
      await db?.cleanup();
    });

    it('reports the backend that will serve before the first job, without starting workers', async () => {
      const health = await api(base, '/api/health');
      expect(health.status).toBe(200);
      expect(health.body.compute).toEqual({ started: false, backend: 'wasm', configured: 'wasm', workers: WORKERS });
      expect(server.context.compute.current()).toBeUndefined();
    });

    it('lets only joined students and watching instructors compute', async () => {
      const spec = occlusion(0);
      const guest = track(connect(base));
      await connected(guest);
      expect(await request(guest, 'job:submit', { spec })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
      expect(await request(guest, 'job:cancel', { jobId: 'job-1' })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
      // Signed in, but watching no session: whose class would the job be charged to?
      const idle = track(connect(base, { cookie }));
      await connected(idle);
      expect(await request(idle, 'job:submit', { spec })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      expect(server.context.compute.current()).toBeUndefined();
    });

    it('refuses malformed and oversized specs with a clear code, before the compute service even starts', async () => {
      const s = students[0].socket;
      const refused = async (payload: unknown) => {
        const ack = await rawRequest(s, 'job:submit', payload);
        expect(ack.ok, JSON.stringify(payload).slice(0, 120)).toBe(false);
        return ack as { error: string; message: string };
      };
      expect(await refused({ spec: { kind: 'occlusion', model: MODEL, image: image(0) } })).toMatchObject({ error: 'BAD_JOB', message: expect.stringMatching(/params/) });
      expect(await refused({ spec: { kind: 'train', model: MODEL } })).toMatchObject({ error: 'BAD_JOB' });
      expect(await refused({ spec: { ...longAscent(0), params: { ...(longAscent(0) as { params: object }).params, steps: 10_000_000 } } })).toMatchObject({
        error: 'BAD_JOB',
        message: expect.stringMatching(/steps/),
      });
      expect(await refused({ spec: occlusion(0), priority: 'high' })).toMatchObject({ error: 'BAD_JOB' });
      expect(await refused({ spec: { ...occlusion(0), model: 'x'.repeat(20_000) } })).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
      expect(server.context.compute.current()).toBeUndefined();
    });

    it(`${STUDENTS} students submit occlusion and saliency jobs at once: all complete, in order per student, round-robin`, async () => {
      // Every student sends both jobs at once; the pool starts with the first, so all of them queue together.
      const submitted = students.map((st, s) => {
        const specs = s % 2 === 0 ? [occlusion(s), saliency(s)] : [saliency(s), occlusion(s)];
        return specs.map((spec) => request(st.socket, 'job:submit', { spec }, FIRST_JOB_MS));
      });
      const acks = await Promise.all(submitted.map((p) => Promise.all(p)));
      for (const a of acks.flat()) expect(a).toMatchObject({ ok: true, data: { cached: false } });
      const ids = acks.map((pair) => pair.map((a) => (a.ok ? a.data.jobId : '')));
      expect(new Set(ids.flat()).size).toBe(STUDENTS * 2);

      await waitFor(() => arrivals.length >= STUDENTS * 2, 'every result', 240_000);
      // None lost, none failed, none delivered twice or to another student.
      expect(arrivals).toHaveLength(STUDENTS * 2);
      for (let s = 0; s < STUDENTS; s++) {
        expect([...events[s].results.keys()].sort()).toEqual([...ids[s]].sort());
        for (const o of events[s].results.values()) {
          expect(o, `student ${s}`).toMatchObject({ ok: true, computedBy: { where: 'server', backend: 'wasm', cached: false } });
        }
        // Each student's results arrived in the order the jobs were submitted.
        expect(events[s].order).toEqual(ids[s]);
      }

      // Round-robin across students, from the order the results arrived: no student's second job starts before
      // every student's first has started. So (1) with SLOTS computations at once, at least STUDENTS − SLOTS first
      // jobs finish before any second one; (2) when the first second job starts, at most SLOTS − 1 first jobs are
      // still running, so at most that many first jobs finish after a second one (a long first job may be outrun
      // by short second ones on the other slots). FIFO would serve student 0's second job right after its first.
      // (Another SLOTS of slack: results sent to different sockets in one tick may arrive in either order.)
      const round = new Map(ids.flatMap(([first, second]) => [[first, 1] as const, [second, 2] as const]));
      const rounds = arrivals.map((id) => round.get(id));
      const strict = STUDENTS - 2 * SLOTS;
      expect(rounds.slice(0, strict)).toEqual(Array(strict).fill(1));
      const lateFirsts = rounds.slice(rounds.indexOf(2)).filter((r) => r === 1).length;
      expect(lateFirsts).toBeLessThanOrEqual(SLOTS - 1 + SLOTS);

      // Typed arrays and PNGs came as binary attachments, not JSON arrays.
      const occ = events[0].results.get(ids[0][0])!;
      const rawOcc = (occ.ok ? occ.data : {}) as { rows: number; cols: number; probabilities: unknown; topClass: unknown };
      expect(Array.isArray(rawOcc.probabilities)).toBe(false);
      expect(ArrayBuffer.isView(rawOcc.probabilities) && ArrayBuffer.isView(rawOcc.topClass)).toBe(true);
      const revived = reviveJobOutcome(occ);
      const probabilities = revived.ok ? (revived.data as { probabilities: Float32Array }).probabilities : null;
      expect(probabilities).toBeInstanceOf(Float32Array);
      expect(probabilities!.length).toBe(rawOcc.rows * rawOcc.cols);
      expect([...probabilities!].every((p) => p >= 0 && p <= 1)).toBe(true);
      const sal = reviveJobOutcome(events[0].results.get(ids[0][1])!);
      const salData = (sal.ok ? sal.data : {}) as { map: { height: number; width: number; data: Float32Array }; png: Uint8Array };
      expect(salData.map.data).toBeInstanceOf(Float32Array);
      expect(salData.map.data.length).toBe(salData.map.height * salData.map.width);
      expect([...salData.png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }, 300_000);

    it('reports the compute backend and the pool after the first job', async () => {
      const { body } = await api(base, '/api/health');
      expect(body.compute).toMatchObject({ started: true, backend: 'wasm', workers: WORKERS, slotsPerWorker: SLOTS_PER_WORKER, queued: 0, running: 0 });
      expect(body.compute.cache.misses).toBeGreaterThanOrEqual(STUDENTS * 2);
    });

    it('refuses impossible specs (unknown model, class or layer; too many positions) before any work', async () => {
      const s = students[1].socket;
      const before = service().health();
      const refused = async (spec: unknown) => {
        const ack = await rawRequest(s, 'job:submit', { spec });
        return ack.ok ? 'accepted' : ack.error;
      };
      expect(await refused({ ...occlusion(1), model: 'no_such_net' })).toBe('UNKNOWN_MODEL');
      expect(await refused({ ...occlusion(1), params: { window: 112, stride: 56, classIndex: 99_999 } })).toBe('UNKNOWN_CLASS');
      expect(await refused({ kind: 'activations', model: MODEL, image: image(1), params: { layer: 'no_such_layer' } })).toBe('UNKNOWN_LAYER');
      expect(await refused({ ...occlusion(1), params: { window: 4, stride: 2 } })).toBe('JOB_TOO_LARGE');
      const after = service().health();
      expect({ queued: after.queued, running: after.running, misses: after.cache.misses }).toEqual({ queued: 0, running: 0, misses: before.cache.misses });
    });

    it('answers SERVER_BUSY with the queue position (structured and in the message) and TOO_MANY_JOBS per student', async () => {
      // Occupy every slot with a long job, then fill the queue: 16 students × 4 waiting jobs.
      const running: string[] = [];
      for (let s = 0; s < SLOTS; s++) running.push(await submit(students[s].socket, longAscent(100 + s)));
      await waitFor(() => service().health().running === SLOTS, 'every slot busy', 30_000);
      const waiting: Array<{ s: number; jobId: string }> = [];
      for (let s = SLOTS; s < SLOTS + MAX_QUEUED / MAX_PER_STUDENT; s++) {
        for (let j = 0; j < MAX_PER_STUDENT; j++) waiting.push({ s, jobId: await submit(students[s].socket, longAscent(1000 * s + j)) });
      }
      expect(service().health().queued).toBe(MAX_QUEUED);

      const tooMany = await request(students[SLOTS].socket, 'job:submit', { spec: longAscent(99_999) });
      expect(tooMany).toMatchObject({ ok: false, error: 'TOO_MANY_JOBS' });
      const busy = await request(students[STUDENTS - 1].socket, 'job:submit', { spec: longAscent(99_998) });
      expect(busy).toMatchObject({ ok: false, error: 'SERVER_BUSY', details: { position: MAX_QUEUED } });
      expect(!busy.ok && busy.message).toMatch(new RegExp(`position ${MAX_QUEUED + 1}`));

      // Each student cancels their own waiting jobs; the long ones stay for the next test.
      for (const { s, jobId } of waiting) expect(await request(students[s].socket, 'job:cancel', { jobId })).toEqual({ ok: true, data: { cancelled: true } });
      for (const { s, jobId } of waiting) expect(await events[s].result(jobId)).toMatchObject({ ok: false, error: 'JOB_CANCELLED' });
      expect(service().health()).toMatchObject({ queued: 0, running: SLOTS });

      // A student cannot cancel another's job; the instructor may cancel any job of the session.
      const [ofS0, ofS1, ofS2, ofS3] = running;
      expect(await request(students[5].socket, 'job:cancel', { jobId: ofS0 })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      expect(await request(students[1].socket, 'job:cancel', { jobId: ofS0 })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      expect(events[0].results.has(ofS0)).toBe(false);
      expect(service().health().running).toBe(SLOTS);
      expect(await request(teacher.socket, 'job:cancel', { jobId: ofS1 })).toEqual({ ok: true, data: { cancelled: true } });
      expect(await events[1].result(ofS1)).toMatchObject({ ok: false, error: 'JOB_CANCELLED' });
      for (const [s, jobId] of [[0, ofS0], [2, ofS2], [3, ofS3]] as const) {
        expect(await request(students[s].socket, 'job:cancel', { jobId })).toEqual({ ok: true, data: { cancelled: true } });
        expect(await events[s].result(jobId)).toMatchObject({ ok: false, error: 'JOB_CANCELLED' });
      }
      // Already over: nothing to cancel.
      expect(await request(students[0].socket, 'job:cancel', { jobId: ofS0 })).toEqual({ ok: true, data: { cancelled: false } });
      await waitFor(() => service().health().running === 0, 'the workers to stop the cancelled jobs', 20_000);
    }, 120_000);

    it("delivers a student's result to the tab that reloaded after submitting", async () => {
      const before = students[20];
      const jobId = await submit(before.socket, longAscent(7, 60));
      before.close(); // the page reloads: the old connection is gone before the job ends
      const reloaded = track(new StudentClient(base, code, 'ignored on resume', before.resumeToken));
      const received = new JobEvents(reloaded.socket);
      await reloaded.joined();
      expect(reloaded.participant?.id).toBe(before.participant?.id);
      const outcome = await received.result(jobId, 30_000);
      expect(outcome).toMatchObject({ ok: true, kind: 'ascent', computedBy: { where: 'server' } });
      expect(events[20].results.has(jobId)).toBe(false); // the closed tab got nothing
    }, 60_000);

    it("sends an instructor's jobs to the instructor's socket, cached repeats after their ack", async () => {
      const spec: JobSpecInput = { kind: 'classify', model: MODEL, image: image(0) };
      const first = await submit(teacher.socket, spec);
      const outcome = await teacherEvents.result(first);
      expect(outcome.ok && (outcome.data as { predictions: Array<{ label?: string }> }).predictions[0].label).toBe('Egyptian cat');
      // A cached result is ready at once, yet it must follow the ack that tells the client its job id.
      const seen: string[] = [];
      const onResult = (o: JobOutcome) => seen.push(`result ${o.jobId}`);
      teacher.socket.on('job:result', onResult);
      const again = await new Promise<Ack<JobAccepted>>((resolve, reject) =>
        teacher.socket.timeout(5000).emit('job:submit', withRequestId('job:submit', { spec }), (err: Error | null, ack: Ack<JobAccepted>) => {
          if (err) return reject(err);
          seen.push(`ack ${ack.ok ? ack.data.jobId : ack.error}`);
          resolve(ack);
        }),
      );
      expect(again).toMatchObject({ ok: true, data: { cached: true } });
      const againId = again.ok ? again.data.jobId : '';
      const cached = await teacherEvents.result(againId);
      teacher.socket.off('job:result', onResult);
      expect(cached).toMatchObject({ ok: true, computedBy: { cached: true } });
      expect(seen).toEqual([`ack ${againId}`, `result ${againId}`]);
      // Not broadcast to the students.
      expect(events.some((e) => e.results.has(first))).toBe(false);
    }, 60_000);

    it("cancels a removed student's jobs, which nobody could receive any more", async () => {
      const leaving = students[STUDENTS - 1];
      const jobId = await submit(leaving.socket, longAscent(8));
      await waitFor(() => service().health().running === 1, 'the job to run');
      expect(await request(teacher.socket, 'participant:remove', { participantId: leaving.participant!.id })).toMatchObject({ ok: true });
      await waitFor(() => service().health().running === 0, 'the worker to stop the removed student\'s job', 20_000);
      // Told before the removal notice and the disconnect, on the same connection.
      expect(await events[STUDENTS - 1].result(jobId, 5000)).toMatchObject({ ok: false, error: 'JOB_CANCELLED' });
      await waitFor(() => leaving.removedMessage, 'the removal notice');
    }, 60_000);
  });
});
