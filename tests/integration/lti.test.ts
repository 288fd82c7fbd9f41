/**
 * LTI 1.3 + Advantage against a test platform (tests/lti-platform): registration, launches and every refusal,
 * accounts by (issuer, subject), framing, roster sync (NRPS), score publishing (AGS) with retries, and key rotation.
 * The real server and both databases; the platform is a real HTTP server with its own keys.
 */
import { SESSION_COOKIE } from '@convlab/protocol';
import { exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LtiKeys, openPrivateJwk } from '../../server/lti/keys';
import { PlatformClient } from '../../server/lti/platform-client';
import { ScorePublisher } from '../../server/lti/score-publisher';
import { ROLE, startTestPlatform, type Person, type TestPlatform } from '../lti-platform/test-platform';
import { useApiServer } from './helpers/api-server';
import { adminCookie, api, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets } from './helpers/databases';

const ada: Person = { sub: 'lms-user-ada', name: 'Ada Student', email: 'ada@uni.example', roles: [ROLE.learner] };
const grace: Person = { sub: 'lms-user-grace', name: 'Grace Teacher', email: 'grace@uni.example', roles: [ROLE.instructor] };
const alan: Person = { sub: 'lms-user-alan', name: 'Alan Student', roles: [ROLE.learner] };

interface Launched {
  status: number;
  location: string | null;
  html: string;
  cookies: string[];
  /** `name=value` of the LTI session cookie, when one was set. */
  session?: string;
  csp: string;
  /** Posts the same id_token and state again (a replay). */
  replay(): Promise<Response>;
}

/** Runs the OIDC login initiation at ConvLab, then posts the platform's signed launch as a browser would. */
async function launch(
  base: string,
  platform: TestPlatform,
  person: Person,
  claims: Record<string, unknown>,
  opts: Parameters<TestPlatform['signLaunch']>[3] & { keepStateCookie?: boolean } = {},
): Promise<Launched> {
  const login = await fetch(`${base}/lti/login?${new URLSearchParams({ iss: platform.issuer, login_hint: person.sub, target_link_uri: `${base}/lti/launch`, client_id: platform.clientId })}`, { redirect: 'manual' });
  expect(login.status).toBe(302);
  const auth = new URL(login.headers.get('location')!);
  expect(auth.origin + auth.pathname).toBe(`${platform.url}/auth`);
  const state = auth.searchParams.get('state')!;
  const nonce = auth.searchParams.get('nonce')!;
  const stateCookie = login.headers.getSetCookie()[0]!;
  expect(stateCookie).toMatch(/SameSite=None/);
  expect(stateCookie).toMatch(/Secure/);
  const idToken = await platform.signLaunch(person, nonce, claims, opts);
  const post = () =>
    fetch(`${base}/lti/launch`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.keepStateCookie === false ? {} : { cookie: stateCookie.split(';')[0]! }) },
      body: new URLSearchParams({ id_token: idToken, state }),
    });
  const res = await post();
  const cookies = res.headers.getSetCookie();
  return {
    status: res.status,
    location: res.headers.get('location'),
    html: await res.text(),
    cookies,
    session: cookies.find((c) => c.startsWith('convlab_lti='))?.split(';')[0],
    csp: res.headers.get('content-security-policy') ?? '',
    replay: post,
  };
}

describe.each(databaseTargets())('LTI 1.3 on $kind', (target) => {
  const suite = useApiServer(target, { limits: { agsRetryDelaysMs: [150, 300] } });
  let platform: TestPlatform;
  let admin: string;

  beforeAll(async () => {
    platform = await startTestPlatform();
    platform.toolBase = suite.base;
    admin = await adminCookie(suite.base);
  });
  afterAll(() => platform?.close());

  it('registers a platform and shows the values the LMS admin enters', async () => {
    expect((await api(suite.base, '/api/lti/platforms', { body: platform.registration() })).status).toBe(401);
    const teacher = await signUpInstructor(suite.base, `lti-teacher-${target.kind}@example.org`);
    expect((await api(suite.base, '/api/lti/platforms', { cookie: teacher.cookie, body: platform.registration() })).status).toBe(403);
    const bad = await api(suite.base, '/api/lti/platforms', { cookie: admin, body: { ...platform.registration(), jwksUrl: 'not a url' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/jwksUrl/);

    const created = await api(suite.base, '/api/lti/platforms', { cookie: admin, body: platform.registration() });
    expect(created.status).toBe(201);
    expect(created.body.platform).toMatchObject({ issuer: platform.issuer, clientId: platform.clientId, deploymentIds: [platform.deploymentId] });
    expect(created.body.tool).toEqual({
      loginInitiationUrl: `${suite.base}/lti/login`,
      redirectUris: [`${suite.base}/lti/launch`],
      targetLinkUri: `${suite.base}/lti/launch`,
      jwksUrl: `${suite.base}/lti/jwks`,
      deepLinkingUrl: `${suite.base}/lti/launch`,
    });
    const again = await api(suite.base, '/api/lti/platforms', { cookie: admin, body: platform.registration() });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/registered already/);

    const listed = await api(suite.base, '/api/lti/platforms', { cookie: admin });
    expect(listed.body.platforms).toHaveLength(1);
    const jwks = await api(suite.base, '/lti/jwks');
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.body.keys[0].d).toBeUndefined();
  });

  it('launches a student into the course, framed only by the platform, and links by (issuer, subject) only', async () => {
    const first = await launch(suite.base, platform, ada, platform.resourceLinkClaims('link-1'));
    expect(first.status, first.html).toBe(303);
    expect(first.location).toMatch(/^\/lti\/home\?link=/);
    expect(first.session).toBeDefined();
    const sessionCookie = first.cookies.find((c) => c.startsWith('convlab_lti='))!;
    expect(sessionCookie).toMatch(/HttpOnly/);
    expect(sessionCookie).toMatch(/SameSite=None/);
    expect(sessionCookie).toMatch(/Secure/);
    expect(sessionCookie).toMatch(/Partitioned/);

    const home = await fetch(`${suite.base}${first.location}`, { headers: { cookie: first.session! } });
    expect(home.status).toBe(200);
    const text = await home.text();
    expect(text).toContain('Ada Student');
    expect(text).toContain('(student)');
    expect(text).toContain('CNN Visualization 101');
    // The LMS may frame the launch pages; nothing else may frame ConvLab.
    expect(home.headers.get('content-security-policy')).toContain(`frame-ancestors ${platform.url}`);
    expect((await fetch(`${suite.base}/api/health`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await fetch(`${suite.base}/dashboard`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await fetch(`${suite.base}/lti/jwks`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    // Same subject with a new e-mail: the same person. Same e-mail under another subject: someone else.
    await launch(suite.base, platform, { ...ada, email: 'ada.new@uni.example' }, platform.resourceLinkClaims('link-1'));
    await launch(suite.base, platform, { ...alan, email: ada.email }, platform.resourceLinkClaims('link-1'));
    const { context } = (await suite.server.context.lti.sessionOf(first.session))!;
    const members = await suite.server.context.lti.repo.listMembers(context.id);
    expect(members.map((m) => [m.user.subject, m.user.email, m.role])).toEqual([
      ['lms-user-ada', 'ada.new@uni.example', 'student'],
      ['lms-user-alan', 'ada@uni.example', 'student'],
    ]);

    // A student cannot use the staff forms.
    const sync = await fetch(`${suite.base}/lti/roster/sync`, { method: 'POST', headers: { cookie: first.session! } });
    expect(sync.status).toBe(403);
    expect(await sync.text()).toMatch(/Only the course’s instructors and TAs/);
  });

  it('launches an instructor to the course page with the roster', async () => {
    const res = await launch(suite.base, platform, grace, platform.resourceLinkClaims('link-1'));
    expect(res.status, res.html).toBe(303);
    // Staff land on the ConvLab course page (framed by the platform too); LTI's page shows the roster and grades.
    const { context: launched } = (await suite.server.context.lti.sessionOf(res.session))!;
    expect(res.location).toBe(`/courses/${launched.courseId}`);
    expect((await fetch(`${suite.base}${res.location}`)).headers.get('content-security-policy')).toContain(`frame-ancestors ${platform.url}`);
    const home = await (await fetch(`${suite.base}/lti/home`, { headers: { cookie: res.session! } })).text();
    // The launch also signs Grace in to ConvLab (inside the frame: SameSite=None) with an account of her own.
    const signIn = res.cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(signIn).toMatch(/SameSite=None; Secure/);
    const me = await api(suite.base, '/api/auth/me', { cookie: signIn.split(';')[0] });
    expect(me.status).toBe(200);
    expect(me.body.account).toMatchObject({ name: 'Grace Teacher', role: 'instructor' });
    expect(me.body.account.email).not.toBe(grace.email); // never the LMS's e-mail: LTI links by (issuer, subject)
    // Her launch made the ConvLab course; the students who launched before her are in it.
    const { context } = (await suite.server.context.lti.sessionOf(res.session))!;
    const members = await suite.server.context.courses.listMembers(context.courseId!);
    expect(members.map((m) => [m.name, m.role, m.source])).toEqual([
      ['Grace Teacher', 'instructor', 'created'],
      ['Ada Student', 'student', 'lti'],
      ['Alan Student', 'student', 'lti'],
    ]);
    expect(home).toContain('Grace Teacher');
    expect(home).toContain('(instructor)');
    expect(home).toContain('Sync roster from the LMS');
  });

  it('refuses bad launches with a page that says what was wrong', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const claims = platform.resourceLinkClaims('link-1');
    const cases: { name: string; run: () => Promise<Launched>; words: RegExp; reason: string }[] = [
      { name: 'bad signature', run: () => launch(suite.base, platform, ada, claims, { key: otherKey }), words: /signature does not verify/, reason: 'bad_signature' },
      { name: 'unknown kid', run: () => launch(suite.base, platform, ada, claims, { key: otherKey, kid: 'no-such-key' }), words: /key \(kid\) that Test LMS’s JWKS does not list/, reason: 'unknown_kid' },
      { name: 'expired', run: () => launch(suite.base, platform, ada, claims, { iat: Math.floor(Date.now() / 1000) - 900, expiresIn: 300 }), words: /has expired/, reason: 'expired' },
      { name: 'issued in the future', run: () => launch(suite.base, platform, ada, claims, { iat: Math.floor(Date.now() / 1000) + 600 }), words: /issued in the future|not valid yet/, reason: 'issued_in_future' },
      { name: 'wrong audience', run: () => launch(suite.base, platform, ada, { ...claims, aud: 'someone-else' }), words: /addressed to “someone-else”/, reason: 'wrong_audience' },
      {
        name: 'unknown deployment',
        run: () => launch(suite.base, platform, ada, { ...claims, 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'deployment-9' }),
        words: /deployment “deployment-9” is not registered/,
        reason: 'unknown_deployment',
      },
      {
        name: 'missing claims',
        run: () => launch(suite.base, platform, ada, { ...claims, 'https://purl.imsglobal.org/spec/lti/claim/resource_link': undefined, 'https://purl.imsglobal.org/spec/lti/claim/roles': undefined }),
        words: /lacks required claims .*resource_link/,
        reason: 'missing_claims',
      },
      { name: 'wrong version', run: () => launch(suite.base, platform, ada, { ...claims, 'https://purl.imsglobal.org/spec/lti/claim/version': '1.1' }), words: /LTI 1\.3\.0/, reason: 'wrong_version' },
      { name: 'wrong message type', run: () => launch(suite.base, platform, ada, { ...claims, 'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiSubmissionReviewRequest' }), words: /does not handle the LTI message type/, reason: 'wrong_message_type' },
      { name: 'no state cookie', run: () => launch(suite.base, platform, ada, claims, { keepStateCookie: false }), words: /This browser did not start this launch/, reason: 'state_mismatch' },
    ];
    for (const c of cases) {
      const res = await c.run();
      expect(res.status, c.name).toBe(400);
      expect(res.html, c.name).toMatch(c.words);
      expect(res.html, c.name).toContain(`<code>${c.reason}</code>`);
      expect(res.html, c.name).toContain('What the LMS admin should check');
      expect(res.html, c.name).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
      expect(res.session, c.name).toBeUndefined();
    }

    // A replayed launch (same token, same state, same browser) is refused: its nonce was used.
    const ok = await launch(suite.base, platform, ada, claims);
    expect(ok.status).toBe(303);
    const replay = await ok.replay();
    expect(replay.status).toBe(400);
    const replayed = await replay.text();
    expect(replayed).toMatch(/used already \(its nonce was seen before\)/);
    expect(replayed).toContain('<code>nonce_reused</code>');

    // An unknown platform is refused at the login initiation already.
    const unknown = await fetch(`${suite.base}/lti/login?iss=https://other-lms.example&login_hint=x`, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/No LMS platform with the issuer “https:\/\/other-lms.example”/);
    // A launch with no login before it.
    const stray = await fetch(`${suite.base}/lti/launch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ id_token: await platform.signLaunch(ada, 'n', claims), state: 'made-up' }) });
    expect(stray.status).toBe(400);
    expect(await stray.text()).toContain('<code>unknown_state</code>');
  });

  it('syncs the roster from NRPS: new students added, dropped ones marked, roles mapped', async () => {
    const instructor = await launch(suite.base, platform, grace, platform.resourceLinkClaims('link-1'));
    const katherine: Person = { sub: 'lms-user-katherine', name: 'Katherine TA', roles: [ROLE.ta] };
    const barbara: Person = { sub: 'lms-user-barbara', name: 'Barbara Student', roles: [ROLE.learner] };
    platform.roster = [grace, ada, katherine, barbara]; // Alan left the course
    const origin = { origin: suite.base };
    const refused = await fetch(`${suite.base}/lti/roster/sync`, { method: 'POST', headers: { cookie: instructor.session!, origin: 'https://evil.example' } });
    expect(refused.status).toBe(403);

    const sync = await fetch(`${suite.base}/lti/roster/sync`, { method: 'POST', redirect: 'manual', headers: { cookie: instructor.session!, ...origin } });
    expect(sync.status).toBe(303);
    expect(sync.headers.get('location')).toBe('/lti/home?synced=2.0.1');
    expect(platform.tokenRequests.at(-1)?.scope).toBe('https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly');
    const home = await (await fetch(`${suite.base}/lti/home`, { headers: { cookie: instructor.session! } })).text();
    expect(home).toMatch(/Alan Student<\/td><td>student<\/td><td>dropped/);
    expect(home).toMatch(/Katherine TA<\/td><td>ta<\/td><td>active/);
    expect(home).toMatch(/Barbara Student<\/td><td>student<\/td><td>active/);

    // A dropped student's launch session no longer works; coming back on the roster restores it.
    platform.roster = [grace, ada, katherine];
    await fetch(`${suite.base}/lti/roster/sync`, { method: 'POST', headers: { cookie: instructor.session!, ...origin } });
    const { context } = (await suite.server.context.lti.sessionOf(instructor.session))!;
    const members = await suite.server.context.lti.repo.listMembers(context.id);
    expect(members.find((m) => m.user.subject === barbara.sub)?.status).toBe('dropped');
    // The ConvLab course follows: Katherine joined as TA, Alan and Barbara are dropped (their work stays).
    const course = await suite.server.context.courses.listMembers(context.courseId!);
    expect(course.map((m) => [m.name, m.role, m.droppedAt === null])).toEqual([
      ['Grace Teacher', 'instructor', true],
      ['Katherine TA', 'ta', true],
      ['Ada Student', 'student', true],
      ['Alan Student', 'student', false],
      ['Barbara Student', 'student', false],
    ]);
  });

  it('publishes scores through AGS, retrying an endpoint that fails twice, and sends again on request', async () => {
    const instructor = await launch(suite.base, platform, grace, platform.resourceLinkClaims('link-ags'));
    const student = await launch(suite.base, platform, ada, platform.resourceLinkClaims('link-ags'));
    const lti = suite.server.context.lti;
    const session = (await lti.sessionOf(student.session))!;
    const platformId = (await lti.repo.listPlatforms())[0]!.id;
    await lti.repo.upsertResourceLink({ platformId, contextRowId: session.context.id, resourceLinkId: 'link-ags', assignmentId: 'assignment-ags', lineItemUrl: platform.lineItemUrl('link-ags') });

    platform.failScores(2);
    const before = platform.scores.length;
    const queued = await lti.scores.queue({
      platformId,
      lineItemUrl: platform.lineItemUrl('link-ags'),
      userId: session.user.id,
      assignmentId: 'assignment-ags',
      scoreGiven: 7.5,
      scoreMaximum: 10,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
      timestamp: new Date(),
    });
    expect(queued.status).toBe('pending');
    const sent = await waitFor(async () => ((await lti.repo.findScore(queued.id))?.status === 'sent' ? lti.repo.findScore(queued.id) : null), 'the score to be sent');
    expect(sent).toMatchObject({ attempts: 3, lastError: null });
    expect(platform.scores.slice(before)).toHaveLength(1);
    const arrived = platform.scores.at(-1)!;
    expect(arrived.lineItem).toBe(platform.lineItemUrl('link-ags'));
    expect(arrived.body).toMatchObject({ userId: ada.sub, scoreGiven: 7.5, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
    expect(Date.parse(arrived.body.timestamp)).not.toBeNaN();
    expect(arrived.authorization).toMatch(/^Bearer /);

    // Failing past the back-off schedule: "failed: reason" in the gradebook, then "send again" delivers it.
    platform.failScores(3);
    const failing = await lti.scores.queue({ ...sent!, timestamp: new Date(), scoreGiven: 9 });
    const failed = await waitFor(async () => ((await lti.repo.findScore(failing.id))?.status === 'failed' ? lti.repo.findScore(failing.id) : null), 'the score to fail');
    expect(failed!.lastError).toMatch(/the grade service answered HTTP 503/);
    const home = await (await fetch(`${suite.base}/lti/home`, { headers: { cookie: instructor.session! } })).text();
    expect(home).toContain('failed: the grade service answered HTTP 503');
    expect(home).toContain('Send again');

    // The form as the page has it (with the version it showed), sent twice as a double click would.
    const seen = /name="seenUpdatedAt" value="([^"]+)"/.exec(home)![1]!;
    const sendAgain = () =>
      fetch(`${suite.base}/lti/scores/${failing.id}/resend`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: instructor.session!, origin: suite.base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ seenUpdatedAt: seen }).toString(),
      });
    const sentBefore = platform.scores.length;
    expect((await sendAgain()).status).toBe(303);
    await waitFor(async () => (await lti.repo.findScore(failing.id))?.status === 'sent', 'the resent score to be sent');
    expect(platform.scores.at(-1)!.body).toMatchObject({ userId: ada.sub, scoreGiven: 9, scoreMaximum: 10 });
    expect((await sendAgain()).status).toBe(303);
    await new Promise((r) => setTimeout(r, 500));
    expect(platform.scores.length - sentBefore).toBe(1);
    const after = await (await fetch(`${suite.base}/lti/home`, { headers: { cookie: instructor.session! } })).text();
    expect(after).toMatch(/status-sent">sent</);
  });

  it('rotates its signing key without breaking the platform; the old key stays published until its tokens expire', async () => {
    const lti = suite.server.context.lti;
    const oldKid = (await api(suite.base, '/lti/jwks')).body.keys[0].kid as string;
    expect((await api(suite.base, '/api/lti/keys/rotate', { method: 'POST', cookie: (await signUpInstructor(suite.base, `rotate-${target.kind}@example.org`)).cookie })).status).toBe(403);
    const rotated = await api(suite.base, '/api/lti/keys/rotate', { method: 'POST', cookie: admin });
    expect(rotated.status).toBe(200);
    const newKid: string = rotated.body.kid;
    const published = (await api(suite.base, '/lti/jwks')).body.keys.map((k: { kid: string }) => k.kid);
    expect(published).toEqual([newKid, oldKid]);

    // The platform accepts tokens signed with the new key (it refetches ConvLab's JWKS for the unknown kid).
    const platformDto = (await lti.repo.listPlatforms())[0]!;
    await lti.keys.sign({ probe: true }); // warm: the current key is the new one
    const token = await new PlatformClient(lti.keys).accessToken(platformDto, ['https://purl.imsglobal.org/spec/lti-ags/scope/score']);
    expect(token).toBeTruthy();
    expect(platform.tokenRequests.at(-1)?.kid).toBe(newKid);

    // Six minutes later (past every old token's expiry and the margin), the old key is gone from the JWKS.
    const later = new LtiKeys(lti.repo, suite.server.context.secret, () => Date.now() + 6 * 60_000);
    expect((await later.jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('stores its private signing keys encrypted, and seals plain rows of earlier versions when it reads them', async () => {
    const lti = suite.server.context.lti;
    const secret = suite.server.context.secret;
    const [current] = await lti.repo.publishedKeys(new Date());
    expect(current!.privateJwk).toMatch(/^v1\./);
    expect(current!.privateJwk).not.toContain('"d"');
    expect(JSON.parse(openPrivateJwk(current!.privateJwk, current!.kid, secret))).toMatchObject({ kty: 'RSA', kid: current!.kid });
    // Another secret, or the sealed key moved to another row, does not open it.
    expect(() => openPrivateJwk(current!.privateJwk, current!.kid, 'another secret entirely, 32+ chars')).toThrow();
    expect(() => openPrivateJwk(current!.privateJwk, 'another-kid', secret)).toThrow();

    // A key stored in plain JSON (before encryption at rest) is sealed on read and still signs.
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `plain-${target.kind}`;
    const plain = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'RS256' });
    await lti.repo.addKey({ kid, publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }), privateJwk: plain, createdAt: new Date(Date.now() + 1000) });
    const keys = new LtiKeys(lti.repo, secret);
    const token = await keys.sign({ probe: 'plain' });
    const stored = (await lti.repo.publishedKeys(new Date())).find((k) => k.kid === kid)!;
    expect(stored.privateJwk).toMatch(/^v1\./);
    expect(openPrivateJwk(stored.privateJwk, kid, secret)).toBe(plain);
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(await keys.jwks()));
    expect(protectedHeader.kid).toBe(kid);
    expect(await lti.repo.plainKeys()).toEqual([]);
  });

  it('sends each score once when several nodes publish from the same database', async () => {
    const lti = suite.server.context.lti;
    const platformId = (await lti.repo.listPlatforms())[0]!.id;
    const lineItem = platform.lineItemUrl('link-nodes');
    const before = platform.scores.length;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const user = await lti.repo.upsertUser({ issuer: platform.issuer, subject: `nodes-${i}`, name: `Student ${i}`, email: null });
      const score = { platformId, lineItemUrl: lineItem, userId: user.id, assignmentId: `nodes-${target.kind}`, scoreGiven: i, scoreMaximum: 8 };
      ids.push((await lti.repo.queueScore({ ...score, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date() }, new Date())).id);
    }
    // Three nodes' publishers (each with its own platform client) wake up at once and find the same due scores.
    const nodes = [0, 1, 2].map(() => new ScorePublisher(lti.repo, new PlatformClient(lti.keys), [150]));
    await Promise.all(nodes.map((n) => n.kick()));
    await Promise.all(nodes.map((n) => n.close()));
    const sent = await waitFor(async () => {
      const rows = await Promise.all(ids.map((id) => lti.repo.findScore(id)));
      return rows.every((r) => r?.status === 'sent') ? rows : null;
    }, 'every score sent');
    expect(sent.map((r) => r!.attempts)).toEqual(ids.map(() => 1));
    const arrived = platform.scores.slice(before).filter((s) => s.lineItem === lineItem);
    expect(arrived.map((s) => s.body.userId).sort()).toEqual(ids.map((_, i) => `nodes-${i}`).sort());
  });

  it('deep-links an assignment, launches the student into it, and sends the released grade to the line item', async () => {
    const lti = suite.server.context.lti;
    // Grace's launch signs her in to ConvLab; she makes a hand-graded assignment (5 points) in the course.
    const teacher = await launch(suite.base, platform, grace, platform.resourceLinkClaims('link-1'));
    const teacherCookie = teacher.cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const { context } = (await lti.sessionOf(teacher.session))!;
    const step = {
      kind: 'lab',
      id: 'occ-cat',
      title: 'Hide the cat',
      markdown: 'Hide as little as you can.',
      labId: 'occlusion',
      params: { model: 'mobilenet_v1_0.25_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285, fill: 'grey' },
    };
    const assignmentBody = {
      title: 'Occlusion homework',
      source: { kind: 'steps', steps: [step] },
      steps: [{ stepId: step.id, grading: { points: 0, rubric: [{ id: 'why', label: 'Explains what the network looked at', points: 5 }], attempts: 2, counts: 'best' } }],
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      latePolicy: { kind: 'refuse' },
    };
    const made = await api(suite.base, `/api/courses/${context.courseId}/assignments`, { cookie: teacherCookie, body: assignmentBody });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const assignmentId: string = made.body.assignment.id;

    // Deep linking: the picker lists the course's assignments; the choice comes back as a signed response.
    const picker = await launch(suite.base, platform, grace, platform.deepLinkingClaims());
    expect(picker.status, picker.html).toBe(200);
    expect(picker.html).toContain('Occlusion homework');
    expect(picker.html).toContain('5 points');
    expect(picker.csp).toContain(`form-action 'self' ${platform.url}`);
    const settings = /name="settings" value="([^"]+)"/.exec(picker.html)![1]!;
    const choose = (id: string, cookie = picker.session!) =>
      fetch(`${suite.base}/lti/deep-link/return`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: suite.base },
        body: new URLSearchParams({ settings, assignmentId: id }),
      });
    const student = await launch(suite.base, platform, ada, platform.resourceLinkClaims('link-1'));
    expect((await choose(assignmentId, student.session!)).status).toBe(400); // not the instructor who opened the picker
    expect((await choose('another-courses-assignment')).status).toBe(400);
    const chosen = await choose(assignmentId);
    expect(chosen.status).toBe(200);
    const answer = await chosen.text();
    expect(answer).toContain(`action="${platform.url}/deep-link-return"`);
    const jwt = /name="JWT" value="([^"]+)"/.exec(answer)![1]!;
    // The browser's auto-post, as the page's script does it: the platform verifies it against ConvLab's JWKS.
    const returned = await fetch(`${platform.url}/deep-link-return`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ JWT: jwt }) });
    expect(returned.status).toBe(200);
    const response = platform.deepLinkResponses.at(-1)!;
    expect(response['https://purl.imsglobal.org/spec/lti/claim/message_type']).toBe('LtiDeepLinkingResponse');
    expect(response['https://purl.imsglobal.org/spec/lti/claim/deployment_id']).toBe(platform.deploymentId);
    expect(response['https://purl.imsglobal.org/spec/lti-dl/claim/data']).toBe('opaque-platform-data');
    expect(response['https://purl.imsglobal.org/spec/lti-dl/claim/content_items']).toEqual([
      {
        type: 'ltiResourceLink',
        title: 'Occlusion homework',
        url: `${suite.base}/lti/launch`,
        custom: { convlab_assignment_id: assignmentId },
        lineItem: { scoreMaximum: 5, label: 'Occlusion homework', resourceId: assignmentId },
      },
    ]);

    // The LMS made the link and its line item; Ada opens it and submits in ConvLab.
    const custom = { 'https://purl.imsglobal.org/spec/lti/claim/custom': { convlab_assignment_id: assignmentId } };
    const opened = await launch(suite.base, platform, ada, platform.resourceLinkClaims('link-dl', custom));
    expect(opened.status).toBe(303);
    // She lands on her assignment's page, which the LMS may frame.
    expect(opened.location).toBe(`/assignments/${assignmentId}`);
    expect((await fetch(`${suite.base}${opened.location}`)).headers.get('content-security-policy')).toContain(`frame-ancestors ${platform.url}`);
    // Grace, opening the same link, lands on its gradebook.
    expect((await launch(suite.base, platform, grace, platform.resourceLinkClaims('link-dl', custom))).location).toBe(`/courses/${context.courseId}/assignments/${assignmentId}`);
    const adaCookie = opened.cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const submitted = await api(suite.base, `/api/assignments/${assignmentId}/submissions`, {
      cookie: adaCookie,
      body: { requestId: `lti-${Date.now()}`, stepId: step.id, params: step.params, result: { classIndex: 285, baseline: 0.9, inputSize: [224, 224], masks: [{ mask: { kind: 'rect', x: 0, y: 0, width: 80, height: 80 }, probability: 0.2 }] }, claimedLate: false },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const graded = await api(suite.base, `/api/assignment-submissions/${submitted.body.submission.id}/grade`, { cookie: teacherCookie, body: { requestId: `grade-${Date.now()}`, rubric: { why: 4 }, comment: 'Good' } });
    expect(graded.status, JSON.stringify(graded.body)).toBe(200);

    // Release: the grade reaches the line item of the deep-linked resource, with its maximum.
    const before = platform.scores.length;
    const released = await api(suite.base, `/api/assignments/${assignmentId}/release`, { cookie: teacherCookie, body: { released: true } });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    const arrived = await waitFor(() => platform.scores.slice(before).find((s) => s.body.userId === ada.sub), 'Ada’s released grade at the platform');
    expect(arrived).toMatchObject({ lineItem: platform.lineItemUrl('link-dl'), body: { scoreGiven: 4, scoreMaximum: 5, activityProgress: 'Completed', gradingProgress: 'FullyGraded' } });
    // Only the course's current LMS students get a score (Alan and Barbara were dropped by the roster sync).
    const sent = await waitFor(async () => {
      const scores = await lti.repo.scoresOfAssignment(assignmentId);
      return scores.length > 0 && scores.every((s) => s.status === 'sent') ? scores : null;
    }, 'every score sent');
    const people = new Map((await lti.repo.listMembers(context.id)).map((m) => [m.user.id, m.user.subject]));
    expect(sent.map((s) => people.get(s.userId))).toEqual([ada.sub]);

    // The gradebook shows each student's passback; only the course's staff may read it or send again.
    const adaAccount = (await api(suite.base, '/api/auth/me', { cookie: adaCookie })).body.account.id as string;
    const grades = await api(suite.base, `/api/assignments/${assignmentId}/lms-grades`, { cookie: teacherCookie });
    expect(grades.status).toBe(200);
    expect(grades.body).toMatchObject({ linked: true, grades: [{ accountId: adaAccount, name: 'Ada Student', status: 'sent', label: 'sent', scoreGiven: 4, scoreMaximum: 5 }] });
    expect((await api(suite.base, `/api/assignments/${assignmentId}/lms-grades`, { cookie: adaCookie })).status).toBe(403);
    const stranger = await signUpInstructor(suite.base, `lms-grades-stranger-${target.kind}@example.org`);
    expect((await api(suite.base, `/api/assignments/${assignmentId}/lms-grades`, { cookie: stranger.cookie })).status).toBe(404);
    const shown = grades.body.grades[0];
    const resendPath = `/api/assignments/${assignmentId}/lms-grades/${shown.id}/resend`;
    expect((await api(suite.base, resendPath, { cookie: stranger.cookie, body: { seenUpdatedAt: shown.updatedAt } })).status).toBe(404);
    expect((await api(suite.base, resendPath, { cookie: adaCookie, body: { seenUpdatedAt: shown.updatedAt } })).status).toBe(403);
    const bad = await api(suite.base, resendPath, { cookie: teacherCookie, body: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/seenUpdatedAt/);

    // "Send again", and the same request retried: the score reaches the platform once more, not twice.
    const sentBefore = platform.scores.length;
    const again = await api(suite.base, resendPath, { cookie: teacherCookie, body: { seenUpdatedAt: shown.updatedAt } });
    expect(again.status).toBe(200);
    expect(again.body.grades[0].updatedAt).not.toBe(shown.updatedAt);
    expect((await api(suite.base, resendPath, { cookie: teacherCookie, body: { seenUpdatedAt: shown.updatedAt } })).status).toBe(200);
    await waitFor(async () => (await lti.repo.findScore(shown.id))?.status === 'sent', 'the grade sent again');
    await lti.scores.kick();
    expect(platform.scores.slice(sentBefore).filter((s) => s.body.userId === ada.sub)).toHaveLength(1);
    // An assignment that no LMS link opens has no LMS column.
    const unlinked = await api(suite.base, `/api/courses/${context.courseId}/assignments`, { cookie: teacherCookie, body: { ...assignmentBody, title: 'Not in the LMS' } });
    expect(unlinked.status, JSON.stringify(unlinked.body)).toBe(201);
    expect((await api(suite.base, `/api/assignments/${unlinked.body.assignment.id}/lms-grades`, { cookie: teacherCookie })).body).toEqual({ linked: false, grades: [] });
  });
});
