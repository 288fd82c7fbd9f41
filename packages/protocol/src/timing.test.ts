import { describe, expect, it } from 'vitest';
import { JOIN_ACK_TIMEOUT_MS, JOIN_RETRY, SOCKET_PING, joinRetryDelayMs } from './timing';

describe('join timing', () => {
  it('waits for a join as long as the server keeps a silent connection', () => {
    expect(JOIN_ACK_TIMEOUT_MS).toBe(SOCKET_PING.intervalMs + SOCKET_PING.timeoutMs);
  });

  it('backs off doubling up to the maximum, with jitter on top', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => joinRetryDelayMs(a, 0))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(joinRetryDelayMs(0, 0.999)).toBeLessThanOrEqual(JOIN_RETRY.firstMs * (1 + JOIN_RETRY.jitter));
    expect(joinRetryDelayMs(9, 0.5)).toBe(12_500);
  });
});
