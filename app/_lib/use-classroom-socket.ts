'use client';

/**
 * One Socket.io connection to a live session, for a student (by join code) or for the instructor
 * (by session id). The server keeps no per-socket memory we can rely on across a restart, so on every
 * (re)connect the hook announces itself again: `student:join` with the stored resume token, or
 * `instructor:watch`. Ack errors are surfaced as `{ code, message }`.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  JOIN_ACK_TIMEOUT_MS,
  PROTOCOL_VERSION,
  SOCKET_TRANSPORTS,
  connectErrorCode,
  joinRetryDelayMs,
  newRequestId,
  withRequestId,
  type Ack,
  type ClientEventName,
  type ClientPayload,
  type ClientResult,
  type ClientToServerEvents,
  type HandshakeAuth,
  type ParticipantPresence,
  type ParticipantSelf,
  type ServerToClientEvents,
  type SessionState,
} from '@convlab/protocol';
import { describeError, humanizeError } from './error-messages';
import { clearPendingName, clearResumeToken, deviceToken, readPendingName, readResumeToken, saveResumeToken } from './student-storage';

export type ClassroomTarget = { role: 'student'; code: string } | { role: 'instructor'; sessionId: string };

/** `connecting`: first attempt; `live`: joined and receiving; `reconnecting`: the socket dropped; `failed`: gave up. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'failed';

export interface ClassroomError {
  code: string;
  message: string;
}

/** An ack error or a local failure (offline, timeout) of a request. */
export class ClassroomRequestError extends Error implements ClassroomError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ClassroomRequestError';
  }
}

type ClassroomSocketIo = Socket<ServerToClientEvents, ClientToServerEvents>;
// socket.io's typed emit cannot follow a generic event name through `.timeout()`; requests go through this shape.
type LooseTimeoutEmitter = { emit: (event: string, payload: unknown, cb: (err: Error | null, res: Ack<unknown>) => void) => void };

const ACK_TIMEOUT_MS = 10_000;
/**
 * Acks that wait for the server's own recomputation of a browser's result (at the lowest compute priority), or for
 * its compute service to start (a class computation asks it about the model first).
 */
const SLOW_ACK_TIMEOUT_MS = 120_000;
const SLOW_ACKS: readonly string[] = ['lab:submit', 'sweep:result', 'patches:result', 'sweep:start', 'patches:start'];
const ackTimeout = (event: string) => (SLOW_ACKS.includes(event) ? SLOW_ACK_TIMEOUT_MS : ACK_TIMEOUT_MS);

export interface ClassroomSocket {
  status: ConnectionStatus;
  /** Latest session state from the server (null until the first join/watch succeeds). */
  state: SessionState | null;
  /** Presence list (instructors only). */
  participants: ParticipantPresence[];
  /** The student's own participant record. */
  me: ParticipantSelf | null;
  /** Why joining/watching failed (cleared on the next success). `NEEDS_NAME`: a student without a seat or a name. */
  joinError: ClassroomError | null;
  /** Set when the instructor removed this student. */
  removedMessage: string | null;
  /** Sends an instructor request; resolves with the ack's data or rejects with a `ClassroomRequestError`. */
  request: <E extends ClientEventName>(event: E, payload: ClientPayload<E>) => Promise<ClientResult<E>>;
  /** Announces again (after an error the person can fix, e.g. "try again"). */
  retry: () => void;
  /** Listens to a server event while the connection lives; returns the unsubscribe function. */
  subscribe: <E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]) => () => void;
  /** The underlying socket (for the compute transport); null while disconnected for good. */
  socket: Socket | null;
}

/** Connects to a session and keeps the view in step with it; pass null to stay disconnected. */
export function useClassroomSocket(target: ClassroomTarget | null): ClassroomSocket {
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [state, setState] = useState<SessionState | null>(null);
  const [participants, setParticipants] = useState<ParticipantPresence[]>([]);
  const [me, setMe] = useState<ParticipantSelf | null>(null);
  const [joinError, setJoinError] = useState<ClassroomError | null>(null);
  const [removedMessage, setRemovedMessage] = useState<string | null>(null);
  const socketRef = useRef<ClassroomSocketIo | null>(null);
  const [socket, setSocket] = useState<ClassroomSocketIo | null>(null);
  const announceRef = useRef<() => void>(() => {});

  const role = target?.role ?? null;
  const key = target ? (target.role === 'student' ? target.code : target.sessionId) : null;

  useEffect(() => {
    if (!role || !key) return;
    let disposed = false;
    let removed = false;
    let everJoined = false;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    // Join/watch attempts since the last success: retries back off (with jitter) so a class does not ask in step.
    let attempts = 0;
    const later = (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!disposed) fn();
      }, ms);
      timers.add(t);
    };

    const socket: ClassroomSocketIo = io({
      auth: { protocolVersion: PROTOCOL_VERSION } satisfies HandshakeAuth,
      withCredentials: true,
      transports: SOCKET_TRANSPORTS,
      // A classroom wants students back quickly after a blip or a server restart.
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    socketRef.current = socket;
    setSocket(socket);
    // The join's ack may take as long as the server keeps a silent connection (JOIN_ACK_TIMEOUT_MS): asking again
    // sooner would only queue a second join behind the first.
    const emitter = () => socket.timeout(JOIN_ACK_TIMEOUT_MS) as unknown as LooseTimeoutEmitter;
    const announceLater = () => later(announce, joinRetryDelayMs(attempts++, Math.random()));
    // One requestId per join until it is answered: a retry after a lost answer gets the same seat, never a second.
    let joinRequestId = newRequestId();

    const onJoined = (nextState: SessionState) => {
      attempts = 0;
      everJoined = true;
      setState(nextState);
      setJoinError(null);
      setStatus('live');
    };

    const announceStudent = (code: string) => {
      const resumeToken = readResumeToken(code);
      const displayName = readPendingName(code);
      if (!resumeToken && !displayName) {
        setJoinError({ code: 'NEEDS_NAME', message: 'Pick a display name to join this session.' });
        setStatus('failed');
        socket.disconnect();
        return;
      }
      const device = deviceToken();
      const payload = resumeToken ? { code, resumeToken, deviceToken: device } : { code, displayName: displayName!, deviceToken: device };
      emitter().emit('student:join', withRequestId('student:join', payload, joinRequestId), (err, res) => {
        if (disposed) return;
        if (err) return announceLater(); // no answer: ask again (same requestId) while the socket lives
        joinRequestId = newRequestId();
        if (res.ok) {
          const data = res.data as ClientResult<'student:join'>;
          saveResumeToken(code, data.resumeToken);
          clearPendingName(code);
          setMe(data.participant);
          onJoined(data.state);
          return;
        }
        switch (res.error) {
          case 'REMOVED':
            removed = true;
            setRemovedMessage(humanizeError('REMOVED', res.message));
            socket.disconnect();
            return;
          case 'RATE_LIMITED':
            return announceLater();
          case 'NOT_FOUND':
          case 'FORBIDDEN':
          case 'UNAUTHORIZED':
            if (resumeToken) {
              // The seat is gone (e.g. a wiped database): forget it and join afresh with a name if we have one.
              clearResumeToken(code);
              if (displayName) return announce();
              setJoinError({ code: 'NEEDS_NAME', message: 'Your seat in this session was not found. Pick a name to join again.' });
              setStatus('failed');
              socket.disconnect();
              return;
            }
            break;
        }
        setJoinError({ code: res.error, message: humanizeError(res.error, res.message) });
        // An ended session can be reopened: stay connected so "try again" works without a reload.
        setStatus(res.error === 'SESSION_ENDED' ? 'live' : 'failed');
      });
    };

    const announceInstructor = (sessionId: string) => {
      emitter().emit('instructor:watch', { sessionId }, (err, res) => {
        if (disposed) return;
        if (err) return announceLater();
        if (res.ok) {
          const data = res.data as ClientResult<'instructor:watch'>;
          setParticipants(data.participants);
          onJoined(data.state);
          return;
        }
        if (res.error === 'RATE_LIMITED') return announceLater();
        setJoinError({ code: res.error, message: humanizeError(res.error, res.message) });
        setStatus(res.error === 'SESSION_ENDED' ? 'live' : 'failed');
      });
    };

    const announce = () => {
      if (removed || !socket.connected) return;
      if (role === 'student') announceStudent(key);
      else announceInstructor(key);
    };
    announceRef.current = () => {
      if (removed) return;
      setJoinError(null);
      if (socket.connected) announce();
      else {
        setStatus('connecting');
        socket.connect();
      }
    };

    socket.on('connect', announce);
    socket.on('disconnect', (reason) => {
      if (disposed || removed) return;
      setStatus(everJoined ? 'reconnecting' : 'connecting');
      // The server hung up on purpose; socket.io will not retry by itself, so we do (unless removed).
      if (reason === 'io server disconnect') later(() => socket.connect(), 1000);
    });
    socket.on('connect_error', (err) => {
      if (disposed) return;
      if (socket.active) {
        // Temporary (server down or restarting): socket.io keeps trying.
        setStatus(everJoined ? 'reconnecting' : 'connecting');
        return;
      }
      // Refused by the server's connect middleware: retrying will not help.
      const code = connectErrorCode(err) ?? 'CONNECT_REFUSED';
      const serverMessage = (err as Error & { data?: { message?: string } }).data?.message;
      setJoinError({ code, message: humanizeError(code, serverMessage) });
      setStatus('failed');
    });
    socket.on('session:state', (next) => {
      if (role === 'instructor' ? next.sessionId === key : next.code === key) setState(next);
    });
    socket.on('presence:update', (update) => setParticipants(update.participants));
    socket.on('participant:removed', (notice) => {
      removed = true;
      setRemovedMessage(humanizeError('REMOVED', notice.message));
      socket.disconnect();
    });
    // An admin withdrew this instructor's approval: the server refuses their actions from now on; say so, stay off.
    socket.on('instructor:approval-withdrawn', (notice) => {
      removed = true;
      setJoinError({ code: 'NOT_APPROVED', message: humanizeError('NOT_APPROVED', notice.message) });
      setStatus('failed');
      socket.disconnect();
    });

    return () => {
      disposed = true;
      timers.forEach(clearTimeout);
      socket.removeAllListeners();
      socket.disconnect();
      if (socketRef.current === socket) socketRef.current = null;
      setSocket(null);
      announceRef.current = () => {};
    };
  }, [role, key]);

  const request = useCallback(
    <E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<ClientResult<E>> =>
      new Promise((resolve, reject) => {
        const socket = socketRef.current;
        if (!socket || !socket.connected) {
          reject(new ClassroomRequestError('OFFLINE', 'Not connected to the server right now. Wait for the connection to come back.'));
          return;
        }
        (socket.timeout(ackTimeout(event)) as unknown as LooseTimeoutEmitter).emit(event, withRequestId(event, payload), (err, res) => {
          if (err) return reject(new ClassroomRequestError('TIMEOUT', describeError('TIMEOUT')));
          if (!res.ok) return reject(new ClassroomRequestError(res.error, humanizeError(res.error, res.message)));
          const data = res.data as ClientResult<E>;
          // Apply the new state at once; the room broadcast carries the same state.
          if (data && typeof data === 'object' && 'state' in data && data.state) setState(data.state as SessionState);
          resolve(data);
        });
      }),
    [],
  );

  const retry = useCallback(() => announceRef.current(), []);

  const subscribe = useCallback(<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]) => {
    if (!socket) return () => {};
    // socket.io's typed `on` cannot follow a generic event name; the handler's type is checked by the signature above.
    const loose = socket as unknown as { on(e: string, h: unknown): void; off(e: string, h: unknown): void };
    loose.on(event, handler);
    return () => loose.off(event, handler);
  }, [socket]);

  return { status, state, participants, me, joinError, removedMessage, request, retry, subscribe, socket };
}
