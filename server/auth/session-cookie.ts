/**
 * The instructor's session cookie: `<payload>.<mac>`, payload = base64url JSON `{ sub, sid, exp }`,
 * mac = HMAC-SHA256 over the payload with the server secret. `sid` names the server-side session record
 * (auth-sessions.ts), so signing out or revoking ends it; the MAC keeps ids from being made up.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SESSION_COOKIE } from '@convlab/protocol';

/** How long a sign-in lasts. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface SessionClaims {
  /** Instructor id. */
  sub: string;
  /** Server-side session id (InstructorSession). */
  sid: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** Signs session `sessionId` of `instructorId` that expires `ttlMs` from `now`. */
export function signSession(secret: string, instructorId: string, sessionId: string, now = Date.now(), ttlMs = SESSION_TTL_MS): string {
  const payload = Buffer.from(JSON.stringify({ sub: instructorId, sid: sessionId, exp: now + ttlMs })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** Verifies a signed session value; null when forged, malformed or expired. */
export function verifySession(secret: string, value: string | undefined, now = Date.now()): SessionClaims | null {
  if (!value || value.length > 1024) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<SessionClaims>;
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.exp !== 'number' || claims.exp <= now) return null;
    return { sub: claims.sub, sid: claims.sid, exp: claims.exp };
  } catch {
    return null;
  }
}

/** Parses a Cookie header into name → value (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (cookies.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** Reads and verifies the session cookie of a request's Cookie header. */
export function sessionFromCookieHeader(secret: string, header: string | undefined, now = Date.now()): SessionClaims | null {
  return verifySession(secret, parseCookies(header).get(SESSION_COOKIE), now);
}

/** A Set-Cookie value that stores a signed session. */
export function sessionSetCookie(value: string, opts: { secure: boolean; maxAgeMs?: number; crossSite?: boolean }): string {
  const maxAge = Math.floor((opts.maxAgeMs ?? SESSION_TTL_MS) / 1000);
  // An LTI launch signs in inside the LMS's frame (another site): SameSite=None, which browsers accept only Secure.
  // Partitioned (CHIPS): kept per LMS site, so browsers that block third-party cookies still keep it in the frame.
  if (opts.crossSite) return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=None; Secure; Partitioned; Max-Age=${maxAge}`;
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${opts.secure ? '; Secure' : ''}`;
}

/** A Set-Cookie value that deletes the session cookie. */
export function clearSessionCookie(opts: { secure: boolean }): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${opts.secure ? '; Secure' : ''}`;
}
