/**
 * Origin checks for browsers: a cross-site page must not drive a ConvLab session or the JSON API with a
 * visitor's cookie. Requests without an Origin header (non-browser clients, same-origin GETs) pass:
 * the check protects browsers, which always send Origin on WebSockets and cross-origin requests.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** True when the request's Origin (if any) is the server's own origin or the configured public URL. */
export function originAllowed(headers: IncomingHttpHeaders, opts: { publicUrl?: string; trustProxy: number }): boolean {
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
  if (opts.trustProxy > 0) hosts.push(firstHeader(headers['x-forwarded-host']));
  return hosts.some((h) => h !== undefined && h.toLowerCase() === parsed.host.toLowerCase());
}

/**
 * The client's address for limits. Behind `trustProxyHops` trusted proxies, each appends the address it received the
 * request from to X-Forwarded-For, so the client is the entry `hops` places from the right; everything left of it was
 * written by the client and is never trusted. Without trusted proxies (or a shorter list): the socket's address.
 */
export function clientIp(headers: IncomingHttpHeaders, remoteAddress: string | undefined, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const entries = (headers['x-forwarded-for'] === undefined ? [] : [headers['x-forwarded-for']].flat())
      .flatMap((h) => h.split(','))
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const client = entries[entries.length - trustProxyHops];
    if (client) return client;
  }
  return remoteAddress ?? 'unknown';
}

/** True when the client reached us over https (directly or through a trusted proxy). */
export function isSecureRequest(headers: IncomingHttpHeaders, encrypted: boolean, trustProxy: number): boolean {
  return encrypted || (trustProxy > 0 && firstHeader(headers['x-forwarded-proto'])?.split(',')[0]?.trim() === 'https');
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
