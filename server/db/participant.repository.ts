/** Session participants in the database. Returns plain DTOs; only this layer knows Prisma. */
import { randomUUID } from 'node:crypto';
import {
  DuplicateRequestError,
  NameTakenError,
  NotFoundError,
  displayNameKey,
  type NewParticipant,
  type ParticipantDTO,
  type RequestKey,
} from '@convlab/classroom';
import type { Db } from './client';
import { isForeignKeyViolation, isUniqueViolation } from './errors';
import { isDuplicateRequest, requestRecordData } from './request.repository';

interface ParticipantRow {
  id: string;
  sessionId: string;
  displayName: string;
  joinedAt: Date;
  lastSeenAt: Date;
  removedAt: Date | null;
}

function toDTO(row: ParticipantRow): ParticipantDTO {
  return {
    id: row.id,
    sessionId: row.sessionId,
    displayName: row.displayName,
    joinedAt: row.joinedAt.toISOString(),
    lastSeenAt: row.lastSeenAt.toISOString(),
    removedAt: row.removedAt ? row.removedAt.toISOString() : null,
  };
}

function checkDate(at: Date, field: string): Date {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError(`${field} must be a valid Date`);
  return at;
}

/** Participant queries over one Prisma client. */
export class ParticipantRepository {
  constructor(private readonly db: Db) {}

  /** Adds a participant; throws NameTakenError (same name, case-insensitively) or NotFoundError (unknown session). */
  async create(input: NewParticipant, request?: RequestKey): Promise<ParticipantDTO> {
    try {
      const now = new Date();
      const id = randomUUID();
      const create = this.db.participant.create({
        data: {
          id,
          sessionId: input.sessionId,
          displayName: input.displayName,
          displayNameKey: displayNameKey(input.displayName),
          tokenHash: input.tokenHash,
          deviceHash: input.deviceHash ?? null,
          joinedAt: now,
          lastSeenAt: now,
        },
      });
      if (!request) return toDTO(await create);
      // The seat and the record of the join that made it commit together: a retried join finds the seat.
      const [row] = await this.db.$transaction([create, this.db.requestRecord.create({ data: requestRecordData(request, { participantId: id }) })]);
      return toDTO(row);
    } catch (error) {
      if (request && isDuplicateRequest(error)) throw new DuplicateRequestError(request.requestId);
      if (isUniqueViolation(error, 'displayNameKey')) throw new NameTakenError(input.displayName);
      if (isForeignKeyViolation(error)) throw new NotFoundError('session', input.sessionId);
      throw error;
    }
  }

  /** The participant holding this resume token in this session (removed ones included: the caller refuses them). */
  async findByToken(sessionId: string, tokenHash: string): Promise<ParticipantDTO | null> {
    const row = await this.db.participant.findFirst({ where: { sessionId, tokenHash } });
    return row ? toDTO(row) : null;
  }

  async findById(id: string): Promise<ParticipantDTO | null> {
    const row = await this.db.participant.findUnique({ where: { id } });
    return row ? toDTO(row) : null;
  }

  /** A session's participants in the order they joined. */
  async listBySession(sessionId: string): Promise<ParticipantDTO[]> {
    const rows = await this.db.participant.findMany({ where: { sessionId }, orderBy: [{ joinedAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toDTO);
  }

  /** Records activity; an unknown id is ignored (presence updates may race with a removal). */
  async touch(id: string, at: Date): Promise<void> {
    await this.db.participant.updateMany({ where: { id }, data: { lastSeenAt: checkDate(at, 'at') } });
  }

  /** True when a removed participant of the session joined from this device. */
  async isDeviceRemoved(sessionId: string, deviceHash: string): Promise<boolean> {
    const row = await this.db.participant.findFirst({ where: { sessionId, deviceHash, removedAt: { not: null } }, select: { id: true } });
    return row !== null;
  }

  /** Replaces the resume token's hash; throws NotFoundError for an unknown id. */
  async setToken(id: string, tokenHash: string): Promise<void> {
    const { count } = await this.db.participant.updateMany({ where: { id }, data: { tokenHash } });
    if (count === 0) throw new NotFoundError('participant', id);
  }

  /** Undoes a removal; throws NotFoundError for an unknown id. */
  async restore(id: string): Promise<ParticipantDTO> {
    const { count } = await this.db.participant.updateMany({ where: { id }, data: { removedAt: null } });
    if (count === 0) throw new NotFoundError('participant', id);
    return toDTO((await this.db.participant.findUnique({ where: { id } }))!);
  }

  /** Marks a participant removed (the first removal time is kept); throws NotFoundError for an unknown id. */
  async remove(id: string, at: Date): Promise<ParticipantDTO> {
    await this.db.participant.updateMany({ where: { id, removedAt: null }, data: { removedAt: checkDate(at, 'at') } });
    const row = await this.db.participant.findUnique({ where: { id } });
    if (!row) throw new NotFoundError('participant', id);
    return toDTO(row);
  }
}
