/**
 * Origin checks for browsers: a cross-site page must not drive a ConvLab session or the JSON API with a
 * visitor's cookie. Requests without an Origin header (non-browser clients, same-origin GETs) pass:
 * the check protects browsers, which always send Origin on WebSockets and cross-origin requests.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** True when the request's Origin (if any) is the server's own origin or the configured public URL. */
export function originAllowed(headers: IncomingHttpHeaders, opts: { publicUrl?: string; trustProxy: boolean }): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (opts.publicUrl && parsed.origin === new URL(opts.publicUrl).origin) return true;
  const hosts = [headers.host];
  if (opts.trustProxy) hosts.push(firstHeader(headers['x-forwarded-host']));
  return hosts.some((h) => h !== undefined && h.toLowerCase() === parsed.host.toLowerCase());
}

/** The client's IP for throttling: the socket address, or the first X-Forwarded-For entry behind a trusted proxy. */
export function clientIp(headers: IncomingHttpHeaders, remoteAddress: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = firstHeader(headers['x-forwarded-for'])?.split(',')[0]?.trim();
    if (fwd) return fwd;
  }
  return remoteAddress ?? 'unknown';
}

/** True when the client reached us over https (directly or through a trusted proxy). */
export function isSecureRequest(headers: IncomingHttpHeaders, encrypted: boolean, trustProxy: boolean): boolean {
  return encrypted || (trustProxy && firstHeader(headers['x-forwarded-proto'])?.split(',')[0]?.trim() === 'https');
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
