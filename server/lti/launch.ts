/**
 * Validation of an LTI 1.3 launch (the id_token the platform posts after the OIDC login): the signature against the
 * platform's JWKS, issuer, audience (and azp), exp/iat within a small clock skew, the nonce and state of a login that
 * started here and is used once, the deployment, message type and LTI version, and the claims the message needs.
 * Every refusal is an LtiLaunchError that says in words what was wrong and what the LMS admin should check.
 */
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import type { z } from 'zod';
import type { LtiPlatformDTO, LtiRepository } from '../db';
import { CLAIM, DeepLinkingClaims, MESSAGE_TYPES, ResourceLinkClaims } from './claims';

/** Allowed difference between the platform's clock and ours. */
export const CLOCK_SKEW_S = 60;
/** How long a login initiation may wait for its launch. */
export const LOGIN_TTL_MS = 10 * 60_000;

export type LaunchRefusal =
  | 'malformed'
  | 'unknown_platform'
  | 'wrong_audience'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'issued_in_future'
  | 'jwks_unreachable'
  | 'missing_claims'
  | 'wrong_message_type'
  | 'wrong_version'
  | 'unknown_deployment'
  | 'unknown_state'
  | 'state_mismatch'
  | 'nonce_reused';

/** A refused launch: `title` and `detail` say what was wrong, `hint` what the LMS admin should check. */
export class LtiLaunchError extends Error {
  constructor(
    readonly reason: LaunchRefusal,
    readonly title: string,
    readonly hint: string,
  ) {
    super(title);
  }
}

export type ValidatedLaunch =
  | { platform: LtiPlatformDTO; messageType: 'LtiResourceLinkRequest'; claims: ResourceLinkClaims }
  | { platform: LtiPlatformDTO; messageType: 'LtiDeepLinkingRequest'; claims: DeepLinkingClaims };

const ADMIN_CHECK_REGISTRATION = 'Check that the issuer and client id registered in ConvLab match the LMS’s tool configuration.';

/** Validates launches; keeps one cached remote JWKS per platform key URL. */
export class LaunchValidator {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(
    private readonly repo: LtiRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Validates the posted `idToken` and `state`; `stateCookie` is the state this browser started the login with.
   * Marks the login used, so the same token and state never launch twice.
   */
  async validate(form: { idToken?: string; state?: string }, stateCookie: string | undefined): Promise<ValidatedLaunch> {
    const { idToken, state } = form;
    if (!idToken || !state) {
      throw new LtiLaunchError('malformed', 'The launch carried no id_token or no state.', 'The LMS must post both `id_token` and `state` to ConvLab’s redirect URI after the login initiation.');
    }
    const platform = await this.platformOf(idToken);
    const payload = await this.verify(idToken, platform);
    const message = parseClaims(payload);
    const deploymentId = message.claims[CLAIM.deploymentId];
    if (!platform.deploymentIds.includes(deploymentId)) {
      throw new LtiLaunchError(
        'unknown_deployment',
        `The deployment “${deploymentId}” is not registered for ${platform.name}.`,
        'Add this deployment id to the platform’s registration in ConvLab (LTI platforms), or launch from the registered deployment.',
      );
    }
    await this.useLogin(state, stateCookie, platform, message.claims.nonce);
    return { platform, ...message };
  }

  /** The registered platform the token claims to come from (issuer, and a client id among its audiences). */
  private async platformOf(idToken: string): Promise<LtiPlatformDTO> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(idToken);
    } catch {
      throw new LtiLaunchError('malformed', 'The id_token is not a JSON Web Token.', 'The LMS must post a signed JWT as `id_token`.');
    }
    if (typeof unverified.iss !== 'string') throw new LtiLaunchError('missing_claims', 'The id_token has no issuer (iss).', ADMIN_CHECK_REGISTRATION);
    const platforms = await this.repo.findPlatforms(unverified.iss);
    if (platforms.length === 0) {
      throw new LtiLaunchError('unknown_platform', `No LMS platform with the issuer “${unverified.iss}” is registered in ConvLab.`, 'Register the platform in ConvLab (LTI platforms) with exactly this issuer.');
    }
    const audiences = typeof unverified.aud === 'string' ? [unverified.aud] : Array.isArray(unverified.aud) ? unverified.aud : [];
    const platform = platforms.find((p) => audiences.includes(p.clientId));
    if (!platform) {
      throw new LtiLaunchError('wrong_audience', `The id_token is addressed to “${audiences.join(', ')}”, not to ConvLab’s client id at this platform.`, ADMIN_CHECK_REGISTRATION);
    }
    if (audiences.length > 1 && unverified.azp !== platform.clientId) {
      throw new LtiLaunchError('wrong_audience', 'The id_token has several audiences but its authorized party (azp) is not ConvLab’s client id.', ADMIN_CHECK_REGISTRATION);
    }
    return platform;
  }

  private async verify(idToken: string, platform: LtiPlatformDTO): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(idToken, this.keySet(platform.jwksUrl), {
        issuer: platform.issuer,
        audience: platform.clientId,
        algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'],
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat', 'nonce', 'sub'],
      });
      if (typeof payload.iat === 'number' && payload.iat > this.now() / 1000 + CLOCK_SKEW_S) {
        throw new LtiLaunchError('issued_in_future', 'The id_token was issued in the future.', 'The LMS server’s clock is ahead of ConvLab’s by more than a minute: check both clocks (NTP).');
      }
      return payload;
    } catch (error) {
      throw describeVerifyError(error, platform);
    }
  }

  private keySet(url: string): ReturnType<typeof createRemoteJWKSet> {
    let set = this.keySets.get(url);
    if (!set) this.keySets.set(url, (set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 5000 })));
    return set;
  }

  private async useLogin(state: string, stateCookie: string | undefined, platform: LtiPlatformDTO, nonce: string): Promise<void> {
    const login = await this.repo.findLogin(state);
    if (!login || login.expiresAt.getTime() < this.now()) {
      throw new LtiLaunchError(
        'unknown_state',
        'This launch did not start with a login at ConvLab, or took longer than 10 minutes.',
        'Launch again from the LMS. The LMS must send its login initiation to ConvLab’s login URL first and post the id_token to ConvLab’s redirect URI with the state it got.',
      );
    }
    if (login.platformId !== platform.id || login.nonce !== nonce) {
      throw new LtiLaunchError('state_mismatch', 'The id_token does not belong to the login this state started (its platform or nonce differs).', 'Launch again from the LMS; the LMS must return the nonce ConvLab sent in the authentication request.');
    }
    if (login.usedAt) {
      throw new LtiLaunchError('nonce_reused', 'This launch was used already (its nonce was seen before): a launch works once.', 'Launch again from the LMS. If this keeps happening, the LMS or a proxy is posting the same launch twice.');
    }
    if (stateCookie !== state) {
      throw new LtiLaunchError(
        'state_mismatch',
        'This browser did not start this launch (its state cookie is missing or different).',
        'The browser may block third-party cookies inside the LMS frame: allow cookies for ConvLab, or open the link in a new window.',
      );
    }
    if (!(await this.repo.useLogin(state, new Date(this.now())))) {
      throw new LtiLaunchError('nonce_reused', 'This launch was used already (its nonce was seen before): a launch works once.', 'Launch again from the LMS.');
    }
  }
}

type Message = { messageType: 'LtiResourceLinkRequest'; claims: ResourceLinkClaims } | { messageType: 'LtiDeepLinkingRequest'; claims: DeepLinkingClaims };

function parseClaims(payload: JWTPayload): Message {
  const type = payload[CLAIM.messageType];
  if (typeof type === 'string' && !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new LtiLaunchError('wrong_message_type', `ConvLab does not handle the LTI message type “${type}”.`, `Place ConvLab as a resource link or use its deep-linking URL; it handles ${MESSAGE_TYPES.join(' and ')}.`);
  }
  const version = payload[CLAIM.version];
  if (version !== undefined && version !== '1.3.0') {
    throw new LtiLaunchError('wrong_version', `The launch says LTI version “${String(version)}”; ConvLab speaks LTI 1.3.0.`, 'Configure the tool in the LMS as an LTI 1.3 (Advantage) tool.');
  }
  if (type === 'LtiDeepLinkingRequest') return { messageType: type, claims: parseWith(DeepLinkingClaims, payload) };
  return { messageType: 'LtiResourceLinkRequest', claims: parseWith(ResourceLinkClaims, payload) };
}

function parseWith<S extends z.ZodType>(schema: S, payload: JWTPayload): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const missing = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))].map(shortClaim);
  throw new LtiLaunchError('missing_claims', `The launch lacks required claims or has them malformed: ${missing.join(', ')}.`, 'The LMS must send every claim LTI 1.3 requires for this message; check the tool’s placement and privacy settings.');
}

/** `https://purl.imsglobal.org/spec/lti/claim/deployment_id` → `deployment_id`. */
function shortClaim(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1) || name;
}

function describeVerifyError(error: unknown, platform: LtiPlatformDTO): unknown {
  if (error instanceof LtiLaunchError) return error;
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new LtiLaunchError('unknown_kid', `The id_token was signed with a key (kid) that ${platform.name}’s JWKS does not list.`, `Check the platform’s JWKS URL in ConvLab (${platform.jwksUrl}) and that the LMS publishes its current key there.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new LtiLaunchError('bad_signature', 'The id_token’s signature does not verify with the platform’s published key.', `Check that ${platform.jwksUrl} is this LMS’s JWKS URL; a token signed by anything else is refused.`);
  }
  if (error instanceof errors.JWTExpired) {
    return new LtiLaunchError('expired', 'The id_token has expired.', 'Launch again from the LMS. If fresh launches expire too, the LMS’s and ConvLab’s clocks differ by more than a minute (check NTP).');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new LtiLaunchError('wrong_audience', 'The id_token is not addressed to ConvLab’s client id.', ADMIN_CHECK_REGISTRATION);
    if (error.claim === 'iss') return new LtiLaunchError('unknown_platform', 'The id_token’s issuer does not match the registered platform.', ADMIN_CHECK_REGISTRATION);
    if (error.reason === 'missing') return new LtiLaunchError('missing_claims', `The id_token lacks the required claim “${error.claim}”.`, 'The LMS must send every claim LTI 1.3 requires.');
    if (error.claim === 'iat' || error.claim === 'nbf') {
      return new LtiLaunchError('issued_in_future', 'The id_token is not valid yet (issued in the future).', 'The LMS’s clock is ahead of ConvLab’s by more than a minute: check both clocks (NTP).');
    }
    return new LtiLaunchError('missing_claims', `The id_token’s claim “${error.claim}” is invalid: ${error.message}.`, 'The LMS must send every claim LTI 1.3 requires.');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')) {
    return new LtiLaunchError('jwks_unreachable', `ConvLab could not read ${platform.name}’s keys from ${platform.jwksUrl}.`, 'Check the platform’s JWKS URL in ConvLab and that ConvLab’s server can reach it.');
  }
  if (error instanceof errors.JOSEError) {
    return new LtiLaunchError('bad_signature', `The id_token could not be verified (${error.code}).`, `Check the platform’s JWKS URL (${platform.jwksUrl}) and signing algorithm (RS256).`);
  }
  // A network failure fetching the JWKS surfaces as a TypeError from fetch.
  if (error instanceof TypeError) {
    return new LtiLaunchError('jwks_unreachable', `ConvLab could not reach ${platform.name}’s JWKS URL (${platform.jwksUrl}).`, 'Check the platform’s JWKS URL in ConvLab and that ConvLab’s server can reach it.');
  }
  return error;
}
