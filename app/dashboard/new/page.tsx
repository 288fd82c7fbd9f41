'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { Alert } from '../../_components/alert';
import { FormField } from '../../_components/form-field';
import { InstructorHeader } from '../../_components/instructor-header';
import { LessonPlanEditor } from '../../_components/lesson-plan-editor';
import { api } from '../../_lib/api-client';
import { PLAN_LIMITS, blankStep, cleanPlan, lectureOutline, validatePlan, type PlanErrors, type Step } from '../../_lib/lesson-plan';
import { useInstructor } from '../../_lib/use-instructor';

/**
 * "New session": a title and a lesson plan; creating it opens the live view. `?from=<lesson id>` starts from a
 * copy of a ready-made lesson (the dashboard's "Copy and edit").
 */
export default function NewSessionPage() {
  const router = useRouter();
  const { instructor, error: authError } = useInstructor();
  const [title, setTitle] = useState('');
  // A fixed id for the first blank step: a random one would differ between the server render and hydration.
  const [steps, setSteps] = useState<Step[]>(() => [{ ...blankStep(), id: 'step-1' }]);
  const [errors, setErrors] = useState<PlanErrors | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState<{ title: string; notice: string | null } | null>(null);

  useEffect(() => {
    // Read here rather than with useSearchParams, which would need a Suspense boundary for this client page.
    const from = new URLSearchParams(window.location.search).get('from');
    if (!from || !instructor) return;
    api
      .listLessons()
      .then(({ lessons }) => {
        const lesson = lessons.find((l) => l.id === from);
        if (!lesson) return setFormError(`There is no ready-made lesson "${from}".`);
        setTitle(lesson.title);
        setSteps(lesson.steps);
        setCopied({ title: lesson.title, notice: lesson.notice });
      })
      .catch((err: unknown) => setFormError(err instanceof Error ? err.message : 'Could not load the lesson.'));
  }, [instructor]);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found = validatePlan(title, steps);
    setErrors(found);
    setFormError(null);
    if (found) {
      const bad = steps.flatMap((s, i) => (found.steps[s.id] ? [i + 1] : []));
      setFormError(`Some fields need attention${bad.length ? ` (step${bad.length > 1 ? 's' : ''} ${bad.join(', ')})` : ''} — see the messages below.`);
      return;
    }
    setBusy(true);
    try {
      const { session } = await api.createSession({ title: title.trim(), steps: cleanPlan(steps) });
      router.push(`/teach/${session.id}`);
    } catch (err) {
      setFormError(err instanceof Error ? err.message : 'Could not create the session.');
      setBusy(false);
    }
  }

  const untouched = steps.length === 1 && !steps[0].title && !steps[0].markdown;
  return (
    <>
      <InstructorHeader instructor={instructor} />
      <main id="main" className="mx-auto max-w-4xl px-4 py-10 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight text-slate-900">New session</h1>
        <p className="mt-1 text-slate-600">Students follow these steps in order as you advance: slides, and labs they work on themselves.</p>
        {copied ? (
          <p className="mt-3 rounded-lg border border-brand-200 bg-brand-50 px-3 py-2 text-sm text-brand-900" role="status">
            A copy of the ready-made lesson “{copied.title}”: change anything; the original stays as it is.
            {copied.notice ? <span className="mt-1 block font-medium">{copied.notice}</span> : null}
          </p>
        ) : null}
        {authError ? (
          <div className="mt-4">
            <Alert>{authError}</Alert>
          </div>
        ) : null}
        <form onSubmit={onSubmit} noValidate className="mt-8 space-y-8">
          {formError ? <Alert title="Couldn't create the session">{formError}</Alert> : null}
          <div className="card p-5">
            <FormField
              label="Session title"
              name="title"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              error={errors?.title}
              maxLength={PLAN_LIMITS.sessionTitle}
              placeholder="Lecture 12 — Visualizing CNNs"
              required
            />
          </div>
          <section aria-labelledby="plan-title" className="space-y-4">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h2 id="plan-title" className="text-xl font-bold text-slate-900">
                Lesson plan
              </h2>
              {untouched ? (
                <button type="button" className="btn btn-ghost text-brand-700" onClick={() => setSteps(lectureOutline())}>
                  Start from the CNN lecture outline
                </button>
              ) : null}
            </div>
            {errors?.plan ? <Alert>{errors.plan}</Alert> : null}
            <LessonPlanEditor steps={steps} onChange={setSteps} errors={errors?.steps ?? {}} />
          </section>
          <div className="flex justify-end gap-3 border-t border-slate-200 pt-6">
            <button type="button" className="btn btn-secondary btn-lg" onClick={() => router.push('/dashboard')}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary btn-lg" disabled={busy}>
              {busy ? 'Creating…' : 'Create session'}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}
