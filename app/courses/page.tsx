'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert } from '../_components/alert';
import { FormField } from '../_components/form-field';
import { InstructorHeader } from '../_components/instructor-header';
import { api } from '../_lib/api-client';
import { useInstructor } from '../_lib/use-instructor';
import { newRequestId, type CourseSummary } from '@convlab/protocol';

const ROLE_NAMES = { instructor: 'Instructor', ta: 'Teaching assistant', student: 'Student' } as const;

/** The courses an instructor teaches or assists in, and a form to create one. */
export default function CoursesPage() {
  const router = useRouter();
  const { instructor, error: authError } = useInstructor();
  const [courses, setCourses] = useState<CourseSummary[] | null>(null);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One id per course being made: pressing Create again after a lost answer does not make a second one.
  const requestId = useRef(newRequestId());

  useEffect(() => {
    if (!instructor) return;
    api
      .listCourses()
      .then((res) => setCourses(res.courses))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load your courses.'));
  }, [instructor]);

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!title.trim()) {
      setError('Give the course a title.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { course } = await api.createCourse({ title: title.trim(), requestId: requestId.current });
      router.push(`/courses/${course.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not create the course.');
      setBusy(false);
    }
  }

  return (
    <>
      <InstructorHeader instructor={instructor} />
      <main id="main" className="mx-auto max-w-5xl px-4 py-10 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight text-slate-900">Courses</h1>
        <p className="mt-1 text-slate-600">A course holds a roster of students, its teaching assistants and its graded lab assignments.</p>
        <div className="mt-6 space-y-4">
          {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
          {error ? <Alert>{error}</Alert> : null}
        </div>

        <form onSubmit={create} className="card mt-6 flex flex-wrap items-end gap-3 p-5" noValidate>
          <FormField label="New course" name="title" placeholder="e.g. CS 231 — Convolutional networks, spring term" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} className="min-w-64 flex-1" />
          <button type="submit" className="btn btn-primary" disabled={busy || !instructor?.approved}>
            {busy ? 'Creating…' : 'Create course'}
          </button>
        </form>

        <h2 className="mt-10 text-xl font-bold text-slate-900">Your courses</h2>
        {courses === null && !error ? (
          <p className="mt-4 text-slate-500" role="status">
            Loading courses…
          </p>
        ) : null}
        {courses?.length === 0 ? <p className="mt-4 text-slate-600">No courses yet.</p> : null}
        {courses && courses.length > 0 ? (
          <ul className="mt-4 grid gap-3 sm:grid-cols-2">
            {courses.map((c) => (
              <li key={c.id} className="card p-5">
                <Link href={`/courses/${c.id}`} className="text-lg font-semibold text-brand-700 underline-offset-2 hover:underline">
                  {c.title}
                </Link>
                <p className="mt-1 text-sm text-slate-600">{ROLE_NAMES[c.role]}</p>
              </li>
            ))}
          </ul>
        ) : null}
      </main>
    </>
  );
}
