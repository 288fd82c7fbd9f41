'use client';

import { getLab } from '@convlab/labs';
import type { ReadyLesson } from '@convlab/protocol';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Alert } from '../_components/alert';
import { api } from '../_lib/api-client';
import { newLessonId } from '../_lib/lesson-plan';

/**
 * The ready-made lesson ("How CNNs see"): start it as a session in one click, or copy it into the library and edit.
 * Says plainly when some labs use the repository's photos instead of the lecture's.
 */
export function ReadyLessonCard({ enabled }: { enabled: boolean }) {
  const router = useRouter();
  const [lesson, setLesson] = useState<ReadyLesson | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    if (!enabled) return;
    api
      .listLessons()
      .then(({ lessons }) => setLesson(lessons.find((l) => l.id === 'how-cnns-see') ?? lessons[0] ?? null))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the ready-made lesson.'));
  }, [enabled]);

  async function start() {
    if (!lesson) return;
    setStarting(true);
    setError(null);
    try {
      const { session } = await api.createSession({ title: lesson.title, steps: lesson.steps });
      router.push(`/teach/${session.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not start the lesson.');
      setStarting(false);
    }
  }

  /** A copy in the library, opened in the editor; the ready-made lesson itself never changes. */
  async function copyAndEdit() {
    if (!lesson) return;
    setStarting(true);
    setError(null);
    try {
      const { lesson: copy } = await api.createLesson({ id: newLessonId(), copyOf: `ready:${lesson.id}` });
      router.push(`/dashboard/lessons/${copy.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not copy the lesson.');
      setStarting(false);
    }
  }

  const labs = lesson?.steps.filter((s) => s.kind === 'lab') ?? [];
  return (
    <section aria-labelledby="ready-lesson-title" className="card overflow-hidden">
      <div className="grid gap-5 p-6 md:grid-cols-[1fr_auto] md:items-center">
        <div>
          <p className="text-xs font-bold uppercase tracking-wide text-brand-700">Ready-made lesson</p>
          <h2 id="ready-lesson-title" className="mt-1 text-2xl font-bold text-slate-900">
            {lesson?.title ?? 'How CNNs see'}
          </h2>
          <p className="mt-1 text-slate-600" aria-live="polite">
            {lesson
              ? `${lesson.steps.length} steps: ${lesson.steps.length - labs.length} slides and ${labs.length} labs (${[...new Set(labs.map((l) => getLab(l.labId)?.title ?? l.labId))].join(', ')}).`
              : error
                ? 'Not available right now.'
                : 'Loading the lesson…'}
          </p>
        </div>
        <div className="flex flex-wrap gap-3 md:justify-end">
          <button type="button" className="btn btn-primary btn-lg" onClick={start} disabled={!lesson || starting}>
            {starting ? 'Starting…' : `Start “${lesson?.title ?? 'How CNNs see'}”`}
          </button>
          <button type="button" className="btn btn-secondary btn-lg" onClick={copyAndEdit} disabled={!lesson || starting}>
            Copy and edit
          </button>
        </div>
      </div>
      {lesson?.notice ? (
        <p className="border-t border-amber-200 bg-amber-50 px-6 py-3 text-sm text-amber-900">
          <strong>Fallback photos:</strong> {lesson.notice}
        </p>
      ) : null}
      {error ? (
        <div className="px-6 pb-5">
          <Alert title="The ready-made lesson">{error}</Alert>
        </div>
      ) : null}
    </section>
  );
}
