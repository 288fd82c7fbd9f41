/**
 * Labs over the live connection: submissions (`lab:submit`, `lab:submissions`, `lab:share`, with `lab:submitted` to
 * the instructors and `lab:shared` to the class), the class occlusion sweep (`sweep:start` → `sweep:shard` to
 * students, `sweep:result` back, `sweep:progress` / `sweep:done` to everyone; late shards and those of students who
 * leave are computed by the server's compute service) and the λ sweep of gradient ascent (`ascent:deal-lambdas` →
 * `ascent:lambda` to each online student). Roles come from the socket (never from a payload); the lab definitions of
 * @convlab/labs check parameters, student controls and results before anything is stored.
 */
import { randomBytes } from 'node:crypto';
import type { Actor, JsonValue, LiveSessionDTO, SubmissionDTO } from '@convlab/classroom';
import {
  LabError,
  SERVER,
  SweepCoordinator,
  SweepError,
  checkSubmission,
  dealLambdas,
  getLab,
  lambdaValues,
  parseLabParams,
  planSweep,
  shardJob,
  sweepResult,
  type AscentParams,
  type OcclusionParams,
} from '@convlab/labs';
import { LAB_LIMITS, ProtocolError, type LabStep, type ServerPayload, type Submission } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { ImageService } from '../images/image.service';
import { currentRequest } from './idempotency';
import { checkSessionRules } from './session-rules';
import { handle } from './validate';
import { rooms, type IoServer, type IoSocket } from './types';

/** Server shards of one sweep computing at once (the compute queue caps jobs per owner). */
const SERVER_SHARDS_AT_ONCE = 2;

/** Who sends a lab event. */
type LabSender =
  | { role: 'participant'; participantId: string; sessionId: string }
  | { role: 'instructor'; instructorId: string; sessionId: string };

function signedInInstructor(socket: IoSocket): string {
  const d = socket.data;
  if (!d.instructorId) throw new ProtocolError('UNAUTHORIZED', 'sign in as an instructor first');
  if (d.instructorExp !== undefined && d.instructorExp <= Date.now()) throw new ProtocolError('UNAUTHORIZED', 'your sign-in expired; sign in again');
  return d.instructorId;
}

/** A joined student or a watching instructor; guests are refused. */
function sender(socket: IoSocket): LabSender {
  const d = socket.data;
  if (d.role === 'participant' && d.participantId && d.sessionId) return { role: 'participant', participantId: d.participantId, sessionId: d.sessionId };
  const instructorId = signedInInstructor(socket);
  if (d.role !== 'instructor' || !d.sessionId) throw new ProtocolError('FORBIDDEN', 'watch a session (instructor:watch) first');
  return { role: 'instructor', instructorId, sessionId: d.sessionId };
}

/** Role check of instructor-only events, before their payload is parsed. */
function authorizeInstructor(socket: IoSocket): void {
  if (socket.data.role === 'participant') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
  signedInInstructor(socket);
  if (socket.data.role !== 'instructor' || !socket.data.sessionId) throw new ProtocolError('FORBIDDEN', 'watch a session (instructor:watch) first');
}

function instructorOf(socket: IoSocket): { instructorId: string; sessionId: string } {
  const who = sender(socket);
  if (who.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
  return who;
}

/** Refuses anyone but joined students and watching instructors, before the payload is parsed. */
function authorizeMember(socket: IoSocket): void {
  sender(socket);
}

/** A lab's own refusal (LabError, SweepError) as a protocol error the client can show. */
function asProtocolError(err: unknown): unknown {
  if (err instanceof LabError || err instanceof SweepError) return new ProtocolError('BAD_REQUEST', err.message);
  return err;
}

/** A result image as bytes, checked to be a PNG within the size cap (sharp checks its pixels when it is stored). */
function resultPng(image: Uint8Array | ArrayBuffer): Uint8Array {
  const bytes = image instanceof ArrayBuffer ? new Uint8Array(image) : new Uint8Array(image.buffer, image.byteOffset, image.byteLength);
  if (bytes.byteLength > LAB_LIMITS.resultImageMaxBytes) {
    throw new ProtocolError('PAYLOAD_TOO_LARGE', `the result image is ${bytes.byteLength} bytes; at most ${LAB_LIMITS.resultImageMaxBytes} are accepted`);
  }
  const isPng = bytes.byteLength >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b);
  if (!isPng) throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', 'the result image must be a PNG');
  return bytes;
}

/** Who a stored result image is recorded as uploaded by. */
function uploaderOf(who: LabSender): { kind: 'participant' | 'instructor'; id: string } {
  return who.role === 'participant' ? { kind: 'participant', id: who.participantId } : { kind: 'instructor', id: who.instructorId };
}

/** The SubmissionDTO as the wire schema types it. */
function toSubmission(s: SubmissionDTO): Submission {
  return s as Submission;
}

interface RunningSweep {
  id: string;
  sessionId: string;
  step: LabStep;
  params: OcclusionParams;
  classIndex: number;
  inputSize: [number, number];
  coordinator: SweepCoordinator;
  baseline: number | null;
  startedAt: number;
  /** Server jobs running, by shard index. */
  serverJobs: Map<number, string>;
  timer?: ReturnType<typeof setTimeout>;
  finished: boolean;
}

export interface LabsHub {
  /** Registers the lab events on a connected socket. */
  register(socket: IoSocket): void;
  /** A socket of a participant disconnected: when it was their last, the server takes over their shards. */
  disconnected(participantId: string | undefined): void;
  /** A participant left for good (removed). */
  left(participantId: string): void;
  /** The sweeps in progress (tests, health). */
  sweeps(): ReadonlyMap<string, { sessionId: string; stepId: string }>;
}

/** Lab handlers sharing one state per Socket.io server (the sweeps in progress). */
export function createLabsHub(io: IoServer, ctx: ServerContext): LabsHub {
  const images = new ImageService(ctx.config.dataDir, ctx.store, {
    maxBytes: LAB_LIMITS.resultImageMaxBytes,
    maxWidth: LAB_LIMITS.resultImageMaxSide,
    maxHeight: LAB_LIMITS.resultImageMaxSide,
  });
  const sweeps = new Map<string, RunningSweep>();
  /** λ handed out per session and step ("sessionId stepId" → participant → index), so re-dealing keeps them. */
  const lambdaDeals = new Map<string, Map<string, number>>();

  async function sessionOf(sessionId: string): Promise<LiveSessionDTO> {
    const session = await ctx.store.findSessionById(sessionId);
    if (!session) throw new ProtocolError('NOT_FOUND', 'no such session');
    return session;
  }

  async function labStep(sessionId: string, stepId: string, labId?: string): Promise<{ session: LiveSessionDTO; step: LabStep }> {
    const session = await sessionOf(sessionId);
    const step = session.steps.find((s) => s.id === stepId);
    if (!step || step.kind !== 'lab') throw new ProtocolError('NOT_FOUND', `this session has no lab step "${stepId}"`);
    if (labId && step.labId !== labId) throw new ProtocolError('BAD_REQUEST', `step "${stepId}" is not a ${labId} lab`);
    return { session, step: step as LabStep };
  }

  /** The sender's session, checked: a student not removed; an instructor owning it. */
  async function checkedSender(socket: IoSocket): Promise<LabSender> {
    const who = sender(socket);
    if (who.role === 'participant') {
      const actor: Actor = { role: 'participant', participantId: who.participantId, sessionId: who.sessionId };
      await ctx.classroom.requireParticipant(actor);
    } else {
      const session = await sessionOf(who.sessionId);
      if (session.instructorId !== who.instructorId) throw new ProtocolError('FORBIDDEN', 'this session belongs to another instructor');
    }
    return who;
  }

  async function onlineStudents(sessionId: string): Promise<string[]> {
    const list = await ctx.classroom.presenceList(sessionId);
    return list.filter((p) => p.presence === 'online').map((p) => p.id);
  }

  // ── sweeps ──────────────────────────────────────────────────────────────────────────────────────

  function progressOf(sweep: RunningSweep): ServerPayload<'sweep:progress'> {
    const p = sweep.coordinator.progress();
    return {
      sweepId: sweep.id,
      stepId: sweep.step.id,
      classIndex: sweep.classIndex,
      inputSize: sweep.inputSize,
      baseline: sweep.baseline,
      snapshot: sweep.coordinator.snapshot(),
      byStudents: p.byStudents,
      byServer: p.byServer,
    };
  }

  function broadcastProgress(sweep: RunningSweep): void {
    io.to(rooms.session(sweep.sessionId)).emit('sweep:progress', progressOf(sweep));
  }

  function fail(sweep: RunningSweep, message: string): void {
    if (sweep.finished) return;
    sweep.finished = true;
    stop(sweep);
    io.to(rooms.session(sweep.sessionId)).emit('sweep:done', { sweepId: sweep.id, stepId: sweep.step.id, ok: false, message });
  }

  function stop(sweep: RunningSweep): void {
    if (sweep.timer) clearTimeout(sweep.timer);
    sweep.timer = undefined;
    const service = ctx.compute.current();
    for (const jobId of sweep.serverJobs.values()) service?.cancel(jobId, null);
    sweep.serverJobs.clear();
    sweeps.delete(sweep.id);
  }

  async function finish(sweep: RunningSweep): Promise<void> {
    if (sweep.finished) return;
    sweep.finished = true;
    stop(sweep);
    try {
      const result = sweepResult(sweep.coordinator, sweep.classIndex, sweep.baseline ?? 0);
      const params = { ...sweep.params, classIndex: sweep.classIndex };
      const checked = checkSubmission(sweep.step, { params, result, resultImageHash: null }, 'server');
      const byServer = sweep.coordinator.progress().byServer;
      const stored = await ctx.store.createSubmission({
        sessionId: sweep.sessionId,
        participantId: null,
        labId: sweep.step.labId,
        stepId: sweep.step.id,
        params: checked.params as Record<string, JsonValue>,
        result: checked.result as Record<string, JsonValue>,
        resultImageHash: null,
        computedWhere: byServer > 0 ? 'server' : 'browser',
        backend: 'class sweep',
        ms: Date.now() - sweep.startedAt,
        shared: true,
      });
      io.to(rooms.session(sweep.sessionId)).emit('sweep:done', { sweepId: sweep.id, stepId: sweep.step.id, ok: true, submission: toSubmission(stored) });
    } catch (err) {
      console.error('[labs] storing a sweep failed:', err);
      io.to(rooms.session(sweep.sessionId)).emit('sweep:done', { sweepId: sweep.id, stepId: sweep.step.id, ok: false, message: 'the sweep could not be stored' });
    }
  }

  /** Records a shard's probabilities; finishes the sweep when it was the last. */
  function record(sweep: RunningSweep, shard: number, by: string, probabilities: readonly number[], baseline: number | undefined) {
    const outcome = sweep.coordinator.complete(shard, by, probabilities, Date.now());
    if (!outcome.accepted) return outcome;
    if (baseline !== undefined && (sweep.baseline === null || by === SERVER)) sweep.baseline = baseline;
    if (outcome.cancelServerJob) {
      const jobId = sweep.serverJobs.get(shard);
      sweep.serverJobs.delete(shard);
      if (jobId) ctx.compute.current()?.cancel(jobId, null);
    }
    broadcastProgress(sweep);
    if (outcome.complete) void finish(sweep);
    else pump(sweep);
    return outcome;
  }

  /** Starts server jobs for the shards the server holds, a few at a time. */
  function pump(sweep: RunningSweep): void {
    if (sweep.finished) return;
    const waiting = sweep.coordinator.serverQueue().filter((i) => !sweep.serverJobs.has(i));
    for (const index of waiting) {
      if (sweep.serverJobs.size >= SERVER_SHARDS_AT_ONCE) break;
      sweep.serverJobs.set(index, 'starting');
      void runServerShard(sweep, index);
    }
  }

  async function runServerShard(sweep: RunningSweep, index: number): Promise<void> {
    try {
      const service = await ctx.compute.get();
      const spec = shardJob(sweep.params, sweep.coordinator.plan, sweep.coordinator.plan.shards[index]!, sweep.classIndex);
      let ended = false;
      const accepted = await service.submit(spec, { ownerId: `sweep:${sweep.id}`, role: 'instructor' }, {
        result: (outcome) => {
          ended = true;
          const current = sweep.serverJobs.get(index);
          if (current === outcome.jobId || current === 'starting') sweep.serverJobs.delete(index);
          if (sweep.finished) return;
          if (!outcome.ok) {
            if (outcome.error === 'JOB_CANCELLED') return; // a student's result came first
            fail(sweep, `the server could not compute shard ${index}: ${outcome.message}`);
            return;
          }
          if (sweep.coordinator.state(index).status === 'done') return pump(sweep);
          const data = outcome.data as { baseline: number; probabilities: number[] };
          try {
            record(sweep, index, SERVER, data.probabilities, data.baseline);
          } catch (err) {
            fail(sweep, err instanceof Error ? err.message : 'a shard result did not fit');
          }
        },
      });
      if (!ended && sweep.serverJobs.get(index) === 'starting') sweep.serverJobs.set(index, accepted.jobId);
      if (sweep.finished || sweep.coordinator.state(index).status === 'done') service.cancel(accepted.jobId, null);
    } catch (err) {
      sweep.serverJobs.delete(index);
      fail(sweep, `the server could not take over shard ${index}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Arms the timer for the next deadline; at it, late shards go to the server. */
  function schedule(sweep: RunningSweep): void {
    if (sweep.timer) clearTimeout(sweep.timer);
    sweep.timer = undefined;
    const next = sweep.coordinator.nextDeadline();
    if (next === null || sweep.finished) return;
    sweep.timer = setTimeout(() => {
      sweep.timer = undefined;
      if (sweep.finished) return;
      const taken = sweep.coordinator.expire(Date.now());
      if (taken.length) {
        broadcastProgress(sweep);
        pump(sweep);
      }
      schedule(sweep);
    }, Math.max(0, next - Date.now()));
    sweep.timer.unref?.();
  }

  function takeOver(participantId: string): void {
    for (const sweep of sweeps.values()) {
      const taken = sweep.coordinator.leave(participantId, Date.now());
      if (taken.length) {
        broadcastProgress(sweep);
        pump(sweep);
        schedule(sweep);
      }
    }
  }

  // ── handlers ────────────────────────────────────────────────────────────────────────────────────

  function register(socket: IoSocket): void {
    handle(
      socket,
      ctx,
      'lab:submit',
      async ({ stepId, params, result, computedWhere, backend, ms, image }) => {
        await checkSessionRules(ctx, socket, 'lab:submit', { stepId, params });
        const who = await checkedSender(socket);
        const { session, step } = await labStep(who.sessionId, stepId);
        if (session.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'this session has ended; submissions are closed');
        const by = who.role === 'participant' ? 'student' : 'instructor';
        const participantId = who.role === 'participant' ? who.participantId : null;
        const bytes = image !== undefined ? resultPng(image) : undefined;
        // The lab's checks first (with a stand-in hash), so a refused submission stores no image.
        try {
          checkSubmission(step, { params, result, resultImageHash: bytes ? '0'.repeat(64) : null }, by);
        } catch (err) {
          throw asProtocolError(err);
        }
        const resultImageHash = bytes ? (await images.ingest(bytes, uploaderOf(who))).image.hash : null;
        let checked: { params: Record<string, unknown>; result: Record<string, unknown> };
        try {
          checked = checkSubmission(step, { params, result, resultImageHash }, by);
        } catch (err) {
          throw asProtocolError(err);
        }
        const stored = toSubmission(
          await ctx.store.createSubmission({
            sessionId: who.sessionId,
            participantId,
            labId: step.labId,
            stepId: step.id,
            params: checked.params as Record<string, JsonValue>,
            result: checked.result as Record<string, JsonValue>,
            resultImageHash,
            computedWhere,
            backend,
            ms,
          }, currentRequest()),
        );
        io.to(rooms.instructors(who.sessionId)).emit('lab:submitted', { submission: stored });
        return { submission: stored };
      },
      { authorize: authorizeMember },
    );

    handle(
      socket,
      ctx,
      'lab:image',
      async ({ stepId, image }) => {
        await checkSessionRules(ctx, socket, 'lab:image', { stepId });
        const bytes = resultPng(image);
        const who = await checkedSender(socket);
        const { session, step } = await labStep(who.sessionId, stepId);
        if (session.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'this session has ended; submissions are closed');
        if (getLab(step.labId)?.resultImage === 'none') throw new ProtocolError('BAD_REQUEST', `step "${stepId}" takes no result images`);
        return { hash: (await images.ingest(bytes, uploaderOf(who))).image.hash };
      },
      { authorize: authorizeMember },
    );

    handle(
      socket,
      ctx,
      'lab:submissions',
      async ({ stepId, labId }) => {
        const who = await checkedSender(socket);
        const filter = { ...(stepId ? { stepId } : {}), ...(labId ? { labId } : {}) };
        const all = await ctx.store.listSubmissions(who.sessionId, filter);
        const visible = who.role === 'instructor' ? all : all.filter((s) => s.shared || s.participantId === who.participantId);
        return { submissions: visible.map(toSubmission) };
      },
      { authorize: authorizeMember },
    );

    handle(
      socket,
      ctx,
      'lab:share',
      async ({ submissionId, shared }) => {
        const who = await checkedSender(socket);
        if (who.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
        const found = await ctx.store.findSubmission(submissionId);
        if (!found || found.sessionId !== who.sessionId) throw new ProtocolError('NOT_FOUND', 'no such submission in this session');
        const updated = toSubmission(await ctx.store.setSubmissionShared(found.id, shared));
        io.to(rooms.session(who.sessionId)).emit('lab:shared', shared ? { submissionId: updated.id, shared, submission: updated } : { submissionId: updated.id, shared });
        return { submission: updated };
      },
      { authorize: authorizeInstructor },
    );

    handle(
      socket,
      ctx,
      'lab:share-step',
      async ({ stepId, shared }) => {
        const who = await checkedSender(socket);
        if (who.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
        await labStep(who.sessionId, stepId);
        let changed = 0;
        for (const found of await ctx.store.listSubmissions(who.sessionId, { stepId })) {
          if (found.shared === shared) continue;
          const updated = toSubmission(await ctx.store.setSubmissionShared(found.id, shared));
          io.to(rooms.session(who.sessionId)).emit('lab:shared', shared ? { submissionId: updated.id, shared, submission: updated } : { submissionId: updated.id, shared });
          changed++;
        }
        return { changed };
      },
      { authorize: authorizeInstructor },
    );

    handle(
      socket,
      ctx,
      'sweep:start',
      async ({ stepId, classIndex, ...overrides }) => {
        const { sessionId } = instructorOf(socket);
        const who = await checkedSender(socket);
        if (who.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
        const { session, step } = await labStep(sessionId, stepId, 'occlusion');
        if (session.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'this session has ended; reopen it first');
        for (const s of sweeps.values()) {
          if (s.sessionId === sessionId && s.step.id === stepId) throw new ProtocolError('BAD_REQUEST', `a sweep of step "${stepId}" is already running`);
        }
        let params: OcclusionParams;
        try {
          params = parseLabParams('occlusion', { ...step.params, ...overrides, ...(classIndex !== undefined ? { classIndex } : {}) }) as OcclusionParams;
        } catch (err) {
          throw asProtocolError(err);
        }
        const target = params.classIndex;
        if (target === undefined) throw new ProtocolError('BAD_REQUEST', `step "${stepId}" names no target class; pass classIndex`);
        const service = await ctx.compute.get();
        const model = await service.describeModel(params.model);
        let coordinator: SweepCoordinator;
        try {
          const plan = planSweep(model.inputSize, params.window, params.stride, params.shardSize);
          coordinator = new SweepCoordinator(plan, params.shardTimeoutSeconds * 1000);
        } catch (err) {
          if (err instanceof RangeError) throw new ProtocolError('BAD_REQUEST', err.message);
          throw err;
        }
        const sweep: RunningSweep = {
          id: `sweep-${randomBytes(6).toString('hex')}`,
          sessionId,
          step,
          params,
          classIndex: target,
          inputSize: model.inputSize,
          coordinator,
          baseline: null,
          startedAt: Date.now(),
          serverJobs: new Map(),
          finished: false,
        };
        sweeps.set(sweep.id, sweep);
        const dealt = coordinator.start(await onlineStudents(sessionId), Date.now());
        // After the ack: the instructor learns the sweep id before its first events.
        setImmediate(() => {
          if (sweep.finished) return;
          for (const [participantId, shards] of dealt) {
            for (const index of shards) {
              const shard = coordinator.plan.shards[index]!;
              const state = coordinator.state(index);
              io.to(rooms.participant(participantId)).emit('sweep:shard', {
                sweepId: sweep.id,
                stepId,
                shard,
                job: shardJob(params, coordinator.plan, shard, target),
                deadline: state.status === 'assigned' ? state.deadline : Date.now(),
              });
            }
          }
          broadcastProgress(sweep);
          pump(sweep);
          schedule(sweep);
        });
        return {
          sweepId: sweep.id,
          stepId,
          classIndex: target,
          rows: coordinator.plan.rows,
          cols: coordinator.plan.cols,
          shards: coordinator.plan.shards.length,
          dealt: Object.fromEntries([...dealt].map(([p, s]) => [p, s.length])),
        };
      },
      { authorize: authorizeInstructor },
    );

    handle(
      socket,
      ctx,
      'sweep:result',
      async ({ sweepId, shard, probabilities, baseline }) => {
        await checkSessionRules(ctx, socket, 'sweep:result');
        const who = sender(socket);
        if (who.role !== 'participant') throw new ProtocolError('FORBIDDEN', 'only students answer shards');
        const sweep = sweeps.get(sweepId);
        if (!sweep || sweep.sessionId !== who.sessionId) return { accepted: false, reason: 'the sweep is over' };
        if (shard >= sweep.coordinator.plan.shards.length) throw new ProtocolError('BAD_REQUEST', `the sweep has ${sweep.coordinator.plan.shards.length} shards`);
        try {
          const outcome = record(sweep, shard, who.participantId, probabilities, baseline);
          return outcome.accepted ? { accepted: true } : { accepted: false, reason: outcome.reason };
        } catch (err) {
          throw asProtocolError(err);
        }
      },
      { authorize: authorizeMember },
    );

    handle(
      socket,
      ctx,
      'ascent:my-lambda',
      async ({ stepId }) => {
        const who = sender(socket);
        if (who.role !== 'participant') return { assignment: null };
        const { step } = await labStep(who.sessionId, stepId, 'ascent');
        const index = lambdaDeals.get(`${who.sessionId} ${stepId}`)?.get(who.participantId);
        const sweep = (parseLabParams('ascent', step.params) as AscentParams).sweep;
        if (index === undefined || !sweep) return { assignment: null };
        const lambdas = lambdaValues(sweep);
        return { assignment: { stepId, lambda: lambdas[index]!, index, lambdas } };
      },
      { authorize: authorizeMember },
    );

    handle(
      socket,
      ctx,
      'ascent:deal-lambdas',
      async ({ stepId }) => {
        const { sessionId } = instructorOf(socket);
        await checkedSender(socket);
        const { step } = await labStep(sessionId, stepId, 'ascent');
        let params: AscentParams;
        try {
          params = parseLabParams('ascent', step.params) as AscentParams;
        } catch (err) {
          throw asProtocolError(err);
        }
        if (!params.sweep) throw new ProtocolError('BAD_REQUEST', `step "${stepId}" has no λ sweep (params.sweep)`);
        const lambdas = lambdaValues(params.sweep);
        const key = `${sessionId} ${stepId}`;
        const deal = dealLambdas(lambdas, await onlineStudents(sessionId), lambdaDeals.get(key));
        lambdaDeals.set(key, new Map([...(lambdaDeals.get(key) ?? []), ...deal]));
        const assignments = [...deal].map(([participantId, index]) => ({ participantId, index, lambda: lambdas[index]! }));
        for (const a of assignments) io.to(rooms.participant(a.participantId)).emit('ascent:lambda', { stepId, lambda: a.lambda, index: a.index, lambdas });
        return { lambdas, assignments };
      },
      { authorize: authorizeInstructor },
    );
  }

  return {
    register,
    disconnected(participantId) {
      if (!participantId || sweeps.size === 0) return;
      // Another tab of the same student keeps their shards.
      if ((io.sockets.adapter.rooms.get(rooms.participant(participantId))?.size ?? 0) > 0) return;
      takeOver(participantId);
    },
    left: takeOver,
    sweeps: () => new Map([...sweeps].map(([id, s]) => [id, { sessionId: s.sessionId, stepId: s.step.id }])),
  };
}
