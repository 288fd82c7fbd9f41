/**
 * LTI 1.3 + Advantage for one ConvLab server: platform registration, OIDC login initiation, launches (resource link
 * and deep linking), the LMS people's sessions, roster sync (NRPS) and score publishing (AGS). HTTP lives in
 * server/http/lti.routes.ts; ConvLab's courses are reached only through the CourseBridge.
 */
import { randomBytes } from 'node:crypto';
import { LTI_PATHS, type LmsGradesResponse, type LtiScoreView, type LtiToolConfig, type RegisterPlatformBody, type RosterSyncResult } from '@convlab/protocol';
import { signSession, verifySession, parseCookies } from '../auth/session-cookie';
import type { LtiContextDTO, LtiPlatformDTO, LtiRepository, LtiRole, LtiScoreDTO, LtiUserDTO } from '../db';
import { CLAIM, SCOPES, displayName, mapRoles, type DeepLinkingClaims, type ResourceLinkClaims } from './claims';
import type { CourseBridge } from './course-bridge';
import { deepLinkingResponse, openSettings, sealSettings, type DeepLinkSettings, type LinkableAssignment } from './deep-linking';
import { LtiKeys } from './keys';
import { LOGIN_TTL_MS, LaunchValidator, LtiLaunchError } from './launch';
import { PlatformCallError, PlatformClient } from './platform-client';
import { DEFAULT_RETRY_DELAYS_MS, ScorePublisher, scoreLabel } from './score-publisher';

/** The LMS person's session inside the frame: signed cookie naming (LtiUser, LtiContext). */
export const LTI_SESSION_COOKIE = 'convlab_lti';
const LTI_SESSION_TTL_MS = 8 * 60 * 60_000;
const STATE_COOKIE_PREFIX = 'convlab_lti_state_';
/** How often each node rereads the registered platforms' origins (for frame-ancestors). */
const ORIGINS_REFRESH_MS = 60_000;

/** An LMS person's signed-in launch: who, in which course, with which role. */
export interface LtiSession {
  user: LtiUserDTO;
  context: LtiContextDTO;
  role: LtiRole;
  accountId: string | null;
}

export type LaunchOutcome =
  | { kind: 'redirect'; location: string; setCookies: string[]; session: LtiSession }
  | { kind: 'picker'; setCookies: string[]; settings: string; returnUrl: string; assignments: LinkableAssignment[]; session: LtiSession };

export interface LtiServiceOptions {
  retryDelaysMs?: readonly number[];
  now?: () => number;
}

export class LtiService {
  readonly keys: LtiKeys;
  readonly scores: ScorePublisher;
  private readonly validator: LaunchValidator;
  private readonly client: PlatformClient;
  private readonly now: () => number;
  private origins: string[] = [];
  private originsTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly repo: LtiRepository,
    private readonly secret: string,
    private readonly bridge: CourseBridge,
    options: LtiServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.keys = new LtiKeys(repo, secret, this.now);
    this.validator = new LaunchValidator(repo, this.now);
    this.client = new PlatformClient(this.keys, this.now);
    this.scores = new ScorePublisher(repo, this.client, options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, this.now);
  }

  /** Loads the platforms' origins and resumes scores left pending (a restart loses none). */
  async start(): Promise<void> {
    await this.refreshOrigins();
    this.originsTimer = setInterval(() => void this.refreshOrigins().catch(() => undefined), ORIGINS_REFRESH_MS);
    this.originsTimer.unref();
    void this.scores.kick();
  }

  /** Stops the timers; resolves when a round of score sending in progress has finished (before the database closes). */
  close(): Promise<void> {
    clearInterval(this.originsTimer);
    return this.scores.close();
  }

  /** Origins of the registered platforms: the only sites that may frame the LTI pages. */
  frameOrigins(): readonly string[] {
    return this.origins;
  }

  private async refreshOrigins(): Promise<void> {
    const origins = new Set<string>();
    for (const p of await this.repo.listPlatforms()) {
      for (const url of [p.issuer, p.authLoginUrl]) {
        const origin = originOf(url);
        if (origin) origins.add(origin);
      }
    }
    this.origins = [...origins].sort();
  }

  /** Registers an LMS platform (LtiPlatformTakenError when its issuer and client id are registered already). */
  async registerPlatform(body: RegisterPlatformBody, instructorId: string): Promise<LtiPlatformDTO> {
    const platform = await this.repo.createPlatform({ ...body, deploymentIds: body.deploymentIds, instructorId });
    await this.refreshOrigins();
    return platform;
  }

  /** The values an LMS admin enters for ConvLab, for a server reached at `base`. */
  toolConfig(base: string): LtiToolConfig {
    const launch = `${base}${LTI_PATHS.launch}`;
    return { loginInitiationUrl: `${base}${LTI_PATHS.login}`, redirectUris: [launch], targetLinkUri: launch, jwksUrl: `${base}${LTI_PATHS.jwks}`, deepLinkingUrl: launch };
  }

  /**
   * OIDC third-party login initiation: remembers a fresh state and nonce and sends the browser to the platform's
   * authorization endpoint; the state cookie ties the launch to this browser.
   */
  async login(params: URLSearchParams, base: string): Promise<{ location: string; setCookie: string }> {
    const issuer = params.get('iss');
    const loginHint = params.get('login_hint');
    if (!issuer || !loginHint) {
      throw new LtiLaunchError('malformed', 'The login initiation lacks `iss` or `login_hint`.', 'The LMS must send `iss`, `login_hint` and `target_link_uri` to ConvLab’s login initiation URL.');
    }
    const clientId = params.get('client_id') ?? undefined;
    const platforms = await this.repo.findPlatforms(issuer, clientId);
    if (platforms.length === 0) {
      throw new LtiLaunchError('unknown_platform', `No LMS platform with the issuer “${issuer}”${clientId ? ` and client id “${clientId}”` : ''} is registered in ConvLab.`, 'Register the platform in ConvLab (LTI platforms) with exactly this issuer and client id.');
    }
    if (platforms.length > 1) {
      throw new LtiLaunchError('unknown_platform', `Several registrations share the issuer “${issuer}” and the LMS did not say which (no client_id).`, 'Configure the LMS to send `client_id` with the login initiation.');
    }
    const platform = platforms[0]!;
    const state = randomBytes(24).toString('base64url');
    const nonce = randomBytes(24).toString('base64url');
    const targetLinkUri = params.get('target_link_uri') ?? `${base}${LTI_PATHS.launch}`;
    await this.repo.createLogin({ state, nonce, platformId: platform.id, targetLinkUri, expiresAt: new Date(this.now() + LOGIN_TTL_MS) }, new Date(this.now()));
    const auth = new URL(platform.authLoginUrl);
    const query: Record<string, string> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: platform.clientId,
      redirect_uri: `${base}${LTI_PATHS.launch}`,
      login_hint: loginHint,
      state,
      nonce,
    };
    const messageHint = params.get('lti_message_hint');
    if (messageHint) query.lti_message_hint = messageHint;
    for (const [k, v] of Object.entries(query)) auth.searchParams.set(k, v);
    return { location: auth.toString(), setCookie: crossSiteCookie(`${STATE_COOKIE_PREFIX}${state}`, state, LOGIN_TTL_MS, LTI_PATHS.launch) };
  }

  /** Validates a launch and records who, where and what; answers where the browser goes next. */
  async launch(form: URLSearchParams, cookieHeader: string | undefined): Promise<LaunchOutcome> {
    const state = form.get('state') ?? undefined;
    const stateCookie = state ? parseCookies(cookieHeader).get(`${STATE_COOKIE_PREFIX}${state}`) : undefined;
    const launch = await this.validator.validate({ idToken: form.get('id_token') ?? undefined, state }, stateCookie);
    const session = await this.recordPerson(launch.platform, launch.claims);
    const setCookies = [
      crossSiteCookie(LTI_SESSION_COOKIE, signSession(this.secret, session.user.id, session.context.id, this.now(), LTI_SESSION_TTL_MS), LTI_SESSION_TTL_MS, '/'),
      ...(state ? [crossSiteCookie(`${STATE_COOKIE_PREFIX}${state}`, '', 0, LTI_PATHS.launch)] : []),
    ];
    if (launch.messageType === 'LtiDeepLinkingRequest') return { kind: 'picker', setCookies, ...(await this.deepLinkingPicker(launch.platform, launch.claims, session)) };
    const link = await this.recordResourceLink(launch.platform, launch.claims, session.context);
    const location = this.bridge.landingPath(session.role, session.context.courseId, link.assignmentId) ?? `${LTI_PATHS.home}?link=${encodeURIComponent(link.id)}`;
    return { kind: 'redirect', location, setCookies, session };
  }

  private async recordPerson(platform: LtiPlatformDTO, claims: ResourceLinkClaims | DeepLinkingClaims): Promise<LtiSession> {
    const user = await this.repo.upsertUser({ issuer: platform.issuer, subject: claims.sub, name: displayName(claims), email: claims.email ?? null });
    const ctx = claims[CLAIM.context];
    const context = await this.repo.upsertContext({
      platformId: platform.id,
      contextId: ctx.id,
      title: (ctx.title ?? ctx.label ?? ctx.id).slice(0, 200),
      membershipsUrl: claims[CLAIM.nrps]?.context_memberships_url ?? null,
      lineItemsUrl: claims[CLAIM.ags]?.lineitems ?? null,
    });
    const roles = claims[CLAIM.roles];
    const role = mapRoles(roles);
    await this.repo.upsertMember(context.id, user.id, roles, role, new Date(this.now()));
    return this.linkToCourse({ user, context, role, accountId: user.accountId });
  }

  /** Creates or finds the person's account and the course through the bridge, and the membership between them. */
  private async linkToCourse(session: LtiSession): Promise<LtiSession> {
    let { user, context } = session;
    const accountId = user.accountId ?? (await this.bridge.accountFor(user, session.role));
    if (accountId && !user.accountId) {
      await this.repo.linkAccount(user.id, accountId);
      user = { ...user, accountId };
    }
    if (!context.courseId) {
      // Only an instructor's launch makes the course (a TA or student who comes first waits for it).
      const courseId = await this.bridge.courseFor(context, session.role === 'instructor' ? accountId : null);
      if (courseId) {
        await this.repo.setContextCourse(context.id, courseId);
        context = { ...context, courseId };
        // People who launched before the course existed (students) join it now.
        for (const m of await this.repo.listMembers(context.id)) {
          if (m.user.accountId && m.status === 'active') await this.bridge.setMembership(courseId, m.user.accountId, m.role, false);
        }
      }
    }
    if (context.courseId && accountId) await this.bridge.setMembership(context.courseId, accountId, session.role, false);
    return { ...session, user, context, accountId };
  }

  private async recordResourceLink(platform: LtiPlatformDTO, claims: ResourceLinkClaims, context: LtiContextDTO) {
    // The link's assignment (set by deep linking) counts only when it belongs to this LMS course's ConvLab course.
    const custom = claims[CLAIM.custom];
    const claimed = typeof custom?.convlab_assignment_id === 'string' ? custom.convlab_assignment_id : null;
    const assignmentId = claimed && (await this.assignment(context, claimed)) ? claimed : null;
    return this.repo.upsertResourceLink({
      platformId: platform.id,
      contextRowId: context.id,
      resourceLinkId: claims[CLAIM.resourceLink].id,
      assignmentId,
      lineItemUrl: claims[CLAIM.ags]?.lineitem ?? null,
    });
  }

  private async deepLinkingPicker(platform: LtiPlatformDTO, claims: DeepLinkingClaims, session: LtiSession) {
    if (session.role === 'student') {
      throw new LtiLaunchError('wrong_message_type', 'Only instructors can add ConvLab assignments to the course (this launch came from a student).', 'Deep linking is for instructors and course designers; students open the links they create.');
    }
    const dl = claims[CLAIM.deepLinkingSettings];
    const settings: DeepLinkSettings = {
      platformId: platform.id,
      deploymentId: claims[CLAIM.deploymentId],
      issuer: platform.issuer,
      clientId: platform.clientId,
      returnUrl: dl.deep_link_return_url,
      ...(dl.data !== undefined ? { data: dl.data } : {}),
      contextRowId: session.context.id,
      userId: session.user.id,
    };
    const assignments = session.context.courseId ? await this.bridge.assignments(session.context.courseId) : [];
    return { settings: await sealSettings(settings, this.secret), returnUrl: settings.returnUrl, assignments, session };
  }

  /**
   * The signed deep-linking response for the assignment the instructor picked; refuses settings that are forged,
   * stale, or not this person's, and assignments that are not in the course.
   */
  async deepLinkChoice(sealed: string, assignmentId: string, session: LtiSession | null, base: string): Promise<{ returnUrl: string; jwt: string }> {
    const settings = await openSettings(sealed, this.secret);
    if (!settings) throw new LtiLaunchError('unknown_state', 'This choice is older than 30 minutes or was not made on ConvLab’s page.', 'Open the assignment picker from the LMS again.');
    if (!session || session.user.id !== settings.userId || session.context.id !== settings.contextRowId) {
      throw new LtiLaunchError('state_mismatch', 'This browser is not signed in as the instructor who opened the picker.', 'Open the assignment picker from the LMS again (the browser must keep ConvLab’s cookies inside the LMS frame).');
    }
    const assignment = await this.assignment(session.context, assignmentId);
    if (!assignment) throw new LtiLaunchError('malformed', 'That assignment is not one of this course’s assignments.', 'Pick an assignment from the list.');
    return { returnUrl: settings.returnUrl, jwt: await deepLinkingResponse(this.keys, settings, assignment, `${base}${LTI_PATHS.launch}`) };
  }

  /** An assignment of the context's ConvLab course; undefined when it is not one of them. */
  async assignment(context: LtiContextDTO, assignmentId: string): Promise<LinkableAssignment | undefined> {
    if (!context.courseId) return undefined;
    return (await this.bridge.assignments(context.courseId)).find((a) => a.id === assignmentId);
  }

  /** The LMS person a request's LTI session cookie names; null when missing, forged or expired. */
  async sessionOf(cookieHeader: string | undefined): Promise<LtiSession | null> {
    const claims = verifySession(this.secret, parseCookies(cookieHeader).get(LTI_SESSION_COOKIE), this.now());
    if (!claims) return null;
    const [user, context] = await Promise.all([this.repo.findUser(claims.sub), this.repo.findContext(claims.sid)]);
    if (!user || !context) return null;
    const member = (await this.repo.listMembers(context.id)).find((m) => m.user.id === user.id);
    if (!member || member.status !== 'active') return null;
    return { user, context, role: member.role, accountId: user.accountId };
  }

  /** Syncs the course roster from the platform's NRPS: new people added, missing ones dropped, roles mapped. */
  async syncRoster(context: LtiContextDTO): Promise<RosterSyncResult> {
    const platform = await this.repo.findPlatform(context.platformId);
    if (!platform) throw new PlatformCallError('the platform is no longer registered');
    if (!context.membershipsUrl) throw new PlatformCallError('the LMS did not offer its roster service (NRPS) for this course');
    const members = await this.client.members(platform, context.membershipsUrl, SCOPES.nrps);
    const before = new Map((await this.repo.listMembers(context.id)).map((m) => [m.user.subject, m]));
    const at = new Date(this.now());
    const keep: string[] = [];
    let added = 0;
    let updated = 0;
    for (const m of members) {
      if (m.status && m.status !== 'Active') continue;
      const user = await this.repo.upsertUser({ issuer: platform.issuer, subject: m.user_id, name: displayName({ ...m, sub: m.user_id }), email: m.email ?? null });
      const role = mapRoles(m.roles);
      await this.repo.upsertMember(context.id, user.id, m.roles, role, at);
      keep.push(user.id);
      const old = before.get(m.user_id);
      if (!old || old.status === 'dropped') added++;
      else if (old.role !== role) updated++;
      await this.linkToCourse({ user, context, role, accountId: user.accountId });
    }
    const dropped = await this.repo.dropMembersExcept(context.id, keep, at);
    if (context.courseId) {
      for (const id of dropped) {
        const user = await this.repo.findUser(id);
        if (user?.accountId) await this.bridge.setMembership(context.courseId, user.accountId, 'student', true);
      }
    }
    return { added, updated, dropped: dropped.length };
  }

  /**
   * Publishes released grades of an assignment to every LMS line item linked to it: one pending score per LMS person,
   * sent (and retried) by the ScorePublisher. `grades` are by ConvLab account id.
   */
  async publishGrades(assignmentId: string, grades: { accountId: string; score: number; maxPoints: number }[]): Promise<LtiScoreDTO[]> {
    const queued: LtiScoreDTO[] = [];
    for (const link of await this.repo.resourceLinksOfAssignment(assignmentId)) {
      const current = (await this.repo.listMembers(link.contextRowId)).filter((m) => m.status === 'active' && m.role === 'student' && m.user.accountId);
      const people = new Map(current.map((m) => [m.user.accountId!, m.user]));
      for (const grade of grades) {
        const user = people.get(grade.accountId);
        if (!user) continue;
        queued.push(
          await this.scores.queue({
            platformId: link.platformId,
            lineItemUrl: link.lineItemUrl!,
            userId: user.id,
            assignmentId,
            scoreGiven: grade.score,
            scoreMaximum: grade.maxPoints,
            activityProgress: 'Completed',
            gradingProgress: 'FullyGraded',
            timestamp: new Date(this.now()),
          }),
        );
      }
    }
    return queued;
  }

  /** An assignment's grade passback as its gradebook shows it (nothing when no LMS line item is linked to it). */
  async assignmentGrades(assignmentId: string): Promise<LmsGradesResponse> {
    const linked = (await this.repo.resourceLinksOfAssignment(assignmentId)).length > 0;
    return { linked, grades: linked ? await this.scoreViews(await this.repo.scoresOfAssignment(assignmentId)) : [] };
  }

  /** Scores with their LMS person's name and ConvLab account, and the label the gradebook shows. */
  async scoreViews(scores: LtiScoreDTO[]): Promise<LtiScoreView[]> {
    const users = new Map((await this.repo.findUsers([...new Set(scores.map((s) => s.userId))])).map((u) => [u.id, u]));
    return scores.map((s) => {
      const user = users.get(s.userId);
      const { id, userId, scoreGiven, scoreMaximum, status, attempts, lastError, updatedAt } = s;
      return { id, userId, name: user?.name ?? userId, scoreGiven, scoreMaximum, status, attempts, lastError, label: scoreLabel(s), accountId: user?.accountId ?? null, updatedAt };
    });
  }
}

/**
 * A cookie the LMS frame can carry: SameSite=None (which needs Secure; browsers accept Secure cookies from
 * http://localhost too) and Partitioned (CHIPS): kept per LMS site, so browsers that block other third-party cookies
 * (private windows, Safari, Firefox) still keep it inside the LMS's frame.
 */
export function crossSiteCookie(name: string, value: string, maxAgeMs: number, path: string): string {
  return `${name}=${value}; Path=${path}; HttpOnly; SameSite=None; Secure; Partitioned; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

function originOf(url: string): string | null {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}
