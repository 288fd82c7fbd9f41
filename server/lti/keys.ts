/**
 * ConvLab's own LTI signing keys (RS256): the newest unretired key signs client assertions and deep-linking responses;
 * all published keys form the JWKS at /lti/jwks. Rotating adds a key and retires the others, which stay published
 * until every token they signed has expired, so platforms never meet a token whose key they cannot fetch.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { LtiKeyRow, LtiRepository } from '../db';

/** Lifetime of every token ConvLab signs (client assertions, deep-linking responses). */
export const TOKEN_TTL_S = 300;
/** Added to a retired key's publishing time for platforms whose clocks run behind. */
const PUBLISH_MARGIN_S = 60;
/** How long a process keeps the current key in memory before looking for a newer one (another node's rotation). */
const CURRENT_KEY_CACHE_MS = 60_000;

const ALG = 'RS256';

interface SigningKey {
  kid: string;
  key: CryptoKey;
  loadedAt: number;
}

/** The key store; `now` is injectable for tests. */
export class LtiKeys {
  private current: SigningKey | undefined;
  private creating: Promise<SigningKey> | undefined;

  constructor(
    private readonly repo: LtiRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /** ConvLab's public keys (`{ keys }`), the signing key first. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.signingKey(); // a fresh install publishes its first key before any platform asks for a token
    const rows = await this.repo.publishedKeys(new Date(this.now()));
    return { keys: rows.map((r) => JSON.parse(r.publicJwk) as JWK) };
  }

  /** Signs `payload` as a JWT with the current key, issued now and expiring after TOKEN_TTL_S. */
  async sign(payload: JWTPayload): Promise<string> {
    const { kid, key } = await this.signingKey();
    const now = Math.floor(this.now() / 1000);
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, kid, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + TOKEN_TTL_S).setJti(randomUUID()).sign(key);
  }

  /** Adds a new signing key; older keys stay published until their last tokens expire. Returns the new kid. */
  async rotate(): Promise<string> {
    const key = await this.createKey();
    const now = this.now();
    await this.repo.retireKeysExcept(key.kid, new Date(now), new Date(now + (TOKEN_TTL_S + PUBLISH_MARGIN_S) * 1000));
    this.current = key;
    return key.kid;
  }

  private async signingKey(): Promise<SigningKey> {
    if (this.current && this.now() - this.current.loadedAt < CURRENT_KEY_CACHE_MS) return this.current;
    const newest = (await this.repo.publishedKeys(new Date(this.now()))).find((r) => r.retiredAt === null);
    if (newest) return (this.current = await loadKey(newest, this.now()));
    // One creation per process at a time; two nodes creating at once leave two valid keys, which is harmless.
    this.creating ??= this.createKey().finally(() => (this.creating = undefined));
    return (this.current = await this.creating);
  }

  private async createKey(): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
    await this.repo.addKey({ kid, publicJwk: JSON.stringify(publicJwk), privateJwk: JSON.stringify(privateJwk), createdAt: new Date(this.now()) });
    return { kid, key: privateKey, loadedAt: this.now() };
  }
}

async function loadKey(row: LtiKeyRow, now: number): Promise<SigningKey> {
  return { kid: row.kid, key: (await importJWK(JSON.parse(row.privateJwk) as JWK, ALG)) as CryptoKey, loadedAt: now };
}
