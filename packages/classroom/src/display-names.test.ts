import { describe, expect, it } from 'vitest';
import { uniqueDisplayName } from './display-names';

describe('uniqueDisplayName', () => {
  it('keeps a free name', () => {
    expect(uniqueDisplayName('Ana', ['Bo'])).toBe('Ana');
  });

  it('numbers repeated names, case-insensitively', () => {
    expect(uniqueDisplayName('Ana', ['ana'])).toBe('Ana (2)');
    expect(uniqueDisplayName('Ana', ['Ana', 'Ana (2)'])).toBe('Ana (3)');
    expect(uniqueDisplayName('Ana', ['Ana', 'Ana (3)'])).toBe('Ana (2)');
  });

  it('shortens the base so the result fits in 40 characters', () => {
    const long = 'x'.repeat(40);
    const result = uniqueDisplayName(long, [long]);
    expect(result).toBe(`${'x'.repeat(36)} (2)`);
    expect(result.length).toBe(40);
  });

  it('never splits an emoji', () => {
    const name = `${'a'.repeat(35)}😀😀😀`; // 38 code points
    const result = uniqueDisplayName(name, [name]);
    expect(Array.from(result)).toHaveLength(40);
    expect(result.endsWith('😀 (2)')).toBe(true);
  });
});
