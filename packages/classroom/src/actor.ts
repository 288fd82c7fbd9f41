/**
 * Who is asking. The transport derives it from its own server-side session (a signed cookie for an
 * instructor, a completed join for a participant), never from a message.
 */
export type Actor =
  | { role: 'instructor'; instructorId: string }
  | { role: 'participant'; participantId: string; sessionId: string }
  | { role: 'guest' };

/** The actor of a request that carries no identity. */
export const GUEST: Actor = { role: 'guest' };
