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

/** The jobs in flight on one server (shared by all its sockets); `remote` reaches the other nodes' (scale-out). */
export type JobRegistry = Map<string, JobRecord> & {
  remote?: { cancel(jobId: string, who: Pick<Submitter, 'ownerId' | 'role' | 'sessionId'>): Promise<boolean> };
  /** Submissions not yet acknowledged, per socket id (a draining node keeps those connections until they are). */
  submitting: Map<string, number>;
};

/** An empty registry; create one per Socket.io server (and share its cancels across nodes: shareJobCancels). */
export function createJobRegistry(): JobRegistry {
  return Object.assign(new Map<string, JobRecord>(), { submitting: new Map<string, number>() });
}

/** The sockets that wait for a job here: one submitted and not answered, or a submission not yet acknowledged. */
export function socketsWithJobs(registry: JobRegistry): Set<string> {
  return new Set([...[...registry.values()].map((j) => j.socketId), ...registry.submitting.keys()]);
}

interface Submitter extends Requester {
  sessionId: string;
  /** Where the job's events go. */
  room: string;
  /** A student working on an assignment (assignment.handlers.ts) rather than in a live session. */
  selfPaced?: { accountId: string; assignmentId: string };
}

/**
 * The submitter behind a socket. Students are identified by their participant (so fairness and the per-student cap
 * hold across tabs), instructors by their signed cookie; a guest socket may not compute (authorization.ts).
 */
function submitter(socket: IoSocket): Submitter {
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
    const count = (d: number) => {
      const n = (registry.submitting.get(socket.id) ?? 0) + d;
      if (n > 0) registry.submitting.set(socket.id, n);
      else registry.submitting.delete(socket.id);
    };
    // Counted until the ack and any early events have gone out (a draining node keeps the connection till then).
    count(1);
    try {
      return await submitJob(who, spec, () => count(-1));
    } catch (err) {
      count(-1);
      throw err;
    }
  });

  async function submitJob(who: Submitter, spec: unknown, delivered: () => void) {
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
      delivered();
    });
    return accepted;
  }

  handle(socket, ctx, 'job:cancel', async ({ jobId }) => {
    const who = submitter(socket);
    const job = registry.get(jobId);
    const service = ctx.compute.current();
    // Submitted through another node (this student reconnected here, or has a tab there): that node stops it.
    if (!job && service && registry.remote) return { cancelled: await registry.remote.cancel(jobId, who) };
    // Finished (or never existed): nothing left to stop.
    if (!job || !service) return { cancelled: false };
    if (!mayCancel(job, who)) throw new ProtocolError('FORBIDDEN', `job ${jobId} is not yours`);
    return { cancelled: service.cancel(jobId, null) };
  });
}

/** The owner cancels their job; an instructor any job of the session they watch. */
function mayCancel(job: JobRecord, who: Pick<Submitter, 'ownerId' | 'role' | 'sessionId'>): boolean {
  return job.ownerId === who.ownerId || (who.role === 'instructor' && job.sessionId === who.sessionId);
}

type CancelAsk = { jobId: string; who: Pick<Submitter, 'ownerId' | 'role' | 'sessionId'> };

/**
 * Scaled out (Redis): job ids are this node's, so a cancel that reaches another node is asked of every node; the node
 * that holds the job checks the same rights, stops it and answers. No answer within 2 s (the job finished, or never
 * was): not cancelled.
 */
export function shareJobCancels(registry: JobRegistry, ctx: ServerContext): void {
  const scale = ctx.scale;
  if (!scale) return;
  scale.requests.handle('job:cancel', ({ jobId, who }: CancelAsk) => {
    const job = registry.get(jobId);
    const service = ctx.compute.current();
    if (!job || !service) return undefined;
    return mayCancel(job, who) && service.cancel(jobId, null);
  });
  registry.remote = {
    cancel: async (jobId, who) => (await scale.requests.ask<boolean>('all', 'job:cancel', { jobId, who } satisfies CancelAsk, 2000)) ?? false,
  };
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
