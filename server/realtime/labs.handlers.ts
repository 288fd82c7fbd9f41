/**
 * Labs over the live connection: submissions (`lab:submit`, `lab:submissions`, `lab:share`, with `lab:submitted` to
 * the instructors and `lab:shared` to the class), the class occlusion sweep (`sweep:start` → `sweep:shard` to
 * students, `sweep:result` back, `sweep:progress` / `sweep:done` to everyone; late shards and those of students who
 * leave are computed by the server's compute service) and the λ sweep of gradient ascent (`ascent:deal-lambdas` →
 * `ascent:lambda` to each online student). Roles come from the socket (never from a payload); the lab definitions of
 * @convlab/labs check parameters, student controls and results before anything is stored, and the server's own
 * values replace the browser's (server/verify). The sweeps themselves run in @convlab/labs' SweepRunner: this file
 * wires it to Socket.io, the compute service and the database (running sweeps and λ deals are kept there).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { systemClock, type Actor, type JsonValue, type LiveSessionDTO, type SubmissionDTO } from '@convlab/classroom';
import {
  LabError,
  MaxPatchRunner,
  SweepError,
  SweepRunner,
  checkSubmission,
  dealLambdas,
  getLab,
  lambdaValues,
  parseLabParams,
  type AscentParams,
  type MaxPatchParams,
  type MaxPatchRecord,
  type MaxPatchResult,
  type MaxPatchRun,
  type OcclusionParams,
  type ShardComputation,
  type ShardLedger,
  type ShardRunCore,
  type SweepRecord,
  type SweepResult,
  type SweepRun,
} from '@convlab/labs';
import { resolveImagesDir } from '@convlab/labs/node';
import { LAB_LIMITS, ProtocolError, type ClientResult, type ImageRef, type LabStep, type ParsedClientPayload, type ServerPayload, type Submission } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { ImageService } from '../images/image.service';
import { listSampleIds } from '../http/catalog.routes';
import { LEASE_CHECK_MS, localLeases, redisLeases } from '../scale/leases';
import { LabTasks } from '../verify/lab-tasks';
import { LabVerifier, patchSearchComputePort, sweepComputePort } from '../verify/lab-verifier';
import { memberOf, type Member } from './authorization';
import { currentRequest } from './idempotency';
import { checkSessionRules } from './session-rules';
import { handle } from './validate';
import { rooms, type IoServer, type IoSocket } from './types';

/** Who sends a lab event: a joined student or a watching instructor (the protocol's `by` admitted them already). */
type LabSender = Member;

type ShardEvent = 'sweep:result' | 'patches:result';
/** A student's shard of a class run (a sweep, a patch search), as one node hands it to the node driving the run. */
type ShardAnswer<E extends ShardEvent> = { runId: string; participantId: string; sessionId: string; shard: number } & (E extends 'sweep:result'
  ? Pick<ParsedClientPayload<'sweep:result'>, 'probabilities' | 'baseline'>
  : Pick<ParsedClientPayload<'patches:result'>, 'entries'>);
type ServerAck<E extends ShardEvent> = ClientResult<E>;
/** How long a shard handed to the driving node may take to be answered (its spot check runs first). */
const SHARD_FORWARD_TIMEOUT_MS = 60_000;

/** A watching instructor; students are refused. */
function instructorOf(socket: IoSocket): { instructorId: string; sessionId: string } {
  const who = memberOf(socket);
  if (who.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
  return who;
}

/** A lab's own refusal (LabError, SweepError) as a protocol error the client can show. */
function asProtocolError(err: unknown): unknown {
  if (err instanceof LabError || err instanceof SweepError) return new ProtocolError('BAD_REQUEST', err.message);
  return err;
}

/** `work`'s value; a lab's own refusal becomes a BAD_REQUEST the client can show. */
async function labChecked<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asProtocolError(err);
  }
}

/** Shards dealt per student, as counts (the start's answer). */
function dealtCounts(dealt: ReadonlyMap<string, readonly unknown[]>): Record<string, number> {
  return Object.fromEntries([...dealt].map(([p, shards]) => [p, shards.length]));
}

/** A result image as bytes, checked to be a PNG within the size cap (sharp checks its pixels when it is stored). */
export function resultPng(image: Uint8Array | ArrayBuffer): Uint8Array {
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

export interface LabsHub {
  /** Registers the lab events on a connected socket. */
  register(socket: IoSocket): void;
  /** A socket of a participant disconnected: when it was their last, the server takes over their shards. */
  disconnected(participantId: string | undefined): void;
  /** A participant left for good (removed). */
  left(participantId: string): void;
  /** The sweeps in progress (tests, health). */
  sweeps(): ReadonlyMap<string, { sessionId: string; stepId: string }>;
  /**
   * Waits for the class runs that finished to be stored and announced (shutdown: after compute stops, before the
   * database and Socket.io close — else a sweep that ends as its node shuts down would be done but never announced).
   */
  settle(): Promise<void>;
}

/** Where students' result images are stored: the lab limits (bytes, side) and the per-student quotas. */
export function resultImageService(ctx: ServerContext): ImageService {
  return new ImageService(ctx.config.dataDir, ctx.store, { maxBytes: LAB_LIMITS.resultImageMaxBytes, maxWidth: LAB_LIMITS.resultImageMaxSide, maxHeight: LAB_LIMITS.resultImageMaxSide }, ctx.imageQuota);
}

/** The convolution and pooling tasks (their hidden values derive from the server's secret). */
export function labTasks(ctx: ServerContext): LabTasks {
  return new LabTasks({ secret: ctx.secret, imagesDir: () => resolveImagesDir(), uploadsDir: join(ctx.config.dataDir, 'images') });
}

/** Lab handlers sharing one state per Socket.io server (the sweeps in progress). */
export function createLabsHub(io: IoServer, ctx: ServerContext): LabsHub {
  const images = resultImageService(ctx);
  const tasks = labTasks(ctx);
  const verifier = new LabVerifier(ctx.compute, tasks);
  /** Class runs being stored and announced as they finish (shutdown waits for them). */
  const storing = new Set<Promise<unknown>>();
  const finishing = <T>(p: Promise<T>): Promise<T> => {
    const kept = p.catch(() => undefined);
    storing.add(kept);
    void kept.finally(() => storing.delete(kept));
    return p;
  };
  const compute = sweepComputePort(ctx.compute);
  /** Where running class computations (sweeps, searches) are kept, one row each. */
  const runningStore = {
    save: (record: { id: string; sessionId: string; stepId: string }) =>
      ctx.store.liveState.saveRunningSweep({ id: record.id, sessionId: record.sessionId, stepId: record.stepId, state: record as unknown as Record<string, JsonValue> }),
    remove: (id: string) => ctx.store.liveState.removeRunningSweep(id),
  };
  const sweeps = new SweepRunner({
    clock: systemClock,
    // While the server shuts down, a computation it cannot start is not the sweep's failure: it resumes after the restart.
    compute: { run: (sweep, job, purpose) => unlessClosing(compute.run(sweep, job, purpose)) },
    // Saved after every change, so a restarted server resumes the sweep (below).
    store: runningStore,
    events: {
      shard: (participantId, dealt) => io.to(rooms.participant(participantId)).emit('sweep:shard', dealt),
      progress: (sweep) => io.to(rooms.session(sweep.sessionId)).emit('sweep:progress', progressOf(sweep)),
      finished: (sweep, result) => finishing(storeSweep(sweep, result)),
      failed: (sweep, message) => io.to(rooms.session(sweep.sessionId)).emit('sweep:done', { sweepId: sweep.id, stepId: sweep.stepId, ok: false, message }),
    },
    newId: () => `sweep-${randomBytes(6).toString('hex')}`,
    onStoreError: (err) => console.error('[labs] storing a sweep failed:', err),
  });

  const patchCompute = patchSearchComputePort(ctx.compute);
  const patchSearches = new MaxPatchRunner({
    clock: systemClock,
    compute: { run: (search, job, purpose) => unlessClosing(patchCompute.run(search, job, purpose)) },
    // Kept beside the occlusion sweeps (their records say `kind: 'max-patches'`), so a restart resumes them too.
    store: runningStore,
    events: {
      shard: (participantId, { sweepId, ...dealt }) => io.to(rooms.participant(participantId)).emit('patches:shard', { searchId: sweepId, ...dealt }),
      progress: (search) => io.to(rooms.session(search.sessionId)).emit('patches:progress', patchProgressOf(search)),
      finished: (search, result) => finishing(storePatchSearch(search, result)),
      failed: (search, message) => io.to(rooms.session(search.sessionId)).emit('patches:done', { searchId: search.id, stepId: search.stepId, ok: false, message }),
    },
    newId: () => `patches-${randomBytes(6).toString('hex')}`,
    onStoreError: (err) => console.error('[labs] storing a max-patch search failed:', err),
  });

  /**
   * Sweeps and searches saved as running that no node drives go on here (late shards accepted, `…:done` at the end):
   * after a restart, and — several nodes — when the node driving one died or shut down (its lease ran out or was
   * handed back).
   */
  const leases = ctx.scale ? redisLeases(ctx.scale, 'sweep') : localLeases;
  async function resumeUnowned(): Promise<void> {
    for (const { id, state } of await ctx.store.liveState.listRunningSweeps()) {
      if (sweeps.get(id) || patchSearches.get(id) || !(await leases.claim(id))) continue;
      try {
        if ((state as { kind?: unknown }).kind === 'max-patches') patchSearches.resume([state as unknown as MaxPatchRecord]);
        else sweeps.resume([state as unknown as SweepRecord]);
      } catch (err) {
        console.error(`[labs] sweep ${id} could not be resumed:`, err);
        void ctx.store.liveState.removeRunningSweep(id).catch(() => {});
      }
    }
  }
  const resumed = resumeUnowned().catch((err: unknown) => console.error('[labs] reading the running sweeps failed:', err));
  if (ctx.scale) {
    const driving = () => [...sweeps.list(), ...patchSearches.list()].map((s) => s.id);
    const check = setInterval(() => {
      if (ctx.classroom.isClosed) return;
      void leases.renew(driving()).then(resumeUnowned).catch((err: unknown) => console.error('[labs] sweep leases:', err));
    }, LEASE_CHECK_MS);
    check.unref();
    ctx.scale.beforeClose(async () => {
      clearInterval(check);
      await leases.release(driving());
    });
  }

  function unlessClosing<S>(c: ShardComputation<S>): ShardComputation<S> {
    return { cancel: c.cancel, result: c.result.catch((err: unknown) => (ctx.classroom.isClosed ? null : Promise.reject(err))) };
  }

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
    const who = memberOf(socket);
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
  /**
   * The step of a class-wide run (a sweep, a patch search) the instructor starts: a `labId` lab of their own session,
   * not ended, with no run of it going on (`running`, read once the runs of before a restart are back).
   */
  async function classRunStep(socket: IoSocket, stepId: string, labId: string, running: () => ReadonlyArray<{ sessionId: string; stepId: string }>, what: string) {
    const { sessionId } = instructorOf(socket);
    await checkedSender(socket);
    const { session, step } = await labStep(sessionId, stepId, labId);
    if (session.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'this session has ended; reopen it first');
    await resumed;
    const busy = (r: { sessionId: string; stepId: string }) => r.sessionId === sessionId && r.stepId === stepId;
    // Scaled out, another node may drive one: the stored runs are every node's.
    if (running().some(busy) || (ctx.scale && (await ctx.store.liveState.listRunningSweeps()).some(busy))) {
      throw new ProtocolError('BAD_REQUEST', `${what} of step "${stepId}" is already running`);
    }
    return { sessionId, step };
  }

  /**
   * Starts a class-wide run and claims its lease before its record is stored, so no other node takes the new run for
   * an orphan; a plan the runner refuses (RangeError) is a BAD_REQUEST.
   */
  function startClassRun<T>(start: () => T, idOf: (started: T) => string): T {
    let started: T;
    try {
      started = start();
    } catch (err) {
      if (err instanceof RangeError) throw new ProtocolError('BAD_REQUEST', err.message);
      throw err;
    }
    void leases.claim(idOf(started)).catch(() => undefined);
    return started;
  }

  /** The student answering a shard of a class-wide run, within the session's rules, once old runs are resumed. */
  async function answeringStudent(socket: IoSocket, event: 'sweep:result' | 'patches:result'): Promise<{ participantId: string; sessionId: string }> {
    await checkSessionRules(ctx, socket, event);
    const who = memberOf(socket);
    if (who.role !== 'participant') throw new ProtocolError('FORBIDDEN', 'only students answer shards');
    await resumed;
    return who;
  }


  // ── students' shards ────────────────────────────────────────────────────────────────────────────

  /**
   * A student's shard of the class sweep this node drives, answered once the server's spot check is back
   * (`failed-check`: the server recomputes it); undefined when this node does not drive it.
   */
  async function sweepShard(a: ShardAnswer<'sweep:result'>): Promise<ServerAck<'sweep:result'> | undefined> {
    const sweep = sweeps.get(a.runId);
    if (!sweep) return undefined;
    if (sweep.sessionId !== a.sessionId) return { accepted: false, reason: 'the sweep is over' };
    return labChecked(() => sweeps.result(a.runId, a.participantId, a.shard, a.probabilities, a.baseline));
  }

  /** The same for a max-patches search. */
  async function patchShard(a: ShardAnswer<'patches:result'>): Promise<ServerAck<'patches:result'> | undefined> {
    const search = patchSearches.get(a.runId);
    if (!search) return undefined;
    if (search.sessionId !== a.sessionId) return { accepted: false, reason: 'the search is over' };
    return labChecked(() => patchSearches.result(a.runId, a.participantId, a.shard, a.entries));
  }

  /**
   * Scaled out, a student may be connected to another node than the one driving the run (its lease holder): the shard
   * goes there, and its answer comes back. Undefined when no node drives it any more.
   */
  async function forwardShard<E extends ShardEvent>(event: E, a: ShardAnswer<E>): Promise<ServerAck<E> | undefined> {
    const holder = ctx.scale && (await leases.holder(a.runId));
    if (!ctx.scale || !holder || holder === ctx.scale.nodeId) return undefined;
    return ctx.scale.requests.ask<ServerAck<E>>(holder, event, a, SHARD_FORWARD_TIMEOUT_MS);
  }
  ctx.scale?.requests.handle('sweep:result', sweepShard);
  ctx.scale?.requests.handle('patches:result', patchShard);

  // ── sweeps ──────────────────────────────────────────────────────────────────────────────────────

  function progressOf(sweep: SweepRun): ServerPayload<'sweep:progress'> {
    const p = sweep.coordinator.progress();
    return {
      sweepId: sweep.id,
      stepId: sweep.stepId,
      classIndex: sweep.classIndex,
      inputSize: sweep.inputSize,
      baseline: sweep.baseline,
      snapshot: sweep.coordinator.snapshot(),
      byStudents: p.byStudents,
      byServer: p.byServer,
    };
  }

  /** Stores the finished result of a class computation as a shared submission with no participant. */
  async function storeClassResult(run: ShardRunCore<ShardLedger<object>>, labId: string, params: Record<string, unknown>, result: unknown, backend: string): Promise<Submission> {
    const { step } = await labStep(run.sessionId, run.stepId, labId);
    const checked = checkSubmission(step, { params, result, resultImageHash: null }, 'server');
    const stored = await ctx.store.createSubmission({
      sessionId: run.sessionId,
      participantId: null,
      labId: step.labId,
      stepId: step.id,
      params: checked.params as Record<string, JsonValue>,
      result: checked.result as Record<string, JsonValue>,
      resultImageHash: null,
      computedWhere: run.coordinator.progress().byServer > 0 ? 'server' : 'browser',
      backend,
      ms: Date.now() - run.startedAt,
      shared: true,
    });
    return toSubmission(stored);
  }

  /** Stores a finished sweep and tells the class. */
  async function storeSweep(sweep: SweepRun, result: SweepResult): Promise<void> {
    const submission = await storeClassResult(sweep, 'occlusion', { ...sweep.params, classIndex: sweep.classIndex }, result, 'class sweep');
    io.to(rooms.session(sweep.sessionId)).emit('sweep:done', { sweepId: sweep.id, stepId: sweep.stepId, ok: true, submission });
  }

  // ── max-patch searches ──────────────────────────────────────────────────────────────────────────

  function patchProgressOf(search: MaxPatchRun): ServerPayload<'patches:progress'> {
    const p = search.coordinator.progress();
    return {
      searchId: search.id,
      stepId: search.stepId,
      model: search.params.model,
      layer: search.params.layer,
      inputSize: search.inputSize,
      ...search.coordinator.snapshot(),
      byStudents: p.byStudents,
      byServer: p.byServer,
    };
  }

  /** Stores a finished search and tells the class. */
  async function storePatchSearch(search: MaxPatchRun, result: MaxPatchResult): Promise<void> {
    const submission = await storeClassResult(search, 'max-patches', search.params, result, 'class search');
    io.to(rooms.session(search.sessionId)).emit('patches:done', { searchId: search.id, stepId: search.stepId, ok: true, submission });
  }

  /** The images a search covers: the step's own list, or the ImageNet samples (the repository's photos without them). */
  async function searchImages(params: MaxPatchParams): Promise<ImageRef[]> {
    if (params.images !== 'imagenet-samples') return params.images.slice(0, params.imageCount);
    const ids = await listSampleIds(resolveImagesDir());
    const imagenet = ids.filter((id) => id.startsWith('imagenet-samples/'));
    return (imagenet.length ? imagenet : ids).slice(0, params.imageCount).map((id) => ({ kind: 'sample', id }));
  }

  /** A student left for good or closed their last tab: the server takes over their shards (not while shutting down). */
  function takeOver(participantId: string): void {
    if (ctx.classroom.isClosed) return;
    sweeps.leave(participantId);
    patchSearches.leave(participantId);
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
        await labChecked(() => checkSubmission(step, { params, result, resultImageHash: bytes ? '0'.repeat(64) : null }, by));
        const submittedImageHash = bytes ? (await images.ingest(bytes, uploaderOf(who))).image.hash : null;
        let checked = await labChecked(() => checkSubmission(step, { params, result, resultImageHash: submittedImageHash }, by));
        // What the class will see is the server's: recomputed numbers, server-rendered method images.
        const verified = await verifier.verify(
          step,
          { ...checked, resultImageHash: submittedImageHash },
          participantId ?? who.sessionId,
          async (png) => (await images.ingest(png, { kind: 'server', id: null })).image.hash,
          { sessionId: who.sessionId, participantId },
        );
        const resultImageHash = verified.resultImageHash;
        checked = await labChecked(() => checkSubmission(step, verified, by));
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
    );

    handle(
      socket,
      ctx,
      'lab:task',
      async ({ stepId }) => {
        const who = await checkedSender(socket);
        const { step } = await labStep(who.sessionId, stepId);
        return { task: await labChecked(() => tasks.task(step, { sessionId: who.sessionId, participantId: who.role === 'participant' ? who.participantId : null })) };
      },
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
    );

    handle(
      socket,
      ctx,
      'sweep:start',
      async ({ stepId, classIndex, ...overrides }) => {
        const { sessionId, step } = await classRunStep(socket, stepId, 'occlusion', () => sweeps.list(), 'a sweep');
        const params = await labChecked(() => parseLabParams('occlusion', { ...step.params, ...overrides, ...(classIndex !== undefined ? { classIndex } : {}) }) as OcclusionParams);
        const target = params.classIndex;
        if (target === undefined) throw new ProtocolError('BAD_REQUEST', `step "${stepId}" names no target class; pass classIndex`);
        const service = await ctx.compute.get();
        const model = await service.describeModel(params.model);
        const participants = await onlineStudents(sessionId);
        // The shards go out after this ack: the instructor learns the sweep id before its first events.
        const started = startClassRun(() => sweeps.start({ sessionId, stepId, params, classIndex: target, inputSize: model.inputSize, participants }), (s) => s.sweep.id);
        // Answered once stored: a sweep the instructor was told about survives a crash.
        await started.saved;
        const { plan } = started.sweep.coordinator;
        return {
          sweepId: started.sweep.id,
          stepId,
          classIndex: target,
          rows: plan.rows,
          cols: plan.cols,
          shards: plan.shards.length,
          dealt: dealtCounts(started.dealt),
        };
      },
    );

    handle(
      socket,
      ctx,
      'sweep:result',
      async ({ sweepId, shard, probabilities, baseline }) => {
        const who = await answeringStudent(socket, 'sweep:result');
        const answer: ShardAnswer<'sweep:result'> = { runId: sweepId, ...who, shard, probabilities, baseline };
        return (await sweepShard(answer)) ?? (await forwardShard('sweep:result', answer)) ?? { accepted: false, reason: 'the sweep is over' };
      },
    );

    handle(
      socket,
      ctx,
      'patches:start',
      async ({ stepId, ...overrides }) => {
        const { sessionId, step } = await classRunStep(socket, stepId, 'max-patches', () => patchSearches.list(), 'a search');
        const params = await labChecked(() => parseLabParams('max-patches', { ...step.params, ...overrides }) as MaxPatchParams);
        const service = await ctx.compute.get();
        const model = await service.describeModel(params.model);
        if (model.layers && !model.layers.includes(params.layer)) throw new ProtocolError('BAD_REQUEST', `model '${params.model}' has no layer '${params.layer}'`);
        const images = await searchImages(params);
        if (images.length === 0) throw new ProtocolError('BAD_REQUEST', 'this server has no sample images to search');
        const participants = await onlineStudents(sessionId);
        const started = startClassRun(() => patchSearches.start({ sessionId, stepId, params, images, inputSize: model.inputSize, participants }), (s) => s.search.id);
        // Answered once stored: a search the instructor was told about survives a crash.
        await started.saved;
        return {
          searchId: started.search.id,
          stepId,
          layer: params.layer,
          channels: params.channels,
          images: images.length,
          shards: started.search.coordinator.shardCount,
          dealt: dealtCounts(started.dealt),
        };
      },
    );

    handle(
      socket,
      ctx,
      'patches:result',
      async ({ searchId, shard, entries }) => {
        const who = await answeringStudent(socket, 'patches:result');
        const answer: ShardAnswer<'patches:result'> = { runId: searchId, ...who, shard, entries };
        return (await patchShard(answer)) ?? (await forwardShard('patches:result', answer)) ?? { accepted: false, reason: 'the search is over' };
      },
    );

    handle(
      socket,
      ctx,
      'ascent:my-lambda',
      async ({ stepId }) => {
        const who = memberOf(socket);
        if (who.role !== 'participant') return { assignment: null };
        const { step } = await labStep(who.sessionId, stepId, 'ascent');
        const index = (await ctx.store.liveState.listLambdaDeals(who.sessionId, stepId)).get(who.participantId);
        const sweep = (parseLabParams('ascent', step.params) as AscentParams).sweep;
        if (index === undefined || !sweep) return { assignment: null };
        const lambdas = lambdaValues(sweep);
        return { assignment: { stepId, lambda: lambdas[index]!, index, lambdas } };
      },
    );

    handle(
      socket,
      ctx,
      'ascent:deal-lambdas',
      async ({ stepId }) => {
        const { sessionId } = instructorOf(socket);
        await checkedSender(socket);
        const { step } = await labStep(sessionId, stepId, 'ascent');
        const params = await labChecked(() => parseLabParams('ascent', step.params) as AscentParams);
        if (!params.sweep) throw new ProtocolError('BAD_REQUEST', `step "${stepId}" has no λ sweep (params.sweep)`);
        const lambdas = lambdaValues(params.sweep);
        // Kept in the database: dealing again, and a restart, keep each student's λ.
        const deal = dealLambdas(lambdas, await onlineStudents(sessionId), await ctx.store.liveState.listLambdaDeals(sessionId, stepId));
        await ctx.store.liveState.saveLambdaDeals(sessionId, stepId, deal);
        const assignments = [...deal].map(([participantId, index]) => ({ participantId, index, lambda: lambdas[index]! }));
        for (const a of assignments) io.to(rooms.participant(a.participantId)).emit('ascent:lambda', { stepId, lambda: a.lambda, index: a.index, lambdas });
        return { lambdas, assignments };
      },
    );
  }

  return {
    register,
    disconnected(participantId) {
      if (!participantId || sweeps.list().length + patchSearches.list().length === 0) return;
      // Another tab of the same student keeps their shards.
      if ((io.sockets.adapter.rooms.get(rooms.participant(participantId))?.size ?? 0) > 0) return;
      takeOver(participantId);
    },
    left: takeOver,
    sweeps: () => new Map(sweeps.list().map((s) => [s.id, { sessionId: s.sessionId, stepId: s.stepId }])),
    settle: async () => {
      while (storing.size) await Promise.all(storing);
    },
  };
}
