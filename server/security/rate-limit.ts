/**
 * In-process rate limits. Per-socket token buckets bound how fast one connection may send;
 * failure throttles bound how many wrong guesses (join codes, passwords) one client may make.
 * With several server nodes each node limits on its own (a shared store would be the next step).
 */

/** A token bucket: `capacity` requests at once, refilled at `refillPerSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty (the request must be refused). */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.refillPerSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface ThrottleRule {
  /** Failures allowed within the window; the next attempt is refused until the window ends. */
  maxFailures: number;
  windowMs: number;
}

/** Counts failures per key in fixed windows and blocks a key that failed too often. */
export class FailureThrottle {
  private entries = new Map<string, { start: number; failures: number }>();
  private ops = 0;

  constructor(
    private readonly rule: ThrottleRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `key` may not try again yet. */
  blocked(key: string): boolean {
    const e = this.current(key);
    return e !== undefined && e.failures >= this.rule.maxFailures;
  }

  /** Milliseconds until `key` may try again (0 when not blocked). */
  retryAfterMs(key: string): number {
    const e = this.current(key);
    return e && e.failures >= this.rule.maxFailures ? Math.max(0, e.start + this.rule.windowMs - this.now()) : 0;
  }

  /** Records a failed attempt by `key`. */
  fail(key: string): void {
    const t = this.now();
    const e = this.current(key);
    if (e) e.failures += 1;
    else this.entries.set(key, { start: t, failures: 1 });
    if (++this.ops % 1000 === 0) this.sweep(t);
  }

  private current(key: string): { start: number; failures: number } | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.start >= this.rule.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(t: number): void {
    for (const [key, e] of this.entries) if (t - e.start >= this.rule.windowMs) this.entries.delete(key);
  }
}
