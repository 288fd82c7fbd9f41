/** Instructor accounts: sign-up and sign-in on top of the store, with scrypt hashes. */
import { EmailTakenError, type ClassroomStore, type InstructorDTO } from '@convlab/classroom';
import { ProtocolError } from '@convlab/protocol';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';

/** Creates an instructor account; EMAIL_TAKEN when the email is in use. */
export async function signUp(store: ClassroomStore, input: { email: string; password: string; name: string }): Promise<InstructorDTO> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await store.createInstructor({ email: input.email, name: input.name, passwordHash });
  } catch (err) {
    if (err instanceof EmailTakenError || (err as Error)?.name === 'EmailTakenError') {
      throw new ProtocolError('EMAIL_TAKEN', 'an account with this email already exists');
    }
    throw err;
  }
}

/** Checks credentials; null when the email is unknown or the password wrong (indistinguishable by timing). */
export async function signIn(store: ClassroomStore, email: string, password: string): Promise<InstructorDTO | null> {
  const found = await store.findInstructorByEmail(email);
  const valid = await verifyPassword(password, found?.passwordHash ?? (await dummyPasswordHash()));
  if (!found || !valid) return null;
  const { passwordHash: _hash, ...instructor } = found;
  return instructor;
}
