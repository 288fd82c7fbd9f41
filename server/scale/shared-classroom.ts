/**
 * The classroom's shared state on Redis (scale-out): a presence board every node reports its own connections to, and
 * a per-session lock, so that several nodes behave as one classroom. Both degrade to this node's own view while Redis
 * is down (the node keeps serving its clients) and `resync` puts this node's view back when it returns.
 */
import { randomBytes } from 'node:crypto';
import type { PresenceBoard, SessionLock } from '@convlab/classroom';
import type { Presence } from '@convlab/protocol';
import type { ScaleOut } from './redis';

/** A node's heartbeat lives this long; a node silent for longer is gone (killed) and its seats are reconnecting. */
const NODE_TTL_MS = 15_000;
const HEARTBEAT_MS = 5_000;
/** A lock holder that died frees the session after this long; changes of a session take milliseconds. */
const LOCK_TTL_MS = 10_000;
const LOCK_RETRY_MS = 5;

// Deletes the lock only when we still hold it (Redis' documented single-instance lock pattern).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface SharedClassroom {
  presence: PresenceBoard;
  lock: SessionLock;
  close(): Promise<void>;
}

/**
 * Presence: one hash per session, a field per (participant, node) holding that node's view. A killed node's fields
 * count as reconnecting for the grace period after its heartbeat stopped, then they are removed (offline).
 */
export function createSharedClassroom(scale: ScaleOut, opts: { graceMs: number; onError: (err: unknown) => void }): SharedClassroom {
  const { redis, prefix, nodeId } = scale;
  const up = () => redis.status === 'ready';
  const boardKey = (sessionId: string) => `${prefix}presence:${sessionId}`;
  const nodeKey = (node: string) => `${prefix}node:${node}`;
  const goneKey = (node: string) => `${prefix}node-gone:${node}`;

  const beat = () => {
    if (up()) redis.set(nodeKey(nodeId), '1', 'PX', NODE_TTL_MS).catch(() => undefined);
  };
  redis.on('ready', beat);
  beat();
  const heartbeat = setInterval(beat, HEARTBEAT_MS);
  heartbeat.unref();

  /** Nodes (of `nodes`) whose heartbeat stopped, with how long ago they were first seen gone. */
  async function goneNodes(nodes: string[]): Promise<Map<string, number>> {
    const others = nodes.filter((n) => n !== nodeId);
    if (!others.length) return new Map();
    const alive = await redis.mget(others.map(nodeKey));
    const gone = new Map<string, number>();
    const now = Date.now();
    for (const [i, node] of others.entries()) {
      if (alive[i] !== null) continue;
      // The first node to notice records when; everyone then counts the grace period from there.
      await redis.set(goneKey(node), String(now), 'PX', 24 * 3_600_000, 'NX');
      gone.set(node, now - Number((await redis.get(goneKey(node))) ?? now));
    }
    return gone;
  }

  const presence: PresenceBoard = {
    async report(sessionId, participantId, state) {
      if (!up()) return; // resync() reports it when Redis is back
      const field = `${participantId} ${nodeId}`;
      if (state === 'offline') await redis.hdel(boardKey(sessionId), field);
      else await redis.hset(boardKey(sessionId), field, state);
    },
    async read(sessionId) {
      const combined = new Map<string, Presence>();
      if (!up()) return combined;
      try {
        const fields = await redis.hgetall(boardKey(sessionId));
        const entries = Object.entries(fields).map(([field, state]) => {
          const [participantId, node] = field.split(' ') as [string, string];
          return { field, participantId, node, state: state as Presence };
        });
        const gone = await goneNodes([...new Set(entries.map((e) => e.node))]);
        const expired: string[] = [];
        for (const e of entries) {
          const goneFor = gone.get(e.node);
          if (goneFor !== undefined && goneFor > opts.graceMs) {
            expired.push(e.field);
            continue;
          }
          const state: Presence = goneFor === undefined ? e.state : 'reconnecting';
          if (state === 'online' || !combined.has(e.participantId)) combined.set(e.participantId, state);
        }
        if (expired.length) await redis.hdel(boardKey(sessionId), ...expired);
      } catch (err) {
        opts.onError(err); // this node's own view still answers
      }
      return combined;
    },
  };

  const lock: SessionLock = {
    async run(key, task) {
      if (!up()) return task(); // Redis is away: this node serializes its own changes; the database keeps them consistent
      const lockKey = `${prefix}lock:${key}`;
      const token = randomBytes(12).toString('hex');
      for (;;) {
        const got = await redis.set(lockKey, token, 'PX', LOCK_TTL_MS, 'NX').catch(() => 'down' as const);
        if (got === 'OK') break;
        if (got === 'down') return task();
        await new Promise((r) => setTimeout(r, LOCK_RETRY_MS + Math.random() * LOCK_RETRY_MS));
      }
      try {
        return await task();
      } finally {
        await redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
      }
    },
  };

  return {
    presence,
    lock,
    close: async () => {
      clearInterval(heartbeat);
      if (up()) await redis.del(nodeKey(nodeId)).catch(() => undefined);
    },
  };
}
