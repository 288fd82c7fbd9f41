import { describe, expect, it } from 'vitest';
import { clientIp, isSecureRequest, originAllowed } from './origin';
import { FailureThrottle, TokenBucket } from './rate-limit';

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

describe('FailureThrottle', () => {
  it('blocks a key after too many failures until its window ends', () => {
    let t = 0;
    const throttle = new FailureThrottle({ maxFailures: 2, windowMs: 1000 }, () => t);
    throttle.fail('a');
    expect(throttle.blocked('a')).toBe(false);
    throttle.fail('a');
    expect(throttle.blocked('a')).toBe(true);
    expect(throttle.blocked('b')).toBe(false);
    t = 400;
    expect(throttle.retryAfterMs('a')).toBe(600);
    t = 1000;
    expect(throttle.blocked('a')).toBe(false);
    expect(throttle.retryAfterMs('a')).toBe(0);
  });
});

describe('origin checks', () => {
  const opts = { trustProxy: false };
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
    expect(originAllowed(proxied, { trustProxy: true })).toBe(true);
  });

  it('reads the client IP and https only from trusted proxies', () => {
    const headers = { 'x-forwarded-for': '1.2.3.4, 10.0.0.1', 'x-forwarded-proto': 'https' };
    expect(clientIp(headers, '10.0.0.1', false)).toBe('10.0.0.1');
    expect(clientIp(headers, '10.0.0.1', true)).toBe('1.2.3.4');
    expect(isSecureRequest(headers, false, false)).toBe(false);
    expect(isSecureRequest(headers, false, true)).toBe(true);
  });
});
