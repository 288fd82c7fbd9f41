import { z } from 'zod';
import { COMPUTE_ERROR_CODES, COMPUTE_HTTP_STATUS_OF } from './jobs';

/** Error codes of the classroom and the API (the compute codes are appended in {@link ERROR_CODES}). */
const CORE_ERROR_CODES = [
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  /** A file of a type ConvLab does not accept (e.g. a GIF where JPEG, PNG or WebP is required). */
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'SESSION_ENDED',
  'RATE_LIMITED',
  /** A storage quota (a student's or a session's images) is full. */
  'QUOTA_EXCEEDED',
  'PROTOCOL_MISMATCH',
  'REMOVED',
  /** The session's rules refuse a student action: controls locked, session paused, a step that is not the current one. */
  'LOCKED',
  'PAUSED',
  'NOT_CURRENT_STEP',
  /** A lab parameter outside the step's student controls differs from the step's preset value. */
  'CONTROL_NOT_ALLOWED',
  /** The instructor closed joining: new students are refused (joined ones still resume). */
  'JOINING_CLOSED',
  'INVALID_CREDENTIALS',
  'EMAIL_TAKEN',
  /** An instructor account an admin has not approved yet: it may sign in, not run sessions or courses. */
  'NOT_APPROVED',
  /** An assignment not open yet, or past its due time with late work refused (the server's clock decides). */
  'NOT_OPEN',
  'PAST_DUE',
  /** Every attempt at the assignment step is used. */
  'NO_ATTEMPTS_LEFT',
  /** A save based on an older version of the document (another tab saved since): reload, then save again. */
  'CONFLICT',
  'INTERNAL',
] as const;

/** Every error code a client can receive, over HTTP (`{ error, message }`) or in a socket ack: core, then compute. */
export const ERROR_CODES = [...CORE_ERROR_CODES, ...COMPUTE_ERROR_CODES] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The HTTP status that goes with each error code on the JSON API. */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  SESSION_ENDED: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 413,
  PROTOCOL_MISMATCH: 426,
  REMOVED: 403,
  LOCKED: 409,
  PAUSED: 409,
  NOT_CURRENT_STEP: 409,
  CONTROL_NOT_ALLOWED: 403,
  JOINING_CLOSED: 403,
  INVALID_CREDENTIALS: 401,
  EMAIL_TAKEN: 409,
  NOT_APPROVED: 403,
  NOT_OPEN: 409,
  PAST_DUE: 409,
  NO_ATTEMPTS_LEFT: 409,
  CONFLICT: 409,
  INTERNAL: 500,
  ...COMPUTE_HTTP_STATUS_OF,
};

/**
 * Machine-readable extras of a failure, for clients that act on them. `position` (SERVER_BUSY): how many jobs are
 * ahead in the compute queue (0-based; the message says it 1-based, "server busy, position N").
 */
export const ErrorDetailsSchema = z.object({ position: z.number().int().min(0).optional() });
export type ErrorDetails = z.infer<typeof ErrorDetailsSchema>;

/** Body of every failed HTTP response, and the failure half of an ack. */
export const ErrorBodySchema = z.object({ error: ErrorCodeSchema, message: z.string(), details: ErrorDetailsSchema.optional() });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The failure half of an ack; `details` only where the code has some (see {@link ErrorDetailsSchema}). */
export type AckFailure = { ok: false; error: ErrorCode; message: string; details?: ErrorDetails };

/** Answer to every client→server socket request. */
export type Ack<T> = { ok: true; data: T } | AckFailure;

/** Builds a successful ack. */
export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

/** Builds a failed ack (with `details` only when given, so plain failures stay `{ ok, error, message }`). */
export function fail(error: ErrorCode, message: string, details?: ErrorDetails): AckFailure {
  return details ? { ok: false, error, message, details } : { ok: false, error, message };
}

/** Zod schema of an ack whose success data follows `data`; lets clients validate what the server sent. */
export function ackSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorCodeSchema, message: z.string(), details: ErrorDetailsSchema.optional() }),
  ]);
}

/**
 * An error that carries a protocol error code. Thrown by the classroom model and the server;
 * the transport turns it into an ack or an HTTP error body. Its message is safe to show to clients.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** True for a `ProtocolError` (also across module copies, by shape). */
export function isProtocolError(err: unknown): err is ProtocolError {
  return (
    err instanceof ProtocolError ||
    (err instanceof Error &&
      err.name === 'ProtocolError' &&
      (ERROR_CODES as readonly string[]).includes((err as { code?: string }).code ?? ''))
  );
}

/**
 * Reads the error code of a Socket.io `connect_error` raised by the server's handshake checks
 * (the server sets `err.data = { error, message }`). Returns null for transport errors.
 */
export function connectErrorCode(err: unknown): ErrorCode | null {
  const data = (err as { data?: unknown } | null)?.data;
  const parsed = ErrorBodySchema.safeParse(data);
  return parsed.success ? parsed.data.error : null;
}
