/** `/api/sessions*` (instructor) and `/api/join/:code` (a student's join page). */
import { LabError, checkLessonSteps } from '@convlab/labs';
import { API, CreateSessionBodySchema, JoinCodeSchema, ProtocolError } from '@convlab/protocol';
import { joinAddressFor, toLiveSession, type ServerContext } from '../context';
import type { JoinAddress } from '../net/join-address';
import { knownModelFacts, modelProblems } from '../lessons/library';
import { requireInstructorId } from './auth.routes';
import type { ApiRequest, Router } from './router';

/** Where students of this request's server join. */
export function joinBase(req: ApiRequest, ctx: ServerContext): JoinAddress {
  return joinAddressFor(ctx.config, req.raw.headers.host, req.secure);
}

/** Registers the session routes. */
export function registerSessionRoutes(router: Router): void {
  router.add('GET', API.sessions, async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    const sessions = await ctx.classroom.listSessions({ role: 'instructor', instructorId });
    const base = joinBase(req, ctx);
    return { status: 200, body: { sessions: sessions.map((s) => toLiveSession(s, base)) } };
  });

  router.add(
    'POST',
    API.sessions,
    async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      try {
        // Lab steps carry their lab's parameters; the protocol only bounds them, the lab definitions check them.
        checkLessonSteps(req.body.steps);
      } catch (err) {
        if (err instanceof LabError) throw new ProtocolError('BAD_REQUEST', err.message);
        throw err;
      }
      const unsuitable = modelProblems(req.body.steps, await knownModelFacts(ctx));
      if (unsuitable.length) throw new ProtocolError('BAD_REQUEST', unsuitable.join(' '));
      const session = await ctx.classroom.createSession({ role: 'instructor', instructorId }, req.body);
      return { status: 201, body: { session: toLiveSession(session, joinBase(req, ctx)) } };
    },
    CreateSessionBodySchema,
  );

  router.add('GET', '/api/sessions/:id', async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    const { session, participants } = await ctx.classroom.getSessionRecord({ role: 'instructor', instructorId }, req.params.id!);
    return {
      status: 200,
      body: {
        session: toLiveSession(session, joinBase(req, ctx)),
        participants: participants.map(({ id, displayName, joinedAt, lastSeenAt, removedAt }) => ({
          id,
          displayName,
          joinedAt,
          lastSeenAt,
          removedAt,
        })),
      },
    };
  });

  router.add('POST', '/api/sessions/:id/delete', async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    const gone = await ctx.classroom.deleteSession({ role: 'instructor', instructorId }, req.params.id!);
    return { status: 200, body: { deleted: gone } };
  });

  router.add('POST', '/api/sessions/:id/duplicate', async (req, ctx) => {
    const actor = { role: 'instructor' as const, instructorId: await requireInstructorId(req, ctx) };
    const { session } = await ctx.classroom.getSessionRecord(actor, req.params.id!);
    const copy = await ctx.classroom.createSession(actor, { title: session.title, steps: session.steps });
    return { status: 201, body: { session: toLiveSession(copy, joinBase(req, ctx)) } };
  });

  router.add('GET', '/api/join/:code', async (req, ctx) => {
    // Shares the wrong-code budget with `student:join`, so the page cannot be used to scan codes; a valid code is
    // never refused by it (a whole class may share one address).
    try {
      const code = JoinCodeSchema.safeParse(req.params.code);
      if (!code.success) throw new ProtocolError('NOT_FOUND', 'no session has this join code');
      return { status: 200, body: await ctx.classroom.joinInfo(code.data) };
    } catch (err) {
      throw await ctx.throttles.joinCodes.answerFor(err, { address: req.ip });
    }
  });
}
