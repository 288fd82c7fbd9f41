'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { Alert } from '../_components/alert';
import { FormField } from '../_components/form-field';
import { SiteHeader } from '../_components/site-header';
import { api } from '../_lib/api-client';
import { useAccount } from '../_lib/use-instructor';
import { CourseAssignments } from './course-assignments';
import type { CourseSummary } from '@convlab/protocol';

/** A student's home: their courses, each with its assignments (CourseAssignments), and enrolment by code. */
export default function StudentHomePage() {
  const router = useRouter();
  const { account, error: authError } = useAccount();
  const [courses, setCourses] = useState<CourseSummary[] | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    api
      .listCourses()
      .then((res) => setCourses(res.courses))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load your courses.'));
  useEffect(() => {
    if (account) void load();
  }, [account]);

  async function enrol(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await api.enrol(code);
      setCode('');
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not enrol.');
    }
  }

  async function signOut() {
    await api.signOut().catch(() => undefined);
    router.replace('/');
  }

  return (
    <>
      <SiteHeader>
        {account?.role === 'instructor' ? (
          <Link href="/dashboard" className="btn btn-ghost">
            My sessions
          </Link>
        ) : null}
        {account ? <span className="hidden text-sm text-slate-600 md:inline">{account.name}</span> : null}
        <button type="button" className="btn btn-secondary" onClick={signOut}>
          Sign out
        </button>
      </SiteHeader>
      <main id="main" className="mx-auto max-w-5xl px-4 py-10 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight text-slate-900">My courses</h1>
        <p className="mt-1 text-slate-600">{account ? `Signed in as ${account.name} (${account.email}).` : 'Loading your account…'}</p>
        <div className="mt-6 space-y-4">
          {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
          {error ? <Alert>{error}</Alert> : null}
        </div>
        {courses?.length === 0 ? <p className="mt-6 text-slate-600">You are not enrolled in any course yet. Enter the code your instructor gave you.</p> : null}
        {courses && courses.length > 0 ? (
          <ul className="mt-6 space-y-4" data-testid="my-courses">
            {courses.map((c) => (
              <li key={c.id} className="card p-5">
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <h2 className="text-lg font-semibold text-slate-900">{c.title}</h2>
                  {c.role === 'student' ? null : (
                    <Link href={`/courses/${c.id}`} className="btn btn-ghost text-sm">
                      {c.role === 'ta' ? 'Roster and grading' : 'Manage'}
                    </Link>
                  )}
                </div>
                {c.role === 'student' ? <CourseAssignments courseId={c.id} /> : null}
              </li>
            ))}
          </ul>
        ) : null}
        <form onSubmit={enrol} className="card mt-8 flex flex-wrap items-end gap-3 p-5" noValidate>
          <FormField label="Enrol with a course code" name="enrolCode" value={code} onChange={(e) => setCode(e.target.value)} maxLength={12} placeholder="ABCD-2345" className="min-w-52 flex-1" />
          <button type="submit" className="btn btn-primary" disabled={code.replace(/[\s-]/g, '').length !== 8}>
            Enrol
          </button>
        </form>
      </main>
    </>
  );
}
