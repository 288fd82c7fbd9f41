/**
 * `/api/courses*`: courses and their members. Instructors of a course edit it (staff, roster, enrolment code,
 * set-password links, deletion); TAs see its roster; students only see that they belong to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  AddStaffBodySchema,
  COURSE_API,
  CreateCourseBodySchema,
  ENROL_CODE_LENGTH,
  EnrolCodeBodySchema,
  MemberPatchBodySchema,
  ProtocolError,
  RosterImportBodySchema,
  generateJoinCode,
  type CourseDetail,
  type CourseRole,
} from '@convlab/protocol';
import { joinAddressFor, type ServerContext } from '../context';
import { parseRoster } from '../courses/roster-csv';
import { EnrolCodeTakenError, type CourseRecord } from '../db';
import { requireAccount, requireApprovedInstructor } from './auth.routes';
import { COURSE_EDITORS, COURSE_STAFF, requireCourseRole } from './course-access';
import { createOnce } from './idempotent-create';
import type { ApiRequest, Router } from './router';

/** SHA-256 (hex) of a set-password token: only this is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

async function courseDetail(ctx: ServerContext, course: CourseRecord, role: CourseRole): Promise<CourseDetail> {
  return { ...course, role, members: await ctx.courses.listMembers(course.id) };
}

/** A fresh enrolment code (another course holding the same random code is rare: draw again). */
async function newEnrolCode(ctx: ServerContext, courseId: string): Promise<CourseRecord> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.courses.setEnrolCode(courseId, generateJoinCode(undefined, ENROL_CODE_LENGTH));
    } catch (error) {
      if (!(error instanceof EnrolCodeTakenError) || attempt >= 5) throw error;
    }
  }
}

function memberParam(req: ApiRequest): string {
  return req.params.accountId!;
}

/** Registers the course routes. */
export function registerCourseRoutes(router: Router): void {
  router.add('GET', COURSE_API.courses, async (req, ctx) => {
    const account = await requireAccount(req, ctx);
    return { status: 200, body: { courses: await ctx.courses.listForAccount(account.id) } };
  });

  router.add(
    'POST',
    COURSE_API.courses,
    async (req, ctx) => {
      const account = await requireApprovedInstructor(req, ctx);
      // A retried request (same requestId) answers with the course it made the first time.
      const { row: course, created } = await createOnce(req.body.requestId, ['course', account.id], (id) => ctx.courses.findById(id), (id) => ctx.courses.create(req.body.title, account.id, id));
      return { status: created ? 201 : 200, body: { course: await courseDetail(ctx, course, 'instructor') } };
    },
    CreateCourseBodySchema,
  );

  router.add('GET', '/api/courses/:id', async (req, ctx) => {
    const { course, role } = await requireCourseRole(req, ctx, req.params.id!, COURSE_STAFF);
    return { status: 200, body: { course: await courseDetail(ctx, course, role) } };
  });

  router.add('POST', '/api/courses/:id/delete', async (req, ctx) => {
    const { course } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
    const { deletedAccounts } = await ctx.courses.delete(course.id);
    console.log(`[courses] deleted course ${course.id} with its data and ${deletedAccounts} student account(s) no other course had`);
    return { status: 200, body: { deletedAccounts } };
  });

  router.add(
    'POST',
    '/api/courses/:id/staff',
    async (req, ctx) => {
      const { course, role } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
      const found = await ctx.accounts.findByEmailWithHash(req.body.email);
      if (!found) throw new ProtocolError('NOT_FOUND', `no account with the e-mail ${req.body.email}; they sign up first`);
      if (req.body.role === 'instructor' && (found.account.role !== 'instructor' || !found.account.approved)) {
        throw new ProtocolError('BAD_REQUEST', 'a co-instructor needs an approved instructor account');
      }
      await ctx.courses.upsertMember({ courseId: course.id, accountId: found.account.id, role: req.body.role, source: 'added' });
      return { status: 200, body: { course: await courseDetail(ctx, course, role) } };
    },
    AddStaffBodySchema,
  );

  router.add(
    'POST',
    '/api/courses/:id/members/:accountId',
    async (req, ctx) => {
      const { course, role, account } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
      const target = await ctx.courses.findMembership(course.id, memberParam(req));
      if (!target) throw new ProtocolError('NOT_FOUND', 'no such member');
      if (req.body.dropped && target.role === 'instructor') {
        const instructors = (await ctx.courses.listMembers(course.id)).filter((m) => m.role === 'instructor' && m.droppedAt === null);
        if (instructors.length <= 1 || target.accountId === account.id) {
          throw new ProtocolError('BAD_REQUEST', 'a course keeps at least one instructor, and instructors cannot remove themselves');
        }
      }
      await ctx.courses.setDropped(course.id, target.accountId, req.body.dropped);
      return { status: 200, body: { course: await courseDetail(ctx, course, role) } };
    },
    MemberPatchBodySchema,
  );

  router.add('POST', '/api/courses/:id/members/:accountId/password-link', async (req, ctx) => {
    const { course, account: issuer } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
    const target = await ctx.courses.findMembership(course.id, memberParam(req));
    const account = target && (await ctx.accounts.findById(target.accountId));
    if (!target || !account) throw new ProtocolError('NOT_FOUND', 'no such member');
    if (account.role !== 'student') throw new ProtocolError('FORBIDDEN', 'set-password links are for student accounts');
    // Resetting a password takes the account over: only for one that has none yet, or that only this course holds.
    const courses = await ctx.courses.listForAccount(account.id);
    if (account.hasPassword && courses.some((c) => c.id !== course.id)) {
      throw new ProtocolError('FORBIDDEN', 'this student set a password and belongs to other courses too; they sign in with it');
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + ctx.config.accounts.passwordLinkMs);
    await ctx.accounts.issuePasswordToken({ tokenHash: hashToken(token), accountId: account.id, issuedById: issuer.id, expiresAt });
    const base = joinAddressFor(ctx.config, req.raw.headers.host, req.secure).base;
    return { status: 201, body: { url: `${base}/set-password/${token}`, expiresAt: expiresAt.toISOString() } };
  });

  router.add(
    'POST',
    '/api/courses/:id/roster',
    async (req, ctx) => {
      const { course } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
      const parsed = parseRoster(req.body.csv, { maxRows: ctx.config.accounts.rosterMaxRows });
      if (!parsed.ok) return { status: 422, body: { ok: false, problems: parsed.problems } };
      const dryRun = req.body.dryRun ?? false;
      const outcome = await ctx.courses.importRoster(course.id, parsed.rows, dryRun);
      if ('problems' in outcome) return { status: 422, body: { ok: false, problems: outcome.problems } };
      return { status: dryRun ? 200 : 201, body: { ok: true, dryRun, rows: parsed.rows.length, ...outcome } };
    },
    RosterImportBodySchema,
  );

  router.add(
    'POST',
    '/api/courses/:id/enrol-code',
    async (req, ctx) => {
      const { course, role } = await requireCourseRole(req, ctx, req.params.id!, COURSE_EDITORS);
      const updated = req.body.open ? await newEnrolCode(ctx, course.id) : await ctx.courses.setEnrolCode(course.id, null);
      return { status: 200, body: { course: await courseDetail(ctx, updated, role) } };
    },
    EnrolCodeBodySchema,
  );
}
