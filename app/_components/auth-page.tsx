import Link from 'next/link';
import { Suspense } from 'react';
import { AuthForm, type AuthMode } from './auth-form';
import { SiteHeader } from './site-header';

const TEXT: Record<AuthMode, { title: string; lead: string }> = {
  signin: { title: 'Sign in', lead: 'Instructors run and review sessions and courses; students see their courses and assignments.' },
  signup: { title: 'Create an instructor account', lead: 'Students in a live session never need an account — only the person running it.' },
  'student-signup': { title: 'Create a student account', lead: "Join your course with the enrolment code your instructor gave you." },
};

/** Shared frame of the sign-in and sign-up pages. */
export function AuthPage({ mode }: { mode: AuthMode }) {
  return (
    <>
      <SiteHeader>
        <Link href="/" className="btn btn-ghost">
          Join a session
        </Link>
      </SiteHeader>
      <main id="main" className="mx-auto max-w-md px-4 py-12 sm:py-16">
        <div className="card p-6 sm:p-8">
          <h1 className="text-2xl font-bold text-slate-900">{TEXT[mode].title}</h1>
          <p className="mt-1 mb-6 text-sm text-slate-600">{TEXT[mode].lead}</p>
          {/* useSearchParams (for ?next=) needs a Suspense boundary to keep the page prerenderable. */}
          <Suspense fallback={<p className="text-slate-500">Loading…</p>}>
            <AuthForm mode={mode} />
          </Suspense>
        </div>
      </main>
    </>
  );
}
