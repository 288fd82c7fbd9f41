'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { api } from '../_lib/api-client';
import { Alert } from './alert';
import { FormField } from './form-field';

type Mode = 'signin' | 'signup';
type Errors = Partial<Record<'email' | 'password' | 'name', string>>;

const MIN_PASSWORD = 8;

/** Only same-site paths are followed after sign-in (no open redirect through `?next=`). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/dashboard';
}

function validate(mode: Mode, email: string, password: string, name: string): Errors {
  const errors: Errors = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = 'Enter an email address like you@school.edu.';
  if (mode === 'signup' && password.length < MIN_PASSWORD) errors.password = `Use at least ${MIN_PASSWORD} characters.`;
  if (mode === 'signin' && password.length === 0) errors.password = 'Enter your password.';
  if (mode === 'signup' && name.trim().length === 0) errors.name = 'Enter the name students will see.';
  return errors;
}

/** Instructor sign-in / sign-up form, calling the JSON auth API; the server sets the session cookie. */
export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found = validate(mode, email, password, name);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      if (mode === 'signup') await api.signUp({ email: email.trim(), password, name: name.trim() });
      else await api.signIn({ email: email.trim(), password });
      router.replace(next);
      router.refresh();
    } catch (err) {
      setFormError(err instanceof Error ? err.message : 'Something went wrong. Try again.');
      setBusy(false);
    }
  }

  const isSignup = mode === 'signup';
  const otherHref = `${isSignup ? '/signin' : '/signup'}${next !== '/dashboard' ? `?next=${encodeURIComponent(next)}` : ''}`;
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5" aria-describedby={formError ? 'auth-error' : undefined}>
      {formError ? (
        <div id="auth-error">
          <Alert title={isSignup ? "Couldn't create your account" : "Couldn't sign you in"}>{formError}</Alert>
        </div>
      ) : null}
      {isSignup ? (
        <FormField
          label="Your name"
          name="name"
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          maxLength={80}
          required
        />
      ) : null}
      <FormField
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={errors.email}
        required
      />
      <FormField
        label="Password"
        name="password"
        type="password"
        autoComplete={isSignup ? 'new-password' : 'current-password'}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={errors.password}
        hint={isSignup ? `At least ${MIN_PASSWORD} characters.` : undefined}
        required
      />
      <button type="submit" className="btn btn-primary btn-lg w-full" disabled={busy}>
        {busy ? (isSignup ? 'Creating account…' : 'Signing in…') : isSignup ? 'Create account' : 'Sign in'}
      </button>
      <p className="text-center text-sm text-slate-600">
        {isSignup ? 'Already have an account? ' : 'New to ConvLab? '}
        <Link href={otherHref} className="font-semibold text-brand-600 underline-offset-2 hover:underline">
          {isSignup ? 'Sign in' : 'Create an instructor account'}
        </Link>
      </p>
    </form>
  );
}
