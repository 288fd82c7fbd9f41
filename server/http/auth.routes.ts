/**
 * `/api/auth/*`: sign up (instructors), sign in and out (every account), who am I. The sign-in cookie names an
 * account of either role; `requireInstructorId` admits approved instructors only.
 */
import { API, ProtocolError, SigninBodySchema, SignupBodySchema, type Account } from '@convlab/protocol';
import type { SignedIn } from '../auth/auth-sessions';
import { createAccount, signIn } from '../auth/auth.service';
import { toAccount, type AccountRecord } from '../db';
import { clearSessionCookie, sessionSetCookie } from '../auth/session-cookie';
import type { ServerContext } from '../context';
import type { ApiRequest, Router } from './router';

/** The request's live sign-in (server-side session), or UNAUTHORIZED. */
export async function requireSignIn(req: ApiRequest, ctx: ServerContext): Promise<SignedIn> {
  const signedIn = await ctx.auth.verify(req.raw.headers.cookie);
  if (!signedIn) throw new ProtocolError('UNAUTHORIZED', 'sign in first');
  return signedIn;
}

/** The signed-in account (instructor or student), or UNAUTHORIZED. */
export async function requireAccount(req: ApiRequest, ctx: ServerContext): Promise<AccountRecord> {
  const account = await ctx.accounts.findById((await requireSignIn(req, ctx)).instructorId);
  if (!account) throw new ProtocolError('UNAUTHORIZED', 'this account no longer exists');
  return account;
}

/** The signed-in account when it is an approved instructor; UNAUTHORIZED, FORBIDDEN (a student) or NOT_APPROVED. */
export async function requireApprovedInstructor(req: ApiRequest, ctx: ServerContext): Promise<AccountRecord> {
  const account = await requireAccount(req, ctx);
  if (account.role !== 'instructor') throw new ProtocolError('FORBIDDEN', 'this needs an instructor account');
  if (!account.approved) throw new ProtocolError('NOT_APPROVED', 'an administrator has not approved this instructor account yet');
  return account;
}

/** The signed-in, approved instructor's id (see {@link requireApprovedInstructor}). */
export async function requireInstructorId(req: ApiRequest, ctx: ServerContext): Promise<string> {
  return (await requireApprovedInstructor(req, ctx)).id;
}

/** The sign-in answer: the account, and under `instructor` the fields older clients read. */
function accountBody(record: AccountRecord): { account: Account; instructor: { id: string; email: string; name: string; createdAt: string } } {
  const { id, email, name, createdAt } = record;
  return { account: toAccount(record), instructor: { id, email, name, createdAt } };
}

/** A Set-Cookie for a new server-side session of `instructorId`. */
export async function startSession(req: ApiRequest, ctx: ServerContext, instructorId: string): Promise<string> {
  const value = await ctx.auth.create(instructorId, { userAgent: req.raw.headers['user-agent'], address: req.ip });
  return sessionSetCookie(value, { secure: secureCookies(req, ctx) });
}

function secureCookies(req: ApiRequest, ctx: ServerContext): boolean {
  return req.secure || Boolean(ctx.config.publicUrl?.startsWith('https://'));
}

function throttled(retryMs: number): ProtocolError {
  return new ProtocolError('RATE_LIMITED', `too many attempts; try again in ${Math.ceil(retryMs / 1000)} s`);
}

/** Registers the auth routes. */
export function registerAuthRoutes(router: Router): void {
  router.add(
    'POST',
    API.signup,
    async (req, ctx) => {
      // Every sign-up counts: accounts are cheap to request, expensive to hash.
      const wait = await ctx.throttles.signupPerIp.fail(req.ip);
      if (wait > 0) {
        console.warn(`[limits] refused a sign-up from ${req.ip}: too many sign-ups`);
        throw throttled(wait);
      }
      const account = await createAccount(ctx.accounts, { ...req.body, role: 'instructor' }, ctx.config.accounts.adminEmail);
      const cookie = await startSession(req, ctx, account.id);
      return { status: 201, body: accountBody(account), headers: { 'set-cookie': cookie } };
    },
    SignupBodySchema,
  );

  router.add(
    'POST',
    API.signin,
    async (req, ctx) => {
      const limiter = ctx.throttles.signin;
      const email = req.body.email;
      await limiter.check(email, req.ip);
      const account = await signIn(ctx.accounts, email, req.body.password);
      if (!account) {
        await limiter.failed(email, req.ip);
        throw new ProtocolError('INVALID_CREDENTIALS', 'wrong email or password');
      }
      await limiter.succeeded(email, req.ip);
      const cookie = await startSession(req, ctx, account.id);
      return { status: 200, body: accountBody(account), headers: { 'set-cookie': cookie } };
    },
    SigninBodySchema,
  );

  router.add('POST', API.signout, async (req, ctx) => {
    // Ends the session on the server, so a copy of the cookie stops working too.
    const signedIn = await ctx.auth.verify(req.raw.headers.cookie);
    if (signedIn) await ctx.auth.revoke(signedIn.instructorId, signedIn.sessionId);
    return { status: 204, headers: { 'set-cookie': clearSessionCookie({ secure: secureCookies(req, ctx) }) } };
  });

  router.add('GET', API.me, async (req, ctx) => ({ status: 200, body: accountBody(await requireAccount(req, ctx)) }));

  router.add('GET', API.authSessions, async (req, ctx) => {
    const { instructorId, sessionId } = await requireSignIn(req, ctx);
    return { status: 200, body: { sessions: await ctx.auth.list(instructorId, sessionId) } };
  });

  router.add('POST', '/api/auth/sessions/:id/revoke', async (req, ctx) => {
    const { instructorId, sessionId } = await requireSignIn(req, ctx);
    if (!(await ctx.auth.revoke(instructorId, req.params.id!))) throw new ProtocolError('NOT_FOUND', 'no such signed-in session');
    // Revoking the current session is a sign-out: clear its cookie too.
    const headers = req.params.id === sessionId ? { 'set-cookie': clearSessionCookie({ secure: secureCookies(req, ctx) }) } : undefined;
    return { status: 204, headers };
  });
}
