/** Real HTTP and socket.io clients for the integration suites. */
import { randomBytes } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  SESSION_COOKIE,
  isMutatingEvent,
  newRequestId,
  withRequestId,
  type Ack,
  type ClientEventName,
  type ClientPayload,
  type ClientResult,
  type ClientToServerEvents,
  type ParticipantPresence,
  type ParticipantSelf,
  type ServerToClientEvents,
  type SessionState,
} from '@convlab/protocol';
import { io, type Socket } from 'socket.io-client';
import { TEST_ADMIN_EMAIL } from './databases';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Polls `check` until it returns a truthy value (or throws when `timeoutMs` passes). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** JSON request to the API; returns status, parsed body and the Set-Cookie header. */
export async function api(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; cookie?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; setCookie: string | null }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  if (init.cookie) headers.cookie = init.cookie;
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, setCookie: res.headers.get('set-cookie') };
}

const PASSWORD = 'correct horse battery';
const adminCookies = new Map<string, Promise<string>>();

function cookieOf(res: { setCookie: string | null }): string {
  const cookie = res.setCookie?.split(';')[0];
  if (!cookie?.startsWith(`${SESSION_COOKIE}=`)) throw new Error('no session cookie');
  return cookie;
}

/** The admin's cookie on the server at `base` (signed up on first use, signed in when it already exists). */
export function adminCookie(base: string): Promise<string> {
  let cookie = adminCookies.get(base);
  if (!cookie) {
    cookie = (async () => {
      const body = { email: TEST_ADMIN_EMAIL, password: PASSWORD };
      let res = await api(base, '/api/auth/signup', { body: { ...body, name: 'Admin' } });
      if (res.status === 409) res = await api(base, '/api/auth/signin', { body });
      if (!res.body?.account?.admin) throw new Error(`no admin on ${base}: ${res.status} ${JSON.stringify(res.body)}`);
      return cookieOf(res);
    })();
    cookie.catch(() => adminCookies.delete(base));
    adminCookies.set(base, cookie);
  }
  return cookie;
}

/** Signs up an instructor, has the admin approve it when needed, and returns the `name=value` cookie to send. */
export async function signUpInstructor(base: string, email: string): Promise<{ cookie: string; id: string }> {
  const res = await api(base, '/api/auth/signup', { body: { email, password: PASSWORD, name: 'Teacher' } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  const id: string = res.body.account.id;
  if (!res.body.account.approved) {
    const approved = await api(base, `/api/admin/accounts/${id}/approve`, { body: { approved: true }, cookie: await adminCookie(base) });
    if (approved.status !== 200) throw new Error(`approval failed: ${approved.status} ${JSON.stringify(approved.body)}`);
  }
  return { cookie: cookieOf(res), id };
}

export const SLIDES = ['intro', 'convolution', 'pooling', 'filters'].map((id, i) => ({
  kind: 'slide' as const,
  id,
  title: `Step ${i + 1}: ${id}`,
  markdown: `# ${id}`,
}));

/** Opens a socket.io connection (websocket only, quick reconnects, a fresh manager per client). */
export function connect(
  base: string,
  opts: { cookie?: string; origin?: string; protocolVersion?: number; reconnection?: boolean } = {},
): ClientSocket {
  const extraHeaders: Record<string, string> = {};
  if (opts.cookie) extraHeaders.cookie = opts.cookie;
  if (opts.origin) extraHeaders.origin = opts.origin;
  return io(base, {
    auth: { protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION },
    transports: ['websocket'],
    extraHeaders,
    forceNew: true,
    reconnection: opts.reconnection ?? true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    randomizationFactor: 0,
    timeout: 5000,
  });
}

/**
 * Emits a request and waits for its ack. A mutating event gets a fresh `requestId` unless `requestId` is given
 * (pass the same one again to retry the same request, as a client does after a lost ack).
 */
export function request<E extends ClientEventName>(
  socket: ClientSocket,
  event: E,
  payload: ClientPayload<E>,
  timeoutMs = 5000,
  requestId?: string,
): Promise<Ack<ClientResult<E>>> {
  return (socket.timeout(timeoutMs) as any).emitWithAck(event, withRequestId(event, payload, requestId));
}

/** A browser's device token (what the app keeps in local storage). */
export function newDeviceToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Sends anything (for malformed-payload tests) and waits for the ack. A single plain-object payload of a mutating
 * event gets a requestId unless it has one, as every real client adds it; anything else goes as it is (emit
 * directly to send a mutating event without one).
 */
export function rawRequest(socket: ClientSocket, event: string, ...args: unknown[]): Promise<Ack<unknown>> {
  const [payload] = args;
  const plain = args.length === 1 && payload !== null && typeof payload === 'object' && Object.getPrototypeOf(payload) === Object.prototype;
  if (plain && isMutatingEvent(event) && !('requestId' in payload)) args = [{ ...payload, requestId: newRequestId() }];
  return (socket.timeout(5000) as any).emitWithAck(event, ...args);
}

/** Waits for the socket to connect; rejects with the connect_error. */
export function connected(socket: ClientSocket): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

/**
 * A student's browser tab: on every (re)connect it sends `student:join` — with the resume token once it has
 * one, as the real page does — and keeps the latest state it saw.
 */
export class StudentClient {
  readonly socket: ClientSocket;
  participant?: ParticipantSelf;
  state?: SessionState;
  joins = 0;
  removedMessage?: string;
  lastError?: string;
  /** This browser's device token (sent with every join, as the app does). */
  deviceToken = newDeviceToken();
  /** The requestId of a join by name until it succeeds: a retry after a lost ack reuses it. */
  private joinRequestId = newRequestId();

  constructor(
    base: string,
    readonly code: string,
    readonly displayName: string,
    public resumeToken?: string,
  ) {
    this.socket = connect(base);
    this.socket.on('connect', () => void this.join());
    this.socket.on('session:state', (s) => (this.state = s));
    this.socket.on('participant:removed', ({ message }) => (this.removedMessage = message));
  }

  private async join(): Promise<void> {
    const payload = this.resumeToken
      ? { code: this.code, resumeToken: this.resumeToken, deviceToken: this.deviceToken }
      : { code: this.code, displayName: this.displayName, deviceToken: this.deviceToken };
    try {
      const ack = await request(this.socket, 'student:join', payload, 5000, this.joinRequestId);
      if (!ack.ok) {
        this.lastError = ack.error;
        return;
      }
      this.joinRequestId = newRequestId();
      this.participant = ack.data.participant;
      this.resumeToken = ack.data.resumeToken;
      this.state = ack.data.state;
      this.joins++;
    } catch (err) {
      this.lastError = String(err);
    }
  }

  /** Resolves after the first (or the `n`-th) successful join. */
  async joined(n = 1): Promise<this> {
    await waitFor(() => this.joins >= n, `${this.displayName} to join (${n})`);
    return this;
  }

  close(): void {
    this.socket.close();
  }
}

/** An instructor's dashboard tab: signed-in socket that watches a session and re-watches after reconnects. */
export class InstructorClient {
  readonly socket: ClientSocket;
  state?: SessionState;
  participants: ParticipantPresence[] = [];
  watches = 0;

  constructor(base: string, cookie: string, readonly sessionId: string) {
    this.socket = connect(base, { cookie });
    this.socket.on('connect', () => void this.watch());
    this.socket.on('session:state', (s) => (this.state = s));
    this.socket.on('presence:update', ({ participants }) => (this.participants = participants));
  }

  private async watch(): Promise<void> {
    const ack = await request(this.socket, 'instructor:watch', { sessionId: this.sessionId }).catch(() => null);
    if (ack?.ok) {
      this.state = ack.data.state;
      this.participants = ack.data.participants;
      this.watches++;
    }
  }

  async watching(n = 1): Promise<this> {
    await waitFor(() => this.watches >= n, `instructor to watch (${n})`);
    return this;
  }

  presenceOf(name: string): string | undefined {
    return this.participants.find((p) => p.displayName === name)?.presence;
  }

  close(): void {
    this.socket.close();
  }
}
