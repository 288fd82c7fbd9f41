/**
 * Who may send what: the one place that turns a socket's server-side identity (signed cookie, completed join) into
 * the right to send an event. `authorize()` reads the event's declaration in @convlab/protocol (`by`) and runs
 * before the payload is parsed, so someone who may not send an event learns FORBIDDEN/UNAUTHORIZED, never what a
 * valid payload looks like. The handlers then ask for the sender they need (`memberOf`, `watchedSession`, …).
 */
import type { Actor } from '@convlab/classroom';
import { ProtocolError, clientEvents, type ClientEventName, type EventSender } from '@convlab/protocol';
import type { IoSocket } from './types';

/** A joined student or an instructor watching a session: who sends a lab or compute event. */
export type Member =
  | { role: 'participant'; participantId: string; sessionId: string }
  | { role: 'instructor'; instructorId: string; sessionId: string };

/** The instructor id of a signed-in socket; UNAUTHORIZED without a (current) sign-in. */
export function signedInInstructor(socket: IoSocket): string {
  const d = socket.data;
  if (!d.instructorId) throw new ProtocolError('UNAUTHORIZED', 'sign in as an instructor first');
  if (d.instructorExp !== undefined && d.instructorExp <= Date.now()) throw new ProtocolError('UNAUTHORIZED', 'your sign-in expired; sign in again');
  return d.instructorId;
}

/** The joined student behind a socket, or null. */
export function joinedStudent(socket: IoSocket): { participantId: string; sessionId: string } | null {
  const d = socket.data;
  return d.role === 'participant' && d.participantId && d.sessionId ? { participantId: d.participantId, sessionId: d.sessionId } : null;
}

/** The instructor behind a socket, as an actor of the classroom; refuses students, signed-out and unapproved sockets. */
export function instructorActor(socket: IoSocket): { role: 'instructor'; instructorId: string } {
  if (socket.data.role === 'participant') throw new ProtocolError('FORBIDDEN', 'students cannot do this');
  const instructorId = signedInInstructor(socket);
  if (!socket.data.instructorApproved) throw new ProtocolError('NOT_APPROVED', NOT_APPROVED_MESSAGE);
  return { role: 'instructor', instructorId };
}

/** Why an account that is not (or no longer) an approved instructor cannot run a session. */
export const NOT_APPROVED_MESSAGE = 'an administrator has not approved this instructor account, or has withdrawn its approval: it cannot run sessions';

/** The instructor and the session this socket watches. */
export function watchedSession(socket: IoSocket): { actor: Actor; sessionId: string } {
  const actor = instructorActor(socket);
  if (socket.data.role !== 'instructor' || !socket.data.sessionId) throw new ProtocolError('BAD_REQUEST', 'watch a session first (instructor:watch)');
  return { actor, sessionId: socket.data.sessionId };
}

/** A joined student or a watching instructor; guests get UNAUTHORIZED, an instructor watching nothing FORBIDDEN. */
export function memberOf(socket: IoSocket): Member {
  const student = joinedStudent(socket);
  if (student) return { role: 'participant', ...student };
  const instructorId = signedInInstructor(socket);
  if (socket.data.role !== 'instructor' || !socket.data.sessionId) throw new ProtocolError('FORBIDDEN', 'watch a session (instructor:watch) first');
  return { role: 'instructor', instructorId, sessionId: socket.data.sessionId };
}

const CHECKS: Record<EventSender, (socket: IoSocket) => void> = {
  anyone: () => {},
  student: (socket) => {
    if (joinedStudent(socket)) return;
    if (!socket.data.instructorId) throw new ProtocolError('UNAUTHORIZED', 'join a session first');
    throw new ProtocolError('FORBIDDEN', 'only students do this');
  },
  member: (socket) => void memberOf(socket),
  instructor: (socket) => void watchedSession(socket),
  'signed-in': (socket) => void instructorActor(socket),
};

/** What a student computing for an assignment (`assignment:open`) may send besides. */
const SELF_PACED_EVENTS: readonly ClientEventName[] = ['job:submit', 'job:cancel'];

/** Refuses a sender the protocol does not allow for `event` (throws a ProtocolError); runs before parsing. */
export function authorize(socket: IoSocket, event: ClientEventName): void {
  if (socket.data.selfPaced && SELF_PACED_EVENTS.includes(event)) return;
  CHECKS[clientEvents[event].by as EventSender](socket);
}

/**
 * Whose requests a socket's requestIds belong to (the idempotency scope): a joined student's participant or a
 * signed-in instructor; null for a guest (its one mutating event, `student:join`, is scoped by the classroom).
 */
export function requestScope(socket: IoSocket): { scope: string; sessionId: string } | null {
  const student = joinedStudent(socket);
  if (student) return { scope: `participant:${student.participantId}`, sessionId: student.sessionId };
  const d = socket.data;
  if (d.instructorId && d.sessionId) return { scope: `instructor:${d.instructorId}`, sessionId: d.sessionId };
  // A student computing for an assignment: their jobs' requestIds (kept in memory only, as every job's).
  if (d.selfPaced) return { scope: `account:${d.selfPaced.accountId}`, sessionId: `assignment:${d.selfPaced.assignmentId}` };
  return null;
}
