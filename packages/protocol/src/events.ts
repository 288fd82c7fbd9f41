import type { z } from 'zod';
import type { Ack } from './errors';
import { clientEvents, serverEvents } from './events.schemas';

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

/** Socket.io map of client→server events, derived from the zod schemas (every event is acked). */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientPayload<E>, ack: (response: Ack<ClientResult<E>>) => void) => void;
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
