/** Compute results kept across restarts (model JobResult). Returns plain DTOs; only this layer knows Prisma. */
import { checkNewJobResult, entriesToEvict, type JobResultDTO, type JobResultLimits, type JobResultStore, type NewJobResult } from '@convlab/classroom';
import type { Db } from './client';
import { isUniqueViolation } from './errors';

interface JobResultRow {
  specHash: string;
  kind: string;
  modelId: string;
  payload: Uint8Array;
  size: number;
  computeMs: number;
  createdAt: Date;
  lastUsedAt: Date;
}

function toDTO(row: JobResultRow): JobResultDTO {
  // The adapters hand back a Uint8Array (or a Buffer, a subclass): copy into a plain one of exactly its bytes.
  const payload = new Uint8Array(row.payload.byteLength);
  payload.set(row.payload);
  return {
    specHash: row.specHash,
    kind: row.kind,
    modelId: row.modelId,
    payload,
    size: row.size,
    computeMs: row.computeMs,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt.toISOString(),
  };
}

/** The bytes as Prisma's Bytes input wants them (a Uint8Array backed by a plain ArrayBuffer). */
function bytes(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(payload) as Uint8Array<ArrayBuffer>;
}

/** JobResult queries over one Prisma client. */
export class JobResultRepository implements JobResultStore {
  constructor(private readonly db: Db) {}

  async saveJobResult(input: NewJobResult, at: Date = new Date()): Promise<JobResultDTO> {
    checkNewJobResult(input);
    const fields = { kind: input.kind, modelId: input.modelId, payload: bytes(input.payload), size: input.payload.byteLength, computeMs: input.computeMs, lastUsedAt: at };
    const upsert = () =>
      this.db.jobResult.upsert({
        where: { specHash: input.specHash },
        create: { specHash: input.specHash, createdAt: at, ...fields },
        update: fields,
      });
    try {
      return toDTO(await upsert());
    } catch (error) {
      // Two servers saving the same result at once: the loser's create hits the key; its update then wins.
      if (!isUniqueViolation(error, 'specHash') && !isUniqueViolation(error, 'JobResult_pkey')) throw error;
      return toDTO(await upsert());
    }
  }

  async findJobResult(specHash: string, touchAt?: Date): Promise<JobResultDTO | null> {
    if (!touchAt) {
      const row = await this.db.jobResult.findUnique({ where: { specHash } });
      return row ? toDTO(row) : null;
    }
    const { count } = await this.db.jobResult.updateMany({ where: { specHash }, data: { lastUsedAt: touchAt } });
    if (count === 0) return null;
    const row = await this.db.jobResult.findUnique({ where: { specHash } });
    return row ? toDTO(row) : null;
  }

  async pruneJobResults(limits: JobResultLimits): Promise<number> {
    let deleted = 0;
    if (limits.usedBefore) deleted += (await this.db.jobResult.deleteMany({ where: { lastUsedAt: { lt: limits.usedBefore } } })).count;
    if (limits.maxEntries === undefined && limits.maxBytes === undefined) return deleted;
    const entries = await this.db.jobResult.findMany({ select: { specHash: true, size: true, lastUsedAt: true } });
    const evict = entriesToEvict(entries, { maxEntries: limits.maxEntries, maxBytes: limits.maxBytes });
    for (let i = 0; i < evict.length; i += 500) {
      deleted += (await this.db.jobResult.deleteMany({ where: { specHash: { in: evict.slice(i, i + 500) } } })).count;
    }
    return deleted;
  }

  async listJobResultHashes(): Promise<string[]> {
    return (await this.db.jobResult.findMany({ select: { specHash: true } })).map((r) => r.specHash);
  }

  async jobResultStats(): Promise<{ entries: number; bytes: number }> {
    const a = await this.db.jobResult.aggregate({ _count: { _all: true }, _sum: { size: true } });
    return { entries: a._count._all, bytes: a._sum.size ?? 0 };
  }
}
