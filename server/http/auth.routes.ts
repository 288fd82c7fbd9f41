/** `/api/auth/*`: sign up, sign in, sign out, who am I. */
import { API, ProtocolError, SigninBodySchema, SignupBodySchema } from '@convlab/protocol';
import type { SignedIn } from '../auth/auth-sessions';
import { signIn, signUp } from '../auth/auth.service';
import { clearSessionCookie, sessionSetCookie } from '../auth/session-cookie';
import type { ServerContext } from '../context';
import type { ApiRequest, Router } from './router';

/** The request's live sign-in (server-side session), or UNAUTHORIZED. */
export async function requireSignIn(req: ApiRequest, ctx: ServerContext): Promise<SignedIn> {
  const signedIn = await ctx.auth.verify(req.raw.headers.cookie);
  if (!signedIn) throw new ProtocolError('UNAUTHORIZED', 'sign in first');
  return signedIn;
}

/** The signed-in instructor's id, or UNAUTHORIZED. */
export async function requireInstructorId(req: ApiRequest, ctx: ServerContext): Promise<string> {
  return (await requireSignIn(req, ctx)).instructorId;
}

/** A Set-Cookie for a new server-side session of `instructorId`. */
async function startSession(req: ApiRequest, ctx: ServerContext, instructorId: string): Promise<string> {
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
      const instructor = await signUp(ctx.store, req.body);
      const cookie = await startSession(req, ctx, instructor.id);
      return { status: 201, body: { instructor }, headers: { 'set-cookie': cookie } };
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
      const instructor = await signIn(ctx.store, email, req.body.password);
      if (!instructor) {
        await limiter.failed(email, req.ip);
        throw new ProtocolError('INVALID_CREDENTIALS', 'wrong email or password');
      }
      await limiter.succeeded(email, req.ip);
      const cookie = await startSession(req, ctx, instructor.id);
      return { status: 200, body: { instructor }, headers: { 'set-cookie': cookie } };
    },
    SigninBodySchema,
  );

  router.add('POST', API.signout, async (req, ctx) => {
    // Ends the session on the server, so a copy of the cookie stops working too.
    const signedIn = await ctx.auth.verify(req.raw.headers.cookie);
    if (signedIn) await ctx.auth.revoke(signedIn.instructorId, signedIn.sessionId);
    return { status: 204, headers: { 'set-cookie': clearSessionCookie({ secure: secureCookies(req, ctx) }) } };
  });

  router.add('GET', API.me, async (req, ctx) => {
    const instructor = await ctx.store.findInstructorById(await requireInstructorId(req, ctx));
    if (!instructor) throw new ProtocolError('UNAUTHORIZED', 'this account no longer exists');
    return { status: 200, body: { instructor } };
  });

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
