/**
 * A lab step's grading (rule parameters with hidden targets, rubric) is server-only: on SQLite and PostgreSQL, the
 * instructor's state carries it, while a student's join answer, every `session:state` a student receives and the
 * student's "my work" page never do. A rule the step's lab does not have, or bad rule parameters, are refused.
 */
import { describe, expect, it } from 'vitest';
import { howCnnsSeeLesson } from '@convlab/labs';
import type { LabStep, Step } from '@convlab/protocol';
import { useApiServer } from './helpers/api-server';
import { InstructorClient, StudentClient, api, request, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets } from './helpers/databases';

const HIDDEN_CLASS = 417;

function gradedLesson(): Step[] {
  return howCnnsSeeLesson().steps.map((s) =>
    s.kind === 'lab' && s.labId === 'occlusion'
      ? { ...s, grading: { points: 10, rule: { id: 'occlusion-drop', params: { maxCoveragePercent: 15, minDropPoints: 20, classIndex: HIDDEN_CLASS } }, rubric: [{ id: 'why', label: 'Explains the drop', points: 2 }], attempts: 3, counts: 'best' as const } }
      : s,
  );
}

/** Every number in a value, however deep (ids and timestamps may contain the digits 417, so a text search would not do). */
const numbersIn = (value: unknown): number[] =>
  typeof value === 'number' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(numbersIn) : [];

const hasGrading = (steps: readonly Step[] | undefined) => (steps ?? []).some((s) => s.kind === 'lab' && 'grading' in s);

describe.each(databaseTargets())('hidden grading on $kind', (target) => {
  const app = useApiServer(target);

  it('never sends a step’s grading to students, and refuses a rule its lab lacks', async () => {
    const { cookie } = await signUpInstructor(app.base, `hidden-${target.kind}@example.org`);
    const steps = gradedLesson();
    const wrongRule = steps.map((s) => (s.kind === 'lab' && s.grading ? { ...s, grading: { ...s.grading, rule: { id: 'ascent-objective', params: {} } } } : s));
    expect(await api(app.base, '/api/sessions', { cookie, body: { title: 'x', steps: wrongRule } })).toMatchObject({ status: 400 });
    const badParams = steps.map((s) => (s.kind === 'lab' && s.grading ? { ...s, grading: { ...s.grading, rule: { id: 'occlusion-drop', params: { maxCoveragePercent: 300, minDropPoints: 1 } } } } : s));
    const refused = await api(app.base, '/api/sessions', { cookie, body: { title: 'x', steps: badParams } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/maxCoveragePercent/);

    const created = await api(app.base, '/api/sessions', { cookie, body: { title: 'Graded', steps } });
    expect(created.status).toBe(201);
    const { id: sessionId, code } = created.body.session as { id: string; code: string };
    const teacher = await new InstructorClient(app.base, cookie, sessionId).watching();
    const ada = await new StudentClient(app.base, code, 'Ada').joined();
    try {
      expect(hasGrading(teacher.state?.steps)).toBe(true);
      expect(hasGrading(ada.state?.steps)).toBe(false);
      expect(numbersIn(ada.state)).not.toContain(HIDDEN_CLASS);

      // A broadcast after a change: the instructor's copy keeps the grading, the student's has none.
      const occIndex = steps.findIndex((s): s is LabStep => s.kind === 'lab' && s.labId === 'occlusion');
      expect(await request(teacher.socket, 'step:goto', { index: occIndex })).toMatchObject({ ok: true });
      await waitFor(() => ada.state?.currentStep === occIndex && teacher.state?.currentStep === occIndex, 'both to see the step change');
      expect(hasGrading(teacher.state!.steps)).toBe(true);
      expect(hasGrading(ada.state!.steps)).toBe(false);

      const work = await api(app.base, `/api/join/${code}/work`, { body: { resumeToken: ada.resumeToken } });
      expect(work.status).toBe(200);
      expect(JSON.stringify(work.body)).not.toContain('"grading"');
    } finally {
      teacher.close();
      ada.close();
    }
  });
});
