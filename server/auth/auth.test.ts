import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password';
import { loadOrCreateSecret } from './secret';
import { clearSessionCookie, parseCookies, sessionFromCookieHeader, sessionSetCookie, signSession, verifySession } from './session-cookie';

const SECRET = 'k'.repeat(43);

describe('password hashing', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
    expect(await verifyPassword('correct horse', a.replace('$32768$', '$99999999$'))).toBe(false);
  });

  it('keeps working when the parameters change later', async () => {
    const cheap = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('pw', cheap)).toBe(true);
  });
});

describe('session cookie', () => {
  it('round-trips and refuses forged, foreign and expired values', () => {
    const now = 1_800_000_000_000;
    const value = signSession(SECRET, 'inst_1', 'sid_1', now, 60_000);
    expect(verifySession(SECRET, value, now + 1)).toEqual({ sub: 'inst_1', sid: 'sid_1', exp: now + 60_000 });
    expect(verifySession(SECRET, value, now + 60_000)).toBeNull(); // expired
    expect(verifySession('x'.repeat(43), value, now)).toBeNull(); // other secret
    const [payload, mac] = value.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'inst_2', sid: 'sid_1', exp: now + 60_000 })).toString('base64url');
    expect(verifySession(SECRET, `${forgedPayload}.${mac}`, now)).toBeNull();
    expect(verifySession(SECRET, `${payload}.`, now)).toBeNull();
    expect(verifySession(SECRET, 'nodot', now)).toBeNull();
    expect(verifySession(SECRET, undefined, now)).toBeNull();
  });

  it('reads the cookie from a Cookie header and builds Set-Cookie values', () => {
    const value = signSession(SECRET, 'inst_1', 'sid_1');
    expect(sessionFromCookieHeader(SECRET, `a=1; convlab_session=${value}; b=2`)?.sub).toBe('inst_1');
    expect(parseCookies('a=1; a=2; b="x%20y"; junk')).toEqual(new Map([['a', '1'], ['b', 'x y']]));
    expect(sessionSetCookie(value, { secure: true })).toMatch(/^convlab_session=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800; Secure$/);
    expect(clearSessionCookie({ secure: false })).toBe('convlab_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
  });
});

describe('secret', () => {
  it('prefers the configured secret, else creates one and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convlab-secret-'));
    try {
      expect(loadOrCreateSecret(dir, 'c'.repeat(32))).toBe('c'.repeat(32));
      const created = loadOrCreateSecret(join(dir, 'sub'));
      expect(created.length).toBeGreaterThanOrEqual(32);
      expect(loadOrCreateSecret(join(dir, 'sub'))).toBe(created);
      expect(readFileSync(join(dir, 'sub', 'secret'), 'utf8').trim()).toBe(created);
      expect(statSync(join(dir, 'sub', 'secret')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
