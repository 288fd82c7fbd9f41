import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { applySecurityHeaders, contentSecurityPolicy, isLtiFramedPath } from './headers';

function exchange(url: string, headers: Record<string, string> = {}) {
  const req = { url, headers: { ...headers } } as unknown as IncomingMessage;
  const set = new Map<string, string>();
  const res = { setHeader: (k: string, v: string) => void set.set(k, v) } as unknown as ServerResponse;
  const nonce = applySecurityHeaders(req, res, { dev: false });
  return { req, set, nonce };
}

describe('security headers', () => {
  it('gives pages a fresh nonce, handed to Next.js through the request, replacing any the client sent', () => {
    const a = exchange('/teach/x?y=1', { 'content-security-policy': "script-src 'nonce-attacker'" });
    const b = exchange('/teach/x');
    expect(a.nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.set.get('content-security-policy')).toContain(`script-src 'nonce-${a.nonce}' 'strict-dynamic' 'self' 'wasm-unsafe-eval'`);
    expect(a.req.headers['content-security-policy']).toBe(a.set.get('content-security-policy'));
    expect(a.set.get('x-content-type-options')).toBe('nosniff');
    expect(a.set.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('gives the API, model files and static assets (the compute worker) a policy without nonces', () => {
    for (const url of ['/api/health', '/models/index.json', '/_next/static/chunks/worker.js']) {
      const { req, set, nonce } = exchange(url, { 'content-security-policy': "script-src 'nonce-attacker'" });
      expect(nonce).toBeUndefined();
      expect(req.headers['content-security-policy']).toBeUndefined();
      const csp = set.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).toContain("worker-src 'self' blob:");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it('lets an LMS frame only the LTI pages and the pages a launch leads to', () => {
    for (const path of ['/lti/launch', '/lti/home', '/courses/c1', '/courses/c1/assignments/a1', '/assignments/a1']) expect(isLtiFramedPath(path), path).toBe(true);
    for (const path of ['/lti/jwks', '/', '/home', '/dashboard', '/teach/x', '/admin/lti', '/s/ABC', '/api/assignments/a1']) expect(isLtiFramedPath(path), path).toBe(false);
  });

  it("allows Next's dev-mode eval only in development", () => {
    expect(contentSecurityPolicy({ pathname: '/', nonce: 'n', dev: true })).toContain("'unsafe-eval'");
    expect(contentSecurityPolicy({ pathname: '/', nonce: 'n', dev: false })).not.toContain("'unsafe-eval'");
  });
});
