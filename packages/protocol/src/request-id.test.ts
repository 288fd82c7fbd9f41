import { webcrypto } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestIdSchema, newRequestId } from './request-id';
import { shownEmail } from './lti.schemas';

describe('request ids', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('are made without crypto.randomUUID, which pages outside secure contexts lack (plain http, an http LMS frame)', () => {
    vi.stubGlobal('crypto', { getRandomValues: <T extends ArrayBufferView>(a: T) => webcrypto.getRandomValues(a as never) as T });
    const ids = new Set(Array.from({ length: 100 }, () => newRequestId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(RequestIdSchema.safeParse(id).success, id).toBe(true);
  });
});

describe('shownEmail', () => {
  it("shows an LMS person's reserved address in words and any other address as it is", () => {
    expect(shownEmail('lti-abc123@lti.invalid')).toBe('signs in from the LMS');
    expect(shownEmail('ada@uni.example')).toBe('ada@uni.example');
  });
});
