/**
 * Requests between nodes, answered by the node that holds what they are about: a student's shard for the class sweep
 * another node drives, a cancel for a job another node relays. Asked of one node (its channel
 * `<prefix>rpc:node:<nodeId>`, e.g. a lease's holder) or of every node (`<prefix>rpc:all`: the ones that do not
 * hold it stay silent; the first answer wins). A handler's ProtocolError travels back as one. No answer in time (the
 * node died, or nobody holds it): undefined.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ProtocolError, type ErrorCode } from '@convlab/protocol';

/** Answers a request about something this node holds; `undefined` when it does not hold it (stays silent). */
export type NodeRequestHandler = (payload: any) => Promise<unknown> | unknown;

export interface NodeRequests {
  handle(type: string, fn: NodeRequestHandler): void;
  /** Asks `to` (a node id, or 'all'); resolves with the answer, or undefined after `timeoutMs` without one. */
  ask<T>(to: string, type: string, payload: unknown, timeoutMs: number): Promise<T | undefined>;
  close(): void;
}

type Message =
  | { kind: 'ask'; id: string; from: string; type: string; payload: unknown }
  | { kind: 'answer'; id: string; value: unknown }
  | { kind: 'error'; id: string; code: ErrorCode; message: string };

/** Opens this node's request channels on `redis` (a duplicate connection subscribes). */
export function openNodeRequests(redis: Redis, prefix: string, nodeId: string): NodeRequests {
  const channel = (to: string) => (to === 'all' ? `${prefix}rpc:all` : `${prefix}rpc:node:${to}`);
  const handlers = new Map<string, NodeRequestHandler>();
  const pending = new Map<string, (m: Extract<Message, { kind: 'answer' | 'error' }>) => void>();
  const send = (to: string, m: Message) => redis.publish(channel(to), JSON.stringify(m)).catch(() => 0);

  const sub = redis.duplicate();
  sub.on('error', () => undefined);
  void sub.subscribe(channel('all'), channel(nodeId)).catch(() => undefined);
  sub.on('message', (_channel: string, raw: string) => {
    let m: Message;
    try {
      m = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (m.kind !== 'ask') return pending.get(m.id)?.(m);
    const handler = handlers.get(m.type);
    if (!handler) return;
    void Promise.resolve()
      .then(() => handler(m.payload))
      .then(
        (value) => (value === undefined ? 0 : send(m.from, { kind: 'answer', id: m.id, value })),
        (err: unknown) => {
          const e = err instanceof ProtocolError ? err : new ProtocolError('INTERNAL', 'the node that holds it failed to answer');
          if (!(err instanceof ProtocolError)) console.error(`[scale] answering ${m.type} failed:`, err);
          return send(m.from, { kind: 'error', id: m.id, code: e.code, message: e.message });
        },
      );
  });

  return {
    handle: (type, fn) => void handlers.set(type, fn),
    ask: <T>(to: string, type: string, payload: unknown, timeoutMs: number) =>
      new Promise<T | undefined>((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(() => settle(() => resolve(undefined)), timeoutMs);
        const settle = (fn: () => void) => {
          clearTimeout(timer);
          pending.delete(id);
          fn();
        };
        pending.set(id, (m) => settle(() => (m.kind === 'answer' ? resolve(m.value as T) : reject(new ProtocolError(m.code, m.message)))));
        void send(to, { kind: 'ask', id, from: nodeId, type, payload }).then((n) => n === 0 && to !== 'all' && settle(() => resolve(undefined)));
      }),
    close: () => {
      for (const answer of pending.values()) answer({ kind: 'answer', id: '', value: undefined });
      sub.disconnect();
    },
  };
}
