/** `/api/auth/*`: sign up, sign in, sign out, who am I. */
import { API, ProtocolError, SigninBodySchema, SignupBodySchema } from '@convlab/protocol';
import { signIn, signUp } from '../auth/auth.service';
import { clearSessionCookie, sessionFromCookieHeader, sessionSetCookie, signSession } from '../auth/session-cookie';
import type { ServerContext } from '../context';
import type { ApiRequest, Router } from './router';

/** The signed-in instructor's id, or UNAUTHORIZED. */
export function requireInstructorId(req: ApiRequest, ctx: ServerContext): string {
  const claims = sessionFromCookieHeader(ctx.secret, req.raw.headers.cookie);
  if (!claims) throw new ProtocolError('UNAUTHORIZED', 'sign in first');
  return claims.sub;
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
      const cookie = sessionSetCookie(signSession(ctx.secret, instructor.id), { secure: secureCookies(req, ctx) });
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
      const cookie = sessionSetCookie(signSession(ctx.secret, instructor.id), { secure: secureCookies(req, ctx) });
      return { status: 200, body: { instructor }, headers: { 'set-cookie': cookie } };
    },
    SigninBodySchema,
  );

  router.add('POST', API.signout, async (req, ctx) => ({
    status: 204,
    headers: { 'set-cookie': clearSessionCookie({ secure: secureCookies(req, ctx) }) },
  }));

  router.add('GET', API.me, async (req, ctx) => {
    const instructor = await ctx.store.findInstructorById(requireInstructorId(req, ctx));
    if (!instructor) throw new ProtocolError('UNAUTHORIZED', 'this account no longer exists');
    return { status: 200, body: { instructor } };
  });
}
