/** `GET /api/sessions/:id/submissions` (the session's instructor): every stored submission, also after the session ended. */
import type { SubmissionFilter } from '@convlab/classroom';
import { ProtocolError, type Submission } from '@convlab/protocol';
import { requireInstructorId } from './auth.routes';
import type { Router } from './router';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Registers the submission routes. */
export function registerSubmissionRoutes(router: Router): void {
  router.add('GET', '/api/sessions/:id/submissions', async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    // Throws NOT_FOUND / FORBIDDEN unless this instructor owns the session.
    const { session } = await ctx.classroom.getSessionRecord({ role: 'instructor', instructorId }, req.params.id!);
    const filter: SubmissionFilter = {};
    for (const key of ['labId', 'stepId'] as const) {
      const value = req.url.searchParams.get(key);
      if (value === null) continue;
      if (!NAME.test(value)) throw new ProtocolError('BAD_REQUEST', `${key} uses letters, digits, "-" and "_"`);
      filter[key] = value;
    }
    const submissions: Submission[] = await ctx.store.listSubmissions(session.id, filter);
    return { status: 200, body: { submissions } };
  });
}
