/**
 * What several server nodes share so that one classroom spans them (scale-out). The classroom stays transport-free:
 * the server gives it Redis-backed implementations; one embedded node needs neither.
 */
import type { Presence } from '@convlab/protocol';

/** Every node's view of its own connections, combined: a participant is online if any node has a connection. */
export interface PresenceBoard {
  /** Records this node's view of a participant ('offline' forgets it). */
  report(sessionId: string, participantId: string, presence: Presence): Promise<void>;
  /** The combined presence of a session's participants (absent: offline on every node). */
  read(sessionId: string): Promise<Map<string, Presence>>;
}

/** Runs one task at a time per key across every node (a lease in a shared store). */
export interface SessionLock {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

const RANK: Record<Presence, number> = { offline: 0, reconnecting: 1, online: 2 };

/** The more present of two views (online beats reconnecting beats offline). */
export function strongerPresence(a: Presence, b: Presence | undefined): Presence {
  return b !== undefined && RANK[b] > RANK[a] ? b : a;
}
