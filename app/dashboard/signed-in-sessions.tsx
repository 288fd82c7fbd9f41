'use client';

import { useCallback, useEffect, useState } from 'react';
import type { SignedInSession } from '@convlab/protocol';
import { Alert } from '../_components/alert';
import { api } from '../_lib/api-client';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A short name for a browser from its user agent ("Firefox on Linux"); the raw string is in the title. */
function browserName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'A browser';
  const os = /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Linux/.test(userAgent) ? 'Linux' : null;
  return os ? `${browser} on ${os}` : browser;
}

/** The instructor's signed-in sessions, each with a way to sign it out on the server. */
export function SignedInSessions({ enabled }: { enabled: boolean }) {
  const [sessions, setSessions] = useState<SignedInSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(() => {
    api
      .listSignedInSessions()
      .then((res) => setSessions(res.sessions))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load your signed-in sessions.'));
  }, []);

  useEffect(() => {
    if (enabled) load();
  }, [enabled, load]);

  async function revoke(session: SignedInSession) {
    setBusy(session.id);
    setError(null);
    try {
      await api.revokeSignedInSession(session.id);
      if (session.current) window.location.assign('/signin');
      else load();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not sign that session out.');
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="signed-in-sessions" className="mt-10">
      <h2 id="signed-in-sessions" className="text-xl font-bold text-slate-900">
        Where you are signed in
      </h2>
      <p className="mt-1 text-sm text-slate-600">Sign out a browser you no longer use; it loses access at once.</p>
      <div className="mt-4 space-y-3">
        {error ? <Alert title="Signed-in sessions">{error}</Alert> : null}
        {sessions === null && !error ? <p className="text-slate-500">Loading…</p> : null}
        {sessions && sessions.length > 0 ? (
          <ul className="card divide-y divide-slate-100">
            {sessions.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center justify-between gap-3 px-5 py-3 text-sm">
                <div>
                  <p className="font-semibold text-slate-900" title={s.userAgent ?? undefined}>
                    {browserName(s.userAgent)}
                    {s.current ? <span className="ml-2 rounded bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800">this browser</span> : null}
                  </p>
                  <p className="text-slate-600">
                    Signed in <time dateTime={s.createdAt}>{dateFormat.format(new Date(s.createdAt))}</time>
                    {s.address ? ` from ${s.address}` : ''} · last used <time dateTime={s.lastSeenAt}>{dateFormat.format(new Date(s.lastSeenAt))}</time>
                  </p>
                </div>
                <button type="button" className="btn btn-secondary" disabled={busy !== null} onClick={() => void revoke(s)}>
                  {busy === s.id ? 'Signing out…' : 'Sign out'}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </section>
  );
}
