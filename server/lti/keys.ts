/**
 * ConvLab's own LTI signing keys (RS256): the newest unretired key signs client assertions and deep-linking responses;
 * all published keys form the JWKS at /lti/jwks. Rotating adds a key and retires the others, which stay published
 * until every token they signed has expired, so platforms never meet a token whose key they cannot fetch.
 * Private keys are stored encrypted (AES-256-GCM under a key derived from the server secret by HKDF-SHA256), so a
 * copy of the database alone cannot sign as ConvLab; rows from before that are sealed when first read.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { LtiKeyRow, LtiRepository } from '../db';

/** Lifetime of every token ConvLab signs (client assertions, deep-linking responses). */
export const TOKEN_TTL_S = 300;
/** Added to a retired key's publishing time for platforms whose clocks run behind. */
const PUBLISH_MARGIN_S = 60;
/** How long a process keeps the current key in memory before looking for a newer one (another node's rotation). */
const CURRENT_KEY_CACHE_MS = 60_000;

const ALG = 'RS256';

/** Sealed private JWKs: `v1.<iv>.<ciphertext>.<tag>` (base64url); plain JSON ones start with `{`. */
const SEALED_PREFIX = 'v1.';
const HKDF_INFO = 'convlab lti signing keys v1';

function sealingKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
}

/** Encrypts a private JWK for storage; the kid is authenticated with it (a sealed key cannot be moved to another row). */
export function sealPrivateJwk(plain: string, kid: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv).setAAD(Buffer.from(kid));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + [iv, data, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

/** Decrypts a stored private JWK (plain JSON is returned as is); throws when the secret or the row does not match. */
export function openPrivateJwk(stored: string, kid: string, secret: string): string {
  if (!stored.startsWith(SEALED_PREFIX)) return stored;
  const [iv, data, tag] = stored.slice(SEALED_PREFIX.length).split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !data || !tag) throw new Error(`the stored LTI key ${kid} is malformed`);
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), iv).setAAD(Buffer.from(kid)).setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
}

interface SigningKey {
  kid: string;
  key: CryptoKey;
  loadedAt: number;
}

/** The key store; `now` is injectable for tests. */
export class LtiKeys {
  private current: SigningKey | undefined;
  private creating: Promise<SigningKey> | undefined;
  private sealedOld: Promise<void> | undefined;

  constructor(
    private readonly repo: LtiRepository,
    private readonly secret: string,
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
    this.sealedOld ??= this.sealPlainKeys().catch((error: unknown) => {
      this.sealedOld = undefined; // tried again at the next signing
      throw error;
    });
    await this.sealedOld;
    const newest = (await this.repo.publishedKeys(new Date(this.now()))).find((r) => r.retiredAt === null);
    if (newest) {
      try {
        return (this.current = await this.loadKey(newest));
      } catch (error) {
        // Sealed under another secret (CONVLAB_SECRET changed): sign with a new key; platforms fetch it by its kid.
        console.error(`[lti] signing key ${newest.kid} cannot be decrypted with this server secret; rotating to a new key:`, error);
        await this.rotate();
        return this.current!;
      }
    }
    // One creation per process at a time; two nodes creating at once leave two valid keys, which is harmless.
    this.creating ??= this.createKey().finally(() => (this.creating = undefined));
    return (this.current = await this.creating);
  }

  private async createKey(): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
    const sealed = sealPrivateJwk(JSON.stringify(privateJwk), kid, this.secret);
    await this.repo.addKey({ kid, publicJwk: JSON.stringify(publicJwk), privateJwk: sealed, createdAt: new Date(this.now()) });
    return { kid, key: privateKey, loadedAt: this.now() };
  }

  private async loadKey(row: LtiKeyRow): Promise<SigningKey> {
    const jwk = JSON.parse(openPrivateJwk(row.privateJwk, row.kid, this.secret)) as JWK;
    return { kid: row.kid, key: (await importJWK(jwk, ALG)) as CryptoKey, loadedAt: this.now() };
  }

  /** Seals the private keys stored in plain JSON by earlier versions (once per process; other nodes may race: harmless). */
  private async sealPlainKeys(): Promise<void> {
    for (const row of await this.repo.plainKeys()) await this.repo.sealKey(row.kid, row.privateJwk, sealPrivateJwk(row.privateJwk, row.kid, this.secret));
  }
}
