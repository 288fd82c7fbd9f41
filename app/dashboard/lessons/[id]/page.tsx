'use client';

import Link from 'next/link';
import { useParams, useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { Alert } from '../../../_components/alert';
import { FormField } from '../../../_components/form-field';
import { InstructorHeader } from '../../../_components/instructor-header';
import { LessonPlanEditor } from '../../../_components/lesson-plan-editor';
import { api } from '../../../_lib/api-client';
import { PLAN_LIMITS, focusFirstProblem, validatePlan, type Step } from '../../../_lib/lesson-plan';
import { useLessonCatalog } from '../../../_lib/use-lesson-catalog';
import { useInstructor } from '../../../_lib/use-instructor';
import { useLessonDocument, type SaveState } from '../../../_lib/use-lesson-document';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

const SAVE_LABEL: Record<SaveState, string> = {
  loading: 'Loading…',
  saved: 'All changes saved',
  unsaved: 'Unsaved changes…',
  saving: 'Saving…',
  failed: 'Not saved — kept in this browser; retrying with your next change',
  conflict: 'Changed in another window',
};

/** A lesson of the library, edited as a document: every change is saved by itself; "Start a session" teaches a snapshot. */
export default function LessonEditorPage() {
  const { id } = useParams<{ id: string }>();
  const router = useRouter();
  const { instructor, error: authError } = useInstructor();
  const doc = useLessonDocument(id);
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const title = doc.draft?.title ?? '';
  const steps = doc.draft?.steps ?? [];
  const { models } = useLessonCatalog();
  const errors = useMemo(() => (doc.draft ? validatePlan(title, steps, models) : null), [doc.draft, title, steps, models]);

  useEffect(() => {
    document.title = `${title.trim() || 'Untitled lesson'} — lesson editor · ConvLab`;
  }, [title]);

  async function start() {
    setStartError(null);
    setShowAll(true);
    if (errors) {
      setStartError('This lesson cannot be taught yet — the fields marked below need attention.');
      focusFirstProblem(errors, steps);
      return;
    }
    setStarting(true);
    try {
      await doc.flush();
      const { session } = await api.startLesson(id);
      router.push(`/teach/${session.id}`);
    } catch (err) {
      setStartError(err instanceof Error ? err.message : 'Could not start the session.');
      setStarting(false);
    }
  }

  const setSteps = (next: Step[]) => doc.change({ title, steps: next });
  return (
    <>
      <InstructorHeader instructor={instructor} />
      <main id="main" className="mx-auto max-w-4xl px-4 py-10 sm:px-6">
        <p>
          <Link href="/dashboard" className="text-sm font-semibold text-brand-700 underline-offset-2 hover:underline">
            ← Lesson library
          </Link>
        </p>
        <div className="mt-2 flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-3xl font-bold tracking-tight text-slate-900">{title.trim() || 'Untitled lesson'}</h1>
            <p className="mt-1 text-sm text-slate-600" role="status" aria-live="polite" data-testid="save-state">
              {SAVE_LABEL[doc.state]}
              {doc.state === 'saved' && doc.lesson ? ` · ${timeFormat.format(new Date(doc.lesson.updatedAt))}` : ''}
              {doc.lesson?.origin ? ` · ${doc.lesson.origin}` : ''}
            </p>
          </div>
          <button type="button" className="btn btn-primary btn-lg" onClick={start} disabled={!doc.draft || starting}>
            {starting ? 'Starting…' : 'Start a session'}
          </button>
        </div>
        <div className="mt-4 space-y-3">
          {authError ? <Alert>{authError}</Alert> : null}
          {doc.restoredLocal ? (
            <Alert tone="info">Changes this browser had not saved yet were restored and are being saved now.</Alert>
          ) : null}
          {doc.state === 'conflict' ? (
            <Alert title="Changed in another window">
              {doc.error}{' '}
              <button type="button" className="font-semibold underline" onClick={() => window.location.reload()}>
                Reload
              </button>
            </Alert>
          ) : doc.error ? (
            <Alert title={doc.draft ? 'Not saved yet' : 'Could not open the lesson'}>{doc.error}</Alert>
          ) : null}
          {startError ? <Alert title="Not started">{startError}</Alert> : null}
        </div>
        {doc.draft ? (
          <div className="mt-6 space-y-8">
            <p className="text-slate-600">
              Students follow these steps in order as you advance. Sessions get a copy of the lesson as it is when they start:
              edit freely — running and past sessions stay as they were.
            </p>
            <div className="card p-5">
              <FormField
                id="lesson-title"
                label="Lesson title"
                name="title"
                value={title}
                onChange={(e) => doc.change({ title: e.target.value, steps })}
                error={showAll || title ? errors?.title : undefined}
                maxLength={PLAN_LIMITS.sessionTitle}
                placeholder="Lecture 12 — Visualizing CNNs"
                required
              />
            </div>
            <section aria-labelledby="plan-title" className="space-y-4">
              <h2 id="plan-title" className="text-xl font-bold text-slate-900">
                Lesson plan
              </h2>
              {errors?.plan ? <Alert>{errors.plan}</Alert> : null}
              <LessonPlanEditor steps={steps} onChange={setSteps} errors={errors?.steps ?? {}} />
            </section>
          </div>
        ) : null}
      </main>
    </>
  );
}
