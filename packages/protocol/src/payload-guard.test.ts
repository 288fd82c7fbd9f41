import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors';
import { guardPayload, jsonTextTooDeep } from './payload-guard';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return value;
};

describe('guardPayload', () => {
  it('passes ordinary payloads through, strings in NFC, binary untouched', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out = guardPayload({ name: 'Cafe\u0301', list: [1, 'x', null, true], image: bytes, nested: { ok: 'é' } });
    expect(out).toEqual({ name: 'Café', list: [1, 'x', null, true], image: bytes, nested: { ok: 'é' } });
    expect(out.image).toBe(bytes);
    expect(guardPayload('e\u0301')).toBe('é');
    expect(guardPayload(null)).toBeNull();
  });

  it('refuses a payload nested deeper than the limit, without overflowing the stack', () => {
    expect(() => guardPayload(nested(32))).not.toThrow();
    expect(() => guardPayload(nested(33))).toThrow(/deeper than 32/);
    const err = (() => {
      try {
        guardPayload(nested(200_000));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe('BAD_REQUEST');
  });

  it('refuses lone surrogates in values and keys, and too many values', () => {
    expect(() => guardPayload({ displayName: '\ud800' })).toThrow(/displayName contains a lone surrogate/);
    expect(() => guardPayload({ ['\udc00']: 1 })).toThrow(/lone surrogate/);
    expect(guardPayload({ ok: '😀' })).toEqual({ ok: '😀' });
    expect(() => guardPayload({ list: new Array(50).fill(0) }, { maxNodes: 20 })).toThrow(/more than 20 values/);
  });

  it('keeps a "__proto__" key a plain key', () => {
    const out = guardPayload(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('jsonTextTooDeep', () => {
  it('counts brackets outside strings', () => {
    expect(jsonTextTooDeep('['.repeat(32) + ']'.repeat(32))).toBe(false);
    expect(jsonTextTooDeep('['.repeat(33) + ']'.repeat(33))).toBe(true);
    expect(jsonTextTooDeep(JSON.stringify({ s: '['.repeat(100) + '\\"[' }))).toBe(false);
  });
});
