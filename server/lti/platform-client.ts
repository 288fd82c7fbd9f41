/**
 * ConvLab as an OAuth 2 client of a platform's LTI Advantage services: access tokens by the client-credentials grant
 * with a signed client assertion (RFC 7523), the Names and Role Provisioning Service (paged by `Link: rel=next`) and
 * the Assignment and Grade Services' score endpoint. Errors are PlatformCallError with a short reason in words.
 */
import type { LtiPlatformDTO } from '../db';
import type { LtiKeys } from './keys';

/** A failed call to the platform; `message` is short enough for the gradebook ("failed: <message>"). */
export class PlatformCallError extends Error {}

const TIMEOUT_MS = 10_000;
/** A token is renewed this long before the platform says it expires. */
const TOKEN_MARGIN_MS = 30_000;
/** NRPS pages followed at most (a runaway `next` link must not loop forever). */
const MAX_PAGES = 100;

export interface NrpsMember {
  user_id: string;
  roles: string[];
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  /** `Active` (default), `Inactive` or `Deleted`. */
  status?: string;
}

export interface AgsScore {
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
}

/** Calls a platform's services; caches access tokens per (platform, scopes). */
export class PlatformClient {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly keys: LtiKeys,
    private readonly now: () => number = Date.now,
  ) {}

  /** An access token for `scopes`, from the cache or the platform's token endpoint. */
  async accessToken(platform: LtiPlatformDTO, scopes: string[]): Promise<string> {
    const cacheKey = `${platform.id} ${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(cacheKey);
    if (cached && cached.expiresAt > this.now()) return cached.token;
    const assertion = await this.keys.sign({ iss: platform.clientId, sub: platform.clientId, aud: platform.accessTokenUrl });
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: scopes.join(' '),
    });
    const res = await call(platform.accessTokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, 'the token endpoint');
    const json = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    if (typeof json?.access_token !== 'string') throw new PlatformCallError('the token endpoint answered without an access_token');
    const lifetimeMs = (typeof json.expires_in === 'number' ? json.expires_in : 3600) * 1000;
    this.tokens.set(cacheKey, { token: json.access_token, expiresAt: this.now() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) });
    return json.access_token;
  }

  /** Every member the NRPS lists for a context, following `next` links. */
  async members(platform: LtiPlatformDTO, membershipsUrl: string, scope: string): Promise<NrpsMember[]> {
    const token = await this.accessToken(platform, [scope]);
    const members: NrpsMember[] = [];
    let url: string | null = membershipsUrl;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await call(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' } }, 'the roster service');
      const json = (await res.json().catch(() => null)) as { members?: unknown } | null;
      if (!Array.isArray(json?.members)) throw new PlatformCallError('the roster service answered without a members list');
      members.push(...(json.members as NrpsMember[]).filter((m) => typeof m?.user_id === 'string' && Array.isArray(m.roles)));
      url = nextLink(res.headers.get('link'), url);
    }
    return members;
  }

  /** Publishes one score to a line item (POST `<lineitem>/scores`). */
  async publishScore(platform: LtiPlatformDTO, lineItemUrl: string, score: AgsScore, scope: string): Promise<void> {
    const token = await this.accessToken(platform, [scope]);
    await call(
      scoresUrl(lineItemUrl),
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.ims.lis.v1.score+json' }, body: JSON.stringify(score) },
      'the grade service',
    );
  }
}

/** `<lineitem>/scores`, keeping the line item URL's query string. */
export function scoresUrl(lineItemUrl: string): string {
  const url = new URL(lineItemUrl);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/scores`;
  return url.toString();
}

function nextLink(header: string | null, base: string): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return new URL(match[1]!, base).toString();
  }
  return null;
}

/** fetch with a timeout; any failure becomes a PlatformCallError that names `what` and the HTTP status. */
async function call(url: string, init: RequestInit, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'could not be reached';
    throw new PlatformCallError(`${what} ${reason}`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 120);
    throw new PlatformCallError(`${what} answered HTTP ${res.status}${text ? ` (${text})` : ''}`);
  }
  return res;
}
