/**
 * The one way a client event gets a handler: `handle(socket, event, handler)` rate-limits the socket, insists on
 * an ack, checks who may send the event (authorization.ts, from the protocol's declaration) before anything else,
 * bounds the payload's depth, values and size and normalizes its strings (payload-guard), validates it with the
 * event's zod schema, runs a mutating event once per `requestId` (idempotency.ts), and answers every request with
 * `{ ok: true, data }` or a sanitized `{ ok: false, error, message, details? }` (no stack traces).
 */
import {
  RequestIdSchema,
  clientEvents,
  fail,
  guardPayload,
  isMutatingEvent,
  isComputeError,
  isProtocolError,
  ok,
  type Ack,
  type AckFailure,
  type ClientEventName,
  type ClientResult,
  type ErrorCode,
  type ParsedClientPayload,
} from '@convlab/protocol';
import { describeZodError } from '../http/router';
import type { ServerContext } from '../context';
import { authorize, requestScope } from './authorization';
import { ledgerFor } from './idempotency';
import type { IoSocket } from './types';

export type EventHandler<E extends ClientEventName> = (
  payload: ParsedClientPayload<E>,
  socket: IoSocket,
) => Promise<ClientResult<E>>;

type AnyAck = (response: Ack<unknown>) => void;

export interface HandleOptions {
  /**
   * An extra check of the sender before the payload is parsed (throw a ProtocolError), after the protocol's
   * declaration of who may send the event (authorization.ts), which `handle` always applies.
   */
  authorize?: (socket: IoSocket) => void;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);
}

/** Binary members (Buffers, ArrayBuffers, typed arrays) count as their byte length, not as their JSON expansion. */
function measure(payload: unknown): { json: number; binary: number } {
  let binary = 0;
  const text = JSON.stringify(payload, function (this: unknown, key: string, value: unknown) {
    // JSON.stringify calls Buffer#toJSON before the replacer sees it: look at the holder's own value.
    const raw = key === '' ? value : (this as Record<string, unknown>)[key];
    if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
      binary += raw.byteLength;
      return 0;
    }
    return value;
  });
  return { json: Buffer.byteLength(text ?? ''), binary };
}

/** Registers a validated, acked handler for `event` on `socket`. */
export function handle<E extends ClientEventName>(socket: IoSocket, ctx: ServerContext, event: E, handler: EventHandler<E>, options: HandleOptions = {}): void {
  const spec = clientEvents[event];
  const schema = spec.payload;
  // Events that take binary attachments (lab:submit) declare their own caps; every other keeps the general one.
  const maxBinaryBytes: number | undefined = 'maxBinaryBytes' in spec ? spec.maxBinaryBytes : undefined;
  const maxJsonBytes: number = ('maxBytes' in spec ? spec.maxBytes : undefined) ?? ctx.limits.maxEventBytes;
  // Events may name their own code for a payload that does not parse (job:submit → BAD_JOB).
  const invalid: ErrorCode = ('invalid' in spec ? spec.invalid : undefined) ?? 'BAD_REQUEST';
  const mutating = isMutatingEvent(event);
  // Socket.io's typed `on` cannot see through the generic event; the payload is validated below anyway.
  (socket as unknown as { on(ev: string, fn: (...args: unknown[]) => void): void }).on(event, (...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? once(args.pop() as AnyAck) : undefined;
    try {
      dispatch(args, ack);
    } catch (err) {
      // A throw here would escape into Socket.io's packet handling: log it, and still answer.
      console.error(`[realtime] ${event} dispatch failed:`, err);
      ack?.(fail('INTERNAL', 'internal server error'));
    }
  });

  function dispatch(args: unknown[], ack: AnyAck | undefined): void {
    if (!socket.data.bucket.take()) {
      ack?.(fail('RATE_LIMITED', 'too many requests; slow down'));
      return;
    }
    // Every request must be answerable; one without an ack is ignored rather than half-trusted.
    if (!ack) return;
    const answer = ack;
    if (args.length !== 1) {
      answer(fail('BAD_REQUEST', `${event} takes exactly one payload object`));
      return;
    }
    let payload = args[0];
    try {
      authorize(socket, event);
      options.authorize?.(socket);
      // Bounded depth and values, well-formed strings in NFC: before anything walks the payload recursively.
      payload = guardPayload(payload);
    } catch (err) {
      answer(toFailure(err, event));
      return;
    }
    let size: number;
    try {
      if (maxBinaryBytes === undefined) size = Buffer.byteLength(JSON.stringify(payload) ?? '');
      else {
        const measured = measure(payload);
        if (measured.binary > maxBinaryBytes) {
          answer(fail('PAYLOAD_TOO_LARGE', `the attached file is ${measured.binary} bytes; at most ${maxBinaryBytes} bytes are accepted`));
          return;
        }
        size = measured.json;
      }
    } catch {
      answer(fail('BAD_REQUEST', 'the payload is not JSON'));
      return;
    }
    if (size > maxJsonBytes) {
      answer(fail('PAYLOAD_TOO_LARGE', `the payload is larger than ${maxJsonBytes} bytes`));
      return;
    }
    // A mutating event's requestId travels beside the event's own (strict) payload.
    let requestId: unknown;
    if (mutating && isPlainObject(payload)) ({ requestId, ...payload } = payload);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      answer(fail(invalid, describeZodError(parsed.error)));
      return;
    }
    const run = () => Promise.resolve().then(() => handler(parsed.data as ParsedClientPayload<E>, socket));
    let result: Promise<ClientResult<E>>;
    if (mutating) {
      const id = RequestIdSchema.safeParse(requestId);
      if (!id.success) {
        answer(fail('BAD_REQUEST', `requestId: ${requestId === undefined ? 'required for this event (a retry sends the same one)' : id.error.issues[0]?.message}`));
        return;
      }
      // A join is replayed by the classroom itself (its seat, with a fresh token: no token is ever stored).
      const scope = event === 'student:join' ? null : requestScope(socket);
      const key = scope ? { ...scope, requestId: id.data, event } : undefined;
      result = ledgerFor(ctx.store).run(id.data, key, run);
    } else result = run();
    result.then(
      (data) => answer(ok(data)),
      (err: unknown) => answer(toFailure(err, event)),
    );
  }
}

/** Answers events that no handler knows, so a client awaiting an ack is not left hanging. */
export function handleUnknownEvents(socket: IoSocket): void {
  const known = new Set<string>(Object.keys(clientEvents));
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return;
    const ack = args.at(-1);
    if (!socket.data.bucket.take()) {
      if (typeof ack === 'function') (ack as AnyAck)(fail('RATE_LIMITED', 'too many requests; slow down'));
      return;
    }
    if (typeof ack === 'function') (ack as AnyAck)(fail('BAD_REQUEST', 'unknown event'));
  });
}

/** Turns a thrown value into a failed ack; anything but a ProtocolError or ComputeError is logged and hidden. */
export function toFailure(err: unknown, event: string): AckFailure {
  if (isProtocolError(err)) return fail(err.code, err.message);
  // SERVER_BUSY says how many jobs are ahead, for clients that show it or decide to compute locally.
  if (isComputeError(err)) return fail(err.code, err.message, err.position !== undefined ? { position: err.position } : undefined);
  console.error(`[realtime] ${event} failed:`, err);
  return fail('INTERNAL', 'internal server error');
}

function once(ack: AnyAck): AnyAck {
  let done = false;
  return (response) => {
    if (done) return;
    done = true;
    try {
      ack(response);
    } catch (err) {
      console.error('[realtime] ack failed:', err);
    }
  };
}
