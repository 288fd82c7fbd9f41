/**
 * What several server nodes share so that one classroom spans them (scale-out). The classroom stays transport-free:
 * the server gives it Redis-backed implementations; one embedded node needs neither.
 */
import type { Presence } from '@convlab/protocol';
import { KeyedQueue } from './keyed-queue';

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

/** The shared stores in one process's memory: the reference behaviour, and several classrooms in one test. */
export class MemorySharedClassroom {
  private readonly boards = new Map<string, Map<string, Presence>>();
  private readonly queue = new KeyedQueue();

  /** The board as seen by `node` (each node reports under its own name). */
  presenceFor(node: string): PresenceBoard {
    return {
      report: async (sessionId, participantId, presence) => {
        const board = this.boards.get(sessionId) ?? new Map<string, Presence>();
        this.boards.set(sessionId, board);
        if (presence === 'offline') board.delete(`${participantId} ${node}`);
        else board.set(`${participantId} ${node}`, presence);
      },
      read: async (sessionId) => {
        const combined = new Map<string, Presence>();
        for (const [field, presence] of this.boards.get(sessionId) ?? []) {
          const participantId = field.split(' ')[0]!;
          combined.set(participantId, strongerPresence(presence, combined.get(participantId)));
        }
        return combined;
      },
    };
  }

  readonly lock: SessionLock = { run: (key, task) => this.queue.run(key, task) };
}
