'use client';

import { API, type LessonSummary } from '@convlab/protocol';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../_components/alert';
import { api } from '../_lib/api-client';
import { blankStep, newLessonId } from '../_lib/lesson-plan';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * The instructor's lessons: new, import, edit, start, duplicate, export, share and delete (with Undo). Lessons are
 * documents; a session started from one gets a copy, so editing never changes a running or past session.
 */
export function LessonLibrary({ enabled }: { enabled: boolean }) {
  const router = useRouter();
  const [lessons, setLessons] = useState<LessonSummary[] | null>(null);
  const [deleted, setDeleted] = useState<LessonSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sharing, setSharing] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const reload = useCallback(async () => {
    const library = await api.library();
    setLessons(library.lessons);
    setDeleted(library.deleted);
  }, []);

  useEffect(() => {
    if (enabled) reload().catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load your lessons.'));
  }, [enabled, reload]);

  /** Runs an action, shows its failure in words, and refreshes the list. */
  async function act(what: () => Promise<string | void>) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const message = await what();
      if (message) setNotice(message);
      await reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'That did not work.');
    } finally {
      setBusy(false);
    }
  }

  async function createAndOpen() {
    setBusy(true);
    try {
      const { lesson } = await api.createLesson({ id: newLessonId(), title: '', steps: [blankStep()] });
      router.push(`/dashboard/lessons/${lesson.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not create the lesson.');
      setBusy(false);
    }
  }

  async function start(lesson: LessonSummary) {
    setBusy(true);
    try {
      const { session } = await api.startLesson(lesson.id);
      router.push(`/teach/${session.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not start the session.');
      setBusy(false);
    }
  }

  async function importFile(file: File) {
    await act(async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await file.text());
      } catch {
        throw new Error(`“${file.name}” is not a ConvLab lesson file (it is not JSON).`);
      }
      const { lesson } = await api.importLesson(newLessonId(), parsed);
      return `Imported “${lesson.title || 'Untitled lesson'}”.`;
    });
    if (fileInput.current) fileInput.current.value = '';
  }

  return (
    <section aria-labelledby="library-title" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="library-title" className="text-xl font-bold text-slate-900">
            Lesson library
          </h2>
          <p className="text-sm text-slate-600">Prepare lessons here; every change is saved as you type. Start a session when you teach.</p>
        </div>
        <div className="flex flex-wrap gap-2">
          <label className={`btn btn-secondary ${busy ? 'pointer-events-none opacity-50' : 'cursor-pointer'}`}>
            Import a lesson file…
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              className="sr-only"
              onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])}
            />
          </label>
          <button type="button" className="btn btn-primary" onClick={createAndOpen} disabled={!enabled || busy}>
            <span aria-hidden="true">+</span> New lesson
          </button>
        </div>
      </div>
      {error ? <Alert title="Lesson library">{error}</Alert> : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {deleted.length ? (
        <div className="rounded-lg border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700" role="status">
          Deleted lately:{' '}
          {deleted.map((l) => (
            <span key={l.id} className="mr-3 inline-flex items-center gap-1">
              “{l.title || 'Untitled lesson'}”
              <button type="button" className="font-semibold text-brand-700 underline" onClick={() => act(async () => void (await api.restoreLesson(l.id)))} disabled={busy}>
                Undo
              </button>
            </span>
          ))}
        </div>
      ) : null}
      {lessons === null && !error ? <p className="text-slate-500">Loading lessons…</p> : null}
      {lessons?.length === 0 ? (
        <p className="card p-6 text-slate-600">No lessons yet. Make a new one, or copy the ready-made lesson above to change it.</p>
      ) : null}
      {lessons?.length ? (
        <ul className="space-y-3" aria-label="Your lessons">
          {lessons.map((lesson) => (
            <li key={lesson.id} className="card p-4">
              <div className="flex flex-wrap items-start justify-between gap-3">
                <div className="min-w-0">
                  <Link href={`/dashboard/lessons/${lesson.id}`} className="text-lg font-semibold text-brand-700 underline-offset-2 hover:underline">
                    {lesson.title || 'Untitled lesson'}
                  </Link>
                  <p className="text-sm text-slate-600">
                    {plural(lesson.stepCount, 'step')} ({plural(lesson.labCount, 'lab')}) · edited <time dateTime={lesson.updatedAt}>{dateFormat.format(new Date(lesson.updatedAt))}</time>
                    {lesson.origin ? ` · ${lesson.origin}` : ''}
                  </p>
                  {lesson.problems.length ? (
                    <p className="mt-1 text-sm text-amber-800">
                      Not ready to teach: {lesson.problems[0]}
                      {lesson.problems.length > 1 ? ` (and ${plural(lesson.problems.length - 1, 'more problem')})` : ''}
                    </p>
                  ) : null}
                </div>
                <div className="flex flex-wrap gap-1">
                  <button type="button" className="btn btn-primary px-3 py-1" onClick={() => start(lesson)} disabled={busy || lesson.problems.length > 0}>
                    Start
                  </button>
                  <Link href={`/dashboard/lessons/${lesson.id}`} className="btn btn-secondary px-3 py-1">
                    Edit
                  </Link>
                  <button type="button" className="btn btn-ghost px-3 py-1" disabled={busy} onClick={() => act(async () => `Duplicated as “${(await api.createLesson({ id: newLessonId(), copyOf: lesson.id })).lesson.title}” (copy).`)}>
                    Duplicate
                  </button>
                  <a className="btn btn-ghost px-3 py-1" href={API.libraryAction(lesson.id, 'export')} download>
                    Export
                  </a>
                  <button type="button" className="btn btn-ghost px-3 py-1" aria-expanded={sharing === lesson.id} onClick={() => setSharing(sharing === lesson.id ? null : lesson.id)}>
                    Share…
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost px-3 py-1 text-red-700 hover:bg-red-50"
                    disabled={busy}
                    onClick={() => act(async () => void (await api.deleteLesson(lesson.id)))}
                    aria-label={`Delete “${lesson.title || 'Untitled lesson'}”`}
                  >
                    Delete
                  </button>
                </div>
              </div>
              {sharing === lesson.id ? (
                <ShareForm
                  title={lesson.title}
                  onShare={(email) => act(async () => `A copy is now in ${(await api.shareLesson(lesson.id, email, newLessonId())).recipient}'s library.`).then(() => setSharing(null))}
                />
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function ShareForm({ title, onShare }: { title: string; onShare: (email: string) => void }) {
  const [email, setEmail] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (email.trim()) onShare(email.trim());
  };
  return (
    <form onSubmit={submit} className="mt-3 flex flex-wrap items-end gap-2 border-t border-slate-100 pt-3">
      <label className="grow text-sm">
        <span className="field-label">Colleague’s email (an instructor on this server gets a copy of “{title || 'Untitled lesson'}”)</span>
        <input type="email" className="field-input" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      </label>
      <button type="submit" className="btn btn-primary">
        Share a copy
      </button>
    </form>
  );
}
