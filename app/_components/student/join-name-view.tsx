'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../_lib/api-client';
import { DISPLAY_NAME_MAX, displayNameProblem, joinCodeProblem, normalizeDisplayName, normalizeJoinCode } from '../../_lib/join-code';
import { readResumeToken, savePendingName } from '../../_lib/student-storage';
import { Alert } from '../alert';
import { JoinCodeForm } from '../join-code-form';
import { SiteHeader } from '../site-header';

type Lookup = { kind: 'loading' } | { kind: 'ok'; title: string } | { kind: 'ended'; title: string } | { kind: 'error'; message: string };

/**
 * Step two of joining: confirm the session by title and pick a display name. A browser that already
 * holds a seat for this code skips straight to the session (same participant).
 */
export function JoinNameView({ rawCode }: { rawCode: string }) {
  const router = useRouter();
  const code = normalizeJoinCode(decodeURIComponent(rawCode));
  const inputId = useId();
  const errorId = useId();
  const [lookup, setLookup] = useState<Lookup>({ kind: 'loading' });
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const problem = joinCodeProblem(code);
    if (problem) {
      setLookup({ kind: 'error', message: `"${code}" is not a join code. ${problem}` });
      return;
    }
    if (readResumeToken(code)) {
      router.replace(`/s/${code}`);
      return;
    }
    let cancelled = false;
    api
      .lookupJoinCode(code)
      .then((info) => !cancelled && setLookup(info.status === 'ended' ? { kind: 'ended', title: info.title } : { kind: 'ok', title: info.title }))
      .catch((err: unknown) => {
        if (cancelled) return;
        const message =
          err instanceof ApiError && err.status === 404
            ? `No session uses the code ${code}. Check the code on the screen.`
            : err instanceof Error
              ? err.message
              : 'Could not look up this code.';
        setLookup({ kind: 'error', message });
      });
    return () => {
      cancelled = true;
    };
  }, [code, router]);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const problem = displayNameProblem(name);
    if (problem) {
      setError(problem);
      return;
    }
    savePendingName(code, normalizeDisplayName(name));
    router.push(`/s/${code}`);
  }

  const length = normalizeDisplayName(name).length;
  return (
    <>
      <SiteHeader />
      <main id="main" className="mx-auto max-w-lg px-4 py-12 sm:py-20">
        <div className="card p-6 sm:p-8">
          {lookup.kind === 'loading' ? (
            <p role="status" className="text-slate-500">
              Looking up {code}…
            </p>
          ) : lookup.kind === 'error' ? (
            <div className="space-y-6">
              <h1 className="text-2xl font-bold text-slate-900">Join a session</h1>
              <Alert title="We couldn't find that session">{lookup.message}</Alert>
              <JoinCodeForm />
            </div>
          ) : lookup.kind === 'ended' ? (
            <div className="space-y-4">
              <h1 className="text-2xl font-bold text-slate-900">{lookup.title}</h1>
              <Alert tone="info" title="This session has ended">
                Ask your instructor for the code of the current session.
              </Alert>
              <Link href="/join" className="btn btn-secondary">
                Enter another code
              </Link>
            </div>
          ) : (
            <form onSubmit={onSubmit} noValidate className="space-y-5">
              <div>
                <p className="text-sm font-semibold uppercase tracking-wide text-brand-600">
                  Joining <span className="font-mono tracking-widest">{code}</span>
                </p>
                <h1 className="mt-1 text-3xl font-bold tracking-tight text-slate-900">{lookup.title}</h1>
              </div>
              <div>
                <label htmlFor={inputId} className="field-label text-base">
                  Your name
                </label>
                <p className="text-sm text-slate-500">Shown to your instructor. {DISPLAY_NAME_MAX} characters at most.</p>
                <input
                  id={inputId}
                  name="displayName"
                  className="field-input h-14 text-xl"
                  value={name}
                  onChange={(e) => (setName(e.target.value), setError(null))}
                  autoComplete="nickname"
                  autoFocus
                  maxLength={DISPLAY_NAME_MAX + 10}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? errorId : undefined}
                />
                <div className="mt-1 flex justify-between gap-3 text-sm">
                  <p id={errorId} role="alert" className="font-medium text-red-700">
                    {error ?? ''}
                  </p>
                  <p className={length > DISPLAY_NAME_MAX ? 'font-semibold text-red-700' : 'text-slate-400'} aria-hidden="true">
                    {length}/{DISPLAY_NAME_MAX}
                  </p>
                </div>
              </div>
              <button type="submit" className="btn btn-primary btn-lg w-full text-lg">
                Join session
              </button>
            </form>
          )}
        </div>
      </main>
    </>
  );
}
