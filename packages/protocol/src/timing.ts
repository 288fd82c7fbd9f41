/**
 * Timing the server and its clients agree on. The server pings every `intervalMs` and drops a connection that has
 * not answered within `timeoutMs` more; a request unanswered after both is lost with its connection, so that is how
 * long a client waits for an ack before it asks again (retries reuse the request's id, so they never duplicate).
 */
export const SOCKET_PING = { intervalMs: 10_000, timeoutMs: 10_000 } as const;

/**
 * Browsers connect by WebSocket only (no long-polling handshake): each connection is one request, so a reverse proxy
 * can spread a lecture hall behind one NAT address over several nodes without pinning addresses or cookies.
 */
export const SOCKET_TRANSPORTS: ['websocket'] = ['websocket'];

/** How long a client waits for the ack of a join (or a watch) before asking again. */
export const JOIN_ACK_TIMEOUT_MS = SOCKET_PING.intervalMs + SOCKET_PING.timeoutMs;

/**
 * Delays between join attempts after a timeout or RATE_LIMITED: doubling from `firstMs` up to `maxMs`, each with up
 * to `jitter` of itself added at random, so a whole class does not ask again in the same instant.
 */
export const JOIN_RETRY = { firstMs: 1000, maxMs: 10_000, jitter: 0.5 } as const;

/** The delay before join attempt `attempt + 1` (attempt counts from 0), given a random number in [0, 1). */
export function joinRetryDelayMs(attempt: number, random: number): number {
  const base = Math.min(JOIN_RETRY.maxMs, JOIN_RETRY.firstMs * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + JOIN_RETRY.jitter * random));
}
