import { describe, expect, it } from 'vitest';
import { clientIp, isSecureRequest, originAllowed } from './origin';
import { ProtocolError } from '@convlab/protocol';
import { FailureCounter, JoinCodeLimiter, SignInLimiter, TokenBucket } from './rate-limit';

describe('TokenBucket', () => {
  it('allows a burst, then refills over time', () => {
    let t = 0;
    const bucket = new TokenBucket(3, 2, () => t);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    t = 499;
    expect(bucket.take()).toBe(false);
    t = 500;
    expect(bucket.take()).toBe(true);
    t = 100_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

describe('FailureCounter', () => {
  it('lets a key fail maxFailures times in its window, then reports the wait', async () => {
    const counter = new FailureCounter({ maxFailures: 2, windowMs: 60_000 }, 'test');
    expect(await counter.fail('a')).toBe(0);
    expect(await counter.retryAfterMs('a')).toBe(0);
    expect(await counter.fail('a')).toBe(0);
    expect(await counter.retryAfterMs('a')).toBeGreaterThan(59_000);
    expect(await counter.fail('a')).toBeGreaterThan(59_000);
    expect(await counter.retryAfterMs('b')).toBe(0);
  });
});

describe('JoinCodeLimiter', () => {
  const wrong = () => new ProtocolError('NOT_FOUND', 'no session has this join code');
  it('counts and refuses only wrong codes; other errors pass through untouched', async () => {
    const lines: string[] = [];
    const limiter = new JoinCodeLimiter({ perSocket: { maxFailures: 100, windowMs: 60_000 }, perAddress: { maxFailures: 2, windowMs: 60_000 } }, (l) => lines.push(l));
    const who = { address: '203.0.113.7' };
    expect(await limiter.answerFor(wrong(), who)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await limiter.answerFor(wrong(), who)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await limiter.answerFor(wrong(), who)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(lines).toEqual([expect.stringContaining('refused a wrong join code from 203.0.113.7')]);
    const locked = new ProtocolError('FORBIDDEN', 'removed');
    expect(await limiter.answerFor(locked, who)).toBe(locked);
    // Another address is unaffected.
    expect(await limiter.answerFor(wrong(), { address: '203.0.113.8' })).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('SignInLimiter', () => {
  it('delays one (account, address) more after each wrong password past the free ones; other addresses are free', async () => {
    const limiter = new SignInLimiter(
      {
        perAccountAndAddress: { freeFailures: 2, baseDelayMs: 2000, maxDelayMs: 8000, forgetAfterMs: 60_000 },
        perAddress: { maxFailures: 100, windowMs: 60_000 },
      },
      () => undefined,
    );
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await limiter.failed('ada@example.org', 'A');
      const err = await limiter.check('ada@example.org', 'A').then(() => null, (e: ProtocolError) => e);
      waits.push(err ? Number(/in (\d+) s/.exec(err.message)![1]) : 0);
      expect(err === null || err.code === 'RATE_LIMITED').toBe(true);
    }
    expect(waits).toEqual([0, 2, 4, 8, 8]);
    await expect(limiter.check('ada@example.org', 'B')).resolves.toBeUndefined();
    await expect(limiter.check('bo@example.org', 'A')).resolves.toBeUndefined();
    await limiter.succeeded('ada@example.org', 'A');
    await expect(limiter.check('ada@example.org', 'A')).resolves.toBeUndefined();
  });
});

describe('origin checks', () => {
  const opts = { trustProxy: 0 };
  it('allows no Origin, the same host, and the public URL', () => {
    expect(originAllowed({ host: 'localhost:3000' }, opts)).toBe(true);
    expect(originAllowed({ host: 'localhost:3000', origin: 'http://localhost:3000' }, opts)).toBe(true);
    expect(originAllowed({ host: '10.0.0.5:3000', origin: 'https://convlab.example.org' }, { ...opts, publicUrl: 'https://convlab.example.org' })).toBe(true);
  });

  it('refuses other sites and garbage', () => {
    expect(originAllowed({ host: 'localhost:3000', origin: 'http://localhost:3001' }, opts)).toBe(false);
    expect(originAllowed({ host: 'localhost:3000', origin: 'https://evil.example' }, opts)).toBe(false);
    expect(originAllowed({ host: 'localhost:3000', origin: 'null' }, opts)).toBe(false);
    // X-Forwarded-Host counts only behind a trusted proxy.
    const proxied = { host: 'backend:3000', origin: 'https://convlab.school', 'x-forwarded-host': 'convlab.school' };
    expect(originAllowed(proxied, opts)).toBe(false);
    expect(originAllowed(proxied, { trustProxy: 1 })).toBe(true);
  });

  it('reads the client IP and https only from trusted proxies', () => {
    const headers = { 'x-forwarded-for': '1.2.3.4, 10.0.0.1', 'x-forwarded-proto': 'https' };
    expect(clientIp(headers, '10.0.0.1', 0)).toBe('10.0.0.1');
    expect(isSecureRequest(headers, false, 0)).toBe(false);
    expect(isSecureRequest(headers, false, 1)).toBe(true);
  });

  it('takes the client address the trusted proxies appended, counting hops from the right', () => {
    // The client wrote "6.6.6.6" itself; the one trusted proxy appended the address it saw.
    const spoofed = { 'x-forwarded-for': '6.6.6.6, 198.51.100.9' };
    expect(clientIp(spoofed, '10.0.0.1', 1)).toBe('198.51.100.9');
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(clientIp({ 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.0.0.2' }, '10.0.0.1', 2)).toBe('198.51.100.9');
    // Repeated headers count as one list.
    expect(clientIp({ 'x-forwarded-for': ['6.6.6.6', '198.51.100.9'] as unknown as string }, '10.0.0.1', 1)).toBe('198.51.100.9');
    // No header, or fewer entries than hops: the socket address.
    expect(clientIp({}, '10.0.0.1', 1)).toBe('10.0.0.1');
    expect(clientIp({ 'x-forwarded-for': '198.51.100.9' }, '10.0.0.1', 2)).toBe('10.0.0.1');
  });
});
