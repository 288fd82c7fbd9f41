/** Lessons of instructors' libraries in the database. Returns plain records; only this layer knows Prisma. */
import type { Db } from './client';
import type { Prisma } from './generated/sqlite/client';
import { isForeignKeyViolation, isUniqueViolation } from './errors';

/** A stored lesson. `steps` is the draft as last saved (checked by the caller's schemas, not here). */
export interface LessonRecord {
  id: string;
  instructorId: string;
  title: string;
  steps: unknown[];
  origin: string | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface NewLesson {
  id: string;
  instructorId: string;
  title: string;
  steps: unknown[];
  origin?: string | null;
}

/** What a save may find instead of saving: the lesson is gone (or deleted), or another save came first. */
export type SaveOutcome = { saved: LessonRecord } | { missing: true } | { stale: LessonRecord };

interface LessonRow {
  id: string;
  instructorId: string;
  title: string;
  steps: unknown;
  origin: string | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

function toRecord(row: LessonRow): LessonRecord {
  return {
    id: row.id,
    instructorId: row.instructorId,
    title: row.title,
    steps: Array.isArray(row.steps) ? row.steps : [],
    origin: row.origin,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deletedAt: row.deletedAt ? row.deletedAt.toISOString() : null,
  };
}

/** Steps go through JSON on the way in, exactly as they come back out. */
function json(steps: unknown[]): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(steps)) as Prisma.InputJsonValue;
}

export class UnknownInstructorError extends Error {
  constructor(id: string) {
    super(`no instructor ${id}`);
    this.name = 'UnknownInstructorError';
  }
}

/** Lesson queries over one Prisma client. */
export class LessonRepository {
  constructor(private readonly db: Db) {}

  /**
   * Creates a lesson with the caller's id. When that id exists already (a retried request), nothing is written and
   * the stored lesson is returned, whoever owns it: the caller checks the owner.
   */
  async create(input: NewLesson): Promise<LessonRecord> {
    try {
      const row = await this.db.lesson.create({
        data: { id: input.id, instructorId: input.instructorId, title: input.title, steps: json(input.steps), origin: input.origin ?? null },
      });
      return toRecord(row);
    } catch (error) {
      // The only unique key is the id (PostgreSQL names the constraint "Lesson_pkey", SQLite the column).
      if (isUniqueViolation(error, 'id') || isUniqueViolation(error, 'pkey')) {
        const existing = await this.findById(input.id);
        if (existing) return existing;
      }
      if (isForeignKeyViolation(error)) throw new UnknownInstructorError(input.instructorId);
      throw error;
    }
  }

  async findById(id: string): Promise<LessonRecord | null> {
    const row = await this.db.lesson.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  /** An instructor's lessons, deleted ones included, last edited first. */
  async listByInstructor(instructorId: string): Promise<LessonRecord[]> {
    const rows = await this.db.lesson.findMany({ where: { instructorId }, orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }] });
    return rows.map(toRecord);
  }

  /** Saves a draft when it is based on the stored revision (and the lesson is not deleted); the revision goes up by one. */
  async save(id: string, draft: { title: string; steps: unknown[] }, baseRevision: number): Promise<SaveOutcome> {
    const { count } = await this.db.lesson.updateMany({
      where: { id, revision: baseRevision, deletedAt: null },
      data: { title: draft.title, steps: json(draft.steps), revision: { increment: 1 }, updatedAt: new Date() },
    });
    const stored = await this.findById(id);
    if (!stored || stored.deletedAt) return { missing: true };
    return count === 1 ? { saved: stored } : { stale: stored };
  }

  /** Marks a lesson deleted (`at`) or brings it back (null); null when there is no such lesson. */
  async setDeleted(id: string, at: Date | null): Promise<LessonRecord | null> {
    const { count } = await this.db.lesson.updateMany({ where: { id }, data: { deletedAt: at } });
    return count ? this.findById(id) : null;
  }

  /** Removes lessons deleted before `before` for good; returns how many. */
  async purgeDeleted(before: Date): Promise<number> {
    const { count } = await this.db.lesson.deleteMany({ where: { deletedAt: { lt: before } } });
    return count;
  }
}
