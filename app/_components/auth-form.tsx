'use client';

import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { api } from '../_lib/api-client';
import { Alert } from './alert';
import { FormField } from './form-field';

/** Sign in (every account), an instructor's sign-up, or a student's sign-up with a course's enrolment code. */
export type AuthMode = 'signin' | 'signup' | 'student-signup';
type Mode = AuthMode;
type Errors = Partial<Record<'email' | 'password' | 'name' | 'enrolCode', string>>;

const MIN_PASSWORD = 8;

/** Only same-site paths are followed after sign-in (no open redirect through `?next=`). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/dashboard';
}

function validate(mode: Mode, email: string, password: string, name: string, enrolCode: string): Errors {
  const errors: Errors = {};
  const signingUp = mode !== 'signin';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = 'Enter an email address like you@school.edu.';
  if (signingUp && password.length < MIN_PASSWORD) errors.password = `Use at least ${MIN_PASSWORD} characters.`;
  if (mode === 'signin' && password.length === 0) errors.password = 'Enter your password.';
  if (signingUp && name.trim().length === 0) errors.name = mode === 'signup' ? 'Enter the name students will see.' : 'Enter your name as your instructor knows it.';
  if (mode === 'student-signup' && enrolCode.replace(/[\s-]/g, '').length !== 8) errors.enrolCode = 'The enrolment code has 8 letters and digits.';
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
  const [enrolCode, setEnrolCode] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const found = validate(mode, email, password, name, enrolCode);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      let role: 'instructor' | 'student';
      if (mode === 'student-signup') {
        role = (await api.studentSignUp({ email: email.trim(), password, name: name.trim(), enrolCode })).account.role;
      } else if (mode === 'signup') {
        role = (await api.signUp({ email: email.trim(), password, name: name.trim() })).account.role;
      } else {
        role = (await api.signIn({ email: email.trim(), password })).account.role;
      }
      // Students have no dashboard: their home lists their courses.
      router.replace(role === 'student' && next === '/dashboard' ? '/home' : next);
      router.refresh();
    } catch (err) {
      setFormError(err instanceof Error ? err.message : 'Something went wrong. Try again.');
      setBusy(false);
    }
  }

  const isSignup = mode !== 'signin';
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
      {mode === 'student-signup' ? (
        <FormField
          label="Enrolment code"
          name="enrolCode"
          autoComplete="off"
          value={enrolCode}
          onChange={(e) => setEnrolCode(e.target.value)}
          error={errors.enrolCode}
          hint="Your instructor gives it out: 8 letters and digits."
          maxLength={12}
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
        {mode === 'signin' ? (
          <>
            {' · '}
            <Link href="/student/signup" className="font-semibold text-brand-600 underline-offset-2 hover:underline">
              Student with an enrolment code
            </Link>
          </>
        ) : null}
      </p>
    </form>
  );
}
