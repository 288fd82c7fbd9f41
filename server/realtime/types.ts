/** Socket.io types of the server, derived from the protocol's event maps. */
import type { ClientToServerEvents, ServerToClientEvents } from '@convlab/protocol';
import type { Server, Socket } from 'socket.io';
import type { TokenBucket } from '../security/rate-limit';

/**
 * Server-side state of one connection. The role lives here and only here: set from the signed cookie at
 * connect (instructor id) and by a successful `student:join` (participant) — never from a payload.
 */
export interface SocketData {
  /** Instructor id from a valid session cookie in the handshake. */
  instructorId?: string;
  /** When that cookie expires (ms since epoch). */
  instructorExp?: number;
  /** The server-side sign-in session of that cookie (revoking it disconnects the socket). */
  authSessionId?: string;
  /** That account is an instructor approved by an admin (read at the handshake; a withdrawal disconnects the socket). */
  instructorApproved?: boolean;
  /** 'instructor' after `instructor:watch`, 'participant' after `student:join`. */
  role: 'guest' | 'instructor' | 'participant';
  /** Session watched or joined. */
  sessionId?: string;
  participantId?: string;
  /** A student computing for an assignment (`assignment:open`): their account and the assignment. */
  selfPaced?: { accountId: string; assignmentId: string };
  ip: string;
  bucket: TokenBucket;
}

export type InterServerEvents = Record<string, never>;
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Room names: everyone in a session, its instructors, one participant's tabs. */
export const rooms = {
  session: (id: string) => `session:${id}`,
  instructors: (id: string) => `instructors:${id}`,
  participant: (id: string) => `participant:${id}`,
  /** Every socket signed in as this account, on every node. */
  account: (id: string) => `account:${id}`,
};
