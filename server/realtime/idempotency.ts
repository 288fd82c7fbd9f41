/**
 * No duplicates: every mutating event carries a client-generated `requestId`, and a retry with the same id from the
 * same sender returns the first result instead of acting twice — while the first is still running (both wait for
 * it), and after it completed, also across restarts (records kept through the store). A row and the record of the
 * request that created it commit together where a crash in between would duplicate it (`lab:submit` passes
 * `currentRequest()` to `createSubmission`; `student:join` records its seat in the classroom). Compute jobs leave
 * nothing behind a restart, so their requests are remembered in memory only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClassroomStore, JsonValue, RequestKey, RequestRecordDTO } from '@convlab/classroom';
import { ProtocolError, type ClientEventName } from '@convlab/protocol';

/** Events whose effects do not outlive the process: remembered in memory, not stored. */
const MEMORY_ONLY: ReadonlySet<ClientEventName> = new Set(['job:submit', 'job:cancel']);
/** Completed in-memory requests kept (oldest dropped first). */
const MEMORY_RECORDS_MAX = 20_000;

interface RequestContext {
  requestId: string;
  /** Absent for a guest (whose one mutating event, student:join, the classroom scopes itself). */
  key?: RequestKey;
}

const context = new AsyncLocalStorage<RequestContext>();

/** The request being handled, for a store call that records it in the same transaction as its row. */
export function currentRequest(): RequestKey | undefined {
  return context.getStore()?.key;
}

/** The requestId of the event being handled (student:join passes it to the classroom). */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

/** One server's idempotent request runner over its store. */
export class RequestLedger {
  private readonly inFlight = new Map<string, { event: string; result: Promise<unknown> }>();
  private readonly remembered = new Map<string, { event: string; result: unknown }>();

  constructor(private readonly store: ClassroomStore) {}

  /**
   * Runs `work` once per (scope, requestId): a retry gets the first result. Without a `key` (a guest), `work` runs
   * with the requestId in context only. Failures are not recorded, so a refused request may be retried.
   */
  async run<T>(requestId: string, key: RequestKey | undefined, work: () => Promise<T>): Promise<T> {
    if (!key) return context.run({ requestId }, work);
    const id = `${key.scope}\n${key.requestId}`;
    const running = this.inFlight.get(id);
    if (running) return sameEvent(running.event, key.event, running.result as Promise<T>);
    const result = this.runOnce(id, key, work);
    this.inFlight.set(id, { event: key.event, result });
    try {
      return await result;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async runOnce<T>(id: string, key: RequestKey, work: () => Promise<T>): Promise<T> {
    const memoryOnly = MEMORY_ONLY.has(key.event as ClientEventName);
    // Memory first (this process's compute requests), then the store (which also reveals an id reused for another event).
    const remembered = this.remembered.get(id);
    const seen = remembered ?? (await this.store.findRequest(key.scope, key.requestId));
    if (seen) {
      const replayed = remembered ? remembered.result : await this.revive(seen as RequestRecordDTO);
      if (replayed !== undefined) return sameEvent(seen.event, key.event, Promise.resolve(replayed as T));
    }
    const result = await context.run({ requestId: key.requestId, key }, work);
    if (memoryOnly) this.remember(id, key.event, result);
    else {
      try {
        await this.store.saveRequest({ ...key, result: JSON.parse(JSON.stringify(result ?? null)) as JsonValue });
      } catch (err) {
        // The action happened; failing to remember it must not turn its answer into an error.
        console.error(`[realtime] recording request ${key.event} failed:`, err);
      }
    }
    return result;
  }

  /** A stored result as the ack's data: a reference to a created submission is read back. */
  private async revive(record: RequestRecordDTO): Promise<unknown> {
    const result = record.result;
    if (result && typeof result === 'object' && !Array.isArray(result) && Object.keys(result).length === 1 && typeof result.submissionId === 'string') {
      const submission = await this.store.findSubmission(result.submissionId);
      return submission ? { submission } : undefined;
    }
    return result;
  }

  private remember(id: string, event: string, result: unknown): void {
    this.remembered.set(id, { event, result });
    if (this.remembered.size > MEMORY_RECORDS_MAX) this.remembered.delete(this.remembered.keys().next().value!);
  }
}

/** A requestId reused for another event is a client bug: say so rather than replay the wrong answer. */
function sameEvent<T>(recorded: string, event: string, result: Promise<T>): Promise<T> {
  if (recorded !== event) return Promise.reject(new ProtocolError('BAD_REQUEST', `requestId was already used for ${recorded}`));
  return result;
}

const ledgers = new WeakMap<ClassroomStore, RequestLedger>();

/** The ledger of a store (one per server). */
export function ledgerFor(store: ClassroomStore): RequestLedger {
  let ledger = ledgers.get(store);
  if (!ledger) ledgers.set(store, (ledger = new RequestLedger(store)));
  return ledger;
}
