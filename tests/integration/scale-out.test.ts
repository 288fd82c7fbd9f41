/**
 * Two ConvLab nodes on one Redis and one PostgreSQL (issue #16): what the instructor does on node A reaches students on
 * node B, rate limits are shared, presence and its grace period hold across nodes, and a node that loses Redis keeps
 * serving its own clients and says so. Runs when CONVLAB_TEST_PG_URL and CONVLAB_TEST_REDIS_URL are set (.ci/run sets
 * both); every Redis key it writes carries its own prefix, removed afterwards. The outage test runs a Redis of its own
(redis-server on port CONVLAB_TEST_OWN_REDIS_PORT, default 4149), so it can stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobOutcome, LabStep, ServerPayload } from '@convlab/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/index';
import { InstructorClient, SLIDES, StudentClient, api, connect, connected, request, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets, dropRedisPrefix, type TestDatabase } from './helpers/databases';
import { spawnWorker, type WorkerProcess } from './helpers/server-process';

const REDIS_URL = process.env.CONVLAB_TEST_REDIS_URL;
const postgres = databaseTargets().find((t) => t.kind === 'postgresql');
const GRACE_SECONDS = 2;
const MODELS = process.env.CONVLAB_MODELS_DIR ?? fileURLToPath(new URL('../../../shared/models', import.meta.url));
const HAVE_MODEL = existsSync(join(MODELS, 'mobilenet_v1_0.25_224'));

/** A small class sweep (3 × 3 positions in 5 shards). */
const SWEEP_STEP: LabStep = {
  kind: 'lab',
  id: 'sweep',
  title: 'Occlusion: sweep together',
  markdown: '',
  labId: 'occlusion',
  params: { model: 'mobilenet_v1_0.25_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285, fill: 'grey', window: 112, stride: 56, shardSize: 2 },
};

describe.runIf(REDIS_URL && postgres)('two nodes on Redis and PostgreSQL', () => {
  const prefix = `convlab-test:${randomBytes(4).toString('hex')}:`;
  let db: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let cookie: string;
  let sessionId: string;
  let code: string;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);
  let worker: WorkerProcess | undefined;

  /** A node of the pair: same database, same data directory (images, secret), same Redis prefix. */
  const startNode = () =>
    startServer({
      env: {
        ...db.env,
        PORT: '0',
        HOST: '127.0.0.1',
        CONVLAB_NO_NEXT: '1',
        CONVLAB_GRACE_SECONDS: String(GRACE_SECONDS),
        REDIS_URL: REDIS_URL!,
        CONVLAB_REDIS_PREFIX: prefix,
      },
      log: false,
      limits: { joinFailuresPerSocket: { maxFailures: 100, windowMs: 60_000 }, joinFailuresPerIp: { maxFailures: 4, windowMs: 60_000 } },
    });

  beforeAll(async () => {
    db = await postgres!.create();
    [a, b] = await Promise.all([startNode(), startNode()]);
    ({ cookie } = await signUpInstructor(a.url, 'scale-teacher@example.org'));
    const created = await api(a.url, '/api/sessions', { cookie, body: { title: 'Two nodes', steps: SLIDES } });
    ({ id: sessionId, code } = created.body.session);
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    worker?.child.kill('SIGKILL');
    await Promise.all([a?.close(), b?.close()]);
    await db?.cleanup();
    await dropRedisPrefix(REDIS_URL!, prefix);
  });

  it('says in /api/health which node answers and that Redis is up', async () => {
    const [ha, hb] = await Promise.all([api(a.url, '/api/health'), api(b.url, '/api/health')]);
    expect(ha.body.scale).toMatchObject({ redis: 'up' });
    expect(hb.body.scale).toMatchObject({ redis: 'up' });
    expect(ha.body.scale.node).not.toBe(hb.body.scale.node);
  });

  it('a step change made on node A reaches students on node B', async () => {
    const teacher = track(await new InstructorClient(a.url, cookie, sessionId).watching());
    const onB = await Promise.all(['Ana', 'Bo', 'Cy'].map((name) => track(new StudentClient(b.url, code, name)).joined()));
    const ack = await request(teacher.socket, 'step:goto', { index: 2 });
    expect(ack).toMatchObject({ ok: true });
    for (const s of onB) await waitFor(() => s.state?.currentStep === 2, `${s.displayName} on node B to see step 3`);
  });

  it('presence and the grace period hold across nodes: a student who moves from B to A keeps the seat', async () => {
    const teacher = track(await new InstructorClient(a.url, cookie, sessionId).watching());
    const eve = track(await new StudentClient(b.url, code, 'Eve').joined());
    await waitFor(() => teacher.presenceOf('Eve') === 'online', 'the teacher on A to see Eve (on B) online');

    // Eve's connection to B drops: reconnecting on A's list too, not offline.
    eve.close();
    await waitFor(() => teacher.presenceOf('Eve') === 'reconnecting', 'Eve reconnecting');
    // She comes back through node A within the grace period: same seat, online, and B's expiring timer does not
    // take her offline.
    const back = track(await new StudentClient(a.url, code, 'Eve', eve.resumeToken).joined());
    expect(back.participant!.id).toBe(eve.participant!.id);
    await waitFor(() => teacher.presenceOf('Eve') === 'online', 'Eve online again');
    await new Promise((r) => setTimeout(r, GRACE_SECONDS * 1000 + 500));
    expect(teacher.presenceOf('Eve')).toBe('online');

    // Gone for good: offline once the grace period ends.
    back.close();
    await waitFor(() => teacher.presenceOf('Eve') === 'offline', 'Eve offline after the grace period', GRACE_SECONDS * 1000 + 5000);
  });

  it('shares the wrong-code limit: guesses on A and B count against one budget', async () => {
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    const answers: string[] = [];
    for (const node of [a, b, a, b, a]) {
      const s = track(connect(node.url));
      await connected(s);
      const ack = await request(s, 'student:join', { code: wrong, displayName: 'Mallory' });
      answers.push(ack.ok ? 'ok' : ack.error);
    }
    // Four wrong codes are answered NOT_FOUND; the fifth, wherever it lands, is refused.
    expect(answers).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'RATE_LIMITED']);
    // The valid code still joins through either node.
    await track(new StudentClient(b.url, code, 'Dee')).joined();
  });

  /** Server jobs run on worker processes when scaled out: one for the sweeps below. */
  const startWorker = async () =>
    (worker ??= await spawnWorker({ REDIS_URL: REDIS_URL!, CONVLAB_REDIS_PREFIX: prefix, CONVLAB_DATA_DIR: db.dataDir, CONVLAB_MODELS_DIR: MODELS, CONVLAB_COMPUTE_WORKERS: '1', CONVLAB_COMPUTE_BACKEND: 'wasm' }));

  it.runIf(HAVE_MODEL)('a student on node B answers the shards of a sweep node A drives; B refuses a second sweep of the step', async () => {
    const created = await api(a.url, '/api/sessions', { cookie, body: { title: 'Sweep across nodes', steps: [SWEEP_STEP] } });
    const { id: sweepSession, code: sweepCode } = created.body.session;
    await startWorker();
    const teacherOnA = track(await new InstructorClient(a.url, cookie, sweepSession).watching());
    const teacherOnB = track(await new InstructorClient(b.url, cookie, sweepSession).watching());
    const sam = track(await new StudentClient(b.url, sweepCode, 'Sam').joined());
    const results = new Map<string, JobOutcome>();
    sam.socket.on('job:result', (o) => results.set(o.jobId, o));
    const answers: unknown[] = [];
    // Sam computes each shard dealt to him, one after another (on the server, as a browser forced to it would), and
    // answers it through node B.
    let chain = Promise.resolve();
    sam.socket.on('sweep:shard', (shard) => {
      chain = chain.then(async () => {
        const ack = (await request(sam.socket, 'job:submit', { spec: shard.job as never }, 60_000)) as { ok: true; data: { jobId: string } };
        const outcome = await waitFor(() => results.get(ack.data.jobId), `shard ${shard.shard.index}`, 120_000);
        const { probabilities, baseline } = (outcome as { data: { probabilities: number[]; baseline: number } }).data;
        answers.push(await request(sam.socket, 'sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, probabilities, baseline }, 120_000));
      });
    });
    const done: ServerPayload<'sweep:done'>[] = [];
    teacherOnB.socket.on('sweep:done', (e) => done.push(e));

    // Another class than the sweep below, so none of its computations is shared with that one (the shared queue keeps
    // a finished computation's result for a minute).
    const started = await request(teacherOnA.socket, 'sweep:start', { stepId: SWEEP_STEP.id, classIndex: 281 }, 60_000);
    expect(started).toMatchObject({ ok: true, data: { shards: 5, dealt: { [sam.participant!.id]: 5 } } });
    const { sweepId } = (started as { data: { sweepId: string } }).data;
    // Node B knows the sweep node A drives (it is stored): a second one of the step is refused there too.
    expect(await request(teacherOnB.socket, 'sweep:start', { stepId: SWEEP_STEP.id }, 60_000)).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/already running/) });

    const finished = await waitFor(() => done.find((d) => d.sweepId === sweepId), 'the sweep to finish', 170_000);
    expect(finished).toMatchObject({ ok: true });
    // Every shard Sam answered through node B reached node A, which accepted it after its spot check.
    expect(answers).toHaveLength(5);
    expect(answers).toEqual(Array(5).fill({ ok: true, data: { accepted: true } }));
  }, 180_000);

  // Last in this suite: it stops node A.
  it.runIf(HAVE_MODEL)('a sweep started on node A is finished by node B after A stops (A hands its lease back)', async () => {
    const created = await api(a.url, '/api/sessions', { cookie, body: { title: 'Sweep', steps: [SWEEP_STEP] } });
    const { id: sweepSession } = created.body.session;
    await startWorker();
    const onA = track(await new InstructorClient(a.url, cookie, sweepSession).watching());
    const onB = track(await new InstructorClient(b.url, cookie, sweepSession).watching());
    const done: ServerPayload<'sweep:done'>[] = [];
    onB.socket.on('sweep:done', (e) => done.push(e));
    // No student is online: every shard is the server's, computed by the node that drives the sweep.
    const started = await request(onA.socket, 'sweep:start', { stepId: SWEEP_STEP.id }, 60_000);
    expect(started).toMatchObject({ ok: true });
    const sweepId = (started as { data: { sweepId: string } }).data.sweepId;
    await a.close();
    const finished = await waitFor(() => done.find((d) => d.sweepId === sweepId), 'node B to finish the sweep', 170_000);
    expect(finished).toMatchObject({ ok: true, submission: { participantId: null, computedWhere: 'server' } });
  }, 180_000);
});

/** A Redis of this suite's own (port in this lane's range), so that it can be stopped without touching anyone else's. */
async function ownRedis(port: number): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(async () => {
      const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => undefined);
      const up = await probe.connect().then(() => true, () => false);
      probe.disconnect();
      return up;
    }, 'redis-server to start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => {
      const exited = new Promise((r) => child!.once('exit', r));
      child!.kill('SIGKILL');
      await exited;
    },
  };
}

describe.runIf(postgres)('a node whose Redis goes away', () => {
  let db: TestDatabase;
  let redis: Awaited<ReturnType<typeof ownRedis>>;
  let a: RunningServer;
  let b: RunningServer;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);

  beforeAll(async () => {
    db = await postgres!.create();
    redis = await ownRedis(Number(process.env.CONVLAB_TEST_OWN_REDIS_PORT ?? 4149));
    const env = { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', REDIS_URL: redis.url };
    [a, b] = await Promise.all([startServer({ env, log: false }), startServer({ env, log: false })]);
  });

  afterAll(async () => {
    for (const c of opened) c.close();
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
    await db?.cleanup();
  });

  it('keeps serving its own clients, says so in /api/health, and catches up the others when Redis returns', async () => {
    const { cookie } = await signUpInstructor(a.url, 'outage@example.org');
    const { id: sessionId, code } = (await api(a.url, '/api/sessions', { cookie, body: { title: 'Outage', steps: SLIDES } })).body.session;
    const teacher = track(await new InstructorClient(a.url, cookie, sessionId).watching());
    const onA = track(await new StudentClient(a.url, code, 'Ana').joined());
    const onB = track(await new StudentClient(b.url, code, 'Bo').joined());

    await redis.stop();
    await waitFor(async () => (await api(a.url, '/api/health')).body.scale?.redis === 'down', 'node A to report Redis down');
    // The instructor's change is answered and reaches the students on the same node.
    expect(await request(teacher.socket, 'step:goto', { index: 3 })).toMatchObject({ ok: true });
    await waitFor(() => onA.state?.currentStep === 3, 'Ana (node A) to see step 4 during the outage');
    // A new student still joins node B (its own clients); B's students have not heard of step 4 yet.
    await track(new StudentClient(b.url, code, 'Cy')).joined();
    expect(onB.state?.currentStep).toBe(0);

    await redis.start();
    await waitFor(async () => (await api(b.url, '/api/health')).body.scale?.redis === 'up', 'node B to see Redis again', 15_000);
    await waitFor(() => onB.state?.currentStep === 3, 'Bo (node B) to catch up to step 4', 15_000);
  });
});
