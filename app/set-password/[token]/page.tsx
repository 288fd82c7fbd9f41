'use client';

import { useParams, useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { Alert } from '../../_components/alert';
import { FormField } from '../../_components/form-field';
import { SiteHeader } from '../../_components/site-header';
import { api } from '../../_lib/api-client';
import { PASSWORD_MIN } from '@convlab/protocol';

/** A one-time set-password link an instructor handed out: the student chooses a password and is signed in. */
export default function SetPasswordPage() {
  const { token } = useParams<{ token: string }>();
  const router = useRouter();
  const [who, setWho] = useState<{ name: string; email: string } | null>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .passwordLinkInfo(token)
      .then(setWho)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'This link does not work.'));
  }, [token]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password.length < PASSWORD_MIN) {
      setError(`Use at least ${PASSWORD_MIN} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.usePasswordLink(token, password);
      router.replace('/home');
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not set the password.');
      setBusy(false);
    }
  }

  return (
    <>
      <SiteHeader />
      <main id="main" className="mx-auto max-w-md px-4 py-12 sm:py-16">
        <div className="card p-6 sm:p-8">
          <h1 className="text-2xl font-bold text-slate-900">Choose your password</h1>
          <p className="mt-1 mb-6 text-sm text-slate-600">
            {who ? `For ${who.name} (${who.email}). You sign in with this e-mail and password from now on.` : 'Checking the link…'}
          </p>
          {error ? (
            <div className="mb-4">
              <Alert>{error}</Alert>
            </div>
          ) : null}
          {who ? (
            <form onSubmit={submit} className="space-y-5" noValidate>
              <input type="email" name="email" autoComplete="username" value={who.email} readOnly hidden />
              <FormField label="New password" name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} hint={`At least ${PASSWORD_MIN} characters.`} />
              <button type="submit" className="btn btn-primary btn-lg w-full" disabled={busy}>
                {busy ? 'Saving…' : 'Set password and sign in'}
              </button>
            </form>
          ) : null}
        </div>
      </main>
    </>
  );
}
