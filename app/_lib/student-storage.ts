/**
 * Where the browser remembers a student's seat. The resume token goes to localStorage so a reload or
 * a new tab resumes the same participant; the freshly typed name waits in sessionStorage until the
 * first `student:join` succeeds.
 */
import { newRequestId } from '@convlab/protocol';

const resumeKey = (code: string) => `convlab:resume:${code}`;
const pendingNameKey = (code: string) => `convlab:pending-name:${code}`;

/** Runs a storage access; storage can throw (private mode, disabled cookies, an LMS's frame): then `fallback`. */
export function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    // Behave as if nothing was stored.
    return fallback;
  }
}

/** Reads the resume token saved for a join code. */
export const readResumeToken = (code: string): string | null => safe(() => localStorage.getItem(resumeKey(code)), null);
/** Saves the resume token for a join code. */
export const saveResumeToken = (code: string, token: string): void => safe(() => localStorage.setItem(resumeKey(code), token), undefined);
/** Forgets the resume token for a join code. */
export const clearResumeToken = (code: string): void => safe(() => localStorage.removeItem(resumeKey(code)), undefined);

/** Reads the display name typed on the join page and not yet used. */
export const readPendingName = (code: string): string | null => safe(() => sessionStorage.getItem(pendingNameKey(code)), null);
/** Keeps the typed display name until the join succeeds. */
export const savePendingName = (code: string, name: string): void =>
  safe(() => sessionStorage.setItem(pendingNameKey(code), name), undefined);
/** Drops the pending display name. */
export const clearPendingName = (code: string): void => safe(() => sessionStorage.removeItem(pendingNameKey(code)), undefined);

const DEVICE_KEY = 'convlab:device';

/**
 * This browser's device token, created on first use and kept in localStorage: the server refuses a removed
 * student's browser by it, whatever name it joins with. (Without storage, a fresh one per page load.)
 */
export function deviceToken(): string {
  const stored = safe(() => localStorage.getItem(DEVICE_KEY), null);
  if (stored && /^[A-Za-z0-9_-]{16,128}$/.test(stored)) return stored;
  const fresh = newRequestId(); // 32 random hex digits (also outside secure contexts)
  safe(() => localStorage.setItem(DEVICE_KEY, fresh), undefined);
  return fresh;
}
