/**
 * Server compute for self-paced work. A student's assignment page connects with their account cookie and sends
 * `assignment:open`; once the server has checked that they are a current student of the assignment's course and that
 * the assignment takes work now, the socket submits jobs like a joined student's (compute.handlers.ts): the same
 * fair queue (one owner per account), caps and limits — one code path, not a copy.
 */
import { decideTimeliness } from '@convlab/classroom';
import { ProtocolError } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { joinedStudent } from './authorization';
import type { IoSocket } from './types';
import { handle } from './validate';

/**
 * Refuses unless `accountId` is a current student of the assignment's course and the assignment is open to them now
 * (opened, and not past their due time under a refuse policy): the same NOT_FOUND for a stranger as the HTTP routes.
 */
export async function checkSelfPaced(ctx: ServerContext, accountId: string, assignmentId: string): Promise<void> {
  const a = await ctx.assignments.findById(assignmentId);
  const member = a ? await ctx.courses.findMembership(a.courseId, accountId) : null;
  if (!a || !member || member.droppedAt !== null || member.role !== 'student') throw new ProtocolError('NOT_FOUND', 'no such assignment');
  const verdict = decideTimeliness(ctx.clock.now(), { opensAt: a.opensAt, dueAt: await ctx.assignments.dueAtFor(a, accountId) }, a.latePolicy);
  if (verdict.status === 'not-open') throw new ProtocolError('NOT_OPEN', 'this assignment is not open yet: the server computes for it once it opens');
  if (verdict.status === 'refused') throw new ProtocolError('PAST_DUE', 'this assignment is closed: the server computes only for open assignments');
}

/** Registers `assignment:open` on a connected socket. */
export function registerAssignmentHandlers(socket: IoSocket, ctx: ServerContext): void {
  handle(socket, ctx, 'assignment:open', async ({ assignmentId }) => {
    const accountId = socket.data.instructorId;
    if (!accountId || (socket.data.instructorExp !== undefined && socket.data.instructorExp <= Date.now())) throw new ProtocolError('UNAUTHORIZED', 'sign in first');
    // One identity per socket: a tab in a live session computes for that session.
    if (joinedStudent(socket) || socket.data.role === 'instructor') throw new ProtocolError('BAD_REQUEST', 'this connection already follows a live session');
    await checkSelfPaced(ctx, accountId, assignmentId);
    socket.data.selfPaced = { accountId, assignmentId };
    return { assignmentId };
  });
}
