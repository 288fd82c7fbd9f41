/**
 * Version of the realtime protocol. Clients send it in the Socket.io handshake (`auth.protocolVersion`);
 * the server refuses a different one with `PROTOCOL_MISMATCH` so an old tab reloads instead of misbehaving.
 * Bump it whenever an event or DTO changes incompatibly.
 */
export const PROTOCOL_VERSION = 1;
