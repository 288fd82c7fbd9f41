/** The LTI 1.3 / Advantage claims ConvLab reads and writes, and the mapping of LTI roles to ConvLab's. */
import { z } from 'zod';
import type { LtiRole } from '../db';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  custom: `${LTI}custom`,
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkingData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
} as const;

export const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const SCOPES = {
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

const Context = z.object({ id: z.string().min(1), title: z.string().optional(), label: z.string().optional() });

/** The claims every launch must carry (after the JWT's own: iss, aud, exp, iat, nonce, sub). */
const Common = z.object({
  sub: z.string().min(1).max(255),
  nonce: z.string().min(1),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  [CLAIM.messageType]: z.enum(MESSAGE_TYPES),
  [CLAIM.version]: z.string(),
  [CLAIM.deploymentId]: z.string().min(1),
  [CLAIM.roles]: z.array(z.string()),
  [CLAIM.context]: Context,
  [CLAIM.custom]: z.record(z.string(), z.unknown()).optional(),
  [CLAIM.ags]: z.object({ scope: z.array(z.string()).optional(), lineitems: z.string().optional(), lineitem: z.string().optional() }).optional(),
  [CLAIM.nrps]: z.object({ context_memberships_url: z.string() }).optional(),
});

export const ResourceLinkClaims = Common.extend({
  [CLAIM.targetLinkUri]: z.string().min(1),
  [CLAIM.resourceLink]: z.object({ id: z.string().min(1), title: z.string().optional() }),
});
export type ResourceLinkClaims = z.infer<typeof ResourceLinkClaims>;

export const DeepLinkingClaims = Common.extend({
  [CLAIM.deepLinkingSettings]: z.object({
    deep_link_return_url: z.string().min(1),
    accept_types: z.array(z.string()),
    data: z.string().optional(),
  }),
});
export type DeepLinkingClaims = z.infer<typeof DeepLinkingClaims>;

/** ConvLab's role for a member with these LTI roles: instructor (also administrators), TA, or student. */
export function mapRoles(roles: readonly string[]): LtiRole {
  const has = (name: string) => roles.some((r) => r === name || r.endsWith(`#${name}`) || r.endsWith(`/${name}`));
  if (roles.some((r) => r.includes('#TeachingAssistant') || r.endsWith('/TeachingAssistant'))) return 'ta';
  if (has('Instructor') || has('Administrator') || has('ContentDeveloper')) return 'instructor';
  return 'student';
}

/** The person's display name from whichever name claims the platform sent. */
export function displayName(claims: { name?: string; given_name?: string; family_name?: string; sub: string }): string {
  const joined = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  return (claims.name || joined || `LMS user ${claims.sub}`).slice(0, 100);
}
