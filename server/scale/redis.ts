/**
 * Scale-out on Redis: the connections one node keeps, its health as /api/health and the log see it, and the shared
 * stores built on them (Socket.io's Redis Streams adapter, rate-limiter-flexible's Redis store).
 *
 * Redis going down must not stop a node from serving its own clients, so every command that sits on a request's path
 * fails fast instead of queueing (`enableOfflineQueue: false`): the adapter then still broadcasts to local sockets and
 * the limiters fall back to their in-memory insurance. Only the adapter's stream readers and subscriber queue while
 * Redis is away, so they resume where they stopped when it returns.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { openNodeRequests, type NodeRequests } from './node-requests';
import type { LimiterStore } from '../security/rate-limit';

/** What /api/health says about Redis. */
export interface RedisHealth {
  node: string;
  status: 'up' | 'down';
  /** When the current outage began (ISO time), while down. */
  downSince?: string;
}

export interface ScaleOut {
  /** This node's name in logs, health and presence: host, pid and a random suffix. */
  readonly nodeId: string;
  /** Prefix of every key and channel. */
  readonly prefix: string;
  /** The command connection (fails fast while Redis is down). */
  readonly redis: Redis;
  /** The Socket.io adapter factory (pass as the server's `adapter` option). */
  readonly adapter: ReturnType<typeof createAdapter>;
  /** Rate-limit counters in Redis, with an in-memory insurance limiter while Redis is unreachable. */
  readonly limiterStore: LimiterStore;
  /** Requests answered by the node that holds what they are about (a class sweep's shards, a job's cancel). */
  readonly requests: NodeRequests;
  health(): RedisHealth;
  /** Resolves once connected, or after `timeoutMs` (a node starts without Redis and says so). */
  ready(timeoutMs: number): Promise<boolean>;
  /** Called with true when Redis comes back after an outage (nodes catch up then), false when it goes away. */
  onAvailability(fn: (up: boolean) => void): void;
  /** Runs `fn` when the node shuts down, before its Redis connection closes (handing back leases). */
  beforeClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

/** Reconnects every 0.2 s at first, then at most every 2 s: a restarted Redis is found again within seconds. */
const retryStrategy = (attempt: number) => Math.min(200 * attempt, 2000);

/** Opens this node's Redis connections; never throws for an unreachable Redis (the node starts and says so). */
export function openScaleOut(opts: { url: string; prefix: string; log: (line: string) => void }): ScaleOut {
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const base: RedisOptions = { retryStrategy, maxRetriesPerRequest: 1, connectionName: `convlab ${nodeId}` };
  const redis = new Redis(opts.url, { ...base, enableOfflineQueue: false });
  // The adapter duplicates its client for the stream readers and the subscriber: those may wait for Redis to return.
  redis.duplicate = () => new Redis(opts.url, { ...base, maxRetriesPerRequest: null });

  let downSince: Date | undefined = new Date();
  const listeners: ((up: boolean) => void)[] = [];
  const closing: (() => Promise<void>)[] = [];
  let everUp = false;
  redis.on('ready', () => {
    const was = downSince;
    downSince = undefined;
    opts.log(`[redis] ${everUp ? `back after ${((Date.now() - was!.getTime()) / 1000).toFixed(1)} s: shared state resumes` : 'connected'} (node ${nodeId})`);
    if (everUp) for (const fn of listeners) fn(true);
    everUp = true;
  });
  redis.on('error', () => undefined); // 'close' below reports the outage once, not every retry
  redis.on('close', () => {
    if (downSince) return;
    downSince = new Date();
    opts.log(`[redis] unreachable: node ${nodeId} keeps serving its own clients; broadcasts to other nodes and shared limits pause`);
    for (const fn of listeners) fn(false);
  });

  const adapter = createAdapter(redis, {
    streamName: `${opts.prefix}socket.io`,
    channelPrefix: `${opts.prefix}socket.io`,
    sessionKeyPrefix: `${opts.prefix}sio:session:`,
    // A closing node's readers notice within this long.
    blockTimeInMs: 2000,
  });

  const limiterStore: LimiterStore = (o) =>
    new RateLimiterRedis({
      storeClient: redis,
      ...o,
      keyPrefix: `${opts.prefix}rl:${o.keyPrefix}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(o),
    });

  const requests = openNodeRequests(redis, opts.prefix, nodeId);

  return {
    nodeId,
    prefix: opts.prefix,
    redis,
    adapter,
    limiterStore,
    requests,
    health: () => ({ node: nodeId, status: downSince ? 'down' : 'up', ...(downSince ? { downSince: downSince.toISOString() } : {}) }),
    onAvailability: (fn) => void listeners.push(fn),
    beforeClose: (fn) => void closing.push(fn),
    ready: (timeoutMs) =>
      redis.status === 'ready'
        ? Promise.resolve(true)
        : new Promise((resolveReady) => {
            const timer = setTimeout(() => resolveReady(false), timeoutMs);
            redis.once('ready', () => {
              clearTimeout(timer);
              resolveReady(true);
            });
          }),
    close: async () => {
      await Promise.all(closing.map((fn) => fn().catch(() => undefined)));
      listeners.length = 0;
      requests.close();
      redis.disconnect();
    },
  };
}
