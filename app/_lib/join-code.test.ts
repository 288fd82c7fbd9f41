import { describe, expect, it } from 'vitest';
import { displayNameProblem, joinCodeProblem, normalizeJoinCode } from './join-code';

describe('what students type', () => {
  it('normalizes codes typed off a projector', () => {
    expect(normalizeJoinCode('k7q 3px')).toBe('K7Q3PX');
    expect(normalizeJoinCode('k7q-3px')).toBe('K7Q3PX');
  });

  it('explains a malformed code in words', () => {
    expect(joinCodeProblem('')).toMatch(/Enter the 6-character code/);
    expect(joinCodeProblem('ABCD')).toBe('A join code has 6 characters; you typed 4.');
    expect(joinCodeProblem('ABCDE0')).toMatch(/never contain 0/);
    expect(joinCodeProblem('K7Q3PX')).toBeNull();
  });

  it('checks display names like the server (1–40 characters after normalizing)', () => {
    expect(displayNameProblem('   ')).toMatch(/Enter a name/);
    expect(displayNameProblem('\u200b')).toMatch(/Enter a name/);
    expect(displayNameProblem('a'.repeat(40))).toBeNull();
    expect(displayNameProblem(`  ${'a'.repeat(40)}  `)).toBeNull();
    expect(displayNameProblem('a'.repeat(41))).toMatch(/40 characters/);
  });
});
