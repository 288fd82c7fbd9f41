import Link from 'next/link';
import { Suspense } from 'react';
import { AuthForm } from './auth-form';
import { SiteHeader } from './site-header';

/** Shared frame of the sign-in and sign-up pages. */
export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  return (
    <>
      <SiteHeader>
        <Link href="/" className="btn btn-ghost">
          Join a session
        </Link>
      </SiteHeader>
      <main id="main" className="mx-auto max-w-md px-4 py-12 sm:py-16">
        <div className="card p-6 sm:p-8">
          <h1 className="text-2xl font-bold text-slate-900">{mode === 'signup' ? 'Create an instructor account' : 'Instructor sign in'}</h1>
          <p className="mt-1 mb-6 text-sm text-slate-600">
            {mode === 'signup' ? 'Students never need an account — only the person running sessions.' : 'Sign in to run and review your sessions.'}
          </p>
          {/* useSearchParams (for ?next=) needs a Suspense boundary to keep the page prerenderable. */}
          <Suspense fallback={<p className="text-slate-500">Loading…</p>}>
            <AuthForm mode={mode} />
          </Suspense>
        </div>
      </main>
    </>
  );
}
