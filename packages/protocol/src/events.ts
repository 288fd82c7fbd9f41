import type { z } from 'zod';
import type { Ack } from './errors';
import { MUTATING_EVENTS, clientEvents, serverEvents } from './events.schemas';
import { newRequestId, type RequestId } from './request-id';

export type ClientEventName = keyof typeof clientEvents;
export type ServerEventName = keyof typeof serverEvents;

/** Payload a client sends for event `E` (before server-side normalization). */
export type ClientPayload<E extends ClientEventName> = z.input<(typeof clientEvents)[E]['payload']>;
/** Payload after the server parsed it (normalized join code, trimmed name, …). */
export type ParsedClientPayload<E extends ClientEventName> = z.output<(typeof clientEvents)[E]['payload']>;
/** `data` of a successful ack for event `E`. */
export type ClientResult<E extends ClientEventName> = z.output<(typeof clientEvents)[E]['result']>;
/** Payload of server event `E`. */
export type ServerPayload<E extends ServerEventName> = z.output<(typeof serverEvents)[E]>;

/** The mutating events (declared with `requestId: true`): their payloads carry a requestId on the wire. */
export type MutatingEventName = {
  [E in ClientEventName]: (typeof clientEvents)[E] extends { requestId: true } ? E : never;
}[ClientEventName];

/** What travels for event `E`: the payload, plus `requestId` for a mutating event. */
export type WirePayload<E extends ClientEventName> = E extends MutatingEventName ? ClientPayload<E> & { requestId: RequestId } : ClientPayload<E>;

/** True when event `E` is mutating (its payload carries a requestId). */
export function isMutatingEvent(event: string): event is MutatingEventName {
  return (MUTATING_EVENTS as readonly string[]).includes(event);
}

/**
 * The wire payload of a request: a mutating event gets `requestId` (a fresh one unless given; pass the same id
 * again to retry the same request). Other events travel as they are.
 */
export function withRequestId<E extends ClientEventName>(event: E, payload: ClientPayload<E>, requestId?: RequestId): WirePayload<E> {
  if (!isMutatingEvent(event)) return payload as WirePayload<E>;
  return { ...(payload as object), requestId: requestId ?? newRequestId() } as WirePayload<E>;
}

/** Socket.io map of client→server events, derived from the zod schemas (every event is acked). */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: WirePayload<E>, ack: (response: Ack<ClientResult<E>>) => void) => void;
};

/** Socket.io map of server→client events, derived from the zod schemas. */
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerPayload<E>) => void;
};

/** Handshake `auth` a client sends when it connects. */
export interface HandshakeAuth {
  protocolVersion: number;
}

/** Lists of event names, for code that iterates over the protocol (server registration, tests). */
export const CLIENT_EVENT_NAMES = Object.keys(clientEvents) as ClientEventName[];
export const SERVER_EVENT_NAMES = Object.keys(serverEvents) as ServerEventName[];
