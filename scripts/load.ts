/**
 * `npm run load -- --nodes 2 --students 1000 --sessions 10 [--duration 60] [--kill]`: a scaled-out ConvLab on
 * loopback under a class's load. Starts the nodes behind nginx on one Redis and one PostgreSQL (scripts/scale/cluster.ts),
 * or uses running ones (`--url http://127.0.0.1:PORT`), connects socket.io students and instructors through the proxy,
 * then: every student joins, submits one occlusion result, asks the server for one computation (an occlusion job
 * through the shared BullMQ queue to the `--workers` worker processes, spread over the run), and follows the
 * instructors' step changes for `--duration` seconds. With `--kill`, node 1 gets SIGKILL a third of the way in and is started again later: its students must
 * reconnect through the proxy (the time is printed), keep their seats and step, and lose no acknowledged submission
 * and no server job (the app's transport asks again once seated on another node and gets the run that went on).
 * With `--rolling`, every node in turn gets SIGTERM (a rolling restart) and is started again, under the same checks.
 * Prints p50/p95/max of step broadcast, join, submission ack, job wait and reconnect times, the counts and errors, and each
 * node's CPU and memory; writes the figures to bench/results/load-<time>.json. Exit status 1 when a count is short
 * (a join, a broadcast, a submission, a seat) or any error happened; latencies are printed, never asserted.
 * Only 127.0.0.0/8 is used; a deadline bounds the run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JobSpecSchema, PROTOCOL_VERSION, SOCKET_TRANSPORTS, newRequestId, withRequestId, type Ack, type JobSpecInput, type SessionState } from '@convlab/protocol';
import { io, type Socket } from 'socket.io-client';
import { createSocketJobTransport } from '../app/_lib/compute/socket-transport';
import { signUpInstructor } from '../tests/integration/helpers/clients';
import { freePort } from '../tests/integration/helpers/server-process';
import { startCluster, type Cluster } from './scale/cluster';
import { OCC, RESULT, api, ask as askWithin } from './lib/class-load';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    students: { type: 'string', default: '1000' },
    sessions: { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
    kill: { type: 'boolean', default: false },
    rolling: { type: 'boolean', default: false },
    workers: { type: 'string', default: '2' },
    url: { type: 'string' },
    'base-port': { type: 'string' },
  },
});
const NODES = Number(args.nodes);
const STUDENTS = Number(args.students);
const SESSIONS = Number(args.sessions);
const DURATION_MS = Number(args.duration) * 1000;
const WORKERS = Number(args.workers);
const ACK_TIMEOUT_MS = 20_000;
const ask = (socket: Socket, event: string, payload: unknown, timeoutMs = ACK_TIMEOUT_MS) => askWithin(socket, event, payload, timeoutMs);
/** Each session's instructor changes step this often (staggered across sessions). */
const STEP_EVERY_MS = 2000;
/** A broadcast not received within this long counts as missed. */
const BROADCAST_WAIT_MS = 10_000;
const DEADLINE = Date.now() + DURATION_MS + 600_000;

const SLIDES = [1, 2, 3, 4].map((i) => ({ kind: 'slide', id: `s${i}`, title: `Slide ${i}`, markdown: `# ${i}` }));

const errors: string[] = [];
const error = (what: string) => {
  if (errors.length < 50) console.error(`error: ${what}`);
  errors.push(what);
};

function percentiles(xs: number[]): { n: number; p50: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s.at(-1) ?? NaN };
}

function open(url: string, cookie?: string): Socket {
  return io(url, {
    auth: { protocolVersion: PROTOCOL_VERSION },
    transports: SOCKET_TRANSPORTS,
    forceNew: true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 1000,
    timeout: ACK_TIMEOUT_MS,
    extraHeaders: cookie ? { cookie } : {},
  });
}



/** One student's tab: joins on every (re)connect with its resume token, as the app does, and follows the state. */
class Student {
  socket: Socket;
  participantId?: string;
  resumeToken?: string;
  state?: SessionState;
  joinMs?: number;
  /** When the connection dropped (failover), until the next successful join. */
  lostAt?: number;
  reconnectMs?: number;
  seatChanged = false;
  lastDisconnect?: string;
  /** This student's server job: when asked, whether its connection dropped while it ran, and what came back. */
  job?: { t0: number; lostConnection?: boolean; totalMs?: number; queuedMs?: number; error?: string };
  onState?: (s: Student, state: SessionState) => void;
  private joinRequestId = newRequestId();
  private readonly device = globalThis.crypto.randomUUID().replace(/-/g, '');

  constructor(
    url: string,
    readonly name: string,
    readonly code: string,
    readonly session: number,
  ) {
    const started = performance.now();
    this.socket = open(url);
    this.socket.on('connect', () => void this.join(started));
    this.socket.on('disconnect', (reason) => {
      this.lostAt ??= performance.now();
      this.lastDisconnect = reason;
      if (this.job && this.job.totalMs === undefined && !this.job.error) this.job.lostConnection = true;
    });
    // Refused by a node's connect middleware: socket.io does not try again (the app shows the refusal).
    this.socket.on('connect_error', (err: Error & { data?: unknown }) => {
      if (!this.socket.active) error(`${this.name}: connection refused: ${err.message} ${JSON.stringify(err.data ?? null)}`);
    });
    this.socket.on('session:state', (state: SessionState) => {
      this.state = state;
      this.onState?.(this, state);
    });
  }

  private async join(started: number): Promise<void> {
    const payload = this.resumeToken ? { code: this.code, resumeToken: this.resumeToken, deviceToken: this.device } : { code: this.code, displayName: this.name, deviceToken: this.device };
    const ack = await ask(this.socket, 'student:join', { ...payload, requestId: this.joinRequestId });
    if (!ack?.ok) return void error(`${this.name}: join ${ack ? `${ack.error} ${ack.message}` : 'unanswered'}`);
    this.joinRequestId = newRequestId();
    if (this.participantId && this.participantId !== ack.data.participant.id) this.seatChanged = true;
    this.participantId = ack.data.participant.id;
    this.resumeToken = ack.data.resumeToken;
    this.state = ack.data.state;
    this.onState?.(this, ack.data.state);
    if (this.joinMs === undefined) this.joinMs = performance.now() - started;
    else if (this.lostAt !== undefined) this.reconnectMs = performance.now() - this.lostAt;
    this.lostAt = undefined;
  }

  /**
   * Asks the server for one computation through the app's own transport: a connection that drops while the job runs
   * (its node killed or restarted) asks again once seated on another node, and gets the run that went on.
   */
  async submitJob(spec: JobSpecInput): Promise<void> {
    const job: NonNullable<Student['job']> = { t0: performance.now() };
    this.job = job;
    const transport = createSocketJobTransport(this.socket, () => this.joined);
    for (;;) {
      const o = await transport.run(JobSpecSchema.parse(spec), {});
      // Asked in the moment between a reconnect and the rejoin's answer: the app asks again once seated.
      if (!o.ok && o.error === ('UNAUTHORIZED' as string) && (await waitUntil(() => this.joined, ACK_TIMEOUT_MS))) continue;
      if (o.ok) {
        job.totalMs = performance.now() - job.t0;
        job.queuedMs = o.computedBy.queuedMs;
      } else job.error = `${o.error} ${o.message}`;
      return;
    }
  }

  get joined(): boolean {
    return this.socket.connected && this.lostAt === undefined && this.participantId !== undefined;
  }
}

/** An instructor's tab: watches its session on every (re)connect; a step change lost with a node is asked again. */
class Instructor {
  readonly socket: Socket;
  private watching = false;

  constructor(url: string, cookie: string, sessionId: string) {
    this.socket = open(url, cookie);
    this.socket.on('connect', async () => {
      this.watching = (await ask(this.socket, 'instructor:watch', { sessionId }))?.ok === true;
    });
    this.socket.on('disconnect', () => (this.watching = false));
  }

  /** Moves the class to step `index`, retrying with the same requestId (never a second change) until answered. */
  async goto(index: number): Promise<Ack<any> | null> {
    const requestId = newRequestId();
    for (let attempt = 0; attempt < 5; attempt++) {
      await waitUntil(() => this.watching, ACK_TIMEOUT_MS);
      const ack = await ask(this.socket, 'step:goto', withRequestId('step:goto', { index }, requestId));
      if (ack) return ack;
    }
    return null;
  }
}

/** A GET through the proxy, asked again while it answers 5xx (every node restarting: nginx skips them for 5 s). */
async function apiWhenUp(base: string, path: string, cookie: string): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    const res = await api(base, path, { cookie }).catch((err: unknown) => ({ status: 599, body: String(err) }));
    if (res.status < 500 || attempt >= 30) return res;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** CPU seconds and resident memory of a process, from /proc. */
function usage(pid: number | undefined): { cpuS: number; rssMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { cpuS: (Number(stat[11]) + Number(stat[12])) / 100, rssMb: Number(rss) / 1024 };
  } catch {
    return undefined;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Math.min(Date.now() + timeoutMs, DEADLINE);
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function main(): Promise<void> {
  let cluster: Cluster | undefined;
  if (!args.url) {
    // The proxy on --base-port and the nodes just above it, or each on a port the system just found free (the next
    // ports up may be some other program's, e.g. a test beside this one).
    const base = args['base-port'] === undefined ? undefined : Number(args['base-port']);
    const ports: number[] = [];
    while (ports.length < NODES + 1) {
      const port = base === undefined ? await freePort() : base + ports.length;
      if (!ports.includes(port)) ports.push(port);
    }
    console.log(`starting ${NODES} nodes behind nginx on 127.0.0.1:${ports[0]} …`);
    cluster = await startCluster({
      nodes: NODES,
      nodePorts: ports.slice(1),
      proxyPort: ports[0]!,
      redisUrl: process.env.CONVLAB_LOAD_REDIS_URL ?? process.env.CONVLAB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      pgUrl: process.env.CONVLAB_LOAD_PG_URL ?? process.env.CONVLAB_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
      // The whole class comes from one address (the proxy's loopback), and after a failover one node holds it all.
      env: { CONVLAB_MAX_CONNECTIONS_PER_ADDRESS: String(STUDENTS * 2 + 100) },
      workers: WORKERS,
    });
  }
  const url = args.url ?? cluster!.url;
  if (!/^http:\/\/127\.\d+\.\d+\.\d+(:\d+)?\/?$/.test(url)) throw new Error('the load test only talks to 127.0.0.0/8');
  const students: Student[] = [];
  const instructors: Instructor[] = [];
  const nodeUsage: { node: number; cpuPercent: number; rssMb: number }[] = [];
  try {
    // An approved instructor (the first account of a fresh database is the admin; others are approved by it).
    const { cookie } = await signUpInstructor(url, `load-${Date.now()}@example.org`);
    const sessions: { id: string; code: string; step: number }[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const created = await api(url, '/api/sessions', { cookie, body: { title: `Load ${i + 1}`, steps: [OCC, ...SLIDES] } });
      if (created.status !== 201) throw new Error(`session not created: ${created.status} ${JSON.stringify(created.body)}`);
      sessions.push({ ...created.body.session, step: 0 });
    }
    for (const s of sessions) instructors.push(new Instructor(url, cookie, s.id));

    // ── joins ────────────────────────────────────────────────────────────────────────────────────
    const joinStarted = Date.now();
    for (let i = 0; i < STUDENTS; i += 50) {
      const batch = Array.from({ length: Math.min(50, STUDENTS - i) }, (_, j) => {
        const k = (i + j) % SESSIONS;
        return new Student(url, `Student ${i + j + 1}`, sessions[k]!.code, k);
      });
      students.push(...batch);
      await waitUntil(() => batch.every((s) => s.joinMs !== undefined), ACK_TIMEOUT_MS);
    }
    const joined = students.filter((s) => s.joinMs !== undefined).length;
    console.log(`joins: ${joined}/${STUDENTS} in ${((Date.now() - joinStarted) / 1000).toFixed(1)} s`);

    const cpuAtStart = Array.from({ length: NODES }, (_, i) => usage(cluster?.pid(i)));
    const phaseStarted = performance.now();

    // ── one submission each ───────────────────────────────────────────────────────────────────────
    const submitMs: number[] = [];
    const acked = new Set<Student>();
    for (let i = 0; i < students.length; i += 100) {
      await Promise.all(
        students.slice(i, i + 100).map(async (s) => {
          const t0 = performance.now();
          const requestId = newRequestId();
          // A lost answer is asked again with the same requestId (never a second submission).
          for (let attempt = 0; attempt < 6; attempt++) {
            const ack = await ask(s.socket, 'lab:submit', withRequestId('lab:submit', { stepId: OCC.id, params: OCC.params, result: RESULT, computedWhere: 'browser', backend: 'webgl', ms: 5 } as never, requestId));
            if (ack?.ok) {
              submitMs.push(performance.now() - t0);
              acked.add(s);
              return;
            }
            if (ack) return void error(`${s.name}: submit ${ack.error} ${ack.message}`);
          }
          error(`${s.name}: submit unanswered`);
        }),
      );
    }
    console.log(`submissions: ${acked.size}/${students.length} acknowledged`);

    // ── step changes for the duration (and a node killed on the way) ─────────────────────────────
    const broadcastMs: number[] = [];
    let expectedBroadcasts = 0;
    let missedBroadcasts = 0;
    let pending = new Map<number, { step: number; t0: number; waiting: Set<Student> }>();
    for (const s of students) {
      s.onState = (st, state) => {
        const p = pending.get(st.session);
        if (p && state.currentStep === p.step && p.waiting.delete(st)) broadcastMs.push(performance.now() - p.t0);
      };
    }
    let killedAt: number | undefined;
    let killedStudents: Student[] = [];
    const end = performance.now() + DURATION_MS;
    const rounds = sessions.map(async (s, k) => {
      await new Promise((r) => setTimeout(r, (k * STEP_EVERY_MS) / SESSIONS));
      while (performance.now() < end) {
        const next = 1 + (s.step % SLIDES.length);
        // Those connected and seated now must each see the change; one who drops meanwhile is not counted.
        const waiting = new Set(students.filter((st) => st.session === k && st.joined));
        const asked = waiting.size;
        const p = { step: next, t0: performance.now(), waiting };
        pending.set(k, p);
        const ack = await instructors[k]!.goto(next);
        if (!ack?.ok) {
          error(`session ${k + 1}: step:goto ${ack ? `${ack.error} ${ack.message}` : 'unanswered'}`);
        } else {
          s.step = next;
          await waitUntil(() => [...p.waiting].every((st) => !st.joined), BROADCAST_WAIT_MS);
          // The round is counted now: a dropped student who reads the step when rejoining later is not a receipt.
          if (pending.get(k) === p) pending.delete(k);
          // Who dropped during the change (failover) is not expected to see it; they read the step when they rejoin.
          const missed = [...p.waiting].filter((st) => st.joined).length;
          const dropped = p.waiting.size - missed;
          expectedBroadcasts += asked - dropped;
          missedBroadcasts += missed;
          if (missed) error(`session ${k + 1}: ${missed} students missed step ${next + 1}`);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, STEP_EVERY_MS - (performance.now() - p.t0))));
      }
    });
    const rolling = (async () => {
      if (!args.rolling || !cluster || NODES < 2) return;
      for (let i = 0; i < NODES; i++) {
        await new Promise((r) => setTimeout(r, DURATION_MS / (NODES + 1)));
        await cluster.kill(i, 'SIGTERM');
        console.log(`SIGTERM node ${i + 1}: stopped`);
        await cluster.start(i);
        console.log(`node ${i + 1} started again`);
      }
    })();
    const killer = (async () => {
      if (!args.kill || !cluster || NODES < 2) return;
      await new Promise((r) => setTimeout(r, DURATION_MS / 3));
      const pid = cluster.pid(0);
      killedAt = performance.now();
      const before = new Set(students.filter((s) => s.joined));
      await cluster.kill(0, 'SIGKILL');
      console.log(`kill -9 node 1 (pid ${pid})`);
      await waitUntil(() => false, 1500);
      killedStudents = students.filter((s) => before.has(s) && (s.lostAt !== undefined || s.reconnectMs !== undefined));
      await new Promise((r) => setTimeout(r, DURATION_MS / 3));
      await cluster.start(0);
      console.log('node 1 started again');
    })();
    // One server job per student: a small occlusion map of the student's own class, so no two are the same
    // computation (no cache, no sharing). Spread over the run; with --kill or --rolling every tenth student asks just
    // before the first node stops, so that jobs are queued and running through it when it goes.
    const disruptAt = args.kill ? DURATION_MS / 3 : args.rolling ? DURATION_MS / (NODES + 1) : undefined;
    const jobs = (async () => {
      const spread = DURATION_MS * 0.8;
      await Promise.all(
        students.map(async (s, i) => {
          const at = disruptAt !== undefined && i % 10 === 0 ? disruptAt - 100 : (i / students.length) * spread;
          await new Promise((r) => setTimeout(r, at));
          await waitUntil(() => s.joined, ACK_TIMEOUT_MS);
          await s.submitJob({ kind: 'occlusion', model: OCC.params.model, image: OCC.params.image, params: { window: 112, stride: 112, fill: 'grey', classIndex: i % 1000 } });
        }),
      );
    })();
    await Promise.all([...rounds, killer, rolling, jobs]);
    pending = new Map();
    const phaseS = (performance.now() - phaseStarted) / 1000;
    for (let i = 0; i < NODES; i++) {
      const a = cpuAtStart[i];
      const b = usage(cluster?.pid(i));
      const restarted = args.rolling || (args.kill && i === 0);
      if (b) nodeUsage.push({ node: i + 1, cpuPercent: a && !restarted ? ((b.cpuS - a.cpuS) / phaseS) * 100 : NaN, rssMb: b.rssMb });
    }

    // ── what was kept ─────────────────────────────────────────────────────────────────────────────
    await waitUntil(() => students.every((s) => s.joined), 30_000);
    // The jobs still running finish (or are given up on after a minute).
    const jobDone = (s: Student) => s.job !== undefined && (s.job.totalMs !== undefined || s.job.error !== undefined);
    await waitUntil(() => students.every(jobDone), 60_000);
    const jobResults = students.filter((s) => s.job?.totalMs !== undefined);
    // A job whose connection dropped while it ran (its node killed or restarting) is asked again once the student is
    // seated on another node: it joins the run that went on (or takes its result). None may be lost.
    const jobsMoved = students.filter((s) => s.job?.lostConnection && s.job.totalMs !== undefined).length;
    const jobsFailed = students.filter((s) => s.job?.error !== undefined);
    for (const s of jobsFailed.slice(0, 10)) error(`${s.name}: job ${s.job!.error}${s.job!.lostConnection ? ` (its connection dropped: ${s.lastDisconnect})` : ''}`);
    const jobsMissing = students.length - jobResults.length - jobsFailed.length;
    if (jobsMissing) {
      const dropped = students.filter((s) => !jobDone(s) && s.job?.lostConnection).length;
      error(`${jobsMissing} server jobs without a result (${dropped} whose connection dropped while they ran)`);
    }
    const unseated = students.filter((s) => !s.joined).length;
    const moved = students.filter((s) => s.reconnectMs !== undefined).length;
    if (unseated) {
      const connected = students.filter((s) => !s.joined && s.socket.connected).length;
      const reasons = [...new Set(students.filter((s) => !s.joined).map((s) => `${s.lastDisconnect} (active ${s.socket.active})`))].join(', ');
      error(`${unseated} students not seated at the end: ${connected} of them connected (no join answer), ${unseated - connected} not connected; last disconnects: ${reasons}`);
    }
    const seatChanged = students.filter((s) => s.seatChanged).length;
    const wrongStep = students.filter((s) => s.state?.currentStep !== sessions[s.session]!.step).length;
    let stored = 0;
    for (const s of sessions) {
      const listed = await apiWhenUp(url, `/api/sessions/${s.id}/submissions`, cookie);
      if (Array.isArray(listed.body?.submissions)) stored += listed.body.submissions.length;
      else error(`listing the submissions of session ${s.id}: ${listed.status} ${JSON.stringify(listed.body).slice(0, 200)}`);
    }
    const reconnect = percentiles((args.kill ? killedStudents : students).flatMap((s) => (s.reconnectMs === undefined ? [] : [s.reconnectMs])));

    const figures = {
      nodes: NODES,
      students: STUDENTS,
      sessions: SESSIONS,
      durationS: DURATION_MS / 1000,
      joins: { ok: joined, expected: STUDENTS, ms: percentiles(students.flatMap((s) => (s.joinMs === undefined ? [] : [s.joinMs]))) },
      submissions: { acked: acked.size, stored, expected: STUDENTS, ms: percentiles(submitMs) },
      broadcasts: { received: broadcastMs.length, expected: expectedBroadcasts, missed: missedBroadcasts, ms: percentiles(broadcastMs) },
      rolling: args.rolling ? { studentsMoved: moved, seatChanged, unseated, wrongStep } : undefined,
      failover: args.kill ? { studentsOnKilledNode: killedStudents.length, reconnectMs: reconnect, seatChanged, unseated, wrongStep, killedAtS: killedAt && (killedAt - phaseStarted) / 1000 } : undefined,
      jobs: {
        workers: WORKERS,
        results: jobResults.length,
        expected: STUDENTS,
        failed: jobsFailed.length,
        answeredAfterTheirConnectionDropped: jobsMoved,
        waitMs: percentiles(jobResults.map((s) => s.job!.queuedMs ?? NaN).filter((x) => !Number.isNaN(x))),
        totalMs: percentiles(jobResults.map((s) => s.job!.totalMs!)),
      },
      errors: errors.length,
      nodeUsage,
    };
    const row = (label: string, p: { n: number; p50: number; p95: number; max: number }) =>
      `${label.padEnd(22)} ${String(p.n).padStart(6)}  p50 ${p.p50.toFixed(1).padStart(8)} ms  p95 ${p.p95.toFixed(1).padStart(8)} ms  max ${p.max.toFixed(1).padStart(8)} ms`;
    const event = args.kill ? ', node 1 killed' : args.rolling ? ', rolling restart' : '';
    console.log(`\nload: ${NODES} nodes, ${STUDENTS} students, ${SESSIONS} sessions, ${DURATION_MS / 1000} s of step changes${event}`);
    console.log(row('join', figures.joins.ms));
    console.log(row('submission ack', figures.submissions.ms));
    console.log(row('step broadcast', figures.broadcasts.ms));
    if (args.kill || args.rolling) console.log(row(args.kill ? 'reconnect (failover)' : 'reconnect (rolling)', reconnect));
    console.log(row('job wait (queue)', figures.jobs.waitMs));
    console.log(row('job submit → result', figures.jobs.totalMs));
    console.log(`jobs: ${jobResults.length}/${STUDENTS} results on ${WORKERS} worker processes, ${jobsFailed.length} failed, ${jobsMoved} answered after their connection dropped`);
    console.log(`counts: joins ${joined}/${STUDENTS}, submissions acked ${acked.size} stored ${stored}/${STUDENTS}, broadcasts ${broadcastMs.length} received of ${expectedBroadcasts} expected (${missedBroadcasts} missed), errors ${errors.length}`);
    if (args.rolling) console.log(`rolling restart: ${moved} students moved to another node; seats changed ${seatChanged}, not seated at the end ${unseated}, on a wrong step ${wrongStep}`);
    if (args.kill) console.log(`failover: ${killedStudents.length} students on the killed node; seats changed ${seatChanged}, not seated at the end ${unseated}, on a wrong step ${wrongStep}`);
    for (const n of nodeUsage) console.log(`node ${n.node}: CPU ${Number.isNaN(n.cpuPercent) ? 'n/a (restarted)' : `${n.cpuPercent.toFixed(0)} %`} of one core, RSS ${n.rssMb.toFixed(0)} MB`);
    const out = join(process.cwd(), 'bench/results');
    mkdirSync(out, { recursive: true });
    const file = join(out, `load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(figures, null, 2));
    console.log(`figures: ${file}`);

    const ok =
      joined === STUDENTS &&
      acked.size === STUDENTS &&
      stored === STUDENTS &&
      missedBroadcasts === 0 &&
      errors.length === 0 &&
      unseated === 0 &&
      seatChanged === 0 &&
      wrongStep === 0 &&
      jobsMissing === 0 &&
      jobsFailed.length === 0;
    if (args.rolling && cluster) for (let i = 0; i < NODES; i++) for (const l of cluster.output(i).split('\n').filter((l) => l.startsWith('drain:'))) console.log(`[node ${i + 1}] ${l}`);
    if (!ok && cluster) {
      // What the nodes said about it (their error lines), to find where the time or the failures went.
      for (let i = 0; i < NODES; i++) {
        const lines = cluster.output(i).split('\n').filter((l) => /error|fail|refused/i.test(l));
        for (const l of lines.slice(-20)) console.log(`[node ${i + 1}] ${l.slice(0, 400)}`);
      }
    }
    console.log(`load: ${ok ? 'counts OK' : 'counts SHORT'}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const s of students) s.socket.close();
    for (const s of instructors) s.socket.close();
    await cluster?.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
