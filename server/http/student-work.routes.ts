/**
 * `POST /api/join/:code/work` (a student, by the resume token their browser saved on joining): their own submissions
 * and what the instructor shared, with the session's state — also after the session ended, when the live
 * connection refuses them. A wrong code and a wrong token get the same NOT_FOUND, so codes cannot be probed here.
 */
import { hashResumeToken } from '@convlab/classroom';
import { JoinCodeSchema, MyWorkBodySchema, ProtocolError, studentSessionState, toSessionState, type MyWorkResponse, type Submission } from '@convlab/protocol';
import type { Router } from './router';

/** Registers the student's work route. */
export function registerStudentWorkRoutes(router: Router): void {
  router.add(
    'POST',
    '/api/join/:code/work',
    async (req, ctx) => {
      const nothing = new ProtocolError('NOT_FOUND', 'this browser has no work in a session with this code');
      const code = JoinCodeSchema.safeParse(req.params.code);
      if (!code.success) throw nothing;
      const session = await ctx.store.findSessionByCode(code.data);
      if (!session) throw nothing;
      const participant = await ctx.store.findParticipantByToken(session.id, await hashResumeToken(req.body.resumeToken));
      if (!participant) throw nothing;
      if (participant.removedAt) throw new ProtocolError('REMOVED', 'the instructor removed you from this session');
      const all = await ctx.store.listSubmissions(session.id, {});
      const submissions = all.filter((s) => s.participantId === participant.id || s.shared) as Submission[];
      const body: MyWorkResponse = {
        state: studentSessionState(toSessionState(session)),
        participant: { id: participant.id, sessionId: session.id, displayName: participant.displayName, joinedAt: participant.joinedAt },
        submissions,
      };
      return { status: 200, body };
    },
    MyWorkBodySchema,
  );
}
