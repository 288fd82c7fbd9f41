'use client';

import { useParams, useRouter } from 'next/navigation';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Alert } from '../../_components/alert';
import { FormField } from '../../_components/form-field';
import { InstructorHeader } from '../../_components/instructor-header';
import { api } from '../../_lib/api-client';
import { useAccount } from '../../_lib/use-instructor';
import type { CourseDetail } from '@convlab/protocol';
import { MembersTable } from './members-table';
import { RosterImport } from './roster-import';

/** A course's page for its staff: enrolment code, roster import, staff and members. TAs see it without the controls. */
export default function CoursePage() {
  const { courseId } = useParams<{ courseId: string }>();
  const router = useRouter();
  const { account, error: authError } = useAccount();
  const [course, setCourse] = useState<CourseDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(
    () =>
      api
        .getCourse(courseId)
        .then((res) => setCourse(res.course))
        .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the course.')),
    [courseId],
  );
  useEffect(() => {
    if (account) void reload();
  }, [account, reload]);

  /** Runs a change; the server answers with the updated course, or an error to show. */
  const change = useCallback(async (action: () => Promise<{ course: CourseDetail }>) => {
    setError(null);
    try {
      setCourse((await action()).course);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'That did not work.');
    }
  }, []);

  async function deleteCourse() {
    if (!course) return;
    const typed = window.prompt(`Deleting "${course.title}" deletes its roster, assignments, submissions and grades for good. Type the course title to confirm.`);
    if (typed?.trim() !== course.title) return;
    try {
      await api.deleteCourse(course.id);
      router.replace('/courses');
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not delete the course.');
    }
  }

  const editor = course?.role === 'instructor';
  const students = course?.members.filter((m) => m.role === 'student' && m.droppedAt === null).length ?? 0;
  return (
    <>
      <InstructorHeader instructor={account} />
      <main id="main" className="mx-auto max-w-5xl px-4 py-10 sm:px-6">
        {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
        {error ? (
          <div className="mb-4">
            <Alert>{error}</Alert>
          </div>
        ) : null}
        {course === null && !error ? (
          <p className="text-slate-500" role="status">
            Loading the course…
          </p>
        ) : null}
        {course ? (
          <>
            <div className="flex flex-wrap items-end justify-between gap-4">
              <div>
                <h1 className="text-3xl font-bold tracking-tight text-slate-900">{course.title}</h1>
                <p className="mt-1 text-slate-600">
                  {students} {students === 1 ? 'student' : 'students'} · you are {course.role === 'ta' ? 'a teaching assistant' : 'an instructor'}
                </p>
              </div>
              {editor ? (
                <button type="button" className="btn btn-danger" onClick={deleteCourse}>
                  Delete course
                </button>
              ) : null}
            </div>

            <div className="mt-8 grid gap-6 lg:grid-cols-2">
              <EnrolCodeCard course={course} editor={editor} onChange={(open) => change(() => api.setEnrolCode(course.id, open))} />
              {editor ? <StaffForm onAdd={(email, role) => change(() => api.addStaff(course.id, { email, role }))} /> : null}
            </div>

            {editor ? (
              <div className="mt-6">
                <RosterImport courseId={course.id} onImported={reload} />
              </div>
            ) : null}

            {/* Assignments of the course (lane grading-work) go here. */}

            <h2 className="mt-10 text-xl font-bold text-slate-900">Members</h2>
            <MembersTable
              course={course}
              editor={editor}
              onDropped={(accountId, dropped) => change(() => api.setDropped(course.id, accountId, dropped))}
            />
          </>
        ) : null}
      </main>
    </>
  );
}

function EnrolCodeCard({ course, editor, onChange }: { course: CourseDetail; editor: boolean; onChange: (open: boolean) => void }) {
  const code = course.enrolCode;
  return (
    <section className="card p-5" aria-labelledby="enrol-heading">
      <h2 id="enrol-heading" className="text-lg font-semibold text-slate-900">
        Enrolment code
      </h2>
      {code ? (
        <>
          <p className="mt-3 font-mono text-3xl font-bold tracking-[0.2em] text-slate-900" data-testid="enrol-code">
            {code.slice(0, 4)}-{code.slice(4)}
          </p>
          <p className="mt-2 text-sm text-slate-600">
            Students create an account at <span className="font-mono">/student/signup</span> with this code, or enter it on their home page.
          </p>
        </>
      ) : (
        <p className="mt-3 text-sm text-slate-600">Enrolment by code is closed: only the roster and LMS launches add students.</p>
      )}
      {editor ? (
        <div className="mt-4 flex gap-2">
          <button type="button" className="btn btn-secondary" onClick={() => onChange(true)}>
            {code ? 'New code' : 'Open enrolment by code'}
          </button>
          {code ? (
            <button type="button" className="btn btn-ghost" onClick={() => onChange(false)}>
              Close
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function StaffForm({ onAdd }: { onAdd: (email: string, role: 'instructor' | 'ta') => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'instructor' | 'ta'>('ta');
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim()) return;
    await onAdd(email.trim(), role);
    setEmail('');
  }
  return (
    <form onSubmit={submit} className="card p-5" aria-labelledby="staff-heading" noValidate>
      <h2 id="staff-heading" className="text-lg font-semibold text-slate-900">
        Add staff
      </h2>
      <p className="mt-1 text-sm text-slate-600">Teaching assistants see the roster and grade; co-instructors also change the course.</p>
      <div className="mt-3 flex flex-wrap items-end gap-2">
        <FormField label="Their account's e-mail" name="staff-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} className="min-w-52 flex-1" />
        <div>
          <label htmlFor="staff-role" className="field-label">
            Role
          </label>
          <select id="staff-role" className="field-input" value={role} onChange={(e) => setRole(e.target.value as 'instructor' | 'ta')}>
            <option value="ta">Teaching assistant</option>
            <option value="instructor">Co-instructor</option>
          </select>
        </div>
        <button type="submit" className="btn btn-secondary">
          Add
        </button>
      </div>
    </form>
  );
}
