/**
 * Server-side sign-in sessions. The cookie is signed (session-cookie.ts) and names a stored InstructorSession, so a
 * request is signed in only while that record exists, is unexpired and unrevoked: signing out ends the session on
 * the server, and an instructor can list their sessions and revoke any of them (their sockets are disconnected).
 */
import { randomBytes } from 'node:crypto';
import type { SignedInSession } from '@convlab/protocol';
import type { InstructorSessionDTO, InstructorSessionStore } from '../db';
import { SESSION_TTL_MS, sessionFromCookieHeader, signSession } from './session-cookie';

/** A verified sign-in. */
export interface SignedIn {
  instructorId: string;
  sessionId: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

/** How often a used session's lastSeenAt is written at most. */
const TOUCH_EVERY_MS = 60_000;

/** Creates, verifies, lists and revokes instructors' sign-in sessions. */
export class AuthSessions {
  private readonly revokedListeners = new Set<(sessionId: string) => void>();

  constructor(
    private readonly store: InstructorSessionStore,
    private readonly secret: string,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  /** Starts a session for `instructorId`; returns the cookie value that carries it. */
  async create(instructorId: string, meta: { userAgent?: string; address?: string } = {}, now = Date.now()): Promise<string> {
    const id = randomBytes(18).toString('base64url');
    await this.store.createInstructorSession({ id, instructorId, expiresAt: new Date(now + this.ttlMs), ...meta });
    return signSession(this.secret, instructorId, id, now, this.ttlMs);
  }

  /** The sign-in a Cookie header carries; null when the cookie is missing, forged, expired, signed out or revoked. */
  async verify(cookieHeader: string | undefined, now = Date.now()): Promise<SignedIn | null> {
    const claims = sessionFromCookieHeader(this.secret, cookieHeader, now);
    if (!claims) return null;
    const record = await this.store.findInstructorSession(claims.sid);
    if (!record || !live(record, now) || record.instructorId !== claims.sub) return null;
    if (now - Date.parse(record.lastSeenAt) >= TOUCH_EVERY_MS) {
      // Best effort: a failed write must not sign anyone out.
      await this.store.touchInstructorSession(record.id, new Date(now)).catch(() => undefined);
    }
    return { instructorId: claims.sub, sessionId: claims.sid, exp: Math.min(claims.exp, Date.parse(record.expiresAt)) };
  }

  /** The instructor's live sessions, newest first; `currentId` marks the asking one. */
  async list(instructorId: string, currentId?: string, now = Date.now()): Promise<SignedInSession[]> {
    const rows = await this.store.listInstructorSessions(instructorId, new Date(now));
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      expiresAt: r.expiresAt,
      userAgent: r.userAgent,
      address: r.address,
      current: r.id === currentId,
    }));
  }

  /** Ends one of the instructor's sessions; false when it is not theirs or already ended. */
  async revoke(instructorId: string, sessionId: string, now = Date.now()): Promise<boolean> {
    const revoked = await this.store.revokeInstructorSession(instructorId, sessionId, new Date(now));
    if (revoked) for (const listener of this.revokedListeners) listener(sessionId);
    return revoked;
  }

  /** Calls `listener` with each revoked session's id (the realtime layer disconnects its sockets). */
  onRevoked(listener: (sessionId: string) => void): void {
    this.revokedListeners.add(listener);
  }
}

function live(record: InstructorSessionDTO, now: number): boolean {
  return record.revokedAt === null && Date.parse(record.expiresAt) > now;
}
