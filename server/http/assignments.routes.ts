/**
 * Assignments over HTTP. Every route starts from the assignment's course and the caller's role in it
 * (`requireCourseRole`): instructors create, extend, release and change rules; instructors and TAs grade and read
 * the gradebook; a student reads the assignment without its grading, saves drafts, submits, and reads (and
 * downloads) only their own submissions — with grades only once released.
 */
import {
  AssignmentSubmitBodySchema,
  CreateAssignmentBodySchema,
  DraftBodySchema,
  ExtensionBodySchema,
  ManualGradeBodySchema,
  OverrideBodySchema,
  ProtocolError,
  RegradeBodySchema,
  forStudents,
  LAB_LIMITS,
  TENSOR_UPLOAD_LIMITS,
  type Assignment,
  type AssignmentSubmission,
  type StudentAssignment,
} from '@convlab/protocol';
import { gradebookCsv } from '@convlab/classroom';
import { LabError, getLab } from '@convlab/labs';
import { z } from 'zod';
import type { ServerContext } from '../context';
import type { AssignmentRecord } from '../db';
import { AssignmentService } from '../grading/assignment.service';
import { COURSE_EDITORS, COURSE_MEMBERS, COURSE_STAFF, requireCourseRole, type CourseAccess } from './course-access';
import { createOnce } from './idempotent-create';
import { readBody, type ApiRequest, type Router } from './router';
import { labTasks, resultImageService, resultPng } from '../realtime/labs.handlers';

const services = new WeakMap<ServerContext, AssignmentService>();
/** One service per server. */
export function assignmentService(ctx: ServerContext): AssignmentService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new AssignmentService(ctx)));
  return s;
}

/** The staff's view of an assignment. */
export function toAssignmentDto(a: AssignmentRecord): Assignment {
  return {
    id: a.id,
    courseId: a.courseId,
    title: a.title,
    source: a.source,
    steps: a.steps,
    opensAt: a.opensAt.toISOString(),
    dueAt: a.dueAt.toISOString(),
    latePolicy: a.latePolicy,
    releasedAt: a.releasedAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
  };
}

/** A student's own submission: the grade only once the assignment is released. */
function forStudent(s: AssignmentSubmission, released: boolean): AssignmentSubmission {
  return released ? s : { ...s, auto: null, manual: null, overridePoints: null, overrideReason: null, points: 0 };
}

/** Queues every student's released total for the LMS gradebooks (LTI AGS) of the assignment's links. */
async function publishToLms(ctx: ServerContext, a: AssignmentRecord): Promise<void> {
  const book = await assignmentService(ctx).gradebook(a, toAssignmentDto);
  const maxPoints = book.steps.reduce((n, s) => n + s.maxPoints, 0);
  await ctx.lti.publishGrades(a.id, book.rows.map((r) => ({ accountId: r.accountId, score: r.total, maxPoints })));
}

async function loadAssignment(req: ApiRequest, ctx: ServerContext, roles: readonly ('instructor' | 'ta' | 'student')[]): Promise<{ a: AssignmentRecord; access: CourseAccess }> {
  const a = await ctx.assignments.findById(req.params.id!);
  // A stranger learns nothing: the same NOT_FOUND as for a course they are not in.
  if (!a) throw new ProtocolError('NOT_FOUND', 'no such assignment');
  return { a, access: await requireCourseRole(req, ctx, a.courseId, roles) };
}

async function loadSubmission(req: ApiRequest, ctx: ServerContext): Promise<{ a: AssignmentRecord; s: AssignmentSubmission; access: CourseAccess }> {
  const s = await ctx.assignments.findSubmission(req.params.id!);
  if (!s) throw new ProtocolError('NOT_FOUND', 'no such submission');
  const a = (await ctx.assignments.findById(s.assignmentId))!;
  return { a, s, access: await requireCourseRole(req, ctx, a.courseId, COURSE_STAFF) };
}

async function studentView(ctx: ServerContext, a: AssignmentRecord, accountId: string): Promise<StudentAssignment> {
  const dto = toAssignmentDto(a);
  const service = assignmentService(ctx);
  return {
    ...dto,
    steps: forStudents(dto.steps),
    myDueAt: (await ctx.assignments.dueAtFor(a, accountId)).toISOString(),
    status: await service.status(a, accountId),
    window: await service.window(a, accountId),
    serverNow: ctx.clock.now().toISOString(),
  };
}

const ReleaseBodySchema = z.strictObject({ released: z.boolean() });

/** Registers the assignment routes. */
export function registerAssignmentRoutes(router: Router): void {
  router.add(
    'POST',
    '/api/courses/:id/assignments',
    async (req, ctx) => {
      const { account, course } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
      // A retried request (same requestId) answers with the assignment it made the first time.
      const { row: a, created } = await createOnce(req.body.requestId, ['assignment', account.id, course.id], (id) => ctx.assignments.findById(id), (id) => assignmentService(ctx).create(course.id, account.id, req.body, id));
      return { status: created ? 201 : 200, body: { assignment: toAssignmentDto(a) } };
    },
    CreateAssignmentBodySchema,
  );

  router.add('GET', '/api/courses/:id/assignments', async (req, ctx) => {
    const { account, role, course } = await requireCourseRole(req, ctx, req.params.id!, COURSE_MEMBERS);
    const list = await ctx.assignments.listForCourse(course.id);
    const assignments = role === 'student' ? await Promise.all(list.map((a) => studentView(ctx, a, account.id))) : list.map(toAssignmentDto);
    return { status: 200, body: { assignments } };
  });

  router.add('GET', '/api/assignments/:id', async (req, ctx) => {
    const { a, access } = await loadAssignment(req, ctx, COURSE_MEMBERS);
    return { status: 200, body: { assignment: access.role === 'student' ? await studentView(ctx, a, access.account.id) : toAssignmentDto(a) } };
  });

  router.add(
    'POST',
    '/api/assignments/:id/extensions',
    async (req, ctx) => {
      const { a } = await loadAssignment(req, ctx, COURSE_EDITORS);
      const member = await ctx.courses.findMembership(a.courseId, req.body.accountId);
      if (!member || member.role !== 'student') throw new ProtocolError('NOT_FOUND', 'no such student in this course');
      await ctx.assignments.setExtension(a.id, req.body.accountId, new Date(req.body.dueAt));
      return { status: 200, body: { accountId: req.body.accountId, dueAt: new Date(req.body.dueAt).toISOString() } };
    },
    ExtensionBodySchema,
  );

  router.add(
    'POST',
    '/api/assignments/:id/release',
    async (req, ctx) => {
      const { a } = await loadAssignment(req, ctx, COURSE_EDITORS);
      const updated = await ctx.assignments.setReleased(a.id, req.body.released ? ctx.clock.now() : null);
      // Released grades go to the LMS line items linked to this assignment (LTI AGS; queued, retried in the background).
      if (updated.releasedAt) await publishToLms(ctx, updated);
      return { status: 200, body: { assignment: toAssignmentDto(updated) } };
    },
    ReleaseBodySchema,
  );

  router.add('GET', '/api/assignments/:id/drafts/:stepId', async (req, ctx) => {
    const { a, access } = await loadAssignment(req, ctx, ['student']);
    return { status: 200, body: { draft: await ctx.assignments.findDraft(a.id, access.account.id, req.params.stepId!) } };
  });

  router.add(
    'POST',
    '/api/assignments/:id/drafts/:stepId',
    async (req, ctx) => {
      const { a, access } = await loadAssignment(req, ctx, ['student']);
      if (!a.steps.some((s) => s.id === req.params.stepId)) throw new ProtocolError('NOT_FOUND', `the assignment has no step "${req.params.stepId}"`);
      await ctx.assignments.saveDraft(a.id, access.account.id, req.params.stepId!, req.body.draft);
      return { status: 200, body: { saved: true } };
    },
    DraftBodySchema,
  );

  // A result PNG for a step, stored before the submission names it by hash (the live `lab:image`'s checks and quotas).
  router.addRaw('/api/assignments/:id/images', async (req, ctx) => {
    const { a, access } = await loadAssignment(req, ctx, ['student']).catch((err: unknown) => {
      req.raw.resume();
      throw err;
    });
    const stepId = req.url.searchParams.get('stepId') ?? '';
    const step = a.steps.find((s) => s.id === stepId);
    if (!step) {
      req.raw.resume();
      throw new ProtocolError('NOT_FOUND', `the assignment has no step "${stepId}"`);
    }
    if (getLab(step.labId)?.resultImage === 'none') {
      req.raw.resume();
      throw new ProtocolError('BAD_REQUEST', `the step "${step.title}" takes no result images`);
    }
    const bytes = resultPng(await readBody(req.raw, LAB_LIMITS.resultImageMaxBytes, `the result image is larger than ${LAB_LIMITS.resultImageMaxBytes} bytes`));
    const { image } = await resultImageService(ctx).ingest(bytes, { kind: 'participant', id: access.account.id });
    return { status: 201, body: { hash: image.hash } };
  });

  // The task of a convolution or pooling step, made for this student of this assignment.
  router.add('GET', '/api/assignments/:id/tasks/:stepId', async (req, ctx) => {
    const { a, access } = await loadAssignment(req, ctx, ['student']);
    const step = a.steps.find((s) => s.id === req.params.stepId);
    if (!step) throw new ProtocolError('NOT_FOUND', `the assignment has no step "${req.params.stepId}"`);
    try {
      return { status: 200, body: { task: await labTasks(ctx).task(step, { sessionId: `assignment:${a.id}`, participantId: access.account.id }) } };
    } catch (err) {
      if (err instanceof LabError) throw new ProtocolError('BAD_REQUEST', err.message);
      throw err;
    }
  });

  router.add(
    'POST',
    '/api/assignments/:id/submissions',
    async (req, ctx) => {
      const { a, access } = await loadAssignment(req, ctx, ['student']);
      const out = await assignmentService(ctx).submit(a, access.account.id, req.body);
      return { status: 201, body: { submission: forStudent(out.submission, a.releasedAt !== null), attemptsLeft: out.attemptsLeft } };
    },
    AssignmentSubmitBodySchema,
    // A gradient-ascent image travels in the body as base64 float32 (1.4 MB at 299×299): room for the largest.
    TENSOR_UPLOAD_LIMITS.maxBase64Chars,
  );

  router.add('GET', '/api/assignments/:id/submissions', async (req, ctx) => {
    const { a, access } = await loadAssignment(req, ctx, COURSE_MEMBERS);
    if (access.role === 'student') {
      const mine = await ctx.assignments.listSubmissions(a.id, { accountId: access.account.id });
      return { status: 200, body: { submissions: mine.map((s) => forStudent(s, a.releasedAt !== null)) } };
    }
    const accountId = req.url.searchParams.get('accountId');
    return { status: 200, body: { submissions: await ctx.assignments.listSubmissions(a.id, accountId ? { accountId } : {}) } };
  });

  router.add('GET', '/api/assignments/:id/my-submissions.json', async (req, ctx) => {
    const { a, access } = await loadAssignment(req, ctx, ['student']);
    const mine = (await ctx.assignments.listSubmissions(a.id, { accountId: access.account.id })).map((s) => forStudent(s, a.releasedAt !== null));
    const bytes = new TextEncoder().encode(JSON.stringify({ assignment: a.title, student: access.account.email, submissions: mine }, null, 2));
    return { status: 200, bytes, headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="submissions-${a.id}.json"` } };
  });

  router.add('GET', '/api/assignments/:id/gradebook', async (req, ctx) => {
    const { a } = await loadAssignment(req, ctx, COURSE_STAFF);
    return { status: 200, body: { gradebook: await assignmentService(ctx).gradebook(a, toAssignmentDto) } };
  });

  router.add('GET', '/api/assignments/:id/gradebook.csv', async (req, ctx) => {
    const { a } = await loadAssignment(req, ctx, COURSE_STAFF);
    const csv = gradebookCsv(await assignmentService(ctx).gradebook(a, toAssignmentDto));
    return { status: 200, bytes: new TextEncoder().encode(csv), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="gradebook-${a.id}.csv"` } };
  });

  router.add(
    'POST',
    '/api/assignments/:id/regrade',
    async (req, ctx) => {
      // A changed rule edits the assignment (instructors); recomputing with the same rule is grading (TAs too).
      const { a, access } = await loadAssignment(req, ctx, req.body.grading ? COURSE_EDITORS : COURSE_STAFF);
      const out = await assignmentService(ctx).regrade(a, req.body.stepId, access.account.id, req.body.grading);
      return { status: 200, body: { assignment: toAssignmentDto(out.assignment), regraded: out.regraded, ms: out.ms } };
    },
    RegradeBodySchema,
  );

  router.add(
    'POST',
    '/api/assignment-submissions/:id/grade',
    async (req, ctx) => {
      const { a, s, access } = await loadSubmission(req, ctx);
      return { status: 200, body: { submission: await assignmentService(ctx).gradeByHand(a, s, access.account.id, req.body.rubric, req.body.comment) } };
    },
    ManualGradeBodySchema,
  );

  router.add(
    'POST',
    '/api/assignment-submissions/:id/override',
    async (req, ctx) => {
      const { s, access } = await loadSubmission(req, ctx);
      return { status: 200, body: { submission: await assignmentService(ctx).override(s, access.account.id, req.body.points, req.body.reason) } };
    },
    OverrideBodySchema,
  );

  router.add('GET', '/api/assignment-submissions/:id', async (req, ctx) => {
    const { s } = await loadSubmission(req, ctx);
    return { status: 200, body: { submission: s, history: await ctx.assignments.gradeHistory(s.id) } };
  });
}
