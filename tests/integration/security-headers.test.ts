/**
 * Security headers on every API response of the real server (pages are checked in tests/e2e/security-headers.e2e.ts,
 * with Next.js): CSP with frame-ancestors 'none', nosniff, Referrer-Policy, no X-Powered-By — on successes, errors,
 * uploads' images, model files and unknown paths alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/index';
import { signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

describe.each(databaseTargets())('security headers on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    db = await target.create();
    server = await startServer({ env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' }, log: false });
    base = server.url;
  });

  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  it('sends them on every kind of response', async () => {
    const { cookie } = await signUpInstructor(base, `headers-${target.kind}@example.org`);
    const photo = readFileSync(join(__dirname, '../../assets/photos/skimage_chelsea.png'));
    const uploaded = await fetch(`${base}/api/images`, { method: 'POST', headers: { 'content-type': 'image/png', cookie }, body: new Uint8Array(photo) });
    expect(uploaded.status).toBe(201);
    const { image } = (await uploaded.json()) as { image: { hash: string } };

    const responses = await Promise.all([
      fetch(`${base}/api/health`),
      fetch(`${base}/api/auth/me`),
      fetch(`${base}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      fetch(`${base}/api/images/${image.hash}`),
      fetch(`${base}/models/index.json`),
      fetch(`${base}/no/such/page`),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 401, 400, 200, expect.any(Number), 404]);
    for (const res of responses) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, res.url).toContain("frame-ancestors 'none'");
      // Stored images get a stricter policy of their own (nothing runs in them, even opened directly).
      expect(csp, res.url).toContain(res.url.includes('/api/images/') ? "default-src 'none'; sandbox" : "default-src 'self'");
      // Nonces are for pages: the API and model files never carry one.
      if (!res.url.includes('/no/such/')) expect(csp, res.url).not.toContain('nonce-');
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), res.url).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('x-powered-by'), res.url).toBeNull();
      await res.arrayBuffer();
    }
  });
});
