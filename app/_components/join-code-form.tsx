'use client';

import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../_lib/api-client';
import { JOIN_CODE_LENGTH, joinCodeProblem, normalizeJoinCode } from '../_lib/join-code';
import { readResumeToken } from '../_lib/student-storage';

/**
 * The big "type the code from the screen" box. Checks the code with the server before moving on, so a
 * typo is reported here rather than on the next page. A browser that already has a seat goes straight in.
 */
export function JoinCodeForm({ initialCode = '', autoFocus = false }: { initialCode?: string; autoFocus?: boolean }) {
  const router = useRouter();
  const inputId = useId();
  const errorId = useId();
  const [value, setValue] = useState(initialCode);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const code = normalizeJoinCode(value);
    const problem = joinCodeProblem(code);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const info = await api.lookupJoinCode(code);
      if (info.status === 'ended') {
        setError(`"${info.title}" has ended. Ask your instructor for the current code.`);
        return;
      }
      router.push(readResumeToken(code) ? `/s/${code}` : `/join/${code}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setError(`No session uses the code ${code}. Check the code on the screen.`);
      else setError(err instanceof Error ? err.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <label htmlFor={inputId} className="block text-base font-semibold text-slate-800">
        Join code
      </label>
      <div className="flex flex-col gap-3 sm:flex-row">
        <input
          id={inputId}
          name="code"
          value={value}
          onChange={(e) => setValue(e.target.value.toUpperCase())}
          autoFocus={autoFocus}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          inputMode="text"
          maxLength={JOIN_CODE_LENGTH + 4}
          placeholder="K7Q 3PX"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          className="field-input mt-0 h-16 flex-1 text-center font-mono text-3xl font-bold tracking-[0.3em] uppercase placeholder:tracking-[0.3em] placeholder:text-slate-300"
        />
        <button type="submit" className="btn btn-primary btn-lg h-16 text-lg" disabled={busy}>
          {busy ? 'Checking…' : 'Join'}
        </button>
      </div>
      <p id={errorId} role="alert" className={`min-h-5 text-sm font-medium text-red-700 ${error ? '' : 'sr-only'}`}>
        {error ?? ''}
      </p>
    </form>
  );
}
