/**
 * The database layer of the result cache: results worth keeping outlive the process (model JobResult), so the
 * lesson's default occlusion computed yesterday — or before a restart a minute ago — is served without computing.
 * The memory LRU (cache.ts) stays in front; this layer is consulted on a memory miss, before anything is queued.
 *
 * What is worth keeping (see {@link worthKeeping}): every job kind is deterministic given its JobSpec (noise fills,
 * smoothing and ascent starts are seeded by the spec), so the rule is about cost and size — a result is kept when it
 * took at least `minComputeMs` to compute (cheaper ones, e.g. a classification, are recomputed rather than stored),
 * it was computed here (not itself a cache hit) and its encoded form is at most `maxResultBytes`. The table is kept
 * within `maxBytes` and `maxEntries` (least recently used go first) and `maxAgeMs` since last use; pruning runs when
 * the layer starts and after every `pruneEvery` saves.
 */
import type { JobResultStore } from '@convlab/classroom';
import type { JobKind, JobResult } from '@convlab/protocol';
import { decodeResult, encodeResult } from './result-codec';

export interface PersistPolicy {
  /** Kinds that may be stored (default: all; each is deterministic given its spec). */
  kinds: readonly JobKind[];
  /** Results that computed faster are not stored (default 250 ms). */
  minComputeMs: number;
  /** Larger encoded results are not stored (default 8 MiB). */
  maxResultBytes: number;
  /** Bound on the table's payload bytes (default 512 MiB). */
  maxBytes: number;
  /** Bound on the table's rows (default 10 000). */
  maxEntries: number;
  /** Rows unused for longer are dropped (default 30 days). */
  maxAgeMs: number;
  /** Prune after this many saves (default 25). */
  pruneEvery: number;
}

export const DEFAULT_PERSIST_POLICY: PersistPolicy = {
  kinds: ['classify', 'activations', 'occlusion', 'occlusion-masks', 'saliency', 'ascent', 'patches'],
  minComputeMs: 250,
  maxResultBytes: 8 * 1024 * 1024,
  maxBytes: 512 * 1024 * 1024,
  maxEntries: 10_000,
  maxAgeMs: 30 * 24 * 3600 * 1000,
  pruneEvery: 25,
};

export interface PersistStats {
  /** Results served from the database. */
  hits: number;
  /** Lookups that found nothing. */
  misses: number;
  saved: number;
  /** Results not stored (too cheap, too large, or a kind not kept). */
  skipped: number;
  /** Database errors (logged; the cache then behaves as if the row were absent). */
  errors: number;
}

/** The stored form: the result without its job id (each hit gets its own). */
type Stored = Omit<JobResult, 'jobId'>;

/** Whether `policy` keeps a freshly computed result whose encoding is `bytes` long. */
export function worthKeeping(result: Pick<JobResult, 'kind' | 'computedBy'>, bytes: number, policy: PersistPolicy): boolean {
  return (
    policy.kinds.includes(result.kind) &&
    !result.computedBy.cached &&
    result.computedBy.where === 'server' &&
    result.computedBy.ms >= policy.minComputeMs &&
    bytes <= policy.maxResultBytes
  );
}

/** Results in a JobResultStore, with the keeping rule and the bounds. */
export class PersistentResults {
  readonly policy: PersistPolicy;
  private readonly counts: PersistStats = { hits: 0, misses: 0, saved: 0, skipped: 0, errors: 0 };
  private savesSincePrune = 0;
  /** Writes in progress (tests and shutdown wait for them). */
  private readonly writes = new Set<Promise<void>>();
  private pruning: Promise<void> | null = null;
  /** The stored hashes (loaded at start, then kept up to date), so a miss needs no database round trip. */
  private known = new Set<string>();
  private loaded = false;
  /** Settles once the first prune and the hash index are done. */
  readonly ready: Promise<void>;

  constructor(
    private readonly store: JobResultStore,
    policy: Partial<PersistPolicy> = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.policy = { ...DEFAULT_PERSIST_POLICY, ...policy };
    this.ready = this.prune().finally(() => {
      this.loaded = true;
    });
    this.track(this.ready);
  }

  /** True once {@link ready} has settled. */
  get isReady(): boolean {
    return this.loaded;
  }

  /** Whether the database may hold `hash` (by the in-memory index; another server's rows are not seen). */
  mayHave(hash: string): boolean {
    return this.known.has(hash);
  }

  /** Whether a spec of this kind may have a stored result (no database round trip for the others). */
  mayHold(kind: JobKind): boolean {
    return this.policy.kinds.includes(kind);
  }

  /** The stored result of `hash` (marked used), or null; database errors count as a miss. */
  async load(hash: string): Promise<Stored | null> {
    try {
      const row = await this.store.findJobResult(hash, new Date(this.clock()));
      if (!row) {
        this.counts.misses++;
        this.known.delete(hash);
        return null;
      }
      const stored = decodeResult<Stored>(row.payload);
      if (stored.specHash !== hash) throw new Error(`stored result ${hash.slice(0, 12)} holds another spec`);
      this.counts.hits++;
      return stored;
    } catch (err) {
      this.counts.errors++;
      console.error('[compute] reading a stored result failed:', err);
      return null;
    }
  }

  /** Stores `result` when it is worth keeping (in the background; never throws). Returns whether it will be stored. */
  offer(result: JobResult, modelId: string): boolean {
    // The cheap tests first: most results (fast ones) are never encoded.
    if (!worthKeeping(result, 0, this.policy)) {
      this.counts.skipped++;
      return false;
    }
    const { jobId: _omit, ...stored } = result;
    let payload: Uint8Array;
    try {
      payload = encodeResult(stored);
    } catch (err) {
      this.counts.errors++;
      console.error('[compute] encoding a result for the database failed:', err);
      return false;
    }
    if (!worthKeeping(result, payload.byteLength, this.policy)) {
      this.counts.skipped++;
      return false;
    }
    this.track(
      this.store.saveJobResult({ specHash: result.specHash, kind: result.kind, modelId, payload, computeMs: result.computedBy.ms }, new Date(this.clock())).then(
        () => {
          this.counts.saved++;
          this.known.add(result.specHash);
          if (++this.savesSincePrune >= this.policy.pruneEvery) {
            this.savesSincePrune = 0;
            this.track(this.prune());
          }
        },
        (err: unknown) => {
          this.counts.errors++;
          console.error('[compute] storing a result failed:', err);
        },
      ),
    );
    return true;
  }

  /** Applies the age, count and size bounds (one prune at a time), then refreshes the hash index. */
  prune(): Promise<void> {
    this.pruning ??= this.store
      .pruneJobResults({ usedBefore: new Date(this.clock() - this.policy.maxAgeMs), maxEntries: this.policy.maxEntries, maxBytes: this.policy.maxBytes })
      .then(() => this.store.listJobResultHashes())
      .then(
        (hashes) => {
          this.known = new Set(hashes);
        },
        (err: unknown) => {
          this.counts.errors++;
          console.error('[compute] pruning stored results failed:', err);
        },
      )
      .finally(() => {
        this.pruning = null;
      });
    return this.pruning;
  }

  /** Waits for the writes and prunes in progress. */
  async settle(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  stats(): PersistStats {
    return { ...this.counts };
  }

  private track(p: Promise<void>): void {
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
  }
}
