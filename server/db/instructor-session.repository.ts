/** Instructors' signed-in sessions (model InstructorSession). Returns plain DTOs; only this layer knows Prisma. */
import type { Db } from './client';

/** A signed-in session as stored. */
export interface InstructorSessionDTO {
  id: string;
  instructorId: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
  userAgent: string | null;
  address: string | null;
}

/** What the auth layer needs from storage for server-side sessions. */
export interface InstructorSessionStore {
  createInstructorSession(input: { id: string; instructorId: string; expiresAt: Date; userAgent?: string; address?: string }): Promise<InstructorSessionDTO>;
  findInstructorSession(id: string): Promise<InstructorSessionDTO | null>;
  touchInstructorSession(id: string, at: Date): Promise<void>;
  /** The instructor's sessions that are neither revoked nor expired at `now`, newest first. */
  listInstructorSessions(instructorId: string, now: Date): Promise<InstructorSessionDTO[]>;
  /** Revokes one of the instructor's sessions; false when it is not theirs or already ended. */
  revokeInstructorSession(instructorId: string, id: string, at: Date): Promise<boolean>;
}

interface Row {
  id: string;
  instructorId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  userAgent: string | null;
  address: string | null;
}

function toDTO(r: Row): InstructorSessionDTO {
  return {
    id: r.id,
    instructorId: r.instructorId,
    createdAt: r.createdAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    userAgent: r.userAgent,
    address: r.address,
  };
}

/** InstructorSession queries over one Prisma client. */
export class InstructorSessionRepository implements InstructorSessionStore {
  constructor(private readonly db: Db) {}

  async createInstructorSession(input: { id: string; instructorId: string; expiresAt: Date; userAgent?: string; address?: string }): Promise<InstructorSessionDTO> {
    const row = await this.db.instructorSession.create({
      data: {
        id: input.id,
        instructorId: input.instructorId,
        expiresAt: input.expiresAt,
        userAgent: input.userAgent?.slice(0, 300) ?? null,
        address: input.address?.slice(0, 100) ?? null,
      },
    });
    return toDTO(row);
  }

  async findInstructorSession(id: string): Promise<InstructorSessionDTO | null> {
    const row = await this.db.instructorSession.findUnique({ where: { id } });
    return row ? toDTO(row) : null;
  }

  async touchInstructorSession(id: string, at: Date): Promise<void> {
    await this.db.instructorSession.updateMany({ where: { id }, data: { lastSeenAt: at } });
  }

  async listInstructorSessions(instructorId: string, now: Date): Promise<InstructorSessionDTO[]> {
    const rows = await this.db.instructorSession.findMany({
      where: { instructorId, revokedAt: null, expiresAt: { gt: now } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    });
    return rows.map(toDTO);
  }

  async revokeInstructorSession(instructorId: string, id: string, at: Date): Promise<boolean> {
    const { count } = await this.db.instructorSession.updateMany({ where: { id, instructorId, revokedAt: null }, data: { revokedAt: at } });
    return count === 1;
  }
}
