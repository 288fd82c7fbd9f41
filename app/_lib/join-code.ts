/**
 * Forgiving checks for what students type. The rules (alphabet, lengths, normalisation) come from
 * `@convlab/protocol`; this file only turns a rule broken into a sentence a student can act on.
 */
import { DISPLAY_NAME_MAX, JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, isJoinCode, normalizeDisplayName, normalizeJoinCode } from '@convlab/protocol';

export { DISPLAY_NAME_MAX, JOIN_CODE_LENGTH, normalizeDisplayName, normalizeJoinCode };

/** Returns an error sentence for a normalized code, or null when it is well-formed. */
export function joinCodeProblem(code: string): string | null {
  if (code.length === 0) return `Enter the ${JOIN_CODE_LENGTH}-character code shown on the screen.`;
  if (code.length !== JOIN_CODE_LENGTH) return `A join code has ${JOIN_CODE_LENGTH} characters; you typed ${code.length}.`;
  if (!isJoinCode(code)) {
    const bad = [...new Set([...code].filter((c) => !JOIN_CODE_ALPHABET.includes(c)))].join(', ');
    return `Join codes never contain ${bad} (codes skip look-alikes such as 0/O and 1/I/L). Check the code on the screen.`;
  }
  return null;
}

/** Returns an error sentence for a display name, or null when it is acceptable. */
export function displayNameProblem(name: string): string | null {
  const normalized = normalizeDisplayName(name);
  if (normalized.length === 0) return 'Enter a name so your instructor knows who you are.';
  if (normalized.length > DISPLAY_NAME_MAX) return `Keep your name to ${DISPLAY_NAME_MAX} characters or fewer.`;
  return null;
}
