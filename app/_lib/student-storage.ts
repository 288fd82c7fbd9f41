/**
 * Where the browser remembers a student's seat. The resume token goes to localStorage so a reload or
 * a new tab resumes the same participant; the freshly typed name waits in sessionStorage until the
 * first `student:join` succeeds.
 */
const resumeKey = (code: string) => `convlab:resume:${code}`;
const pendingNameKey = (code: string) => `convlab:pending-name:${code}`;

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    // Storage can throw (private mode, disabled cookies): behave as if nothing was stored.
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
