import { describe, expect, it } from 'vitest';
import { describeError, humanizeError } from './error-messages';

describe('error wording', () => {
  it('uses our sentence where it helps more than the server one', () => {
    expect(humanizeError('INVALID_CREDENTIALS', 'invalid email or password')).toBe('That email and password do not match an account.');
    expect(humanizeError('PROTOCOL_MISMATCH', 'client speaks 0, server 1')).toMatch(/Reload the page/);
  });

  it("otherwise keeps the server's specific message, as a sentence", () => {
    expect(humanizeError('BAD_REQUEST', 'a password has at least 8 characters')).toBe('A password has at least 8 characters.');
    expect(humanizeError('RATE_LIMITED', 'too many wrong codes; try again in 5 s')).toBe('Too many wrong codes; try again in 5 s.');
    expect(humanizeError('NOT_FOUND', 'No such session!')).toBe('No such session!');
  });

  it('falls back on the code, then on the HTTP status', () => {
    expect(humanizeError('SESSION_ENDED', '')).toBe('This session has ended.');
    expect(describeError('HTTP_502', 502)).toMatch(/server/);
    expect(describeError('WHATEVER')).toBe('Something went wrong. Try again.');
  });
});
