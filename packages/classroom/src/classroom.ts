import {
  CreateSessionBodySchema,
  ProtocolError,
  clientEvents,
  generateJoinCode,
  toSessionState,
  studentSessionState,
  type ClientPayload,
  type ParticipantPresence,
  type ParticipantSelf,
  type Presence,
  type PresentTarget,
  type SessionState,
} from '@convlab/protocol';
import type { Actor } from './actor';
import { systemClock, type Clock } from './clock';
import { uniqueDisplayName } from './display-names';
import { KeyedQueue } from './keyed-queue';
import { PresenceTracker } from './presence';
import { strongerPresence, type PresenceBoard, type SessionLock } from './shared';
import {
  CodeTakenError,
  DuplicateRequestError,
  NameTakenError,
  type ClassroomStore,
  type LiveSessionDTO,
  type ParticipantDTO,
  type SessionPatch,
} from './store';
import { generateResumeToken, hashResumeToken } from './tokens';

/** What the classroom tells its transport; the server turns these into Socket.io broadcasts. */
export interface ClassroomListener {
  /** The session's shared state changed (send to everyone in the session). */
  state?(sessionId: string, state: SessionState): void;
  /** Someone's presence changed or someone joined/left (send to the session's instructors). */
  presence?(sessionId: string, participants: ParticipantPresence[]): void;
  /** A participant was removed (tell their connections, then close them). */
  removed?(sessionId: string, participantId: string, message: string): void;
}

export interface ClassroomOptions {
  store: ClassroomStore;
  clock?: Clock;
  /** How long a dropped participant keeps the seat (reconnecting) before going offline. Default 30 s. */
  graceMs?: number;
  /** Join-code generator (tests inject collisions). */
  generateCode?: () => string;
  /** Where failures of background work (presence bookkeeping) are reported. */
  onError?: (err: unknown) => void;
  /** Several nodes: presence combined across them, and changes to a session serialized across them too. */
  shared?: { presence: PresenceBoard; lock: SessionLock };
}

export interface JoinResult {
  participant: ParticipantSelf;
  resumeToken: string;
  state: SessionState;
}

const CODE_ATTEMPTS = 20;
const NAME_ATTEMPTS = 5;
/** How long a join's requestId can be replayed (a retry after a lost answer comes within seconds). */
const JOIN_REPLAY_MS = 10 * 60_000;

/** The idempotency scope of a fresh join: the session and the browser's device (or none). */
export function joinScope(sessionId: string, deviceHash: string | null): string {
  return `join:${sessionId}:${deviceHash ?? '-'}`;
}

function isDuplicateRequest(err: unknown): boolean {
  return err instanceof DuplicateRequestError || (err as Error)?.name === 'DuplicateRequestError';
}


/** Equal field values (JSON values such as a present target compare by content). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * The change that moves a session to step `index`: a real move also clears what was pinned to the present view, so
 * the projector never keeps showing the previous step's work under the new step.
 */
function stepPatch(s: LiveSessionDTO, index: number): SessionPatch {
  return index === s.currentStep ? { currentStep: index } : { currentStep: index, presenting: null };
}

function toSelf(p: ParticipantDTO): ParticipantSelf {
  return { id: p.id, sessionId: p.sessionId, displayName: p.displayName, joinedAt: p.joinedAt };
}

/**
 * The live-session model without any transport: roles, steps, lock/pause, presence with a grace period,
 * display names and instructor-only actions. Every change is stored before it is announced, so a
 * restarted process continues from the store. Changes to one session are serialized in this process.
 */
export class Classroom {
  readonly store: ClassroomStore;
  readonly clock: Clock;
  private readonly listeners = new Set<ClassroomListener>();
  private readonly queue = new KeyedQueue();
  private readonly presenceQueue = new KeyedQueue();
  private readonly presencePending = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Joins by requestId still running: a retry waits for the first instead of queueing a second. */
  private readonly joining = new Map<string, Promise<JoinResult>>();
  /** After close(), connection changes are ignored (the transport is shutting down). */
  private closed = false;
  private readonly presence: PresenceTracker;
  private readonly generateCode: () => string;
  private readonly onError: (err: unknown) => void;
  private readonly shared: ClassroomOptions['shared'];
  /** Per session, this node's presence reports not yet known to be on the board (announcements wait for them). */
  private readonly reports = new Map<string, Promise<unknown>[]>();

  constructor(opts: ClassroomOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.generateCode = opts.generateCode ?? (() => generateJoinCode());
    this.onError = opts.onError ?? ((err) => console.error('[classroom]', err));
    this.shared = opts.shared;
    this.presence = new PresenceTracker({
      clock: this.clock,
      graceMs: opts.graceMs ?? 30_000,
      onChange: (sessionId, participantId, presence) => {
        if (presence !== 'online') this.background(this.store.touchParticipant(participantId, this.clock.now()));
        this.reportPresence(sessionId, participantId, presence);
        this.schedulePresence(sessionId);
      },
    });
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  on(listener: ClassroomListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ── instructor: sessions ────────────────────────────────────────────────────────────────────────

  /** Creates a live session with a fresh unique join code. */
  async createSession(actor: Actor, input: { title: string; steps: unknown }): Promise<LiveSessionDTO> {
    const instructorId = this.requireInstructor(actor);
    const parsed = CreateSessionBodySchema.safeParse(input);
    if (!parsed.success) throw new ProtocolError('BAD_REQUEST', parsed.error.issues[0]?.message ?? 'invalid session');
    for (let i = 0; i < CODE_ATTEMPTS; i++) {
      try {
        return await this.store.createSession({ ...parsed.data, code: this.generateCode(), instructorId });
      } catch (err) {
        if (!(err instanceof CodeTakenError) && (err as Error)?.name !== 'CodeTakenError') throw err;
      }
    }
    throw new ProtocolError('INTERNAL', 'could not find a free join code');
  }

  /** The instructor's sessions, newest first. */
  async listSessions(actor: Actor): Promise<LiveSessionDTO[]> {
    return this.store.listSessionsByInstructor(this.requireInstructor(actor));
  }

  /** A session with everyone who ever joined it (readable after it ended). */
  async getSessionRecord(actor: Actor, sessionId: string): Promise<{ session: LiveSessionDTO; participants: ParticipantDTO[] }> {
    const session = await this.ownedSession(actor, sessionId);
    return { session, participants: await this.store.listParticipants(session.id) };
  }

  /** Starts following a session: its state and who is there. */
  async watch(actor: Actor, sessionId: string): Promise<{ state: SessionState; participants: ParticipantPresence[] }> {
    const session = await this.ownedSession(actor, sessionId);
    return { state: toSessionState(session), participants: await this.presenceList(session.id) };
  }

  /** Moves to step `index` (0-based); out of range is a BAD_REQUEST. */
  goto(actor: Actor, sessionId: string, index: number): Promise<SessionState> {
    return this.mutate(actor, sessionId, (s) => {
      if (!Number.isInteger(index) || index < 0 || index >= s.steps.length) {
        throw new ProtocolError('BAD_REQUEST', `step ${index} does not exist (the plan has ${s.steps.length} steps)`);
      }
      return stepPatch(s, index);
    });
  }

  /** Next step; stays on the last one (a double click is harmless). */
  next(actor: Actor, sessionId: string): Promise<SessionState> {
    return this.mutate(actor, sessionId, (s) => stepPatch(s, Math.min(s.currentStep + 1, s.steps.length - 1)));
  }

  /** Previous step; stays on the first one. */
  prev(actor: Actor, sessionId: string): Promise<SessionState> {
    return this.mutate(actor, sessionId, (s) => stepPatch(s, Math.max(s.currentStep - 1, 0)));
  }

  /** Locks or unlocks the students' controls. */
  setLocked(actor: Actor, sessionId: string, locked: boolean): Promise<SessionState> {
    return this.mutate(actor, sessionId, () => ({ locked }));
  }

  /** Freezes every student's screen with an optional message, or unfreezes it. */
  setPaused(actor: Actor, sessionId: string, paused: boolean, message?: string): Promise<SessionState> {
    const text = message?.trim();
    return this.mutate(actor, sessionId, () => ({ paused, pauseMessage: paused && text ? text : null }));
  }

  /**
   * Pins a submission of this session, or a class view of one of its lab steps, to the present view (the
   * projector); null unpins. A submission of another session and a step that is not a lab step are refused.
   */
  present(actor: Actor, sessionId: string, target: PresentTarget | null): Promise<SessionState> {
    return this.mutate(actor, sessionId, async (s) => {
      if (target?.kind === 'submission') {
        const submission = await this.store.findSubmission(target.submissionId);
        if (!submission || submission.sessionId !== s.id) throw new ProtocolError('NOT_FOUND', 'no such submission in this session');
      } else if (target?.kind === 'view') {
        const step = s.steps.find((st) => st.id === target.stepId);
        if (step?.kind !== 'lab') throw new ProtocolError('BAD_REQUEST', `step "${target.stepId}" is not a lab step of this session`);
      }
      return { presenting: target === null ? null : { ...target } };
    });
  }

  /** Ends the session; it stays readable and can be reopened. Ending an ended session changes nothing. */
  end(actor: Actor, sessionId: string): Promise<SessionState> {
    return this.mutate(actor, sessionId, (s) => (s.status === 'ended' ? null : { status: 'ended', endedAt: this.clock.now().toISOString() }), {
      allowEnded: true,
    });
  }

  /**
   * Deletes a session with everything students did in it. A live session is ended first, so connected students see
   * it end; returns what went.
   */
  async deleteSession(actor: Actor, sessionId: string): Promise<{ participants: number; submissions: number }> {
    await this.end(actor, sessionId);
    const gone = await this.queue.run(sessionId, () => this.store.deleteSession(sessionId));
    if (!gone) throw new ProtocolError('NOT_FOUND', 'no such session');
    return gone;
  }

  /** Reopens an ended session where it stopped. */
  reopen(actor: Actor, sessionId: string): Promise<SessionState> {
    return this.mutate(actor, sessionId, (s) => (s.status === 'live' ? null : { status: 'live', endedAt: null }), {
      allowEnded: true,
    });
  }

  /** Removes a participant: the seat is freed at once and their resume token stops working. */
  async removeParticipant(actor: Actor, sessionId: string, participantId: string): Promise<void> {
    const session = await this.ownedSession(actor, sessionId);
    await this.serialized(session.id, async () => {
      const p = await this.store.findParticipantById(participantId);
      if (!p || p.sessionId !== session.id) throw new ProtocolError('NOT_FOUND', 'no such participant in this session');
      if (p.removedAt) return;
      await this.store.removeParticipant(p.id, this.clock.now());
      this.presence.drop(p.id);
      this.reportPresence(session.id, p.id, 'offline');
      this.emit((l) => l.removed?.(session.id, p.id, 'The instructor removed you from this session.'));
      this.schedulePresence(session.id);
    });
  }

  /** Undoes a removal: the participant (and their browser) may join again, with their seat and submissions. */
  async restoreParticipant(actor: Actor, sessionId: string, participantId: string): Promise<void> {
    const session = await this.ownedSession(actor, sessionId);
    await this.serialized(session.id, async () => {
      const p = await this.store.findParticipantById(participantId);
      if (!p || p.sessionId !== session.id) throw new ProtocolError('NOT_FOUND', 'no such participant in this session');
      if (!p.removedAt) return;
      await this.store.restoreParticipant(p.id);
      this.schedulePresence(session.id);
    });
  }

  /** Closes or reopens joining: while closed, new students are refused; joined ones still resume. */
  setJoiningOpen(actor: Actor, sessionId: string, open: boolean): Promise<SessionState> {
    return this.mutate(actor, sessionId, () => ({ joiningClosed: !open }));
  }

  /** Participants the instructor removed (for undoing a removal), in join order. */
  async removedParticipants(sessionId: string): Promise<ParticipantDTO[]> {
    return (await this.store.listParticipants(sessionId)).filter((p) => p.removedAt !== null);
  }

  // ── students ────────────────────────────────────────────────────────────────────────────────────

  /** What a join page shows for a code; NOT_FOUND when no session has it. */
  async joinInfo(code: string): Promise<{ code: string; title: string; status: LiveSessionDTO['status'] }> {
    const s = await this.store.findSessionByCode(code);
    if (!s) throw new ProtocolError('NOT_FOUND', 'no session has this join code');
    return { code: s.code, title: s.title, status: s.status };
  }

  /**
   * Joins a session by code. With a known `resumeToken` the same participant resumes (the name is ignored);
   * otherwise a new participant is created with a unique version of `displayName`. With `connectionId` the
   * connection is attached (presence online) in the same step. With `requestId`, a retry of a join whose answer
   * was lost (also after a restart) gets the seat created first, with a fresh resume token, never a second seat.
   * A browser whose device token belongs to a removed participant is refused (REMOVED), and while the instructor
   * has closed joining only resumes are accepted (JOINING_CLOSED). `onSeated` runs before the session's next change
   * may start (the transport puts the connection into the session's rooms there), so no broadcast of a change made
   * after the state this join answers with can pass the new connection by.
   */
  async join(input: ClientPayload<'student:join'>, connectionId?: string, requestId?: string, onSeated?: (r: JoinResult) => Promise<void>): Promise<JoinResult> {
    if (!requestId) return this.joinOnce(input, connectionId, undefined, onSeated);
    // A retry while the first is still queued (a slow class after a restart) shares its answer: no retry storm.
    const key = `${JSON.stringify(input)}\n${requestId}`;
    const running = this.joining.get(key);
    if (running) {
      const result = await running;
      if (connectionId) this.attach({ id: result.participant.id, sessionId: result.participant.sessionId }, connectionId);
      return result;
    }
    const result = this.joinOnce(input, connectionId, requestId, onSeated);
    this.joining.set(key, result);
    try {
      return await result;
    } finally {
      this.joining.delete(key);
    }
  }

  private async joinOnce(input: ClientPayload<'student:join'>, connectionId?: string, requestId?: string, onSeated?: (r: JoinResult) => Promise<void>): Promise<JoinResult> {
    const parsed = clientEvents['student:join'].payload.safeParse(input);
    if (!parsed.success) throw new ProtocolError('BAD_REQUEST', parsed.error.issues[0]?.message ?? 'invalid join request');
    const { code, displayName, resumeToken, deviceToken } = parsed.data;
    const found = await this.store.findSessionByCode(code);
    if (!found) throw new ProtocolError('NOT_FOUND', 'no session has this join code');
    const deviceHash = deviceToken ? await hashResumeToken(deviceToken) : null;

    const seat = async (): Promise<JoinResult> => {
      const session = (await this.store.findSessionById(found.id)) ?? found;
      if (resumeToken) {
        const existing = await this.store.findParticipantByToken(session.id, await hashResumeToken(resumeToken));
        if (existing?.removedAt) throw new ProtocolError('REMOVED', 'the instructor removed you from this session');
        if (existing) {
          if (session.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'this session has ended');
          return this.seat(existing, resumeToken, session, connectionId);
        }
        if (displayName === undefined) throw new ProtocolError('NOT_FOUND', 'this browser is not known in the session; join with a name');
      }
      const request = requestId ? { scope: joinScope(session.id, deviceHash), requestId, sessionId: session.id, event: 'student:join' } : undefined;
      const replayed = request && (await this.replayJoin(request.scope, request.requestId, session, connectionId));
      if (replayed) return replayed;
      if (session.status === 'ended') throw new ProtocolError('SESSION_ENDED', 'this session has ended');
      if (deviceHash && (await this.store.isDeviceRemoved(session.id, deviceHash))) {
        throw new ProtocolError('REMOVED', 'the instructor removed this browser from the session');
      }
      if (session.joiningClosed) throw new ProtocolError('JOINING_CLOSED', 'the instructor has closed joining for this session');

      const token = generateResumeToken();
      const tokenHash = await hashResumeToken(token);
      for (let attempt = 0; ; attempt++) {
        // The name as typed first (the store refuses a taken one); the list of names only when it is taken.
        const taken = attempt === 0 ? [] : (await this.store.listParticipants(session.id)).map((p) => p.displayName);
        try {
          const created = await this.store.createParticipant(
            { sessionId: session.id, displayName: uniqueDisplayName(displayName!, taken), tokenHash, deviceHash },
            request,
          );
          if (connectionId) this.attach(created, connectionId);
          else this.schedulePresence(session.id);
          return { participant: toSelf(created), resumeToken: token, state: studentSessionState(toSessionState(session)) };
        } catch (err) {
          // Another process recorded this join first: hand out its seat.
          if (request && isDuplicateRequest(err)) {
            const again = await this.replayJoin(request.scope, request.requestId, session, connectionId);
            if (again) return again;
          }
          // The name is taken (or another process took it between our read and write): read the names and try again.
          const nameTaken = err instanceof NameTakenError || (err as Error)?.name === 'NameTakenError';
          if (!nameTaken || attempt + 1 >= NAME_ATTEMPTS) throw err;
        }
      }
    };
    return this.serialized(found.id, async () => {
      const result = await seat();
      await onSeated?.(result);
      return result;
    });
  }

  /** The seat a recorded join created, with a fresh resume token (the first never reached the browser); null: none. */
  private async replayJoin(scope: string, requestId: string, session: LiveSessionDTO, connectionId?: string): Promise<JoinResult | null> {
    const record = await this.store.findRequest(scope, requestId);
    if (!record || record.event !== 'student:join') return null;
    if (this.clock.now().getTime() - Date.parse(record.createdAt) > JOIN_REPLAY_MS) return null;
    const participantId = (record.result as { participantId?: unknown } | null)?.participantId;
    const seat = typeof participantId === 'string' ? await this.store.findParticipantById(participantId) : null;
    if (!seat || seat.sessionId !== session.id) return null;
    if (seat.removedAt) throw new ProtocolError('REMOVED', 'the instructor removed you from this session');
    const token = generateResumeToken();
    await this.store.setParticipantToken(seat.id, await hashResumeToken(token));
    return this.seat(seat, token, session, connectionId);
  }

  private seat(p: ParticipantDTO, resumeToken: string, session: LiveSessionDTO, connectionId?: string): JoinResult {
    if (connectionId) this.attach(p, connectionId);
    this.background(this.store.touchParticipant(p.id, this.clock.now()));
    return { participant: toSelf(p), resumeToken, state: studentSessionState(toSessionState(session)) };
  }

  /** Checks that a participant may still act (not removed); returns the stored participant. */
  async requireParticipant(actor: Actor): Promise<ParticipantDTO> {
    if (actor.role !== 'participant') throw new ProtocolError('FORBIDDEN', 'join the session first');
    const p = await this.store.findParticipantById(actor.participantId);
    if (!p || p.sessionId !== actor.sessionId) throw new ProtocolError('NOT_FOUND', 'unknown participant');
    if (p.removedAt) throw new ProtocolError('REMOVED', 'the instructor removed you from this session');
    return p;
  }

  // ── presence ────────────────────────────────────────────────────────────────────────────────────

  /** A connection of a participant closed; after the last one they are reconnecting for the grace period. */
  disconnect(participantId: string, connectionId: string): void {
    if (this.closed) return;
    this.presence.disconnect(participantId, connectionId);
  }

  /** The participant's presence right now. */
  presenceOf(participantId: string): Presence {
    return this.presence.presenceOf(participantId);
  }

  /** Everyone in the session who was not removed, with their presence (on any node), in join order. */
  async presenceList(sessionId: string): Promise<ParticipantPresence[]> {
    const [participants, elsewhere] = await Promise.all([this.store.listParticipants(sessionId), this.shared?.presence.read(sessionId)]);
    return participants.filter((p) => !p.removedAt).map((p) => ({
      id: p.id,
      displayName: p.displayName,
      joinedAt: p.joinedAt,
      presence: strongerPresence(this.presence.presenceOf(p.id), elsewhere?.get(p.id)),
    }));
  }

  /**
   * Puts this node's seats back on the shared presence board and announces every session it serves (the shared store
   * was unreachable and is back, or was restarted empty).
   */
  resyncShared(): void {
    if (!this.shared || this.closed) return;
    for (const { sessionId, participantId, presence } of this.presence.seated()) {
      this.reportPresence(sessionId, participantId, presence);
      this.schedulePresence(sessionId);
    }
  }

  /** Resolves when all queued work (changes and presence announcements) has settled. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await this.queue.settled();
    await this.presenceQueue.settled();
    if (this.inFlight.size > 0) await this.settled();
  }

  /** True once close() has begun (the server is shutting down). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops every grace timer and waits for queued work; the store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.presence.clear();
    await this.settled();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────

  private attach(p: Pick<ParticipantDTO, 'id' | 'sessionId'>, connectionId: string): void {
    // The tracker reports offline/reconnecting → online, which announces presence; a second tab changes nothing.
    this.presence.connect(p.sessionId, p.id, connectionId);
  }

  private requireInstructor(actor: Actor): string {
    if (actor.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'only the instructor can do this');
    return actor.instructorId;
  }

  private async ownedSession(actor: Actor, sessionId: string): Promise<LiveSessionDTO> {
    const instructorId = this.requireInstructor(actor);
    const session = await this.store.findSessionById(sessionId);
    if (!session) throw new ProtocolError('NOT_FOUND', 'no such session');
    if (session.instructorId !== instructorId) throw new ProtocolError('FORBIDDEN', 'this session belongs to another instructor');
    return session;
  }

  private async mutate(
    actor: Actor,
    sessionId: string,
    change: (s: LiveSessionDTO) => SessionPatch | null | Promise<SessionPatch | null>,
    opts: { allowEnded?: boolean } = {},
  ): Promise<SessionState> {
    this.requireInstructor(actor);
    return this.serialized(sessionId, async () => {
      const session = await this.ownedSession(actor, sessionId);
      if (session.status === 'ended' && !opts.allowEnded) throw new ProtocolError('SESSION_ENDED', 'this session has ended; reopen it first');
      const patch = await change(session);
      if (!patch || Object.entries(patch).every(([k, v]) => sameValue(session[k as keyof LiveSessionDTO], v))) {
        return toSessionState(session);
      }
      const state = toSessionState(await this.store.updateSession(session.id, patch));
      this.emit((l) => l.state?.(session.id, state));
      return state;
    });
  }

  /** Tells the shared board (several nodes) what this node sees; the next announcement waits for it. */
  private reportPresence(sessionId: string, participantId: string, presence: Presence): void {
    if (!this.shared) return;
    const reported = this.shared.presence.report(sessionId, participantId, presence).catch(this.onError);
    this.reports.set(sessionId, [...(this.reports.get(sessionId) ?? []), reported]);
  }

  /** One change of a session at a time: in this process (queue), and across nodes when they share a lock. */
  private serialized<T>(sessionId: string, task: () => Promise<T>): Promise<T> {
    const shared = this.shared;
    return this.queue.run(sessionId, shared ? () => shared.lock.run(`session:${sessionId}`, task) : task);
  }

  private schedulePresence(sessionId: string): void {
    // Coalesce bursts: one queued announcement per session, computed when it runs, so it is never stale.
    if (this.presencePending.has(sessionId)) return;
    this.presencePending.add(sessionId);
    this.background(
      this.presenceQueue.run(sessionId, async () => {
        this.presencePending.delete(sessionId);
        const reports = this.reports.get(sessionId) ?? [];
        this.reports.delete(sessionId);
        await Promise.all(reports);
        const participants = await this.presenceList(sessionId);
        this.emit((l) => l.presence?.(sessionId, participants));
      }),
    );
  }

  private emit(fn: (l: ClassroomListener) => void): void {
    for (const l of this.listeners) {
      try {
        fn(l);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private background(p: Promise<unknown>): void {
    const tracked = p.catch(this.onError);
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
