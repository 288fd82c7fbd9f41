import { describe, expect, it } from 'vitest';
import { JOIN_CODE_ALPHABET, JoinCodeSchema, generateJoinCode, isJoinCode, normalizeJoinCode } from './join-code';

describe('join codes', () => {
  it('uses an alphabet without look-alike characters', () => {
    for (const c of '01OIL') expect(JOIN_CODE_ALPHABET).not.toContain(c);
    expect(new Set(JOIN_CODE_ALPHABET).size).toBe(JOIN_CODE_ALPHABET.length);
  });

  it('generates well-formed, varied codes', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateJoinCode();
      expect(code).toHaveLength(6);
      expect(isJoinCode(code)).toBe(true);
      codes.add(code);
    }
    expect(codes.size).toBeGreaterThan(1990);
  });

  it('spreads symbols evenly (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const n = 31_000;
    for (let i = 0; i < n / 6; i++) for (const c of generateJoinCode()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(JOIN_CODE_ALPHABET.length);
    const expected = (Math.floor(n / 6) * 6) / JOIN_CODE_ALPHABET.length;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.25);
  });

  it('skips bytes past the largest multiple of the alphabet size', () => {
    // 248..255 are rejected (248 = 8 * 31); 0 and 30 map to the first and last symbols.
    const bytes = [255, 250, 248, 0, 30, 31, 62, 1, 2];
    const code = generateJoinCode((buf) => {
      buf.fill(0);
      bytes.forEach((b, i) => (buf[i] = b));
      return buf;
    });
    expect(code).toBe('A9AABC');
  });

  it('normalizes what people type', () => {
    expect(normalizeJoinCode(' ab3-k7q ')).toBe('AB3K7Q');
    expect(JoinCodeSchema.parse('ab3 k7q')).toBe('AB3K7Q');
    expect(JoinCodeSchema.safeParse('AB3K7').success).toBe(false);
    expect(JoinCodeSchema.safeParse('AB3K70').success).toBe(false); // 0 is not in the alphabet
    expect(JoinCodeSchema.safeParse(123456).success).toBe(false);
  });
});
