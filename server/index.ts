/**
 * ConvLab's one Node process: a single http server that serves the JSON API (server/http), Socket.io
 * (server/realtime) and, for every other path, Next.js. `startServer()` is used by tests (PORT=0 works);
 * running this file (`tsx server/index.ts`) starts it from the environment.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Classroom } from '@convlab/classroom';
import { createModelFilesHandler } from '@convlab/nets/node';
import { AuthSessions } from './auth/auth-sessions';
import { InstructorAccess } from './auth/instructor-access';
import { loadOrCreateSecret } from './auth/secret';
import type { ComputeServiceOptions } from './compute/service';
import { createComputeLauncher, decideBackendAtStart } from './compute-launcher';
import { loadConfig, type Config } from './config';
import { DEFAULT_LIMITS, createServerClock, createThrottles, type Limits, type ServerContext } from './context';
import { openStore } from './db';
import { createApiRouter } from './http/api';
import { handleLtiPages } from './http/lti.routes';
import { collectUnreferencedImages } from './images/image-gc';
import { ImageQuota } from './images/image-quota';
import { createCourseBridge } from './lti/course-bridge';
import { LtiService } from './lti/service';
import { ModelStore } from './models/model-store';
import { createRealtime, drainSockets, settleLabs } from './realtime/io';
import { catchUpLocalClients } from './scale/catch-up';
import { openScaleOut } from './scale/redis';
import { createSharedClassroom } from './scale/shared-classroom';
import { ConnectionCap } from './security/connection-cap';
import { applySecurityHeaders, isLtiFramedPath } from './security/headers';
import { isSecureRequest } from './security/origin';
import type { IoServer } from './realtime/types';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface StartOptions {
  /** Environment to read the configuration from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Overrides applied on top of the environment. */
  config?: Partial<Config>;
  /** Overrides of the rate and size limits. */
  limits?: Partial<Limits>;
  /** Overrides of the compute service's options (slots per worker, batching, models dir…). */
  compute?: Partial<ComputeServiceOptions>;
  /** Where start-up lines go (default: console.log); `false` for silence. */
  log?: ((line: string) => void) | false;
}

export interface RunningServer {
  /** Base URL, e.g. http://localhost:43121 */
  url: string;
  port: number;
  config: Config;
  context: ServerContext;
  io: IoServer;
  /** Stops accepting connections, closes sockets, the compute service, Next.js and the database. */
  close(): Promise<void>;
  /**
   * A rolling restart's SIGTERM: stops accepting, moves its clients (each connection is closed once the jobs it
   * submitted have answered, all by `jobsMs`; they reconnect through the proxy to another node), lets the remaining
   * jobs finish, then closes.
   */
  drain(opts?: { jobsMs?: number }): Promise<void>;
}

/** The version in the root package.json. */
export function readVersion(): string {
  return (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Starts ConvLab: storage (with migrations), API, Socket.io and (unless disabled) Next.js on one port. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...loadConfig(options.env ?? process.env), ...options.config };
  const signupsPerIp = { ...DEFAULT_LIMITS.signupsPerIp, maxFailures: config.accounts.signupsPerAddressHour };
  const limits: Limits = { ...DEFAULT_LIMITS, signupsPerIp, ...options.limits };
  const log = options.log === false ? () => undefined : (options.log ?? ((line: string) => console.log(line)));

  // CONVLAB_COMPUTE_BACKEND=webgpu with no GPU adapter stops here, before anything is opened.
  const computeChoice = await decideBackendAtStart(config);
  const secret = loadOrCreateSecret(config.dataDir, config.secret);
  const opened = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  // CONVLAB_ADMIN_EMAIL names the admin; an account with that e-mail made before it was set becomes admin now.
  if (config.accounts.adminEmail) await opened.accounts.promoteAdmin(config.accounts.adminEmail);
  // Several nodes: Socket.io broadcasts, limits and presence go through Redis (PostgreSQL is checked by loadConfig).
  const scale = config.redis ? openScaleOut({ ...config.redis, log }) : undefined;
  if (scale && !(await scale.ready(5000))) log('[redis] not reachable yet: starting anyway; this node serves its own clients until it is');
  const onError = (err: unknown) => console.error('[classroom]', err);
  const shared = scale && createSharedClassroom(scale, { graceMs: config.graceMs, onError });
  const classroom = new Classroom({ store: opened.store, graceMs: config.graceMs, onError, shared });
  const context: ServerContext = {
    config,
    limits,
    version: readVersion(),
    secret,
    store: opened.store,
    auth: new AuthSessions(opened.instructorSessions, secret),
    instructorAccess: new InstructorAccess(),
    classroom,
    accounts: opened.accounts,
    courses: opened.courses,
    assignments: opened.assignments,
    clock: createServerClock(),
    imageUsage: opened.imageUsage,
    lessons: opened.lessons,
    imageQuota: new ImageQuota(opened.imageUsage, { perStudentBytes: config.quotas.studentImageBytes, perSessionBytes: config.quotas.sessionImageBytes }),
    connections: new ConnectionCap(config.quotas.connectionsPerAddress),
    dbKind: opened.kind,
    migrationStatus: () => opened.migrationStatus(),
    // Lazy: the worker pool starts with the first job, not here.
    // Results worth keeping go to the database too (server/compute/result-store.ts), so a restart keeps them.
    // Scaled out, jobs run on worker processes (npm run worker) through the shared BullMQ queue.
    compute: createComputeLauncher(
      config,
      {
        results: { store: opened.jobResults },
        choice: computeChoice,
        ...(scale && config.redis ? { remote: { url: config.redis.url, prefix: config.redis.prefix, nodeId: scale.nodeId, uploadsDir: resolve(config.dataDir, 'images') } } : {}),
        ...options.compute,
      },
      log,
    ),
    // An upload counts only once a compute worker has imported it.
    models: new ModelStore({
      dir: resolve(config.dataDir, 'models'),
      rows: opened.uploadedModels,
      validate: async (id) => (await context.compute.get()).describeModel(id),
      // A compute service not started yet has nothing cached.
      forget: (id) => context.compute.current()?.forgetModel(id),
      browserMaxBytes: config.models.browserMaxBytes,
    }),
    throttles: createThrottles(limits, scale?.limiterStore),
    scale,
    lti: new LtiService(opened.lti, secret, createCourseBridge(opened.accounts, opened.courses, opened.assignments), { retryDelaysMs: limits.agsRetryDelaysMs }),
  };
  await context.lti.start();
  // Scaled out, the compute service is only a connection to the shared queue: open it now, so /api/health lists the
  // worker processes from the start.
  if (scale) void context.compute.get().catch(() => undefined);

  const api = createApiRouter();
  // Model files for browsers that compute locally: sha256 ETags, immutable when versioned, kept in Cache Storage.
  const modelFiles = createModelFilesHandler({ basePath: '/models', allowDownload: true });
  let nextHandler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let nextClose: (() => Promise<void>) | undefined;
  // Next.js attaches its upgrade listener (dev HMR) to this emitter; we forward only non-Socket.io upgrades.
  const nextUpgrades = new EventEmitter();

  const httpServer = createServer((req, res) => {
    void (async () => {
      try {
        const nonce = applySecurityHeaders(req, res, {
          dev: config.next && config.dev,
          // The LMS frames the LTI pages (and the pages they lead to): only its registered platforms may.
          frameOrigins: (pathname) => (isLtiFramedPath(pathname) ? context.lti.frameOrigins() : []),
        });
        const secure = isSecureRequest(req.headers, 'encrypted' in req.socket && Boolean(req.socket.encrypted), config.trustProxy);
        if (await handleLtiPages(req, res, context, nonce, secure)) return;
        if (await api.handle(req, res, context)) return;
        if (await modelFiles(req, res)) return;
        if (nextHandler) return await nextHandler(req, res);
        const status = config.next ? 503 : 404;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(config.next ? { error: 'INTERNAL', message: 'starting up' } : { error: 'NOT_FOUND', message: 'not found' }));
      } catch (err) {
        console.error('[http] unhandled error:', err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'INTERNAL', message: 'internal server error' }));
      }
    })();
  });
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith('/socket.io/')) return; // engine.io handles it
    if (nextUpgrades.listenerCount('upgrade') > 0) nextUpgrades.emit('upgrade', req, socket, head);
    else socket.destroy();
  });

  const io = createRealtime(httpServer, context);
  scale?.onAvailability((up) => {
    if (up) catchUpLocalClients(io, context).catch((err: unknown) => console.error('[redis] catching up failed:', err));
  });

  try {
    await new Promise<void>((resolveListen, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    await context.lti.close();
    await classroom.close();
    io.close();
    await opened.close();
    await scale?.close();
    throw err;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${displayHost(config.host)}:${port}`;

  if (config.next) {
    try {
      // Created after listen so Next knows the real port (PORT=0 picks one).
      const { default: next } = await import('next');
      const app = next({
        dev: config.dev,
        dir: ROOT,
        hostname: config.host ?? 'localhost',
        port,
        httpServer: nextUpgrades as unknown as import('node:http').Server,
      });
      await app.prepare();
      const handler = app.getRequestHandler();
      nextHandler = (req, res) => handler(req, res);
      nextClose = () => app.close();
    } catch (err) {
      await context.lti.close();
      await classroom.close();
      await context.compute.close(); // sockets were already served while Next.js prepared
      await new Promise<void>((r) => io.close(() => r()));
      await opened.close();
      await scale?.close();
      throw err;
    }
  }

  const scaleNote = scale ? `, redis: node ${scale.nodeId}` : '';
  log(`ConvLab ${context.version} listening on ${url} (database: ${opened.kind} ${opened.location}${scaleNote}${config.next ? `, next: ${config.dev ? 'dev' : 'production'}` : ', no next'})`);

  // Students' images nothing references are collected after their grace period: soon after start, then hourly.
  const collectImages = () =>
    void collectUnreferencedImages({ usage: opened.imageUsage, imagesDir: resolve(config.dataDir, 'images'), graceMs: config.quotas.imageGraceMs, log }).catch(
      (err: unknown) => console.error('[images] collection failed:', err),
    );
  const gcFirst = setTimeout(collectImages, 60_000);
  const gcEvery = setInterval(collectImages, 3_600_000);
  gcFirst.unref();
  gcEvery.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearTimeout(gcFirst);
      clearInterval(gcEvery);
      await context.lti.close();
      // Classroom first: the disconnects that closing Socket.io causes must not start grace timers.
      await classroom.close();
      // Compute before Socket.io, so jobs still running tell their students the server is shutting down.
      await context.compute.close();
      // A class sweep that finished meanwhile is stored and announced before the database and Socket.io close.
      await settleLabs(io);
      await new Promise<void>((r) => io.close(() => r())); // also closes httpServer
      httpServer.closeAllConnections?.();
      await nextClose?.().catch(() => undefined);
      await opened.close();
      await shared?.close();
      await scale?.close();
    })());

  const drain = async ({ jobsMs = 20_000 }: { jobsMs?: number } = {}) => {
    if (closing) return closing;
    // No new connections: the proxy sends them to the other nodes.
    httpServer.close();
    httpServer.closeIdleConnections?.();
    // The clients move while everything here still runs (so no broadcast meets a closing node), each once its jobs
    // are done; then the jobs others submitted (checks, grading) finish, and only then does anything close.
    const started = Date.now();
    const moved = await drainSockets(io, jobsMs);
    log(`drain: ${moved.moved} connections moved in ${((Date.now() - started) / 1000).toFixed(1)} s (${moved.waited} after their jobs answered${moved.cut ? `, ${moved.cut} cut with jobs running` : ''})`);
    await context.compute.current()?.idle(Math.max(0, jobsMs - (Date.now() - started)));
    if (context.compute.current()?.busy) log(`drain: compute jobs still running after ${((Date.now() - started) / 1000).toFixed(1)} s: stopped`);
    await close();
  };

  return { url, port, config, context, io, close, drain };
}

/** The host part of the URL we print: localhost for "all interfaces", IPv6 in brackets. */
function displayHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  startServer().then(
    (server) => {
      const stop = (signal: string) => {
        console.log(`${signal}: shutting down${signal === 'SIGTERM' ? ' (clients move to other nodes, jobs finish first)' : ''}`);
        const force = setTimeout(() => process.exit(1), signal === 'SIGTERM' ? 40_000 : 10_000);
        force.unref();
        (signal === 'SIGTERM' ? server.drain() : server.close()).then(
          () => process.exit(0),
          (err) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    (err) => {
      console.error(err instanceof Error && err.name === 'ConfigError' ? err.message : err);
      process.exit(1);
    },
  );
}
