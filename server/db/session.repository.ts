/** Live sessions in the database. Returns plain DTOs; only this layer knows Prisma. */
import {
  CodeTakenError,
  NotFoundError,
  type LiveSessionDTO,
  type NewSession,
  type SessionPatch,
  type SessionStatus,
  type Step,
} from '@convlab/classroom';
import { PresentTargetSchema, type PresentTarget } from '@convlab/protocol';
import type { Db } from './client';
import type { Prisma } from './generated/sqlite/client';
import { isForeignKeyViolation, isRecordNotFound, isUniqueViolation } from './errors';

interface SessionRow {
  id: string;
  code: string;
  title: string;
  instructorId: string;
  steps: unknown;
  currentStep: number;
  locked: boolean;
  paused: boolean;
  pauseMessage: string | null;
  status: string;
  presenting: string | null;
  joiningClosed: boolean;
  createdAt: Date;
  endedAt: Date | null;
}

const STATUSES: readonly SessionStatus[] = ['live', 'ended'];

/** The stored present target (JSON text); anything unreadable counts as nothing pinned rather than a broken session. */
function parsePresenting(text: string | null): PresentTarget | null {
  if (text === null) return null;
  try {
    const parsed = PresentTargetSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toDTO(row: SessionRow): LiveSessionDTO {
  if (!Array.isArray(row.steps)) throw new Error(`session ${row.id}: stored steps are not a list`);
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    instructorId: row.instructorId,
    steps: row.steps as Step[],
    currentStep: row.currentStep,
    locked: row.locked,
    paused: row.paused,
    pauseMessage: row.pauseMessage,
    status: row.status as SessionStatus,
    presenting: parsePresenting(row.presenting),
    joiningClosed: row.joiningClosed,
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt ? row.endedAt.toISOString() : null,
  };
}

/** Steps go through JSON on the way in, exactly as they come back out (undefined fields dropped). */
function stepsJson(steps: Step[]): Prisma.InputJsonValue {
  if (!Array.isArray(steps)) throw new TypeError('steps must be an array');
  return JSON.parse(JSON.stringify(steps)) as Prisma.InputJsonValue;
}

function parseInstant(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`${field} is not a valid ISO date: ${value}`);
  return date;
}

/** Session queries over one Prisma client. */
export class SessionRepository {
  constructor(private readonly db: Db) {}

  /** Creates a live session; throws CodeTakenError or NotFoundError (unknown instructor). */
  async create(input: NewSession): Promise<LiveSessionDTO> {
    try {
      const row = await this.db.liveSession.create({
        data: { code: input.code, title: input.title, instructorId: input.instructorId, steps: stepsJson(input.steps) },
      });
      return toDTO(row);
    } catch (error) {
      if (isUniqueViolation(error, 'code')) throw new CodeTakenError(input.code);
      if (isForeignKeyViolation(error)) throw new NotFoundError('instructor', input.instructorId);
      throw error;
    }
  }

  async findById(id: string): Promise<LiveSessionDTO | null> {
    const row = await this.db.liveSession.findUnique({ where: { id } });
    return row ? toDTO(row) : null;
  }

  async findByCode(code: string): Promise<LiveSessionDTO | null> {
    const row = await this.db.liveSession.findUnique({ where: { code } });
    return row ? toDTO(row) : null;
  }

  /** An instructor's sessions, newest first. */
  async listByInstructor(instructorId: string): Promise<LiveSessionDTO[]> {
    const rows = await this.db.liveSession.findMany({
      where: { instructorId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map(toDTO);
  }

  /** Deletes a session and everything of it in one transaction (ClassroomStore.deleteSession). */
  async delete(id: string): Promise<{ participants: number; submissions: number } | null> {
    return this.db.$transaction(async (tx) => {
      if (!(await tx.liveSession.findUnique({ where: { id }, select: { id: true } }))) return null;
      const [participants, submissions] = await Promise.all([tx.participant.count({ where: { sessionId: id } }), tx.submission.count({ where: { sessionId: id } })]);
      // λ deals and running sweeps have no foreign key; everything else goes with the session (ON DELETE CASCADE).
      await tx.lambdaDeal.deleteMany({ where: { sessionId: id } });
      await tx.runningSweep.deleteMany({ where: { sessionId: id } });
      await tx.liveSession.delete({ where: { id } });
      return { participants, submissions };
    });
  }

  /** Applies the defined fields of `patch`; throws NotFoundError for an unknown id. */
  async update(id: string, patch: SessionPatch): Promise<LiveSessionDTO> {
    const data: Prisma.LiveSessionUpdateInput = {};
    if (patch.title !== undefined) data.title = patch.title;
    if (patch.steps !== undefined) data.steps = stepsJson(patch.steps);
    if (patch.currentStep !== undefined) {
      if (!Number.isInteger(patch.currentStep) || patch.currentStep < 0) throw new TypeError('currentStep must be a non-negative integer');
      data.currentStep = patch.currentStep;
    }
    if (patch.locked !== undefined) data.locked = patch.locked;
    if (patch.paused !== undefined) data.paused = patch.paused;
    if (patch.pauseMessage !== undefined) data.pauseMessage = patch.pauseMessage;
    if (patch.status !== undefined) {
      if (!STATUSES.includes(patch.status)) throw new TypeError(`status must be one of ${STATUSES.join(', ')}`);
      data.status = patch.status;
    }
    if (patch.joiningClosed !== undefined) data.joiningClosed = patch.joiningClosed;
    if (patch.presenting !== undefined) data.presenting = patch.presenting === null ? null : JSON.stringify(PresentTargetSchema.parse(patch.presenting));
    if (patch.endedAt !== undefined) data.endedAt = patch.endedAt === null ? null : parseInstant(patch.endedAt, 'endedAt');
    try {
      return toDTO(await this.db.liveSession.update({ where: { id }, data }));
    } catch (error) {
      if (isRecordNotFound(error)) throw new NotFoundError('session', id);
      throw error;
    }
  }
}
