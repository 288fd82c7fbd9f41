/**
 * Accounts: sign-up and sign-in with scrypt hashes, for instructors and students alike, and account creation without
 * a password (roster imports, LMS launches: `createAccount` with `password: null`).
 */
import { EmailTakenError } from '@convlab/classroom';
import { ProtocolError, type AccountRole } from '@convlab/protocol';
import type { AccountRecord, AccountRepository } from '../db';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';

/**
 * Creates an account; EMAIL_TAKEN when the e-mail is in use. `password: null` makes one that cannot sign in with a
 * password until one is set (a set-password link) — what an LMS launch or a roster import needs.
 */
export async function createAccount(
  accounts: AccountRepository,
  input: { email: string; name: string; role: AccountRole; password: string | null },
  adminEmail?: string,
): Promise<AccountRecord> {
  const passwordHash = input.password === null ? null : await hashPassword(input.password);
  try {
    return await accounts.create({ email: input.email, name: input.name, role: input.role, passwordHash, adminEmail });
  } catch (err) {
    if (err instanceof EmailTakenError || (err as Error)?.name === 'EmailTakenError') {
      throw new ProtocolError('EMAIL_TAKEN', 'an account with this email already exists');
    }
    throw err;
  }
}

/** Checks credentials; null when the email is unknown, has no password or the password is wrong (same timing). */
export async function signIn(accounts: AccountRepository, email: string, password: string): Promise<AccountRecord | null> {
  const found = await accounts.findByEmailWithHash(email);
  const valid = await verifyPassword(password, found?.passwordHash ?? (await dummyPasswordHash()));
  return found?.passwordHash && valid ? found.account : null;
}
