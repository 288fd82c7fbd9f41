/** LTI 1.3 (issue 13): the tool's URLs, platform registration, roster sync and grade passback over the JSON API. */
import { z } from 'zod';

/** Paths of ConvLab's LTI endpoints (pages the LMS talks to) and of its LTI admin API. */
export const LTI_PATHS = {
  /** GET or POST: OIDC third-party login initiation (the LMS's first request). */
  login: '/lti/login',
  /** POST (form): the id_token of a resource-link or deep-linking launch. */
  launch: '/lti/launch',
  /** GET: ConvLab's public keys (JWKS). */
  jwks: '/lti/jwks',
  /** POST (form, from the deep-linking picker): the chosen assignment, answered with the signed response. */
  deepLinkReturn: '/lti/deep-link/return',
  /** Where a launch lands when nothing else is linked yet (the resource link's page). */
  home: '/lti/home',
  /** GET/POST (signed-in instructor): registered platforms / register one. */
  platforms: '/api/lti/platforms',
  /** POST (admin): rotate ConvLab's signing key (the old one stays published until its tokens expire). */
  rotateKey: '/api/lti/keys/rotate',
  /** GET: the values an LMS admin enters for ConvLab (login URL, redirect URIs, JWKS URL, deep-linking URL). */
  toolConfig: '/api/lti/tool',
  /** POST (form from the LTI page, the course's staff, same origin): sync the roster from the platform's NRPS. */
  rosterSync: '/lti/roster/sync',
  /** POST (form from the LTI page, the course's staff, same origin): publish one stored score again ("send again"). */
  resendScore: (scoreId: string) => `/lti/scores/${encodeURIComponent(scoreId)}/resend`,
  /** GET (the course's staff): an assignment's grade passback per student, for its gradebook. */
  assignmentGrades: (assignmentId: string) => `/api/assignments/${encodeURIComponent(assignmentId)}/lms-grades`,
  /** POST (the course's staff, ResendLmsGradeBody): "send again" from the gradebook. */
  resendAssignmentGrade: (assignmentId: string, scoreId: string) => `/api/assignments/${encodeURIComponent(assignmentId)}/lms-grades/${encodeURIComponent(scoreId)}/resend`,
} as const;

/** LMS people's ConvLab accounts carry no real e-mail (LTI never matches by it): an address under this reserved domain. */
export const LTI_ACCOUNT_EMAIL_DOMAIN = 'lti.invalid';

/** An account's e-mail as pages show it: an LMS person's reserved address reads "signs in from the LMS". */
export function shownEmail(email: string): string {
  return email.endsWith(`@${LTI_ACCOUNT_EMAIL_DOMAIN}`) ? 'signs in from the LMS' : email;
}

const HttpsOrHttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000);

export const RegisterPlatformBodySchema = z.strictObject({
  name: z.string().trim().min(1, 'a name is required').max(100),
  issuer: z.string().trim().min(1, 'the issuer is required').max(500),
  clientId: z.string().trim().min(1, 'the client id is required').max(500),
  authLoginUrl: HttpsOrHttpUrl,
  jwksUrl: HttpsOrHttpUrl,
  accessTokenUrl: HttpsOrHttpUrl,
  deploymentIds: z.array(z.string().trim().min(1).max(255)).min(1, 'at least one deployment id').max(50),
});
export type RegisterPlatformBody = z.input<typeof RegisterPlatformBodySchema>;

export const LtiPlatformSchema = z.object({
  id: z.string(),
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  authLoginUrl: z.string(),
  jwksUrl: z.string(),
  accessTokenUrl: z.string(),
  deploymentIds: z.array(z.string()),
  createdAt: z.string(),
});
export type LtiPlatform = z.infer<typeof LtiPlatformSchema>;

/** What the LMS admin enters when adding ConvLab as a tool. */
export const LtiToolConfigSchema = z.object({
  loginInitiationUrl: z.string(),
  redirectUris: z.array(z.string()),
  targetLinkUri: z.string(),
  jwksUrl: z.string(),
  deepLinkingUrl: z.string(),
});
export type LtiToolConfig = z.infer<typeof LtiToolConfigSchema>;

export const LtiPlatformsResponseSchema = z.object({ platforms: z.array(LtiPlatformSchema), tool: LtiToolConfigSchema });
export type LtiPlatformsResponse = z.infer<typeof LtiPlatformsResponseSchema>;

export const LtiScoreStatusSchema = z.enum(['pending', 'sent', 'failed']);
/** A student's grade passback as the gradebook shows it: "sent", "pending", or "failed: reason". */
export const LtiScoreViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  scoreGiven: z.number(),
  scoreMaximum: z.number(),
  status: LtiScoreStatusSchema,
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  /** "sent", "pending" or "failed: <reason>". */
  label: z.string(),
  /** The student's ConvLab account (null: the LMS person has none yet). */
  accountId: z.string().nullable(),
  /** The version "send again" acts on (a retried request finds it changed and sends nothing twice). */
  updatedAt: z.string(),
});
export type LtiScoreView = z.infer<typeof LtiScoreViewSchema>;

/** An assignment's grade passback: `linked` when an LMS line item is linked to it; one entry per student sent to it. */
export const LmsGradesResponseSchema = z.object({ linked: z.boolean(), grades: z.array(LtiScoreViewSchema) });
export type LmsGradesResponse = z.infer<typeof LmsGradesResponseSchema>;

export const ResendLmsGradeBodySchema = z.strictObject({ seenUpdatedAt: z.iso.datetime({ error: 'seenUpdatedAt must be the time the gradebook showed' }) });
export type ResendLmsGradeBody = z.infer<typeof ResendLmsGradeBodySchema>;

export const RosterSyncResultSchema = z.object({ added: z.number().int(), updated: z.number().int(), dropped: z.number().int() });
export type RosterSyncResult = z.infer<typeof RosterSyncResultSchema>;
