/**
 * Live-session events. Students may only `student:join`; every other event is an instructor action that
 * needs the signed cookie of the session's owner and a watched session (authorization.ts checks the sender
 * before the payload is parsed). The classroom model checks ownership again, so no message is trusted for more
 * than its sender may do.
 */
import { ProtocolError } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { instructorActor, watchedSession } from './authorization';
import { currentRequestId } from './idempotency';
import { handle } from './validate';
import { rooms, type IoSocket } from './types';

/** Moves the socket into a session's rooms, leaving any previous one. */
async function enter(socket: IoSocket, sessionId: string, role: 'instructor' | 'participant', participantId?: string): Promise<void> {
  leave(socket);
  socket.data.role = role;
  socket.data.sessionId = sessionId;
  socket.data.participantId = participantId;
  const names = [rooms.session(sessionId)];
  if (role === 'instructor') names.push(rooms.instructors(sessionId));
  if (participantId) names.push(rooms.participant(participantId));
  await socket.join(names);
}

/** Leaves the session rooms and releases the participant's connection (presence). */
export function leave(socket: IoSocket, ctx?: ServerContext): void {
  const { sessionId, participantId } = socket.data;
  if (participantId && ctx) ctx.classroom.disconnect(participantId, socket.id);
  if (sessionId) {
    void socket.leave(rooms.session(sessionId));
    void socket.leave(rooms.instructors(sessionId));
  }
  if (participantId) void socket.leave(rooms.participant(participantId));
  socket.data.sessionId = undefined;
  socket.data.participantId = undefined;
}

/** Registers every live-session handler on a connected socket. */
export function registerSessionHandlers(socket: IoSocket, ctx: ServerContext): void {
  const { classroom } = ctx;

  handle(socket, ctx, 'student:join', async (payload) => {
    if (socket.data.role === 'instructor') leave(socket, ctx);
    // Release this socket's previous seat first (a tab that switches sessions).
    if (socket.data.participantId) leave(socket, ctx);
    try {
      // Into the rooms while the session's changes wait (see Classroom.join): no step change can slip by in between.
      const seated = (r: { participant: { id: string; sessionId: string } }) => (socket.disconnected ? Promise.resolve() : enter(socket, r.participant.sessionId, 'participant', r.participant.id));
      const result = await classroom.join(payload, socket.id, currentRequestId(), seated);
      if (socket.disconnected) {
        // Gone while we were joining: the disconnect handler saw no participant yet, so release here.
        classroom.disconnect(result.participant.id, socket.id);
        return result;
      }
      // A retry that shared another join's answer was not seated by it.
      if (socket.data.participantId !== result.participant.id) await seated(result);
      return result;
    } catch (err) {
      throw await ctx.throttles.joinCodes.answerFor(err, { address: socket.data.ip, socketId: socket.id });
    }
  });

  handle(socket, ctx, 'instructor:watch', async ({ sessionId }) => {
    const actor = instructorActor(socket);
    const watched = await classroom.watch(actor, sessionId);
    await enter(socket, sessionId, 'instructor');
    return watched;
  });

  handle(socket, ctx, 'step:goto', async ({ index }) => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.goto(actor, sessionId, index) };
  });

  handle(socket, ctx, 'step:next', async () => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.next(actor, sessionId) };
  });

  handle(socket, ctx, 'step:prev', async () => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.prev(actor, sessionId) };
  });

  handle(socket, ctx, 'controls:lock', async ({ locked }) => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.setLocked(actor, sessionId, locked) };
  });

  handle(socket, ctx, 'session:pause', async ({ paused, message }) => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.setPaused(actor, sessionId, paused, message) };
  });

  handle(socket, ctx, 'participant:remove', async ({ participantId }) => {
    const { actor, sessionId } = watchedSession(socket);
    await classroom.removeParticipant(actor, sessionId, participantId);
    return {};
  });

  handle(socket, ctx, 'participant:restore', async ({ participantId }) => {
    const { actor, sessionId } = watchedSession(socket);
    await classroom.restoreParticipant(actor, sessionId, participantId);
    return {};
  });

  handle(socket, ctx, 'session:joining', async ({ open }) => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.setJoiningOpen(actor, sessionId, open) };
  });

  handle(socket, ctx, 'present:set', async ({ target }) => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.present(actor, sessionId, target) };
  });

  handle(socket, ctx, 'session:end', async () => {
    const { actor, sessionId } = watchedSession(socket);
    return { state: await classroom.end(actor, sessionId) };
  });

  handle(socket, ctx, 'session:reopen', async ({ sessionId }) => {
    const actor = instructorActor(socket);
    const state = await classroom.reopen(actor, sessionId);
    await enter(socket, sessionId, 'instructor');
    return { state };
  });
}
