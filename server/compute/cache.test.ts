import { describe, expect, it } from 'vitest';
import { ResultCache, approxBytes } from './cache';

describe('ResultCache', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const c = new ResultCache<string>({ maxEntries: 2, maxBytes: 1e6 });
    c.set('a', 'A');
    c.set('b', 'B');
    expect(c.get('a')).toBe('A'); // a is now the most recent
    c.set('c', 'C');
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('A');
    expect(c.get('c')).toBe('C');
    expect(c.stats()).toMatchObject({ entries: 2, hits: 3, misses: 1 });
  });

  it('bounds bytes, counting typed arrays by size, and skips values larger than the budget', () => {
    const c = new ResultCache<{ data: Float32Array }>({ maxEntries: 100, maxBytes: 1000 });
    c.set('a', { data: new Float32Array(100) }); // ~408 bytes
    c.set('b', { data: new Float32Array(100) });
    c.set('c', { data: new Float32Array(100) });
    expect(c.get('a')).toBeUndefined();
    expect(c.stats().entries).toBe(2);
    c.set('huge', { data: new Float32Array(1000) });
    expect(c.get('huge')).toBeUndefined();
    expect(c.stats().entries).toBe(2);
    expect(approxBytes({ data: new Float32Array(100) })).toBe(408);
  });

  it('lets identical concurrent requests join one flight and caches its value when it succeeds', async () => {
    const c = new ResultCache<number, { id: number }>({ maxEntries: 10, maxBytes: 1e6 });
    let finish!: (v: number) => void;
    const flight = { id: 1 };
    c.track('h', flight, new Promise<number>((r) => (finish = r)));
    expect(c.join('h')).toBe(flight);
    expect(c.join('other')).toBeUndefined();
    expect(c.stats()).toMatchObject({ inFlight: 1, joins: 1 });
    finish(42);
    await Promise.resolve();
    await Promise.resolve();
    expect(c.join('h')).toBeUndefined();
    expect(c.get('h')).toBe(42);
  });

  it('a failed or abandoned flight caches nothing', async () => {
    const c = new ResultCache<number, object>({ maxEntries: 10, maxBytes: 1e6 });
    c.track('x', {}, Promise.reject(new Error('boom')));
    await new Promise((r) => setTimeout(r, 0));
    expect(c.stats().inFlight).toBe(0);
    expect(c.get('x')).toBeUndefined();
    const f = {};
    c.track('y', f, new Promise(() => {}));
    c.abandon('y', f);
    expect(c.join('y')).toBeUndefined();
  });
});
