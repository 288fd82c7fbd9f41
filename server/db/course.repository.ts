/** Courses, their members and roster imports. Returns plain DTOs; only this layer knows Prisma. */
import type { CourseMember, CourseRole, CourseSummary, RosterProblem } from '@convlab/protocol';
import type { Db } from './client';
import { isUniqueViolation } from './errors';

/** A course with everything its staff see, but no viewer-specific fields. */
export interface CourseRecord {
  id: string;
  title: string;
  enrolCode: string | null;
  createdAt: string;
}

/** An account's membership of one course. */
export interface MembershipRecord {
  courseId: string;
  accountId: string;
  role: CourseRole;
  droppedAt: string | null;
}

/** One student of a roster file, already checked for form (server/courses/roster-csv.ts). */
export interface RosterRow {
  line: number;
  name: string;
  email: string;
  studentNumber: string | null;
}

export interface RosterOutcome {
  created: number;
  enrolled: number;
  unchanged: number;
}

/** Thrown by `setEnrolCode` when the random code is taken (the caller draws another). */
export class EnrolCodeTakenError extends Error {
  override name = 'EnrolCodeTakenError';
}

const NO_PASSWORD = '';
/** Rows per IN (…) list: SQLite's bound-parameter limit is far above it, and PostgreSQL plans stay small. */
const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function toCourse(row: { id: string; title: string; enrolCode: string | null; createdAt: Date }): CourseRecord {
  return { id: row.id, title: row.title, enrolCode: row.enrolCode, createdAt: row.createdAt.toISOString() };
}

/** Course queries over one Prisma client. */
export class CourseRepository {
  constructor(private readonly db: Db) {}

  /** Creates a course with `creatorId` as its first instructor. */
  /** A new course with its creator as instructor; `id` when the caller chose it (a creation by requestId). */
  async create(title: string, creatorId: string, id?: string): Promise<CourseRecord> {
    const row = await this.db.course.create({
      data: { ...(id ? { id } : {}), title, members: { create: { accountId: creatorId, role: 'instructor', source: 'created' } } },
    });
    return toCourse(row);
  }

  async findById(id: string): Promise<CourseRecord | null> {
    const row = await this.db.course.findUnique({ where: { id } });
    return row ? toCourse(row) : null;
  }

  async findByEnrolCode(code: string): Promise<CourseRecord | null> {
    const row = await this.db.course.findUnique({ where: { enrolCode: code } });
    return row ? toCourse(row) : null;
  }

  /** The courses an account belongs to (not dropped), newest first, with its role in each. */
  async listForAccount(accountId: string): Promise<CourseSummary[]> {
    const rows = await this.db.courseMember.findMany({
      where: { accountId, droppedAt: null },
      include: { course: true },
      orderBy: [{ course: { createdAt: 'desc' } }, { courseId: 'asc' }],
    });
    return rows.map((m) => ({ id: m.course.id, title: m.course.title, role: m.role as CourseRole, createdAt: m.course.createdAt.toISOString() }));
  }

  /** The account's membership of the course (dropped ones included), or null. */
  async findMembership(courseId: string, accountId: string): Promise<MembershipRecord | null> {
    const m = await this.db.courseMember.findUnique({ where: { courseId_accountId: { courseId, accountId } } });
    return m ? { courseId, accountId, role: m.role as CourseRole, droppedAt: m.droppedAt?.toISOString() ?? null } : null;
  }

  /** Every member with their account's name and e-mail: staff first, then students by name. */
  async listMembers(courseId: string): Promise<CourseMember[]> {
    const rows = await this.db.courseMember.findMany({ where: { courseId }, include: { account: true } });
    const rank: Record<string, number> = { instructor: 0, ta: 1, student: 2 };
    return rows
      .map((m) => ({
        accountId: m.accountId,
        name: m.account.name,
        email: m.account.email,
        role: m.role as CourseRole,
        studentNumber: m.studentNumber,
        source: m.source,
        hasPassword: m.account.passwordHash !== NO_PASSWORD,
        droppedAt: m.droppedAt?.toISOString() ?? null,
        createdAt: m.createdAt.toISOString(),
      }))
      .sort((a, b) => rank[a.role]! - rank[b.role]! || a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
  }

  /** Adds (or changes the role of, or restores) a member. */
  async upsertMember(input: { courseId: string; accountId: string; role: CourseRole; source: string; studentNumber?: string | null }): Promise<void> {
    const { courseId, accountId, role, source } = input;
    await this.db.courseMember.upsert({
      where: { courseId_accountId: { courseId, accountId } },
      create: { courseId, accountId, role, source, studentNumber: input.studentNumber ?? null },
      update: { role, droppedAt: null },
    });
  }

  /** Drops or restores a member; false when there is no such member. */
  async setDropped(courseId: string, accountId: string, dropped: boolean, at = new Date()): Promise<boolean> {
    const { count } = await this.db.courseMember.updateMany({ where: { courseId, accountId }, data: { droppedAt: dropped ? at : null } });
    return count === 1;
  }

  /** Sets or clears the enrolment code; EnrolCodeTakenError when another course has it. */
  async setEnrolCode(courseId: string, code: string | null): Promise<CourseRecord> {
    try {
      return toCourse(await this.db.course.update({ where: { id: courseId }, data: { enrolCode: code } }));
    } catch (error) {
      if (isUniqueViolation(error, 'enrolCode')) throw new EnrolCodeTakenError(code ?? '');
      throw error;
    }
  }

  /**
   * Deletes the course and, by cascade, everything that references it; then the student accounts that belonged to
   * it and to no other course (their name, e-mail and password were kept for this course only).
   */
  async delete(courseId: string): Promise<{ deletedAccounts: number }> {
    return this.db.$transaction(async (tx) => {
      const students = await tx.courseMember.findMany({ where: { courseId, role: 'student' }, select: { accountId: true } });
      await tx.course.delete({ where: { id: courseId } });
      let deletedAccounts = 0;
      for (const ids of chunks(students.map((s) => s.accountId))) {
        const { count } = await tx.instructor.deleteMany({ where: { id: { in: ids }, role: 'student', memberships: { none: {} } } });
        deletedAccounts += count;
      }
      return { deletedAccounts };
    });
  }

  /**
   * Enrols a roster's students in one transaction: accounts without a password for e-mails that have none, then
   * memberships (dropped ones restored). Rows whose e-mail belongs to an instructor account or to this course's
   * staff are refused with NOT_A_STUDENT and nothing is written. `dryRun` checks and counts only.
   */
  async importRoster(courseId: string, rows: RosterRow[], dryRun: boolean): Promise<{ problems: RosterProblem[] } | RosterOutcome> {
    return this.db.$transaction(
      async (tx) => {
        const accounts = new Map<string, { id: string; role: string }>();
        for (const emails of chunks(rows.map((r) => r.email))) {
          for (const a of await tx.instructor.findMany({ where: { email: { in: emails } }, select: { id: true, email: true, role: true } })) {
            accounts.set(a.email, a);
          }
        }
        const members = new Map<string, { role: string; droppedAt: Date | null }>();
        const ids = [...accounts.values()].map((a) => a.id);
        for (const part of chunks(ids)) {
          for (const m of await tx.courseMember.findMany({ where: { courseId, accountId: { in: part } } })) members.set(m.accountId, m);
        }
        const problems: RosterProblem[] = [];
        for (const row of rows) {
          const account = accounts.get(row.email);
          const member = account && members.get(account.id);
          if (account && (account.role !== 'student' || (member && member.role !== 'student'))) {
            problems.push({ line: row.line, code: 'NOT_A_STUDENT', message: `${row.email} is an instructor's or this course's staff account` });
          }
        }
        if (problems.length > 0) return { problems };

        const fresh = rows.filter((r) => !accounts.has(r.email));
        const enrolling = rows.filter((r) => {
          const account = accounts.get(r.email);
          const member = account && members.get(account.id);
          return account && (!member || member.droppedAt !== null);
        });
        const outcome: RosterOutcome = { created: fresh.length, enrolled: enrolling.length, unchanged: rows.length - fresh.length - enrolling.length };
        if (dryRun) return outcome;

        const created = await tx.instructor.createManyAndReturn({
          data: fresh.map((r) => ({ email: r.email, name: r.name, passwordHash: NO_PASSWORD, role: 'student' })),
          select: { id: true, email: true },
        });
        const idOf = new Map(created.map((a) => [a.email, a.id]));
        const restore = enrolling.filter((r) => members.has(accounts.get(r.email)!.id)).map((r) => accounts.get(r.email)!.id);
        for (const part of chunks(restore)) {
          await tx.courseMember.updateMany({ where: { courseId, accountId: { in: part } }, data: { droppedAt: null } });
        }
        const joining = [...fresh, ...enrolling.filter((r) => !members.has(accounts.get(r.email)!.id))];
        await tx.courseMember.createMany({
          data: joining.map((r) => ({
            courseId,
            accountId: idOf.get(r.email) ?? accounts.get(r.email)!.id,
            role: 'student',
            source: 'roster',
            studentNumber: r.studentNumber,
          })),
        });
        return outcome;
      },
      // 5 000 rows on a busy SQLite file take a while; the default 5 s would abort a valid import.
      { timeout: 60_000, maxWait: 10_000 },
    );
  }
}
