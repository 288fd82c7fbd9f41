/** Lab submissions in the database. Returns plain DTOs; only this layer knows Prisma. */
import { randomUUID } from 'node:crypto';
import {
  DuplicateRequestError,
  NotFoundError,
  checkNewSubmission,
  type RequestKey,
  type ComputedWhere,
  type JsonValue,
  type NewSubmission,
  type SubmissionDTO,
  type SubmissionFilter,
} from '@convlab/classroom';
import type { Db } from './client';
import type { Prisma } from './generated/sqlite/client';
import { isRecordNotFound } from './errors';
import { isDuplicateRequest, requestRecordData } from './request.repository';

interface SubmissionRow {
  id: string;
  sessionId: string;
  participantId: string | null;
  labId: string;
  stepId: string;
  params: unknown;
  result: unknown;
  resultImageHash: string | null;
  computedWhere: string;
  backend: string;
  ms: number;
  shared: boolean;
  createdAt: Date;
}

type JsonObject = { [key: string]: JsonValue };

function jsonObject(value: unknown, what: string, id: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`submission ${id}: stored ${what} is not a JSON object`);
  return value as JsonObject;
}

function toDTO(row: SubmissionRow): SubmissionDTO {
  return {
    id: row.id,
    sessionId: row.sessionId,
    participantId: row.participantId,
    labId: row.labId,
    stepId: row.stepId,
    params: jsonObject(row.params, 'params', row.id),
    result: jsonObject(row.result, 'result', row.id),
    resultImageHash: row.resultImageHash,
    computedWhere: row.computedWhere as ComputedWhere,
    backend: row.backend,
    ms: row.ms,
    shared: row.shared,
    createdAt: row.createdAt.toISOString(),
  };
}

/** JSON goes in exactly as it comes back out (undefined members dropped). */
function json(value: JsonObject): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

/** Submission queries over one Prisma client. */
export class SubmissionRepository {
  constructor(private readonly db: Db) {}

  /** Stores a submission after checking that its session, participant (of that session) and image exist. */
  async create(input: NewSubmission, request?: RequestKey): Promise<SubmissionDTO> {
    checkNewSubmission(input);
    const [session, participant, image] = await Promise.all([
      this.db.liveSession.findUnique({ where: { id: input.sessionId }, select: { id: true } }),
      input.participantId === null ? null : this.db.participant.findUnique({ where: { id: input.participantId }, select: { sessionId: true } }),
      input.resultImageHash === null ? null : this.db.imageAsset.findUnique({ where: { hash: input.resultImageHash }, select: { hash: true } }),
    ]);
    if (!session) throw new NotFoundError('session', input.sessionId);
    if (input.participantId !== null) {
      if (!participant) throw new NotFoundError('participant', input.participantId);
      if (participant.sessionId !== input.sessionId) throw new TypeError('the participant belongs to another session');
    }
    if (input.resultImageHash !== null && !image) throw new NotFoundError('image', input.resultImageHash);
    const id = randomUUID();
    const create = this.db.submission.create({
      data: {
        id,
        sessionId: input.sessionId,
        participantId: input.participantId,
        labId: input.labId,
        stepId: input.stepId,
        params: json(input.params),
        result: json(input.result),
        resultImageHash: input.resultImageHash,
        computedWhere: input.computedWhere,
        backend: input.backend,
        ms: input.ms,
        shared: input.shared ?? false,
      },
    });
    if (!request) return toDTO(await create);
    // The submission and the record of the request that made it commit together: a retry finds both or neither.
    try {
      const [row] = await this.db.$transaction([create, this.db.requestRecord.create({ data: requestRecordData(request, { submissionId: id }) })]);
      return toDTO(row);
    } catch (error) {
      if (isDuplicateRequest(error)) throw new DuplicateRequestError(request.requestId);
      throw error;
    }
  }

  async findById(id: string): Promise<SubmissionDTO | null> {
    const row = await this.db.submission.findUnique({ where: { id } });
    return row ? toDTO(row) : null;
  }

  /** A session's submissions, oldest first. */
  async listBySession(sessionId: string, filter: SubmissionFilter = {}): Promise<SubmissionDTO[]> {
    const where: Prisma.SubmissionWhereInput = { sessionId };
    if (filter.labId !== undefined) where.labId = filter.labId;
    if (filter.stepId !== undefined) where.stepId = filter.stepId;
    if (filter.participantId !== undefined) where.participantId = filter.participantId;
    if (filter.shared !== undefined) where.shared = filter.shared;
    const rows = await this.db.submission.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toDTO);
  }

  /** Shares or unshares; throws NotFoundError for an unknown id. */
  async setShared(id: string, shared: boolean): Promise<SubmissionDTO> {
    try {
      return toDTO(await this.db.submission.update({ where: { id }, data: { shared } }));
    } catch (error) {
      if (isRecordNotFound(error)) throw new NotFoundError('submission', id);
      throw error;
    }
  }
}
