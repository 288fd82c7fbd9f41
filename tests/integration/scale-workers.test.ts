/**
 * Compute on worker processes (issue #16): two nodes on one Redis and one PostgreSQL send their jobs through the
 * shared BullMQ queue to `npm run worker` processes. A job submitted through node A runs on a worker process, and its
 * progress and result reach the student's tab on node B; that tab can cancel it; a worker killed mid-job (SIGKILL)
 * leaves the job to another worker (BullMQ's stalled-job check); /api/health on every node lists the live workers and
 * their backends; the same computation asked through two nodes runs once, and a tab whose node is killed mid-job
 * (SIGKILL) asks again once seated on another node and gets the result of the run that went on. Runs when CONVLAB_TEST_PG_URL and CONVLAB_TEST_REDIS_URL are set (.ci/run sets both) and the model
 * is there; every Redis key it writes carries its own prefix, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobSpecSchema, type JobOutcome, type JobProgress, type JobSpecInput } from '@convlab/protocol';
import { QueueEvents } from 'bullmq';
import { createSocketJobTransport } from '../../app/_lib/compute/socket-transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/index';
import { InstructorClient, SLIDES, StudentClient, api, request, signUpInstructor, waitFor, type ClientSocket } from './helpers/clients';
import { databaseTargets, dropRedisPrefix, type TestDatabase } from './helpers/databases';
import { freePort, spawnServer, spawnWorker, type WorkerProcess } from './helpers/server-process';

const REDIS_URL = process.env.CONVLAB_TEST_REDIS_URL;
const postgres = databaseTargets().find((t) => t.kind === 'postgresql');
const MODELS = process.env.CONVLAB_MODELS_DIR ?? fileURLToPath(new URL('../../../shared/models', import.meta.url));
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_MODEL = existsSync(join(MODELS, MODEL));
/** A worker's job lock: a killed worker's job is taken over within about 1.5× this. */
const LOCK_SECONDS = 2;

/** Gradient ascent: progress every step, and as long as `steps` makes it. */
const ascent = (steps: number, seed: number): JobSpecInput => ({
  kind: 'ascent',
  model: MODEL,
  params: { target: { kind: 'class', index: 951 }, steps, learningRate: 1, l2: 0.001, seed },
});

/** Everything one socket heard about jobs. */
class JobEvents {
  results = new Map<string, JobOutcome>();
  progress: JobProgress[] = [];
  constructor(socket: ClientSocket) {
    socket.on('job:result', (o) => this.results.set(o.jobId, o));
    socket.on('job:progress', (p) => this.progress.push(p));
  }
  result(jobId: string, timeoutMs = 90_000): Promise<JobOutcome> {
    return waitFor(() => this.results.get(jobId), `the result of ${jobId}`, timeoutMs);
  }
  stepsOf(jobId: string): number[] {
    return this.progress.filter((p) => p.jobId === jobId && p.total > 0).map((p) => p.step);
  }
}

describe.runIf(REDIS_URL && postgres && HAVE_MODEL)('compute on worker processes through the shared queue', () => {
  const prefix = `convlab-test:${randomBytes(4).toString('hex')}:`;
  let db: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let code: string;
  let cookie: string;
  let sessionId: string;
  const workers: WorkerProcess[] = [];
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);

  /** `npm run worker` as a deployment runs it, on this suite's Redis prefix and data directory. */
  const startWorker = async (extra: Record<string, string> = {}): Promise<WorkerProcess> => {
    const w = await spawnWorker({
      REDIS_URL: REDIS_URL!,
      CONVLAB_REDIS_PREFIX: prefix,
      CONVLAB_DATA_DIR: db.dataDir,
      CONVLAB_MODELS_DIR: MODELS,
      CONVLAB_COMPUTE_WORKERS: '1',
      CONVLAB_COMPUTE_BACKEND: 'wasm',
      CONVLAB_WORKER_LOCK_SECONDS: String(LOCK_SECONDS),
      ...extra,
    });
    workers.push(w);
    return w;
  };

  /**
   * Counts the computations the workers start from now on (BullMQ's 'active' event: once per run of a job; a
   * computation's job id is its content, 'spec-…'; a new node's model description and speed measure are not counted).
   */
  const countRuns = async (): Promise<{ runs(): number; close(): Promise<void> }> => {
    const events = new QueueEvents('compute', { connection: { url: REDIS_URL! }, prefix: `${prefix}bull`, lastEventId: '$' });
    await events.waitUntilReady();
    let runs = 0;
    events.on('active', ({ jobId }) => jobId.startsWith('spec-') && runs++);
    return { runs: () => runs, close: () => events.close() };
  };

  const node = () =>
    startServer({
      env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', REDIS_URL: REDIS_URL!, CONVLAB_REDIS_PREFIX: prefix },
      log: false,
    });

  beforeAll(async () => {
    db = await postgres!.create();
    [a, b] = await Promise.all([node(), node()]);
    ({ cookie } = await signUpInstructor(a.url, 'workers-teacher@example.org'));
    ({ code, id: sessionId } = (await api(a.url, '/api/sessions', { cookie, body: { title: 'Workers', steps: SLIDES } })).body.session);
    await startWorker();
  }, 120_000);

  afterAll(async () => {
    for (const c of opened) c.close();
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all([a?.close(), b?.close()]);
    await db?.cleanup();
    await dropRedisPrefix(REDIS_URL!, prefix);
  });

  it('lists the live worker processes and their backend in /api/health on every node', async () => {
    for (const n of [a, b]) {
      const compute = await waitFor(async () => {
        const c = (await api(n.url, '/api/health')).body.compute;
        return c.queue?.processes.some((p: { id: string }) => p.id === workers[0].id) ? c : undefined;
      }, 'the worker process in /api/health');
      expect(compute).toMatchObject({ started: true, backend: 'wasm', queue: { kind: 'bullmq' } });
      expect(compute.queue.processes[0]).toMatchObject({ id: workers[0].id, backend: 'wasm', threads: 1, pid: workers[0].child.pid });
    }
  });

  it('a job submitted through node A runs on a worker process; its progress and result reach the student on node B', async () => {
    const onA = track(await new StudentClient(a.url, code, 'Ana').joined());
    // The same student's second tab, connected to node B.
    const onB = track(await new StudentClient(b.url, code, 'Ana', onA.resumeToken).joined());
    expect(onB.participant!.id).toBe(onA.participant!.id);
    const heard = new JobEvents(onB.socket);

    const ack = await request(onA.socket, 'job:submit', { spec: ascent(6, 1) }, 60_000);
    expect(ack).toMatchObject({ ok: true });
    const { jobId } = (ack as { data: { jobId: string } }).data;
    const outcome = await heard.result(jobId);
    expect(outcome).toMatchObject({ ok: true, kind: 'ascent', computedBy: { where: 'server', backend: 'wasm', workerProcess: workers[0].id } });
    expect(heard.stepsOf(jobId)).toContain(6);
  }, 120_000);

  it('the student on node B cancels a job submitted through node A', async () => {
    const onA = track(await new StudentClient(a.url, code, 'Bo').joined());
    const onB = track(await new StudentClient(b.url, code, 'Bo', onA.resumeToken).joined());
    const heard = new JobEvents(onB.socket);
    const ack = await request(onA.socket, 'job:submit', { spec: ascent(1000, 2) }, 60_000);
    const { jobId } = (ack as { data: { jobId: string } }).data;
    await waitFor(() => heard.stepsOf(jobId).length > 0, 'the job to be running');

    expect(await request(onB.socket, 'job:cancel', { jobId })).toMatchObject({ ok: true, data: { cancelled: true } });
    expect(await heard.result(jobId, 15_000)).toMatchObject({ ok: false, error: 'JOB_CANCELLED' });
  }, 120_000);

  it('a worker killed mid-job (SIGKILL): another worker process finishes the job', async () => {
    const [first] = workers;
    const st = track(await new StudentClient(b.url, code, 'Cy').joined());
    const heard = new JobEvents(st.socket);
    const ack = await request(st.socket, 'job:submit', { spec: ascent(400, 3) }, 60_000);
    const { jobId } = (ack as { data: { jobId: string } }).data;
    await waitFor(() => heard.stepsOf(jobId).length > 0, 'the job to run on the first worker', 60_000);

    // A second worker comes up while the first computes; then the first dies mid-job.
    const second = await startWorker();
    expect(heard.results.has(jobId)).toBe(false);
    first.child.kill('SIGKILL');

    const outcome = await heard.result(jobId, 120_000);
    expect(outcome).toMatchObject({ ok: true, kind: 'ascent', computedBy: { workerProcess: second.id } });
    // It ran again from the start on the second worker (progress went back to the first steps).
    const steps = heard.stepsOf(jobId);
    expect(steps.findIndex((s, i) => i > 0 && s < steps[i - 1])).toBeGreaterThan(0);
  }, 240_000);

  it('the same computation asked through node A and node B is computed once', async () => {
    const dee = track(await new StudentClient(a.url, code, 'Dee').joined());
    const eli = track(await new StudentClient(b.url, code, 'Eli').joined());
    const [onA, onB] = [new JobEvents(dee.socket), new JobEvents(eli.socket)];
    const counter = await countRuns();
    const spec = ascent(200, 42);
    const first = ((await request(dee.socket, 'job:submit', { spec }, 60_000)) as { data: { jobId: string } }).data.jobId;
    await waitFor(() => onA.stepsOf(first).length > 0, "Dee's job to run", 60_000);
    const second = ((await request(eli.socket, 'job:submit', { spec }, 60_000)) as { data: { jobId: string } }).data.jobId;

    const [r1, r2] = await Promise.all([onA.result(first), onB.result(second)]);
    expect(r1).toMatchObject({ ok: true, kind: 'ascent' });
    expect(r2).toMatchObject({ ok: true, kind: 'ascent' });
    // One run for both: Eli's progress picked up where the running job was, and both results are that run's.
    expect(counter.runs()).toBe(1);
    expect(onB.stepsOf(second)[0]).toBeGreaterThan(1);
    expect((r2 as { computedBy: { ms: number } }).computedBy.ms).toBe((r1 as { computedBy: { ms: number } }).computedBy.ms);
    await counter.close();
  }, 180_000);

  it('one of two students waiting for the same computation cancels: the other still gets it', async () => {
    const gus = track(await new StudentClient(a.url, code, 'Gus').joined());
    const hal = track(await new StudentClient(b.url, code, 'Hal').joined());
    const [onA, onB] = [new JobEvents(gus.socket), new JobEvents(hal.socket)];
    const counter = await countRuns();
    const spec = ascent(200, 44);
    const mine = ((await request(gus.socket, 'job:submit', { spec }, 60_000)) as { data: { jobId: string } }).data.jobId;
    const theirs = ((await request(hal.socket, 'job:submit', { spec }, 60_000)) as { data: { jobId: string } }).data.jobId;
    await waitFor(() => onB.stepsOf(theirs).length > 0, "Hal's job to run", 60_000);

    expect(await request(gus.socket, 'job:cancel', { jobId: mine })).toMatchObject({ ok: true, data: { cancelled: true } });
    expect(await onA.result(mine, 15_000)).toMatchObject({ ok: false, error: 'JOB_CANCELLED' });
    expect(await onB.result(theirs)).toMatchObject({ ok: true, kind: 'ascent' });
    expect(counter.runs()).toBe(1);
    await counter.close();
  }, 180_000);

  it('a node killed mid-job (SIGKILL): the tab asks again once seated on another node, and gets the result of the same run', async () => {
    const port = await freePort();
    const env = { ...db.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: REDIS_URL!, CONVLAB_REDIS_PREFIX: prefix };
    let c = await spawnServer(env);
    try {
      const fay = track(await new StudentClient(c.url, code, 'Fay').joined());
      // Seated: connected, and joined again since the last drop (the page's own rule).
      let joinsAtDrop = 0;
      fay.socket.on('disconnect', () => (joinsAtDrop = fay.joins));
      const transport = createSocketJobTransport(fay.socket as never, () => fay.socket.connected && fay.joins > joinsAtDrop);
      const counter = await countRuns();
      const steps: number[] = [];
      const outcome = transport.run(JobSpecSchema.parse(ascent(300, 43)), { onProgress: (p) => p.total > 0 && steps.push(p.step) });
      await waitFor(() => steps.length >= 3, 'the job to run', 60_000);

      await c.kill('SIGKILL');
      const before = steps.length;
      // A new node (another node id) where the old one was: the tab reconnects there, rejoins and asks again.
      c = await spawnServer(env);
      const result = await outcome;
      expect(result).toMatchObject({ ok: true, kind: 'ascent' });
      expect(fay.joins).toBe(2);
      // The run that started before the kill went on and answered: no second run, progress never went back.
      expect(counter.runs()).toBe(1);
      expect(steps.length).toBeGreaterThan(before);
      expect(steps.findIndex((s, i) => i > 0 && s < steps[i - 1]!)).toBe(-1);
      await counter.close();
    } finally {
      await c.kill('SIGTERM');
    }
  }, 240_000);

  it('keeps the fair order across nodes: instructor first, then round-robin over students, whichever node they use', async () => {
    // Both nodes know the model (they validate jobs with its description, which a worker gives once).
    if (!workers.length) await startWorker();
    await Promise.all([a, b].map(async (n) => (await n.context.compute.get()).describeModel(MODEL)));
    // No worker while the jobs arrive (SIGTERM: a worker finishes what it holds and leaves the registry).
    for (const w of workers.splice(0)) {
      if (w.child.exitCode !== null || w.child.signalCode !== null) continue;
      const exited = new Promise((r) => w.child.once('exit', r));
      w.child.kill('SIGTERM');
      await exited;
    }
    await waitFor(async () => (await api(a.url, '/api/health')).body.compute.queue?.processes.length === 0, 'no worker left in /api/health');

    const order: string[] = [];
    const names = new Map<string, string>();
    const listen = (socket: ClientSocket) => socket.on('job:result', (o) => o.ok && names.has(o.jobId) && order.push(names.get(o.jobId)!));
    const x = track(await new StudentClient(a.url, code, 'Xia').joined());
    const y = track(await new StudentClient(b.url, code, 'Yan').joined());
    const teacher = track(await new InstructorClient(a.url, cookie, sessionId).watching());
    const yEvents = new JobEvents(y.socket);
    [x.socket, y.socket, teacher.socket].forEach(listen);
    const submit = async (socket: ClientSocket, name: string, seed: number) => {
      const ack = await request(socket, 'job:submit', { spec: ascent(20, seed) }, 60_000);
      expect(ack).toMatchObject({ ok: true });
      const { jobId } = (ack as { data: { jobId: string } }).data;
      names.set(jobId, name);
      return jobId;
    };
    // Xia (node A) asks for three, then Yan (node B) for one, then the instructor (node A) for one.
    for (const [i, name] of ['x1', 'x2', 'x3'].entries()) await submit(x.socket, name, 10 + i);
    const yJob = await submit(y.socket, 'y1', 20);
    await submit(teacher.socket, 'teacher', 30);
    // Yan is told his place in the shared line: behind the instructor and Xia's first job.
    await waitFor(() => yEvents.progress.some((p) => p.jobId === yJob && p.position === 2), "Yan's place in line (3rd)");

    // One worker, one job at a time: the order they run in is the order they finish in.
    await startWorker({ CONVLAB_WORKER_SLOTS: '1' });
    await waitFor(() => order.length === 5, 'all five jobs to finish', 120_000);
    expect(order).toEqual(['teacher', 'x1', 'y1', 'x2', 'x3']);
  }, 240_000);
});
