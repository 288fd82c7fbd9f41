/**
 * Deep Linking: the signed LtiDeepLinkingResponse that tells the platform which ConvLab assignment to link, with the
 * assignment's maximum points as the link's line item, and the short-lived token that carries a deep-linking
 * request's settings from the launch to the picker's answer (so nothing the browser posts can change them).
 */
import { SignJWT, jwtVerify } from 'jose';
import type { LtiKeys } from './keys';
import { CLAIM } from './claims';

/** What a picker needs to answer a deep-linking request; signed with the server secret while the instructor picks. */
export interface DeepLinkSettings {
  platformId: string;
  deploymentId: string;
  /** The platform's issuer and ConvLab's client id there (the response's aud and iss). */
  issuer: string;
  clientId: string;
  returnUrl: string;
  /** Opaque data the platform asked to get back. */
  data?: string;
  contextRowId: string;
  userId: string;
}

/** An assignment offered as a link. */
export interface LinkableAssignment {
  id: string;
  title: string;
  maxPoints: number;
}

/** How long an instructor may take to pick. */
const PICK_TTL_S = 30 * 60;
const SETTINGS_AUDIENCE = 'convlab:lti-deep-link';

function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Seals the settings for the picker page. */
export async function sealSettings(settings: DeepLinkSettings, secret: string): Promise<string> {
  return new SignJWT({ ...settings }).setProtectedHeader({ alg: 'HS256' }).setAudience(SETTINGS_AUDIENCE).setIssuedAt().setExpirationTime(`${PICK_TTL_S}s`).sign(secretKey(secret));
}

/** The settings a picker page was given; null when forged or older than half an hour. */
export async function openSettings(token: string, secret: string): Promise<DeepLinkSettings | null> {
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), { audience: SETTINGS_AUDIENCE, algorithms: ['HS256'] });
    return payload as unknown as DeepLinkSettings;
  } catch {
    return null;
  }
}

/** The signed LtiDeepLinkingResponse linking `assignment` (launching at `launchUrl`) for the platform to post back. */
export async function deepLinkingResponse(keys: LtiKeys, settings: DeepLinkSettings, assignment: LinkableAssignment, launchUrl: string): Promise<string> {
  return keys.sign({
    iss: settings.clientId,
    aud: settings.issuer,
    nonce: crypto.randomUUID(),
    [CLAIM.deploymentId]: settings.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    ...(settings.data !== undefined ? { [CLAIM.deepLinkingData]: settings.data } : {}),
    [CLAIM.contentItems]: [
      {
        type: 'ltiResourceLink',
        title: assignment.title,
        url: launchUrl,
        custom: { convlab_assignment_id: assignment.id },
        lineItem: { scoreMaximum: assignment.maxPoints, label: assignment.title, resourceId: assignment.id },
      },
    ],
  });
}
