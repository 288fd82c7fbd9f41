/**
 * Security headers on every API response of the real server (pages are checked in tests/e2e/security-headers.e2e.ts,
 * with Next.js): CSP with frame-ancestors 'none', nosniff, Referrer-Policy, no X-Powered-By — on successes, errors,
 * uploads' images, model files and unknown paths alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signUpInstructor } from './helpers/clients';
import { useApiServer } from './helpers/api-server';
import { databaseTargets } from './helpers/databases';

describe.each(databaseTargets())('security headers on $kind', (target) => {
  const suite = useApiServer(target);

  it('sends them on every kind of response', async () => {
    const { cookie } = await signUpInstructor(suite.base, `headers-${target.kind}@example.org`);
    const photo = readFileSync(join(__dirname, '../../assets/photos/skimage_chelsea.png'));
    const uploaded = await fetch(`${suite.base}/api/images`, { method: 'POST', headers: { 'content-type': 'image/png', cookie }, body: new Uint8Array(photo) });
    expect(uploaded.status).toBe(201);
    const { image } = (await uploaded.json()) as { image: { hash: string } };

    const responses = await Promise.all([
      fetch(`${suite.base}/api/health`),
      fetch(`${suite.base}/api/auth/me`),
      fetch(`${suite.base}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      fetch(`${suite.base}/api/images/${image.hash}`),
      fetch(`${suite.base}/models/index.json`),
      fetch(`${suite.base}/no/such/page`),
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
