/**
 * Accounts outside a course's page: students signing up or enrolling with a course's enrolment code, one-time
 * set-password links, and the admin's approval of instructor accounts.
 */
import {
  ApproveBodySchema,
  COURSE_API,
  EnrolBodySchema,
  ProtocolError,
  SetPasswordBodySchema,
  StudentSignupBodySchema,
} from '@convlab/protocol';
import { createAccount } from '../auth/auth.service';
import { hashPassword } from '../auth/password';
import type { ServerContext } from '../context';
import { toAccount, type CourseRecord } from '../db';
import { requireAccount, startSession } from './auth.routes';
import { hashToken } from './courses.routes';
import type { ApiRequest, Router } from './router';

/** The course an enrolment code opens, or NOT_FOUND (the same answer for a wrong code and a closed one). */
async function courseOfCode(ctx: ServerContext, code: string): Promise<CourseRecord> {
  const course = await ctx.courses.findByEnrolCode(code);
  if (!course) throw new ProtocolError('NOT_FOUND', 'no course has this enrolment code (it may have been changed)');
  return course;
}

async function requireAdmin(req: ApiRequest, ctx: ServerContext) {
  const account = await requireAccount(req, ctx);
  if (!account.admin) throw new ProtocolError('FORBIDDEN', 'only an administrator approves instructors');
  return account;
}

async function refuseTooManySignups(req: ApiRequest, ctx: ServerContext): Promise<void> {
  const wait = await ctx.throttles.signupPerIp.fail(req.ip);
  if (wait > 0) throw new ProtocolError('RATE_LIMITED', `too many attempts; try again in ${Math.ceil(wait / 1000)} s`);
}

/** Registers the student, set-password and admin routes. */
export function registerAccountRoutes(router: Router): void {
  router.add(
    'POST',
    COURSE_API.studentSignup,
    async (req, ctx) => {
      // Counted like instructors' sign-ups (wrong codes too: guessing codes costs the same budget).
      await refuseTooManySignups(req, ctx);
      const course = await courseOfCode(ctx, req.body.enrolCode);
      const account = await createAccount(ctx.accounts, { email: req.body.email, name: req.body.name, password: req.body.password, role: 'student' });
      await ctx.courses.upsertMember({ courseId: course.id, accountId: account.id, role: 'student', source: 'code' });
      const cookie = await startSession(req, ctx, account.id);
      return { status: 201, body: { account: toAccount(account), courseId: course.id }, headers: { 'set-cookie': cookie } };
    },
    StudentSignupBodySchema,
  );

  router.add(
    'POST',
    COURSE_API.enrol,
    async (req, ctx) => {
      const account = await requireAccount(req, ctx);
      const course = await courseOfCode(ctx, req.body.enrolCode);
      const member = await ctx.courses.findMembership(course.id, account.id);
      if (member?.droppedAt) throw new ProtocolError('FORBIDDEN', 'you were removed from this course; ask its instructor');
      if (!member) await ctx.courses.upsertMember({ courseId: course.id, accountId: account.id, role: 'student', source: 'code' });
      return { status: 200, body: { courseId: course.id } };
    },
    EnrolBodySchema,
  );

  router.add('GET', '/api/password-links/:token', async (req, ctx) => {
    const account = await ctx.accounts.findByPasswordToken(hashToken(req.params.token!));
    if (!account) throw new ProtocolError('NOT_FOUND', 'this link was already used or has expired; ask your instructor for a new one');
    return { status: 200, body: { name: account.name, email: account.email } };
  });

  router.add(
    'POST',
    '/api/password-links/:token/use',
    async (req, ctx) => {
      const account = await ctx.accounts.usePasswordToken(hashToken(req.params.token!), await hashPassword(req.body.password));
      if (!account) throw new ProtocolError('NOT_FOUND', 'this link was already used or has expired; ask your instructor for a new one');
      const cookie = await startSession(req, ctx, account.id);
      return { status: 200, body: { account: toAccount(account) }, headers: { 'set-cookie': cookie } };
    },
    SetPasswordBodySchema,
  );

  router.add('GET', COURSE_API.adminAccounts, async (req, ctx) => {
    await requireAdmin(req, ctx);
    return { status: 200, body: { accounts: (await ctx.accounts.listInstructors()).map(toAccount) } };
  });

  router.add(
    'POST',
    '/api/admin/accounts/:id/approve',
    async (req, ctx) => {
      const admin = await requireAdmin(req, ctx);
      if (req.params.id === admin.id && !req.body.approved) throw new ProtocolError('BAD_REQUEST', 'an administrator cannot withdraw their own approval');
      const account = await ctx.accounts.setApproved(req.params.id!, req.body.approved);
      if (!account) throw new ProtocolError('NOT_FOUND', 'no such instructor account');
      if (!account.approved) ctx.instructorAccess.withdrawn(account.id);
      return { status: 200, body: { account: toAccount(account) } };
    },
    ApproveBodySchema,
  );
}
