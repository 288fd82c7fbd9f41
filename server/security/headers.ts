/**
 * Security headers for every response the server sends (pages, API, model files, static assets): a
 * Content-Security-Policy, X-Content-Type-Options and Referrer-Policy. Pages get a fresh script nonce per request;
 * Next.js reads it from the request's own Content-Security-Policy header (set here, never the client's) and puts it
 * on every script it renders. The compute backends need `'wasm-unsafe-eval'` (TensorFlow.js wasm) and workers from
 * this origin (the compute Web Worker); a worker's policy is the one its script was served with, so static assets
 * carry a policy without nonces that still lets the worker load its chunks and compile WebAssembly.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The pages an LMS frames: LTI's own pages (launch, deep-linking picker, landing page) and the pages a launch leads
 * to (a course's pages and gradebooks for staff, the student's assignment page). `/lti/jwks` is data, not a page.
 * Every other page refuses to be framed.
 */
export function isLtiFramedPath(pathname: string): boolean {
  return (pathname.startsWith('/lti/') && pathname !== '/lti/jwks') || pathname.startsWith('/courses/') || pathname.startsWith('/assignments/');
}

/** Who may frame a page: nobody, or (for the LTI pages) the registered platforms' origins. */
export function frameAncestorsFor(frameOrigins: readonly string[]): string[] {
  return frameOrigins.length ? [...frameOrigins] : ["'none'"];
}

/** Paths whose responses are not pages (no nonce, no HTML): the API, model files, Next's static assets. */
function isAssetPath(pathname: string): boolean {
  return pathname.startsWith('/_next/') || pathname.startsWith('/api/') || pathname.startsWith('/models/') || pathname.startsWith('/socket.io/');
}

/** The Content-Security-Policy for `pathname`; with a `nonce`, the page policy. `dev` allows Next's dev-mode eval. */
export function contentSecurityPolicy(opts: { pathname: string; nonce?: string; dev: boolean; frameOrigins?: readonly string[] }): string {
  const frameOrigins = opts.frameOrigins ?? [];
  const scripts = opts.nonce
    ? // strict-dynamic: scripts the nonce'd ones load (Next's chunks) are trusted; 'self' is the fallback for old browsers.
      [`'nonce-${opts.nonce}'`, "'strict-dynamic'", "'self'"]
    : ["'self'"];
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': [...scripts, "'wasm-unsafe-eval'", ...(opts.dev ? ["'unsafe-eval'"] : [])],
    // React's style attributes and Next's injected styles.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'blob:', 'data:'],
    'font-src': ["'self'", 'data:'],
    // Socket.io (same-origin WebSocket), model files and images.
    'connect-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    // A framed LTI page posts signed answers (deep linking) back to its platform.
    'form-action': ["'self'", ...frameOrigins],
    'frame-ancestors': frameAncestorsFor(frameOrigins),
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * Sets the security headers on `res` before anything answers the request; for a page, also hands its nonce to
 * Next.js through the request's Content-Security-Policy header. Returns the nonce (undefined for non-pages).
 */
export function applySecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { dev: boolean; frameOrigins?: (pathname: string) => readonly string[] },
): string | undefined {
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  const nonce = isAssetPath(pathname) ? undefined : randomBytes(16).toString('base64');
  const policy = contentSecurityPolicy({ pathname, nonce, dev: opts.dev, frameOrigins: opts.frameOrigins?.(pathname) });
  res.setHeader('content-security-policy', policy);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'strict-origin-when-cross-origin');
  // Replaces anything a client sent: only the server decides the nonce Next.js renders with.
  delete req.headers['content-security-policy-report-only'];
  if (nonce) req.headers['content-security-policy'] = policy;
  else delete req.headers['content-security-policy'];
  return nonce;
}
