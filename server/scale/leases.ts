/**
 * Leases on work that one node drives at a time (a class sweep): the holder renews them while it runs the work; a
 * node that dies stops renewing and another claims the work when the lease runs out; a node that shuts down hands
 * its leases back at once. One embedded node holds every lease.
 */
import type { ScaleOut } from './redis';

export interface Leases {
  /** True when this node holds (or now took) the lease on `id`. */
  claim(id: string): Promise<boolean>;
  /** Keeps this node's leases on `ids` alive (called periodically). */
  renew(ids: readonly string[]): Promise<void>;
  /** Hands leases back (graceful shutdown: another node takes the work over at its next check). */
  release(ids: readonly string[]): Promise<void>;
  /** The node holding the lease on `id` (null: none, or Redis is away). */
  holder(id: string): Promise<string | null>;
}

/** How long a lease outlives its holder's last renewal. */
export const LEASE_TTL_MS = 15_000;
/** How often holders renew, and other nodes look for work whose lease ran out. */
export const LEASE_CHECK_MS = 5_000;

/** The one node owns everything. */
export const localLeases: Leases = { claim: async () => true, renew: async () => undefined, release: async () => undefined, holder: async () => null };

// Renews or deletes only a lease this node holds.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Leases in Redis (`<prefix>lease:<kind>:<id>` holding the node's name); while Redis is down nothing changes hands. */
export function redisLeases(scale: ScaleOut, kind: string): Leases {
  const { redis, nodeId } = scale;
  const key = (id: string) => `${scale.prefix}lease:${kind}:${id}`;
  return {
    async claim(id) {
      if (redis.status !== 'ready') return false;
      if ((await redis.set(key(id), nodeId, 'PX', LEASE_TTL_MS, 'NX')) === 'OK') return true;
      return (await redis.get(key(id))) === nodeId;
    },
    async renew(ids) {
      if (redis.status !== 'ready') return;
      await Promise.all(ids.map((id) => redis.eval(RENEW, 1, key(id), nodeId, LEASE_TTL_MS)));
    },
    async release(ids) {
      if (redis.status !== 'ready') return;
      await Promise.all(ids.map((id) => redis.eval(RELEASE, 1, key(id), nodeId)));
    },
    async holder(id) {
      return redis.status === 'ready' ? redis.get(key(id)).catch(() => null) : null;
    },
  };
}
