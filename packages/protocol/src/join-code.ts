import { z } from 'zod';

/**
 * Join-code alphabet: upper-case letters and digits without the look-alikes 0/O, 1/I/L.
 * 31 symbols, so a 6-character code has 31^6 ≈ 887 million values.
 */
export const JOIN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const JOIN_CODE_LENGTH = 6;

const JOIN_CODE_RE = new RegExp(`^[${JOIN_CODE_ALPHABET}]{${JOIN_CODE_LENGTH}}$`);

/**
 * Generates a join code with a cryptographically secure RNG (Web Crypto; works in Node and browsers); `length` other
 * than 6 makes codes of the same alphabet for other uses (a course's 8-character enrolment code).
 */
export function generateJoinCode(random: (bytes: Uint8Array) => Uint8Array = defaultRandom, length = JOIN_CODE_LENGTH): string {
  const n = JOIN_CODE_ALPHABET.length;
  // Rejection sampling: bytes >= limit would make the first symbols more likely than the rest.
  const limit = 256 - (256 % n);
  let code = '';
  while (code.length < length) {
    const bytes = random(new Uint8Array(16));
    for (const b of bytes) {
      if (b < limit) code += JOIN_CODE_ALPHABET[b % n];
      if (code.length === length) break;
    }
  }
  return code;
}

function defaultRandom(bytes: Uint8Array): Uint8Array {
  return globalThis.crypto.getRandomValues(bytes);
}

/** Upper-cases a typed code and drops spaces and dashes ("ab3-k7q" → "AB3K7Q"); does not validate. */
export function normalizeJoinCode(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

/** True when `code` is a well-formed (normalized) join code. */
export function isJoinCode(code: string): boolean {
  return JOIN_CODE_RE.test(code);
}

/** A join code as typed by a person: normalized, then checked against the alphabet. */
export const JoinCodeSchema = z
  .string()
  .max(32)
  .transform(normalizeJoinCode)
  .pipe(z.string().regex(JOIN_CODE_RE, `a join code is ${JOIN_CODE_LENGTH} characters from ${JOIN_CODE_ALPHABET}`));
