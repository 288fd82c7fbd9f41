/**
 * The storage contract of the compute result cache: finished compute results kept across restarts, keyed by the
 * JobSpec hash. The payload is opaque bytes (server/compute/result-codec.ts encodes typed arrays and PNGs as raw
 * bytes beside a small JSON header). `server/db` implements it with Prisma (model JobResult); the memory
 * implementation below serves unit tests. One contract suite (`job-results.contract.ts`) runs against all of them.
 */

export interface JobResultDTO {
  /** sha256 (lower-case hex) of the canonical JobSpec. */
  specHash: string;
  kind: string;
  modelId: string;
  payload: Uint8Array;
  /** payload.byteLength */
  size: number;
  /** Milliseconds the computation took. */
  computeMs: number;
  createdAt: string;
  lastUsedAt: string;
}

export type NewJobResult = Pick<JobResultDTO, 'specHash' | 'kind' | 'modelId' | 'payload' | 'computeMs'>;

/** Bounds for {@link JobResultStore.pruneJobResults}; each is optional. */
export interface JobResultLimits {
  /** Drop results last used before this time. */
  usedBefore?: Date;
  /** Then keep at most this many (the most recently used). */
  maxEntries?: number;
  /** Then keep the most recently used ones whose sizes sum to at most this. */
  maxBytes?: number;
}

export interface JobResultStore {
  /** Stores a result; the same hash again replaces the payload (keeping createdAt) and marks it used at `at`. */
  saveJobResult(input: NewJobResult, at?: Date): Promise<JobResultDTO>;
  /** The result of a spec hash; with `touchAt`, also marks it used then (the returned lastUsedAt is the new one). */
  findJobResult(specHash: string, touchAt?: Date): Promise<JobResultDTO | null>;
  /** Evicts by age, then least recently used beyond the count and byte bounds; returns how many were deleted. */
  pruneJobResults(limits: JobResultLimits): Promise<number>;
  /** Entries and total payload bytes. */
  jobResultStats(): Promise<{ entries: number; bytes: number }>;
  /** Every stored spec hash (the compute service keeps them in memory, so a miss costs no database round trip). */
  listJobResultHashes(): Promise<string[]>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Checks a result before any store writes it (every implementation calls it, so they refuse alike). */
export function checkNewJobResult(input: NewJobResult): void {
  if (!SHA256.test(input.specHash)) throw new TypeError('specHash must be a sha256 in lower-case hex');
  if (!input.kind || !input.modelId) throw new TypeError('kind and modelId are required');
  if (!(input.payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  if (input.payload.byteLength > 2 ** 31 - 1) throw new TypeError('payload is too large');
  if (typeof input.computeMs !== 'number' || !Number.isFinite(input.computeMs) || input.computeMs < 0) throw new TypeError('computeMs must be a non-negative number');
}

/**
 * Which entries a prune deletes, given every entry's hash, size and last use (shared by the implementations so
 * they evict alike): the ones used before `usedBefore`, then, most recently used first, those past the bounds.
 */
export function entriesToEvict(entries: Array<{ specHash: string; size: number; lastUsedAt: Date }>, limits: JobResultLimits): string[] {
  const evict: string[] = [];
  const keep = [];
  for (const e of entries) {
    if (limits.usedBefore && e.lastUsedAt.getTime() < limits.usedBefore.getTime()) evict.push(e.specHash);
    else keep.push(e);
  }
  keep.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime() || (a.specHash < b.specHash ? -1 : 1));
  let bytes = 0;
  keep.forEach((e, i) => {
    bytes += e.size;
    if ((limits.maxEntries !== undefined && i >= limits.maxEntries) || (limits.maxBytes !== undefined && bytes > limits.maxBytes)) evict.push(e.specHash);
  });
  return evict;
}

interface Row {
  specHash: string;
  kind: string;
  modelId: string;
  payload: Uint8Array;
  computeMs: number;
  createdAt: Date;
  lastUsedAt: Date;
}

function toDTO(r: Row): JobResultDTO {
  return {
    specHash: r.specHash,
    kind: r.kind,
    modelId: r.modelId,
    payload: r.payload.slice(),
    size: r.payload.byteLength,
    computeMs: r.computeMs,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt.toISOString(),
  };
}

/** JobResultStore in memory (tests, and a server without a database). */
export class MemoryJobResultStore implements JobResultStore {
  private readonly rows = new Map<string, Row>();

  async saveJobResult(input: NewJobResult, at: Date = new Date()): Promise<JobResultDTO> {
    checkNewJobResult(input);
    const old = this.rows.get(input.specHash);
    const row: Row = {
      specHash: input.specHash,
      kind: input.kind,
      modelId: input.modelId,
      payload: input.payload.slice(),
      computeMs: input.computeMs,
      createdAt: old?.createdAt ?? new Date(at),
      lastUsedAt: new Date(at),
    };
    this.rows.set(row.specHash, row);
    return toDTO(row);
  }

  async findJobResult(specHash: string, touchAt?: Date): Promise<JobResultDTO | null> {
    const row = this.rows.get(specHash);
    if (!row) return null;
    if (touchAt) row.lastUsedAt = new Date(touchAt);
    return toDTO(row);
  }

  async pruneJobResults(limits: JobResultLimits): Promise<number> {
    const evict = entriesToEvict([...this.rows.values()].map((r) => ({ specHash: r.specHash, size: r.payload.byteLength, lastUsedAt: r.lastUsedAt })), limits);
    for (const h of evict) this.rows.delete(h);
    return evict.length;
  }

  async listJobResultHashes(): Promise<string[]> {
    return [...this.rows.keys()];
  }

  async jobResultStats(): Promise<{ entries: number; bytes: number }> {
    let bytes = 0;
    for (const r of this.rows.values()) bytes += r.payload.byteLength;
    return { entries: this.rows.size, bytes };
  }
}
