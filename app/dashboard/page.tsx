'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { Alert } from '../_components/alert';
import { InstructorHeader } from '../_components/instructor-header';
import { StatusBadge } from '../_components/status-badge';
import { api } from '../_lib/api-client';
import type { LiveSession } from '@convlab/protocol';
import { useInstructor } from '../_lib/use-instructor';
import { ModelUpload } from './model-upload';
import { LessonLibrary } from './lesson-library';
import { ReadyLessonCard } from './ready-lesson-card';
import { SessionActions } from './session-actions';
import { SignedInSessions } from './signed-in-sessions';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The instructor's sessions, newest first, and the way to a new one. */
export default function DashboardPage() {
  const { instructor, error: authError } = useInstructor();
  const [sessions, setSessions] = useState<LiveSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadSessions = () =>
    api
      .listSessions()
      .then((res) => setSessions(res.sessions))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load your sessions.'));
  useEffect(() => {
    // An instructor waiting for approval has no sessions to list (the server would refuse with NOT_APPROVED).
    if (instructor?.approved) void loadSessions();
  }, [instructor]);

  return (
    <>
      <InstructorHeader instructor={instructor} />
      <main id="main" className="mx-auto max-w-5xl px-4 py-10 sm:px-6">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-3xl font-bold tracking-tight text-slate-900">My sessions</h1>
            <p className="mt-1 text-slate-600">{instructor ? `Signed in as ${instructor.name}.` : 'Loading your account…'}</p>
          </div>
          <Link href="/dashboard/new" className="btn btn-primary btn-lg">
            <span aria-hidden="true">+</span> New session
          </Link>
        </div>

        {instructor && !instructor.approved ? (
          <div className="mt-6">
            <Alert tone="warning" title="Waiting for approval">
              An administrator of this ConvLab approves who may teach. Until then you cannot start sessions or create courses;
              reload this page once you have been approved.
            </Alert>
          </div>
        ) : null}

        <div className="mt-8">
          <ReadyLessonCard enabled={instructor?.approved === true} />
        </div>

        <div className="mt-10">
          <LessonLibrary enabled={instructor?.approved === true} />
        </div>

        <h2 className="mt-10 text-xl font-bold text-slate-900">Your sessions</h2>
        <div className="mt-4 space-y-4">
          {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
          {error ? <Alert title="Could not load your sessions">{error}</Alert> : null}
          {sessions === null && !error && !authError && instructor?.approved !== false ? (
            <p className="text-slate-500" role="status">
              Loading sessions…
            </p>
          ) : null}
          {sessions?.length === 0 ? (
            <div className="card p-10 text-center">
              <h2 className="text-lg font-semibold text-slate-900">No sessions yet</h2>
              <p className="mt-1 text-slate-600">Create one, put the join code on the projector, and students follow along.</p>
              <Link href="/dashboard/new" className="btn btn-primary mt-5">
                Create your first session
              </Link>
            </div>
          ) : null}
          {sessions && sessions.length > 0 ? (
            <div className="card overflow-x-auto">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Your sessions, newest first</caption>
                <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th scope="col" className="px-5 py-3 font-semibold">
                      Session
                    </th>
                    <th scope="col" className="px-5 py-3 font-semibold">
                      Status
                    </th>
                    <th scope="col" className="px-5 py-3 font-semibold">
                      Code
                    </th>
                    <th scope="col" className="px-5 py-3 font-semibold">
                      Created
                    </th>
                    <th scope="col" className="px-5 py-3 font-semibold">
                      Steps
                    </th>
                    <th scope="col" className="px-5 py-3 font-semibold">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {sessions.map((s) => (
                    <tr key={s.id} className="hover:bg-slate-50">
                      <td className="px-5 py-3">
                        <Link href={`/teach/${s.id}`} className="font-semibold text-brand-700 underline-offset-2 hover:underline">
                          {s.title}
                        </Link>
                      </td>
                      <td className="px-5 py-3">
                        <StatusBadge status={s.status} />
                      </td>
                      <td className="px-5 py-3 font-mono font-semibold tracking-wider">{s.code}</td>
                      <td className="px-5 py-3 text-slate-600">
                        <time dateTime={s.createdAt}>{dateFormat.format(new Date(s.createdAt))}</time>
                      </td>
                      <td className="px-5 py-3 text-slate-600">{s.steps.length}</td>
                      <td className="px-5 py-3">
                        <SessionActions session={s} onDeleted={() => void loadSessions()} onError={setError} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>

        <ModelUpload enabled={instructor !== null} />

        <SignedInSessions enabled={instructor !== null} />
      </main>
    </>
  );
}
