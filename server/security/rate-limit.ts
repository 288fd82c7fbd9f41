/**
 * Rate limits that cannot be turned against the class. Per-socket token buckets bound how fast one connection may
 * send; failure counters (rate-limiter-flexible, memory store — scale-out swaps in its Redis store through
 * `LimiterStore`) bound wrong guesses. A whole lecture hall may share one NAT address, so a limit never refuses what
 * the rest of the class does right: only wrong join codes are refused by the wrong-code limit, and sign-in is limited
 * per (account, address) with growing delays, never by locking the account.
 */
import { ProtocolError } from '@convlab/protocol';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

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
  /** Failures allowed within the window; the next one is refused until the window ends. */
  maxFailures: number;
  windowMs: number;
}

/** Growing delays: `freeFailures` wrong tries, then a wait of base, 2×base, 4×base… up to `maxDelayMs`. */
export interface BackoffRule {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetAfterMs: number;
}

/** Makes the counters' store: memory now; a Redis-backed `RateLimiterRedis` when several nodes share limits. */
export type LimiterStore = (opts: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

/** The in-process store (one node). */
export const memoryStore: LimiterStore = (opts) => new RateLimiterMemory(opts);

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Counts failures per key in a window; past `maxFailures` the key must wait for the window to end. */
export class FailureCounter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    private readonly rule: ThrottleRule,
    keyPrefix: string,
    store: LimiterStore = memoryStore,
  ) {
    this.limiter = store({ keyPrefix, points: rule.maxFailures, duration: seconds(rule.windowMs) });
  }

  /** Records one failure by `key`; resolves to the wait in ms when this one went over the budget, else 0. */
  async fail(key: string): Promise<number> {
    try {
      await this.limiter.consume(key);
      return 0;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
      throw res;
    }
  }

  /** Milliseconds until `key` is within its budget again (0 when it is). */
  async retryAfterMs(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    return res && res.consumedPoints >= this.rule.maxFailures ? Math.max(1, res.msBeforeNext) : 0;
  }
}

/** Who tried a join code: the client address and (for sockets) the connection. */
export interface JoinAttempt {
  address: string;
  socketId?: string;
}

/**
 * Wrong join codes, counted per connection and per address. Only a wrong code (NOT_FOUND) counts and only a wrong
 * code is ever refused: a valid code or resume token from the same NAT address always joins.
 */
export class JoinCodeLimiter {
  private readonly perSocket: FailureCounter;
  private readonly perAddress: FailureCounter;

  constructor(
    rules: { perSocket: ThrottleRule; perAddress: ThrottleRule },
    private readonly log: (line: string) => void = (line) => console.warn(line),
    store: LimiterStore = memoryStore,
  ) {
    this.perSocket = new FailureCounter(rules.perSocket, 'join-socket', store);
    this.perAddress = new FailureCounter(rules.perAddress, 'join-address', store);
  }

  /**
   * The error to answer a failed join with: a wrong code is counted and, once a budget is spent, answered
   * RATE_LIMITED (and logged); every other error passes through unchanged.
   */
  async answerFor(err: unknown, who: JoinAttempt): Promise<unknown> {
    if (!(err instanceof ProtocolError) || err.code !== 'NOT_FOUND') return err;
    const waits = await Promise.all([
      this.perAddress.fail(who.address),
      who.socketId === undefined ? 0 : this.perSocket.fail(who.socketId),
    ]);
    const wait = Math.max(...waits);
    if (wait === 0) return err;
    this.log(`[limits] refused a wrong join code from ${who.address}${who.socketId ? ` (socket ${who.socketId})` : ''}: too many wrong codes`);
    return new ProtocolError('RATE_LIMITED', `too many wrong codes; try again in ${seconds(wait)} s`);
  }
}

/**
 * Failed sign-ins per (account, address) with growing delays, plus a wide per-address budget against guessing many
 * accounts. The correct password from another address always works: no account is ever locked.
 */
export class SignInLimiter {
  private readonly failures: RateLimiterAbstract;
  private readonly delays: RateLimiterAbstract;
  private readonly perAddress: FailureCounter;

  constructor(
    private readonly rules: { perAccountAndAddress: BackoffRule; perAddress: ThrottleRule },
    private readonly log: (line: string) => void = (line) => console.warn(line),
    store: LimiterStore = memoryStore,
  ) {
    const forget = seconds(rules.perAccountAndAddress.forgetAfterMs);
    this.failures = store({ keyPrefix: 'signin-failures', points: Number.MAX_SAFE_INTEGER, duration: forget });
    this.delays = store({ keyPrefix: 'signin-delay', points: 1, duration: 1 });
    this.perAddress = new FailureCounter(rules.perAddress, 'signin-address', store);
  }

  /** Throws RATE_LIMITED (and logs it) while this (account, address) or this address must wait. */
  async check(email: string, address: string): Promise<void> {
    const delayed = await this.delays.get(pairKey(email, address));
    const pairWait = delayed && delayed.consumedPoints > 1 ? delayed.msBeforeNext : 0;
    const wait = Math.max(pairWait, await this.perAddress.retryAfterMs(address));
    if (wait <= 0) return;
    this.log(`[limits] refused a sign-in for ${email} from ${address}: wait ${seconds(wait)} s after wrong passwords`);
    throw new ProtocolError('RATE_LIMITED', `too many wrong passwords; try again in ${seconds(wait)} s`);
  }

  /** Records a wrong password: after the free tries, the next try from this address waits longer each time. */
  async failed(email: string, address: string): Promise<void> {
    const key = pairKey(email, address);
    const { consumedPoints: n } = await this.failures.consume(key);
    await this.perAddress.fail(address);
    const { freeFailures, baseDelayMs, maxDelayMs } = this.rules.perAccountAndAddress;
    if (n < freeFailures) return;
    const delayMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - freeFailures));
    await this.delays.block(key, seconds(delayMs));
  }

  /** A successful sign-in forgets this (account, address)'s failures. */
  async succeeded(email: string, address: string): Promise<void> {
    const key = pairKey(email, address);
    await Promise.all([this.failures.delete(key), this.delays.delete(key)]);
  }
}

function pairKey(email: string, address: string): string {
  return `${email.toLowerCase()}|${address}`;
}
