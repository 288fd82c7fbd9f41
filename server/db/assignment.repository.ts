/**
 * Assignments, extensions, drafts, self-paced submissions and their grade history. Returns plain DTOs; only this
 * layer knows Prisma. Deciding lateness, attempts and grades is the grading service's job (server/grading).
 */
import type { AssignmentSubmission, AutoGrade, LabStep, LatePolicy, ManualGrade } from '@convlab/protocol';
import { submissionPoints } from '@convlab/classroom';
import type { Db } from './client';
import { isUniqueViolation } from './errors';
import type { Prisma } from './generated/sqlite/client';

/** An assignment as stored (steps with their server-only grading). */
export interface AssignmentRecord {
  id: string;
  courseId: string;
  title: string;
  source: string;
  steps: LabStep[];
  opensAt: Date;
  dueAt: Date;
  latePolicy: LatePolicy;
  releasedAt: Date | null;
  createdById: string;
  createdAt: Date;
}

/** What creating an assignment takes: the record less what the database fills in. */
/** A new assignment; `id` when the caller chose it (a creation by requestId). */
export type NewAssignment = Omit<AssignmentRecord, 'id' | 'releasedAt' | 'createdAt'> & { id?: string };

export interface NewAssignmentSubmission {
  assignmentId: string;
  accountId: string;
  stepId: string;
  requestId: string;
  params: Record<string, unknown>;
  result: Record<string, unknown>;
  resultImageHash: string | null;
  tensorHash: string | null;
  submittedAt: Date;
  lateDays: number;
  penaltyPercent: number;
  /** Attempts allowed for the step: the insert fails with AttemptsUsedError past it. */
  attempts: number;
}

/** No attempts left for the step. */
export class AttemptsUsedError extends Error {
  override name = 'AttemptsUsedError';
}

export interface GradeEventRecord {
  kind: string;
  byId: string | null;
  data: unknown;
  createdAt: string;
}

const json = (v: unknown) => v as Prisma.InputJsonValue;

type AssignmentRow = { id: string; courseId: string; title: string; source: string; steps: unknown; opensAt: Date; dueAt: Date; latePolicy: unknown; releasedAt: Date | null; createdById: string; createdAt: Date };

function toAssignment(r: AssignmentRow): AssignmentRecord {
  return { ...r, steps: r.steps as LabStep[], latePolicy: r.latePolicy as LatePolicy };
}

type SubmissionRow = {
  id: string;
  assignmentId: string;
  accountId: string;
  stepId: string;
  attempt: number;
  params: unknown;
  result: unknown;
  resultImageHash: string | null;
  tensorHash: string | null;
  submittedAt: Date;
  lateDays: number;
  penaltyPercent: number;
  auto: unknown;
  manual: unknown;
  overridePoints: number | null;
  overrideReason: string | null;
};

function toSubmission(r: SubmissionRow): AssignmentSubmission {
  const auto = (r.auto ?? null) as AutoGrade | null;
  const manual = (r.manual ?? null) as ManualGrade | null;
  return {
    id: r.id,
    assignmentId: r.assignmentId,
    accountId: r.accountId,
    stepId: r.stepId,
    attempt: r.attempt,
    params: r.params as Record<string, unknown>,
    result: r.result as Record<string, unknown>,
    resultImageHash: r.resultImageHash,
    tensorHash: r.tensorHash,
    submittedAt: r.submittedAt.toISOString(),
    lateDays: r.lateDays,
    penaltyPercent: r.penaltyPercent,
    auto,
    manual,
    overridePoints: r.overridePoints,
    overrideReason: r.overrideReason,
    points: submissionPoints({ auto, manual, overridePoints: r.overridePoints, penaltyPercent: r.penaltyPercent }),
  };
}

/** Assignment queries over one Prisma client. */
export class AssignmentRepository {
  constructor(private readonly db: Db) {}

  async create(input: NewAssignment): Promise<AssignmentRecord> {
    return toAssignment(await this.db.assignment.create({ data: { ...input, steps: json(input.steps), latePolicy: json(input.latePolicy) } }));
  }

  async findById(id: string): Promise<AssignmentRecord | null> {
    const row = await this.db.assignment.findUnique({ where: { id } });
    return row ? toAssignment(row) : null;
  }

  async listForCourse(courseId: string): Promise<AssignmentRecord[]> {
    return (await this.db.assignment.findMany({ where: { courseId }, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }] })).map(toAssignment);
  }

  async setReleased(id: string, at: Date | null): Promise<AssignmentRecord> {
    return toAssignment(await this.db.assignment.update({ where: { id }, data: { releasedAt: at } }));
  }

  /** Replaces the assignment's steps (a changed grading rule before a regrade). */
  async setSteps(id: string, steps: LabStep[]): Promise<AssignmentRecord> {
    return toAssignment(await this.db.assignment.update({ where: { id }, data: { steps: json(steps) } }));
  }

  async setExtension(assignmentId: string, accountId: string, dueAt: Date): Promise<void> {
    await this.db.assignmentExtension.upsert({ where: { assignmentId_accountId: { assignmentId, accountId } }, create: { assignmentId, accountId, dueAt }, update: { dueAt } });
  }

  /** The student's due time: their extension, else the assignment's. */
  async dueAtFor(a: AssignmentRecord, accountId: string): Promise<Date> {
    const ext = await this.db.assignmentExtension.findUnique({ where: { assignmentId_accountId: { assignmentId: a.id, accountId } } });
    return ext?.dueAt ?? a.dueAt;
  }

  async saveDraft(assignmentId: string, accountId: string, stepId: string, draft: unknown): Promise<void> {
    const key = { assignmentId_accountId_stepId: { assignmentId, accountId, stepId } };
    await this.db.assignmentDraft.upsert({ where: key, create: { assignmentId, accountId, stepId, draft: json(draft) }, update: { draft: json(draft) } });
  }

  async findDraft(assignmentId: string, accountId: string, stepId: string): Promise<unknown> {
    const row = await this.db.assignmentDraft.findUnique({ where: { assignmentId_accountId_stepId: { assignmentId, accountId, stepId } } });
    return row ? row.draft : null;
  }

  /** The submission an earlier try of this request made, if any. */
  async findByRequest(accountId: string, requestId: string): Promise<AssignmentSubmission | null> {
    const row = await this.db.assignmentSubmission.findUnique({ where: { accountId_requestId: { accountId, requestId } } });
    return row ? toSubmission(row) : null;
  }

  /**
   * Stores the next attempt. The attempt number is taken from the rows already there and made unique by the
   * database, so two racing submissions never both get the last attempt (the loser retries with the next number
   * and finds none left). A retried request returns its first submission.
   */
  async createSubmission(input: NewAssignmentSubmission): Promise<AssignmentSubmission> {
    const { attempts, ...data } = input;
    for (;;) {
      const previous = await this.findByRequest(input.accountId, input.requestId);
      if (previous) return previous;
      const used = await this.db.assignmentSubmission.count({ where: { assignmentId: input.assignmentId, accountId: input.accountId, stepId: input.stepId } });
      if (used >= attempts) throw new AttemptsUsedError(`all ${attempts} attempts at this step are used`);
      try {
        const row = await this.db.assignmentSubmission.create({ data: { ...data, attempt: used + 1, params: json(data.params), result: json(data.result) } });
        return toSubmission(row);
      } catch (err) {
        if (isUniqueViolation(err, 'attempt') || isUniqueViolation(err, 'requestId')) continue;
        throw err;
      }
    }
  }

  async countAttempts(assignmentId: string, accountId: string): Promise<Map<string, number>> {
    const rows = await this.db.assignmentSubmission.groupBy({ by: ['stepId'], where: { assignmentId, accountId }, _count: { _all: true } });
    return new Map(rows.map((r) => [r.stepId, r._count._all]));
  }

  async findSubmission(id: string): Promise<AssignmentSubmission | null> {
    const row = await this.db.assignmentSubmission.findUnique({ where: { id } });
    return row ? toSubmission(row) : null;
  }

  /** Submissions of an assignment (one student's, or one step's), oldest first. */
  async listSubmissions(assignmentId: string, where: { accountId?: string; stepId?: string } = {}): Promise<AssignmentSubmission[]> {
    const rows = await this.db.assignmentSubmission.findMany({ where: { assignmentId, ...where }, orderBy: [{ submittedAt: 'asc' }, { attempt: 'asc' }] });
    return rows.map(toSubmission);
  }

  /** Changes a submission's grade and records the change in its history, together. */
  async updateGrade(
    id: string,
    patch: { auto?: AutoGrade | null; manual?: ManualGrade; overridePoints?: number | null; overrideReason?: string | null },
    event: { kind: 'auto' | 'regrade' | 'manual' | 'override'; byId: string | null; data: unknown },
  ): Promise<AssignmentSubmission> {
    const [row] = await this.db.$transaction([
      this.db.assignmentSubmission.update({
        where: { id },
        data: {
          ...(patch.auto !== undefined ? { auto: patch.auto === null ? json(null) : json(patch.auto) } : {}),
          ...(patch.manual !== undefined ? { manual: json(patch.manual) } : {}),
          ...(patch.overridePoints !== undefined ? { overridePoints: patch.overridePoints, overrideReason: patch.overrideReason ?? null } : {}),
        },
      }),
      this.db.gradeEvent.create({ data: { submissionId: id, kind: event.kind, byId: event.byId, data: json(event.data) } }),
    ]);
    return toSubmission(row);
  }

  async gradeHistory(submissionId: string): Promise<GradeEventRecord[]> {
    const rows = await this.db.gradeEvent.findMany({ where: { submissionId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map((r) => ({ kind: r.kind, byId: r.byId, data: r.data, createdAt: r.createdAt.toISOString() }));
  }
}
