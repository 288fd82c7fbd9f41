/** Human wording for the protocol's error codes, used when the server sent no message of its own. */
const MESSAGES: Record<string, string> = {
  BAD_REQUEST: 'That request was not valid. Check the form and try again.',
  PAYLOAD_TOO_LARGE: 'That is too much data to send at once. Try something smaller.',
  UNAUTHORIZED: 'Please sign in first.',
  FORBIDDEN: "You don't have permission to do that.",
  NOT_FOUND: "We couldn't find that. Check the code or link.",
  SESSION_ENDED: 'This session has ended.',
  RATE_LIMITED: 'Too many attempts. Wait a few seconds and try again.',
  QUOTA_EXCEEDED: 'The storage for your pictures in this session is full.',
  PROTOCOL_MISMATCH: 'ConvLab was updated. Reload the page to continue.',
  REMOVED: 'The instructor removed you from this session.',
  JOINING_CLOSED: 'The instructor has closed joining for this session. Ask them to open it.',
  LOCKED: 'The instructor locked the controls for now.',
  PAUSED: 'The instructor paused the session.',
  NOT_CURRENT_STEP: 'The class has moved to another step.',
  CONTROL_NOT_ALLOWED: 'That setting is fixed by the instructor for this step.',
  INTERNAL: 'Something went wrong on the server. Try again in a moment.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  EMAIL_TAKEN: 'An account with that email already exists. Sign in instead.',
  NOT_APPROVED: 'An administrator has not approved your instructor account yet.',
  NOT_OPEN: 'This assignment is not open yet.',
  PAST_DUE: 'This assignment is past its due time and late work is not accepted.',
  NO_ATTEMPTS_LEFT: 'You have used every attempt at this step.',
  NETWORK: "Can't reach the ConvLab server. Check your connection and try again.",
  TIMEOUT: 'The server took too long to answer. Try again.',
  OFFLINE: 'Not connected to the server right now. Wait for the connection to come back.',
  CONNECT_REFUSED: 'The server refused the connection. Reload the page to try again.',
};

/** Returns a sentence for an error code (falls back on the HTTP status). */
export function describeError(code: string, status?: number): string {
  if (MESSAGES[code]) return MESSAGES[code];
  if (status === 409) return 'That already exists.';
  if (status !== undefined && status >= 500) return MESSAGES.INTERNAL;
  return 'Something went wrong. Try again.';
}

// Codes where our own sentence says more to a person than the server's terse one.
const OWN_WORDS = new Set(['INVALID_CREDENTIALS', 'EMAIL_TAKEN', 'INTERNAL', 'UNAUTHORIZED', 'PROTOCOL_MISMATCH', 'NETWORK', 'TIMEOUT']);

/**
 * The sentence to show for a server error: ours for the codes above, otherwise the server's message
 * (it often names the exact problem, e.g. "a password has at least 8 characters"), capitalised.
 */
export function humanizeError(code: string, serverMessage?: string | null, status?: number): string {
  const m = serverMessage?.trim();
  if (OWN_WORDS.has(code) || !m) return describeError(code, status);
  return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
}
