/** Records of completed mutating requests (idempotency), in the database. Returns plain DTOs. */
import { NotFoundError, type JsonValue, type RequestKey, type RequestRecordDTO } from '@convlab/classroom';
import type { Db } from './client';
import type { Prisma } from './generated/sqlite/client';
import { isForeignKeyViolation, isUniqueViolation } from './errors';

interface RequestRow {
  scope: string;
  requestId: string;
  sessionId: string;
  event: string;
  result: unknown;
  createdAt: Date;
}

function toDTO(row: RequestRow): RequestRecordDTO {
  return { scope: row.scope, requestId: row.requestId, sessionId: row.sessionId, event: row.event, result: row.result as JsonValue, createdAt: row.createdAt.toISOString() };
}

/** The create query of a request record (also used inside another row's transaction). */
export function requestRecordData(key: RequestKey, result: JsonValue): Prisma.RequestRecordUncheckedCreateInput {
  return { scope: key.scope, requestId: key.requestId, sessionId: key.sessionId, event: key.event, result: JSON.parse(JSON.stringify(result)) as Prisma.InputJsonValue };
}

/** True when `error` says the request key was already recorded. */
export function isDuplicateRequest(error: unknown): boolean {
  // SQLite names the columns; PostgreSQL may name only the primary key constraint.
  return ['requestId', 'scope', 'RequestRecord_pkey'].some((name) => isUniqueViolation(error, name));
}

/** Request-record queries over one Prisma client. */
export class RequestRepository {
  constructor(private readonly db: Db) {}

  async find(scope: string, requestId: string): Promise<RequestRecordDTO | null> {
    const row = await this.db.requestRecord.findUnique({ where: { scope_requestId: { scope, requestId } } });
    return row ? toDTO(row) : null;
  }

  /** Insert-if-absent: the first record of a (scope, requestId) stays. */
  async save(record: RequestKey & { result: JsonValue }): Promise<RequestRecordDTO> {
    try {
      return toDTO(await this.db.requestRecord.create({ data: requestRecordData(record, record.result) }));
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new NotFoundError('session', record.sessionId);
      if (!isDuplicateRequest(error)) throw error;
      const first = await this.find(record.scope, record.requestId);
      if (!first) throw error;
      return first;
    }
  }
}
