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
      const t = ctx.throttles.signupPerIp;
      if (t.blocked(req.ip)) throw throttled(t.retryAfterMs(req.ip));
      t.fail(req.ip); // every sign-up counts: accounts are cheap to request, expensive to hash
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
      const { signinPerIp, signinPerEmail } = ctx.throttles;
      const email = req.body.email;
      if (signinPerIp.blocked(req.ip) || signinPerEmail.blocked(email)) {
        throw throttled(Math.max(signinPerIp.retryAfterMs(req.ip), signinPerEmail.retryAfterMs(email)));
      }
      const instructor = await signIn(ctx.store, email, req.body.password);
      if (!instructor) {
        signinPerIp.fail(req.ip);
        signinPerEmail.fail(email);
        throw new ProtocolError('INVALID_CREDENTIALS', 'wrong email or password');
      }
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
