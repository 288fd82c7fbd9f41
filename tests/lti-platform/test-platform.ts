/**
 * A small LTI 1.3 platform (an LMS) for the tests: its own RSA key pair and JWKS, an OIDC authorization endpoint that
 * answers ConvLab's login with a signed launch (auto-posting form, as an LMS does in a browser), signed launches for
 * tests that drive the flow themselves, an OAuth token endpoint that checks ConvLab's client assertion against
 * ConvLab's JWKS, an NRPS roster, AGS score endpoints that can be told to fail, a deep-linking return endpoint,
 * and a course page that frames ConvLab (the e2e test). Everything it receives is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
/** The course page's look: an LMS's bar and course menu around the tool's frame. */
const LMS_STYLE =
  'body{margin:0;font-family:system-ui,sans-serif;background:#f3f4f6;color:#1f2937}header{background:#7c2d12;color:#fff;padding:10px 20px;font-weight:600}' +
  'main{display:flex}nav{width:170px;padding:14px 20px;font-size:14px;line-height:2}nav b{display:block;line-height:1.4;margin-bottom:6px}' +
  'section{flex:1;padding:10px 20px 0 0}h1{font-size:18px;margin:4px 0 10px}iframe{width:100%;height:760px;border:1px solid #d1d5db;background:#fff}';
export const ROLE = {
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  ta: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
};

export interface Person {
  sub: string;
  name: string;
  email?: string;
  roles: string[];
}

export interface RecordedScore {
  lineItem: string;
  body: { userId: string; scoreGiven: number; scoreMaximum: number; activityProgress: string; gradingProgress: string; timestamp: string };
  authorization: string | undefined;
}

export interface TestPlatform {
  /** Where ConvLab's server reaches it (JWKS, token, NRPS, AGS). */
  readonly url: string;
  /** Where a browser reaches it (the course page, the OIDC authorization endpoint); also its issuer. */
  readonly browserUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  readonly contextId: string;
  /** The values ConvLab's admin registers. */
  registration(): { name: string; issuer: string; clientId: string; authLoginUrl: string; jwksUrl: string; accessTokenUrl: string; deploymentIds: string[] };
  /** Where this platform's tool lives (ConvLab's base URL); set before launches. */
  toolBase: string;
  lineItemUrl(id: string): string;
  /** Signs an id_token with the platform's key (or `key`/`kid` to forge one); `claims` replace the defaults. */
  signLaunch(person: Person, nonce: string, claims?: Record<string, unknown>, opts?: { key?: CryptoKey; kid?: string; expiresIn?: number; iat?: number }): Promise<string>;
  /** A resource-link launch's claims for `person` (line item and NRPS endpoints included). */
  resourceLinkClaims(resourceLinkId: string, extra?: Record<string, unknown>): Record<string, unknown>;
  deepLinkingClaims(): Record<string, unknown>;
  /** People the NRPS lists. */
  roster: Person[];
  /** The next `n` score posts answer 503. */
  failScores(n: number): void;
  readonly scores: RecordedScore[];
  readonly tokenRequests: { scope: string; kid: string | undefined }[];
  readonly deepLinkResponses: JWTPayload[];
  /** What the authorization endpoint launches next for a browser login (person and claims). */
  nextBrowserLaunch?: { person: Person; claims: Record<string, unknown> };
  close(): Promise<void>;
}

/** Starts a platform on 127.0.0.1 (a different site than ConvLab's `localhost`, as an LMS is). */
export async function startTestPlatform(opts: { clientId?: string; deploymentId?: string; browserHost?: string } = {}): Promise<TestPlatform> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `platform-${randomUUID()}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const scores: RecordedScore[] = [];
  const tokenRequests: TestPlatform['tokenRequests'] = [];
  const deepLinkResponses: JWTPayload[] = [];
  const tokens = new Set<string>();
  let failuresLeft = 0;
  let convlabKeys: ReturnType<typeof createRemoteJWKSet> | undefined;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  // A browser test maps another host name to this machine (Chromium's --host-resolver-rules), so that the LMS is
  // another site than ConvLab, as in real life.
  const browserUrl = opts.browserHost ? `http://${opts.browserHost}:${port}` : url;

  const platform: TestPlatform = {
    url,
    browserUrl,
    issuer: browserUrl,
    clientId: opts.clientId ?? 'convlab-client',
    deploymentId: opts.deploymentId ?? 'deployment-1',
    contextId: 'course-101',
    toolBase: '',
    registration: () => ({
      name: 'Test LMS',
      issuer: browserUrl,
      clientId: platform.clientId,
      authLoginUrl: `${browserUrl}/auth`,
      jwksUrl: `${url}/jwks`,
      accessTokenUrl: `${url}/token`,
      deploymentIds: [platform.deploymentId],
    }),
    lineItemUrl: (id) => `${url}/lineitems/${id}?course=${platform.contextId}`,
    roster: [],
    scores,
    tokenRequests,
    deepLinkResponses,
    failScores: (n) => void (failuresLeft = n),
    async signLaunch(person, nonce, claims = {}, o = {}) {
      const now = o.iat ?? Math.floor(Date.now() / 1000);
      // `claims` may replace anything, registered claims included (a wrong audience); undefined removes a claim.
      const payload: Record<string, unknown> = {
        iss: browserUrl,
        sub: person.sub,
        aud: platform.clientId,
        iat: now,
        exp: now + (o.expiresIn ?? 300),
        nonce,
        name: person.name,
        ...(person.email ? { email: person.email } : {}),
        [`${LTI}version`]: '1.3.0',
        [`${LTI}deployment_id`]: platform.deploymentId,
        [`${LTI}roles`]: person.roles,
        [`${LTI}context`]: { id: platform.contextId, title: 'CNN Visualization 101', label: 'CNN101' },
        ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: o.kid ?? kid }).sign(o.key ?? privateKey);
    },
    resourceLinkClaims: (resourceLinkId, extra = {}) => ({
      [`${LTI}message_type`]: 'LtiResourceLinkRequest',
      [`${LTI}target_link_uri`]: `${platform.toolBase}/lti/launch`,
      [`${LTI}resource_link`]: { id: resourceLinkId, title: `Link ${resourceLinkId}` },
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
        scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/score', 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem'],
        lineitems: `${url}/lineitems?course=${platform.contextId}`,
        lineitem: platform.lineItemUrl(resourceLinkId),
      },
      'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': { context_memberships_url: `${url}/nrps/${platform.contextId}`, service_versions: ['2.0'] },
      ...extra,
    }),
    deepLinkingClaims: () => ({
      [`${LTI}message_type`]: 'LtiDeepLinkingRequest',
      'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings': {
        deep_link_return_url: `${browserUrl}/deep-link-return`,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe'],
        data: 'opaque-platform-data',
      },
      'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': { context_memberships_url: `${url}/nrps/${platform.contextId}`, service_versions: ['2.0'] },
    }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };

  async function verifyConvlab(token: string, audience: string): Promise<JWTPayload & { kid?: string }> {
    convlabKeys ??= createRemoteJWKSet(new URL(`${platform.toolBase}/lti/jwks`), { cooldownDuration: 0 });
    const { payload, protectedHeader } = await jwtVerify(token, convlabKeys, { audience, issuer: platform.clientId });
    return { ...payload, kid: protectedHeader.kid };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', url);
    const body = await readText(req);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void =>
      void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    const html = (value: string): void => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(value);
    const bearer = () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      return tokens.has(token);
    };

    if (u.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (u.pathname === '/course') {
      // The LMS's course page: ConvLab framed, opened by a third-party login initiation.
      const login = new URL(`${platform.toolBase}/lti/login`);
      login.search = new URLSearchParams({ iss: browserUrl, login_hint: 'browser-user', target_link_uri: `${platform.toolBase}/lti/launch`, client_id: platform.clientId }).toString();
      return html(`<!doctype html><title>Test LMS course</title><style>${LMS_STYLE}</style><header>Test LMS</header><main><nav><b>CNN Visualization 101</b>Home<br>Modules<br>Assignments<br>Grades<br>People</nav>
<section><h1>CNN Visualization 101 (Test LMS)</h1><iframe id="tool" src="${login}" allow="fullscreen"></iframe></section></main>`);
    }
    if (u.pathname === '/auth') {
      // OIDC authorization endpoint: answers with the launch, posted by the browser to the redirect URI.
      const launch = platform.nextBrowserLaunch;
      const nonce = u.searchParams.get('nonce');
      const redirect = u.searchParams.get('redirect_uri');
      if (!launch || !nonce || !redirect || u.searchParams.get('client_id') !== platform.clientId) return json(400, { error: 'invalid_request' });
      const idToken = await platform.signLaunch(launch.person, nonce, launch.claims);
      return html(`<!doctype html><form id="f" method="post" action="${redirect}"><input type="hidden" name="id_token" value="${idToken}"><input type="hidden" name="state" value="${u.searchParams.get('state')}"></form><script>document.getElementById('f').submit()</script>`);
    }
    if (u.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      try {
        if (form.get('grant_type') !== 'client_credentials') throw new Error('grant_type');
        if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') throw new Error('assertion type');
        const claims = await verifyConvlab(form.get('client_assertion') ?? '', `${url}/token`);
        if (claims.sub !== platform.clientId) throw new Error('sub');
        tokenRequests.push({ scope: form.get('scope') ?? '', kid: claims.kid });
      } catch (error) {
        return json(401, { error: 'invalid_client', error_description: String(error) });
      }
      const token = randomUUID();
      tokens.add(token);
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') });
    }
    const nrps = /^\/nrps\/([^/]+)$/.exec(u.pathname);
    if (nrps && req.method === 'GET') {
      if (!bearer()) return json(401, { error: 'unauthorized' });
      // Two pages, so ConvLab must follow the `next` link.
      const page = Number(u.searchParams.get('page') ?? '1');
      const half = Math.ceil(platform.roster.length / 2);
      const members = (page === 1 ? platform.roster.slice(0, half) : platform.roster.slice(half)).map((p) => ({ user_id: p.sub, name: p.name, email: p.email, roles: p.roles, status: 'Active' }));
      const headers: Record<string, string> = page === 1 ? { link: `<${url}/nrps/${nrps[1]}?page=2>; rel="next"` } : {};
      return json(200, { id: u.toString(), context: { id: nrps[1] }, members }, headers);
    }
    const score = /^\/lineitems\/([^/]+)\/scores$/.exec(u.pathname);
    if (score && req.method === 'POST') {
      if (!bearer()) return json(401, { error: 'unauthorized' });
      if (failuresLeft > 0) {
        failuresLeft--;
        return json(503, { error: 'temporarily unavailable' });
      }
      scores.push({ lineItem: `${url}/lineitems/${score[1]}${u.search}`, body: JSON.parse(body), authorization: req.headers.authorization });
      return json(200, {});
    }
    if (u.pathname === '/deep-link-return' && req.method === 'POST') {
      const claims = await verifyConvlab(new URLSearchParams(body).get('JWT') ?? '', browserUrl);
      deepLinkResponses.push(claims);
      return html('<!doctype html><title>Added</title><p id="added">The ConvLab assignment was added to the course.</p>');
    }
    return json(404, { error: 'not found' });
  }

  return platform;
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
