/**
 * Socket.io on the shared http server: handshake checks (Origin, protocol version, instructor cookie),
 * per-socket limits, the session and compute handlers, and the classroom's announcements turned into broadcasts.
 */
import type { Server as HttpServer } from 'node:http';
import { LAB_LIMITS, PROTOCOL_VERSION, SOCKET_PING, studentSessionState, type ErrorCode, type SessionState } from '@convlab/protocol';
import { Server } from 'socket.io';
import type { ServerContext } from '../context';
import { clientIp, originAllowed } from '../security/origin';
import { TokenBucket } from '../security/rate-limit';
import { registerAssignmentHandlers } from './assignment.handlers';
import { cancelJobsOf, createJobRegistry, registerComputeHandlers, releaseSocketJobs, shareJobCancels, socketsWithJobs, type JobRegistry } from './compute.handlers';
import { createLabsHub, type LabsHub } from './labs.handlers';
import { leave, registerSessionHandlers } from './session.handlers';
import { rooms, type IoServer } from './types';
import { handleUnknownEvents } from './validate';

function refusal(error: ErrorCode, message: string): Error {
  // The client sees `err.message` and `err.data` in its connect_error handler (see connectErrorCode()).
  return Object.assign(new Error(error), { data: { error, message } });
}

/** Each server's job registry (drainSockets reads it). */
const registries = new WeakMap<IoServer, JobRegistry>();
const hubs = new WeakMap<IoServer, LabsHub>();

/** Waits for the class runs that just finished to be stored and announced (see LabsHub.settle). */
export function settleLabs(io: IoServer): Promise<void> {
  return hubs.get(io)?.settle() ?? Promise.resolve();
}

/**
 * A rolling restart moves this node's clients to the other nodes: each connection is closed as soon as no job it
 * submitted is still running here (a browser gives up on a job whose connection drops), all of them by `timeoutMs`.
 * The transport is closed, not the Socket.io session: the client sees a dropped connection (never a server-side
 * disconnect, after which it would not come back) and reconnects at once through the proxy. Until its socket closes,
 * a student gets every broadcast and result here as usual.
 */
export async function drainSockets(io: IoServer, timeoutMs: number): Promise<{ moved: number; waited: number; cut: number }> {
  const jobs = registries.get(io);
  const deadline = Date.now() + timeoutMs;
  const closed = new Set<string>();
  const waited = new Set<string>();
  let cut = 0;
  for (;;) {
    const busy = jobs ? socketsWithJobs(jobs) : new Set<string>();
    const sockets = [...io.of('/').sockets.values()];
    for (const socket of sockets) {
      if (busy.has(socket.id)) waited.add(socket.id);
      else if (!closed.has(socket.id)) {
        closed.add(socket.id);
        socket.conn.close();
      }
    }
    if (sockets.every((socket) => !busy.has(socket.id))) break;
    if (Date.now() > deadline) {
      cut = sockets.filter((socket) => busy.has(socket.id)).length;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  io.engine.close();
  return { moved: closed.size, waited: waited.size, cut };
}

/** Attaches Socket.io to `httpServer` and wires it to the classroom. */
export function createRealtime(httpServer: HttpServer, ctx: ServerContext): IoServer {
  const io: IoServer = new Server(httpServer, {
    path: '/socket.io',
    // A lab submission's PNG travels as one binary frame, so binary frames may be as large as a result image
    // (and lab:submit answers PAYLOAD_TOO_LARGE itself); text frames keep the general cap (below).
    maxHttpBufferSize: Math.max(ctx.limits.maxHttpBufferSize, LAB_LIMITS.resultImageMaxBytes + 64 * 1024),
    // Other upgrade requests (Next.js dev HMR) are routed by server/index.ts, not destroyed here.
    destroyUpgrade: false,
    // Clients wait as long for a join's ack before asking again (JOIN_ACK_TIMEOUT_MS).
    pingInterval: SOCKET_PING.intervalMs,
    pingTimeout: SOCKET_PING.timeoutMs,
    serveClient: false,
    // Scaled out: broadcasts reach the rooms' sockets on every node (Redis Streams).
    ...(ctx.scale ? { adapter: ctx.scale.adapter } : {}),
  });

  io.use(async (socket, next) => {
    const { headers } = socket.handshake;
    if (!originAllowed(headers, { publicUrl: ctx.config.publicUrl, trustProxy: ctx.config.trustProxy })) {
      return next(refusal('FORBIDDEN', 'connections from other sites are refused'));
    }
    const version = (socket.handshake.auth as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    if (version !== PROTOCOL_VERSION) {
      return next(
        refusal('PROTOCOL_MISMATCH', `this server speaks protocol ${PROTOCOL_VERSION}, the client ${String(version)}; reload the page`),
      );
    }
    // A signed-out or revoked cookie makes a guest (the student pages connect without one anyway).
    const signedIn = await ctx.auth.verify(headers.cookie).catch(() => null);
    const account = signedIn ? await ctx.accounts.findById(signedIn.instructorId).catch(() => null) : null;
    socket.data = {
      role: 'guest',
      instructorId: signedIn?.instructorId,
      instructorExp: signedIn?.exp,
      authSessionId: signedIn?.sessionId,
      instructorApproved: account?.role === 'instructor' && account.approved,
      ip: clientIp(headers, socket.conn.remoteAddress, ctx.config.trustProxy),
      bucket: new TokenBucket(ctx.limits.socketBurst, ctx.limits.socketRefillPerSecond),
    };
    next();
  });

  // Last, once the address is known: the per-address connection cap (logged when it refuses).
  io.use((socket, next) => {
    const address = socket.data.ip;
    if (!ctx.connections.tryOpen(address)) {
      return next(refusal('RATE_LIMITED', 'too many connections from your network address; try again later'));
    }
    socket.once('disconnect', () => ctx.connections.close(address));
    next();
  });

  // Text frames (every event's JSON) keep the general transport cap: a bigger one closes the connection, as before.
  io.engine.on('connection', (raw: { on(ev: 'packet', fn: (p: { type: string; data?: unknown }) => void): void; close(): void }) => {
    raw.on('packet', (packet) => {
      const data = packet.data;
      if (packet.type !== 'message' || typeof data !== 'string' || data.length * 3 <= ctx.limits.maxHttpBufferSize) return;
      if (Buffer.byteLength(data) > ctx.limits.maxHttpBufferSize) raw.close();
    });
  });

  const jobs = createJobRegistry();
  registries.set(io, jobs);
  shareJobCancels(jobs, ctx);
  const labs = createLabsHub(io, ctx);
  hubs.set(io, labs);
  io.on('connection', (socket) => {
    if (socket.data.instructorId) void socket.join(rooms.account(socket.data.instructorId));
    registerSessionHandlers(socket, ctx);
    registerComputeHandlers(socket, ctx, jobs);
    registerAssignmentHandlers(socket, ctx);
    labs.register(socket);
    handleUnknownEvents(socket);
    socket.on('disconnect', () => {
      const participantId = socket.data.participantId;
      releaseSocketJobs(socket, ctx, jobs);
      leave(socket, ctx);
      labs.disconnected(participantId);
    });
  });

  // A withdrawn approval reaches the instructor's sockets on every node: told why, then disconnected; they come back
  // unapproved (read at the handshake), so every instructor action is refused.
  ctx.instructorAccess.onWithdrawn((accountId) => {
    const room = rooms.account(accountId);
    io.to(room).emit('instructor:approval-withdrawn', { message: 'an administrator withdrew the approval of this instructor account: it can no longer run sessions' });
    io.in(room).disconnectSockets(false);
  });

  // A revoked sign-in (sign-out elsewhere, or from the list of sessions) loses its live sockets at once.
  ctx.auth.onRevoked((sessionId) => {
    for (const socket of io.of('/').sockets.values()) if (socket.data.authSessionId === sessionId) socket.disconnect(true);
  });

  ctx.classroom.on({
    state: (sessionId, state) => {
      // Students get the steps without their server-only grading; instructors (and the projector) the whole state.
      io.to(rooms.session(sessionId)).except(rooms.instructors(sessionId)).emit('session:state', studentSessionState(state));
      io.to(rooms.instructors(sessionId)).emit('session:state', state);
      prewarmLabModel(state, ctx);
    },
    presence: (sessionId, participants) => io.to(rooms.instructors(sessionId)).emit('presence:update', { participants }),
    removed: (_sessionId, participantId, message) => {
      cancelJobsOf(participantId, ctx, jobs);
      labs.left(participantId);
      const room = rooms.participant(participantId);
      io.to(room).emit('participant:removed', { message });
      // A namespace-level disconnect follows the event on the same transport, so it arrives after it;
      // the client does not reconnect after a server-side disconnect.
      io.in(room).disconnectSockets(false);
    },
  });

  return io;
}

/**
 * When a class arrives at a lab step, start the compute workers and load the step's model in the background, so the
 * first server job and a "sweep together" do not wait for it.
 */
function prewarmLabModel(state: SessionState, ctx: ServerContext): void {
  const step = state.steps[state.currentStep];
  const model = step?.kind === 'lab' ? step.params['model'] : undefined;
  if (state.status !== 'live' || typeof model !== 'string') return;
  // After this turn of the event loop, so the step change is answered and broadcast first; the workers then start at a
  // lower CPU priority than the event loop (server/compute/worker-boot.mjs), so joins never wait for their warm-up.
  setImmediate(() => {
    ctx.compute
      .get()
      .then((service) => service.describeModel(model))
      // A missing model is reported when a job names it; warming up is best effort.
      .catch(() => {});
  });
}
