/**
 * LTI over HTTP. The admin's JSON API (`/api/lti/*`, signed-in instructors) goes through the Router; the pages the
 * LMS and the framed browser reach (`/lti/*`: login initiation, launch, JWKS, deep-linking answer, landing page,
 * roster sync and "send again") are served here as HTML, since the LMS posts forms cross-site to them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LTI_PATHS, LtiPlatformsResponseSchema, ProtocolError, RegisterPlatformBodySchema, ResendLmsGradeBodySchema, type LtiScoreView } from '@convlab/protocol';
import { sessionSetCookie } from '../auth/session-cookie';
import type { ServerContext } from '../context';
import { LtiPlatformTakenError, type LtiPlatformDTO } from '../db';
import { LtiLaunchError } from '../lti/launch';
import { autoPostPage, errorPage, esc, page } from '../lti/pages';
import { PlatformCallError } from '../lti/platform-client';
import type { LtiSession } from '../lti/service';
import { originAllowed } from '../security/origin';
import { requireAccount } from './auth.routes';
import { COURSE_STAFF, requireCourseRole } from './course-access';
import { readBody, type ApiRequest, type Router } from './router';

/** Form bodies the LMS posts (an id_token is a few KB; deep-linking settings too). */
const MAX_FORM_BYTES = 64 * 1024;

/** The base URL the LMS reaches this server at: CONVLAB_PUBLIC_URL, else the request's own origin. */
function toolBase(req: IncomingMessage, ctx: ServerContext, secure: boolean): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/\/$/, '');
  return `${secure ? 'https' : 'http'}://${req.headers.host ?? `localhost:${ctx.config.port}`}`;
}

/** Only ConvLab's admin registers LMS platforms (they decide who may launch into ConvLab). */
async function requireAdmin(req: ApiRequest, ctx: ServerContext) {
  const account = await requireAccount(req, ctx);
  if (!account.admin) throw new ProtocolError('FORBIDDEN', 'only ConvLab’s administrator can register LMS platforms');
  return account;
}

/** Registers the LTI admin API on the router. */
export function registerLtiRoutes(router: Router): void {
  router.add('GET', LTI_PATHS.platforms, async (req, ctx) => {
    await requireAdmin(req, ctx);
    const body = LtiPlatformsResponseSchema.parse({ platforms: await ctx.lti.repo.listPlatforms(), tool: ctx.lti.toolConfig(toolBase(req.raw, ctx, req.secure)) });
    return { status: 200, body };
  });

  router.add(
    'POST',
    LTI_PATHS.platforms,
    async (req, ctx) => {
      const instructorId = (await requireAdmin(req, ctx)).id;
      let platform: LtiPlatformDTO;
      try {
        platform = await ctx.lti.registerPlatform(req.body, instructorId);
      } catch (error) {
        if (error instanceof LtiPlatformTakenError) throw new ProtocolError('BAD_REQUEST', error.message);
        throw error;
      }
      return { status: 201, body: { platform, tool: ctx.lti.toolConfig(toolBase(req.raw, ctx, req.secure)) } };
    },
    RegisterPlatformBodySchema,
  );

  router.add('POST', LTI_PATHS.rotateKey, async (req, ctx) => {
    await requireAdmin(req, ctx);
    return { status: 200, body: { kid: await ctx.lti.keys.rotate() } };
  });

  router.add('GET', LTI_PATHS.toolConfig, async (req, ctx) => ({ status: 200, body: ctx.lti.toolConfig(toolBase(req.raw, ctx, req.secure)) }));

  // The assignment's gradebook: its grade passback per student, and "send again" (the course's instructors and TAs).
  router.add('GET', '/api/assignments/:id/lms-grades', async (req, ctx) => {
    const a = await staffAssignment(req, ctx);
    return { status: 200, body: await ctx.lti.assignmentGrades(a.id) };
  });

  router.add(
    'POST',
    '/api/assignments/:id/lms-grades/:scoreId/resend',
    async (req, ctx) => {
      const a = await staffAssignment(req, ctx);
      const score = await ctx.lti.repo.findScore(req.params.scoreId!);
      if (!score || score.assignmentId !== a.id) throw new ProtocolError('NOT_FOUND', 'no such grade sent to the LMS for this assignment');
      // Only the version the gradebook showed is queued again: a retried request sends nothing twice.
      await ctx.lti.scores.resend(score.id, req.body.seenUpdatedAt);
      return { status: 200, body: await ctx.lti.assignmentGrades(a.id) };
    },
    ResendLmsGradeBodySchema,
  );
}

/** The assignment of the request's `:id` when the caller is an instructor or TA of its course. */
async function staffAssignment(req: ApiRequest, ctx: ServerContext) {
  const a = await ctx.assignments.findById(req.params.id!);
  if (!a) throw new ProtocolError('NOT_FOUND', 'no such assignment');
  await requireCourseRole(req, ctx, a.courseId, COURSE_STAFF);
  return a;
}

interface PageAnswer {
  status: number;
  html?: string;
  json?: unknown;
  location?: string;
  setCookies?: string[];
}

/**
 * Serves `/lti/*`; returns false for other paths. `nonce` is the page's CSP nonce (for the auto-posting form).
 * Errors become pages in words; unexpected ones are logged and shown without details.
 */
export async function handleLtiPages(req: IncomingMessage, res: ServerResponse, ctx: ServerContext, nonce: string | undefined, secure: boolean): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://internal');
  if (!url.pathname.startsWith('/lti/')) return false;
  let answer: PageAnswer;
  try {
    answer = await route(req, url, ctx, nonce, secure);
  } catch (error) {
    answer = errorAnswer(error);
  }
  if (res.headersSent) return true;
  res.setHeader('cache-control', 'no-store');
  if (answer.setCookies?.length) res.setHeader('set-cookie', answer.setCookies);
  if (answer.location) {
    res.writeHead(answer.status, { location: answer.location }).end();
  } else if (answer.json !== undefined) {
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.json));
  } else {
    res.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8' }).end(answer.html ?? '');
  }
  return true;
}

async function route(req: IncomingMessage, url: URL, ctx: ServerContext, nonce: string | undefined, secure: boolean): Promise<PageAnswer> {
  const method = req.method ?? 'GET';
  const base = toolBase(req, ctx, secure);
  const path = url.pathname.replace(/\/$/, '');
  if (path === LTI_PATHS.jwks && (method === 'GET' || method === 'HEAD')) return { status: 200, json: await ctx.lti.keys.jwks() };
  if (path === LTI_PATHS.login && (method === 'GET' || method === 'POST')) {
    const params = method === 'GET' ? url.searchParams : await readForm(req);
    const { location, setCookie } = await ctx.lti.login(params, base);
    return { status: 302, location, setCookies: [setCookie] };
  }
  if (path === LTI_PATHS.launch && method === 'POST') {
    const outcome = await ctx.lti.launch(await readForm(req), req.headers.cookie);
    if (outcome.kind === 'redirect') {
      // The person's ConvLab sign-in, so the course pages a launch leads to know them inside the frame too.
      const signIn = outcome.session.accountId ? [await convlabSignIn(req, ctx, outcome.session.accountId)] : [];
      return { status: 303, location: outcome.location, setCookies: [...outcome.setCookies, ...signIn] };
    }
    return { status: 200, setCookies: outcome.setCookies, html: pickerPage(outcome.session, outcome.settings, outcome.assignments) };
  }
  if (path === LTI_PATHS.home && method === 'GET') return { status: 200, html: await homePage(await requireLtiSession(req, ctx), ctx, url.searchParams.get('link')) };
  if (method !== 'POST') return { status: 404, html: errorPage('There is no LTI page at this address.', 'Use the URLs shown on ConvLab’s LTI platforms page.', 'not_found') };

  // Forms of ConvLab's own framed pages: same-origin only (the session cookie is SameSite=None, so check Origin).
  if (!originAllowed(req.headers, { trustProxy: ctx.config.trustProxy, publicUrl: ctx.config.publicUrl })) {
    return { status: 403, html: errorPage('This form was sent from another site.', 'Use the buttons on ConvLab’s own pages.', 'cross_origin') };
  }
  const session = await ctx.lti.sessionOf(req.headers.cookie);
  if (path === LTI_PATHS.deepLinkReturn) {
    const form = await readForm(req);
    const { returnUrl, jwt } = await ctx.lti.deepLinkChoice(form.get('settings') ?? '', form.get('assignmentId') ?? '', session, base);
    return { status: 200, html: autoPostPage(returnUrl, { JWT: jwt }, nonce, 'Adding the assignment to your course…') };
  }
  const staff = requireStaff(session);
  if (path === LTI_PATHS.rosterSync) {
    req.resume();
    const result = await ctx.lti.syncRoster(staff.context);
    return { status: 303, location: `${LTI_PATHS.home}?synced=${result.added}.${result.updated}.${result.dropped}` };
  }
  const resend = /^\/lti\/scores\/([^/]+)\/resend$/.exec(path);
  if (resend) {
    // The version the page showed: a double click or a resubmitted form queues nothing twice.
    const seen = (await readForm(req)).get('seenUpdatedAt') ?? undefined;
    const score = await ctx.lti.repo.findScore(decodeURIComponent(resend[1]!));
    const links = score ? await ctx.lti.repo.resourceLinksOfAssignment(score.assignmentId ?? '') : [];
    if (!score || !links.some((l) => l.contextRowId === staff.context.id)) throw new ProtocolError('NOT_FOUND', 'no such score in this course');
    await ctx.lti.scores.resend(score.id, seen);
    return { status: 303, location: LTI_PATHS.home };
  }
  return { status: 404, html: errorPage('There is no LTI page at this address.', 'Use the URLs shown on ConvLab’s LTI platforms page.', 'not_found') };
}

async function convlabSignIn(req: IncomingMessage, ctx: ServerContext, accountId: string): Promise<string> {
  const value = await ctx.auth.create(accountId, { userAgent: req.headers['user-agent'], address: req.socket.remoteAddress });
  return sessionSetCookie(value, { secure: true, crossSite: true });
}

async function requireLtiSession(req: IncomingMessage, ctx: ServerContext): Promise<LtiSession> {
  const session = await ctx.lti.sessionOf(req.headers.cookie);
  if (!session) throw new ProtocolError('UNAUTHORIZED', 'open ConvLab from your LMS course (the launch signs you in)');
  return session;
}

function requireStaff(session: LtiSession | null): LtiSession {
  if (!session) throw new ProtocolError('UNAUTHORIZED', 'open ConvLab from your LMS course (the launch signs you in)');
  if (session.role === 'student') throw new ProtocolError('FORBIDDEN', 'only the course’s instructors and TAs can do this');
  return session;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  const body = (await readBody(req, MAX_FORM_BYTES)).toString('utf8');
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new LtiLaunchError('malformed', 'The request was not a form post (application/x-www-form-urlencoded).', 'The LMS must post the launch as an HTML form.');
  }
  return new URLSearchParams(body);
}

function errorAnswer(error: unknown): PageAnswer {
  if (error instanceof LtiLaunchError) return { status: 400, html: errorPage(error.title, error.hint, error.reason) };
  if (error instanceof PlatformCallError) {
    return { status: 502, html: errorPage(`The LMS did not answer as expected: ${error.message}.`, 'Check the platform’s access-token URL and that the tool has the roster and grade services enabled.', 'platform_call') };
  }
  if (error instanceof ProtocolError) {
    const status = error.code === 'UNAUTHORIZED' ? 401 : error.code === 'FORBIDDEN' ? 403 : error.code === 'NOT_FOUND' ? 404 : error.code === 'PAYLOAD_TOO_LARGE' ? 413 : 400;
    const what = `${error.message[0]?.toUpperCase() ?? ''}${error.message.slice(1)}.`;
    return { status, html: errorPage(what, 'Open ConvLab again from the LMS course.', error.code.toLowerCase(), 'ConvLab could not do this') };
  }
  console.error('[lti] internal error:', error);
  return { status: 500, html: errorPage('ConvLab met an internal error (logged on the server).', 'Try again; if it persists, ask ConvLab’s administrator to read the server log.', 'internal') };
}

function pickerPage(session: LtiSession, settings: string, assignments: { id: string; title: string; maxPoints: number }[]): string {
  const rows = assignments
    .map(
      (a) => `<tr><td>${esc(a.title)}</td><td>${esc(a.maxPoints)} points</td><td><form method="post" action="${LTI_PATHS.deepLinkReturn}">
<input type="hidden" name="settings" value="${esc(settings)}"><input type="hidden" name="assignmentId" value="${esc(a.id)}">
<button type="submit">Add to course</button></form></td></tr>`,
    )
    .join('');
  const list = assignments.length
    ? `<table><thead><tr><th>Assignment</th><th>Maximum</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>This course has no ConvLab assignments yet. Create one in ConvLab, then open this picker again from the LMS.</p>';
  return page('Add a ConvLab assignment', `<h1>Add a ConvLab assignment to “${esc(session.context.title)}”</h1><p class="muted">Signed in from the LMS as ${esc(session.user.name)} (${esc(session.role)}).</p>${list}`);
}

async function homePage(session: LtiSession, ctx: ServerContext, linkId: string | null): Promise<string> {
  const head = `<h1>ConvLab · ${esc(session.context.title)}</h1><p class="muted">Signed in from the LMS as ${esc(session.user.name)} (${esc(session.role)}).</p>`;
  if (session.role === 'student') {
    const link = linkId ? await ctx.lti.repo.findResourceLink(linkId) : null;
    const assignment = link?.contextRowId === session.context.id && link.assignmentId ? await ctx.lti.assignment(session.context, link.assignmentId) : undefined;
    const body = assignment
      ? `<h2>${esc(assignment.title)}</h2><p>Worth ${esc(assignment.maxPoints)} points. Your grade is sent to the LMS once your instructor releases it.</p>`
      : '<p>Your assignment opens here once your instructor links one to this course.</p>';
    return page('ConvLab', `${head}${body}`);
  }
  const members = await ctx.lti.repo.listMembers(session.context.id);
  const roster = members.map((m) => `<tr><td>${esc(m.user.name)}</td><td>${esc(m.role)}</td><td>${esc(m.status)}</td></tr>`).join('');
  const scores = await scoreViews(session, ctx);
  const scoreRows = scores
    .map(
      (s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.scoreGiven)} / ${esc(s.scoreMaximum)}</td><td class="status-${esc(s.status)}">${esc(s.label)}</td>
<td><form method="post" action="${esc(LTI_PATHS.resendScore(s.id))}"><input type="hidden" name="seenUpdatedAt" value="${esc(s.updatedAt)}"><button class="secondary" type="submit">Send again</button></form></td></tr>`,
    )
    .join('');
  return page(
    'ConvLab',
    `${head}<h2>Roster</h2><form method="post" action="${LTI_PATHS.rosterSync}"><button type="submit">Sync roster from the LMS</button></form>
<table><thead><tr><th>Name</th><th>Role</th><th>Status</th></tr></thead><tbody>${roster}</tbody></table>
<h2>Grades sent to the LMS</h2>${scores.length ? `<table><thead><tr><th>Student</th><th>Score</th><th>Status</th><th></th></tr></thead><tbody>${scoreRows}</tbody></table>` : '<p class="muted">No grades released yet.</p>'}`,
  );
}

/** The LMS course's grade passbacks as the gradebook shows them. */
async function scoreViews(session: LtiSession, ctx: ServerContext): Promise<LtiScoreView[]> {
  const views: LtiScoreView[] = [];
  for (const link of await ctx.lti.repo.resourceLinksOfContext(session.context.id)) {
    if (link.lineItemUrl) views.push(...(await ctx.lti.scoreViews(await ctx.lti.repo.scoresOfLineItem(link.lineItemUrl))));
  }
  return views;
}
