/**
 * Compute jobs over the live connection. A joined student or a watching instructor submits a JobSpec
 * (`job:submit`); the ack carries the job id and queue place, then `job:progress` and one `job:result` follow —
 * to the student's participant room (every tab of that student, also one reloaded after submitting) or to the
 * instructor's socket. Results keep their typed arrays and PNG bytes, which Socket.io sends as binary attachments.
 * `job:cancel` stops your own job; an instructor may stop any job of the session they watch.
 */
import { ProtocolError, type JobOutcome, type JobProgress } from '@convlab/protocol';
import type { Requester } from '../compute/service';
import type { ServerContext } from '../context';
import { checkSelfPaced } from './assignment.handlers';
import { memberOf } from './authorization';
import { checkSessionRules } from './session-rules';
import { handle } from './validate';
import { rooms, type IoSocket } from './types';

/** Who submitted a job still running, for cancellation rights and cleanup. */
interface JobRecord {
  ownerId: string;
  role: Requester['role'];
  sessionId: string;
  /** The submitting socket (an instructor's jobs go to it alone). */
  socketId: string;
}

/** The jobs in flight on one server (shared by all its sockets). */
export type JobRegistry = Map<string, JobRecord>;

/** An empty registry; create one per Socket.io server. */
export function createJobRegistry(): JobRegistry {
  return new Map();
}

interface Submitter extends Requester {
  sessionId: string;
  /** Where the job's events go. */
  room: string;
}

/**
 * The submitter behind a socket. Students are identified by their participant (so fairness and the per-student cap
 * hold across tabs), instructors by their signed cookie; a guest socket may not compute (authorization.ts).
 */
function submitter(socket: IoSocket): Submitter & { selfPaced?: { accountId: string; assignmentId: string } } {
  const self = socket.data.selfPaced;
  // A student working on an assignment (assignment.handlers.ts): by account; events go to this tab.
  if (self) return { ownerId: `account:${self.accountId}`, role: 'student', sessionId: `assignment:${self.assignmentId}`, room: socket.id, selfPaced: self };
  const who = memberOf(socket);
  if (who.role === 'participant') {
    return { ownerId: who.participantId, role: 'student', sessionId: who.sessionId, room: rooms.participant(who.participantId) };
  }
  // The instructor prefix keeps instructor and participant ids apart in the fair queue.
  return { ownerId: `instructor:${who.instructorId}`, role: 'instructor', sessionId: who.sessionId, room: socket.id };
}

/** Registers `job:submit` and `job:cancel` on a connected socket. */
export function registerComputeHandlers(socket: IoSocket, ctx: ServerContext, registry: JobRegistry): void {
  handle(socket, ctx, 'job:submit', async ({ spec }) => {
    const who = submitter(socket);
    // An assignment may have closed since the page opened it; a live session has its own rules.
    if (who.selfPaced) await checkSelfPaced(ctx, who.selfPaced.accountId, who.selfPaced.assignmentId);
    else await checkSessionRules(ctx, socket, 'job:submit');
    const service = await ctx.compute.get();
    const nsp = socket.nsp;
    // The client learns the job id from the ack, so the job's events wait until the ack has gone out: a cached
    // result is ready before submit() even returns.
    let acked = false;
    let finished = false;
    const early: Array<() => void> = [];
    const send = (emit: () => void) => (acked ? emit() : early.push(emit));
    const accepted = await service.submit(spec, { ownerId: who.ownerId, role: who.role }, {
      progress: (p: JobProgress) => send(() => nsp.to(who.room).emit('job:progress', p)),
      result: (outcome: JobOutcome) => {
        finished = true;
        registry.delete(outcome.jobId);
        send(() => nsp.to(who.room).emit('job:result', outcome));
      },
    });
    if (!finished) registry.set(accepted.jobId, { ownerId: who.ownerId, role: who.role, sessionId: who.sessionId, socketId: socket.id });
    // setImmediate runs after the microtasks in which validate.ts writes the ack.
    setImmediate(() => {
      acked = true;
      for (const emit of early.splice(0)) emit();
    });
    return accepted;
  });

  handle(socket, ctx, 'job:cancel', async ({ jobId }) => {
    const who = submitter(socket);
    const job = registry.get(jobId);
    // Finished (or never existed): nothing left to stop.
    const service = ctx.compute.current();
    if (!job || !service) return { cancelled: false };
    const mine = job.ownerId === who.ownerId;
    const watched = who.role === 'instructor' && job.sessionId === who.sessionId;
    if (!mine && !watched) throw new ProtocolError('FORBIDDEN', `job ${jobId} is not yours`);
    return { cancelled: service.cancel(jobId, null) };
  });
}

/**
 * Cleans up after a socket that disconnected: an instructor's jobs and those of a student working on an assignment
 * are cancelled (their events went to that socket alone); a live student's keep running, since a reloaded tab receives them through the participant room.
 */
export function releaseSocketJobs(socket: IoSocket, ctx: ServerContext, registry: JobRegistry): void {
  const service = ctx.compute.current();
  if (!service) return;
  for (const [jobId, job] of registry) {
    if ((job.role === 'instructor' || job.sessionId.startsWith('assignment:')) && job.socketId === socket.id) service.cancel(jobId, null);
  }
}

/** Cancels every job of one owner (a participant removed from the session: nobody is left to receive them). */
export function cancelJobsOf(ownerId: string, ctx: ServerContext, registry: JobRegistry): number {
  const service = ctx.compute.current();
  if (!service) return 0;
  let cancelled = 0;
  for (const [jobId, job] of registry) if (job.ownerId === ownerId && service.cancel(jobId, null)) cancelled++;
  return cancelled;
}
