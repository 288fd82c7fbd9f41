/**
 * Stored submissions listed per session over HTTP, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL. The socket
 * events that create submissions are not wired yet, so the rows are written through the server's own store, with
 * their checks from @convlab/labs, the way a handler will.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '@convlab/classroom';
import { checkSubmission, howCnnsSeeLesson } from '@convlab/labs';
import { SubmissionListResponseSchema, type LabStep } from '@convlab/protocol';
import { api, signUpInstructor } from './helpers/clients';
import { databaseTargets } from './helpers/databases';
import { useApiServer } from './helpers/api-server';

describe.each(databaseTargets())('submissions on $kind', (target) => {
  const suite = useApiServer(target);

  it('lists a session’s submissions to its instructor only, filtered, and keeps them across a restart', async () => {
    const { cookie } = await signUpInstructor(suite.base, 'subs@example.org');
    const other = await signUpInstructor(suite.base, 'other-subs@example.org');
    const lesson = howCnnsSeeLesson();
    const created = await api(suite.base, '/api/sessions', { cookie, body: { title: lesson.title, steps: lesson.steps } });
    const sessionId: string = created.body.session.id;
    const store = suite.server.context.store;
    const ada = await store.createParticipant({ sessionId, displayName: 'Ada', tokenHash: 'a'.repeat(64) });

    const occ = lesson.steps.find((s) => s.id === 'occlusion-schooner') as LabStep;
    const masks = { classIndex: 780, baseline: 0.59, inputSize: [224, 224], masks: [{ mask: { kind: 'rect', x: 80, y: 40, width: 60, height: 90 }, probability: 0.05 }] };
    const checked = checkSubmission(occ, { params: { ...occ.params, fill: 'zero' }, result: masks, resultImageHash: null });
    const first = await store.createSubmission({
      sessionId,
      participantId: ada.id,
      labId: occ.labId,
      stepId: occ.id,
      params: checked.params as Record<string, JsonValue>,
      result: checked.result as Record<string, JsonValue>,
      resultImageHash: null,
      computedWhere: 'browser',
      backend: 'webgl',
      ms: 48.5,
    });
    await store.saveImageAsset({ hash: 'b'.repeat(64), mime: 'image/png', width: 224, height: 224, bytes: 999, uploaderKind: 'participant', uploaderId: ada.id });
    const second = await store.createSubmission({
      sessionId,
      participantId: null,
      labId: 'ascent',
      stepId: 'gradient-ascent',
      params: { classIndex: 543, lambda: 0.001 },
      result: { classIndex: 543, score: 11, objective: 10.5, scores: [1, 11] },
      resultImageHash: 'b'.repeat(64),
      computedWhere: 'server',
      backend: 'wasm',
      ms: 900,
      shared: true,
    });

    const path = `/api/sessions/${sessionId}/submissions`;
    const all = await api(suite.base, path, { cookie });
    expect(all.status).toBe(200);
    const { submissions } = SubmissionListResponseSchema.parse(all.body);
    expect(submissions.map((s) => s.id)).toEqual([first.id, second.id]);
    expect(submissions[0]).toMatchObject({ participantId: ada.id, computedWhere: 'browser', backend: 'webgl', ms: 48.5, shared: false, params: { fill: 'zero', window: 48 } });
    expect((await api(suite.base, `${path}?labId=ascent`, { cookie })).body.submissions.map((s: { id: string }) => s.id)).toEqual([second.id]);
    expect((await api(suite.base, `${path}?stepId=occlusion-schooner`, { cookie })).body.submissions).toHaveLength(1);
    expect((await api(suite.base, `${path}?labId=a%20b`, { cookie })).status).toBe(400);

    expect((await api(suite.base, path)).status).toBe(401);
    expect([403, 404]).toContain((await api(suite.base, path, { cookie: other.cookie })).status);
    expect((await api(suite.base, '/api/sessions/nope/submissions', { cookie })).status).toBe(404);

    await suite.restart();
    const after = SubmissionListResponseSchema.parse((await api(suite.base, path, { cookie })).body);
    expect(after.submissions).toEqual(submissions);
  });
});
