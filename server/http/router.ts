/**
 * A small JSON router for the API: method + path pattern, zod-validated bodies, every error answered as
 * `{ error, message }` with a fitting status. Internal errors are logged and never leak details.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HTTP_STATUS_OF,
  PAYLOAD_LIMITS,
  ProtocolError,
  guardPayload,
  isComputeError,
  isProtocolError,
  jsonTextTooDeep,
  type ErrorCode,
} from '@convlab/protocol';
import type { z } from 'zod';
import type { ServerContext } from '../context';
import { clientIp, isSecureRequest, originAllowed } from '../security/origin';

export interface ApiRequest<B = unknown> {
  method: string;
  url: URL;
  params: Record<string, string>;
  body: B;
  raw: IncomingMessage;
  ip: string;
  secure: boolean;
}

export interface ApiResponse {
  status: number;
  /** A JSON body. */
  body?: unknown;
  /** A binary body (an image); its content-type comes from `headers`. */
  bytes?: Uint8Array;
  /** Extra headers; a `cache-control` here replaces the default `no-store`. */
  headers?: Record<string, string | string[]>;
}

type Handler<B> = (req: ApiRequest<B>, ctx: ServerContext) => Promise<ApiResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  body?: z.ZodType;
  /** The handler reads the raw request body itself (uploads). */
  rawBody?: boolean;
  /** Bytes this route's JSON body may take beyond the general limit (`Limits.maxBodyBytes`). */
  extraBodyBytes?: number;
  handler: Handler<unknown>;
}

/** Routes of the JSON API. */
export class Router {
  private routes: Route[] = [];

  /**
   * Registers a route; `path` may contain `:name` segments. With `body`, the JSON body is validated by it;
   * `extraBodyBytes` lets that body pass the general limit by as much (one large field the schema bounds itself).
   */
  add<S extends z.ZodType | undefined>(
    method: 'GET' | 'POST',
    path: string,
    handler: Handler<S extends z.ZodType ? z.output<S> : undefined>,
    body?: S,
    extraBodyBytes?: number,
  ): this {
    const keys: string[] = [];
    const source = path.replace(/:([a-zA-Z]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, body, extraBodyBytes, handler: handler as Handler<unknown> });
    return this;
  }

  /** Registers a POST route whose handler reads the raw body from `req.raw` (file uploads); same checks otherwise. */
  addRaw(path: string, handler: Handler<undefined>): this {
    this.add('POST', path, handler as Handler<unknown>);
    this.routes[this.routes.length - 1]!.rawBody = true;
    return this;
  }

  /** Handles the request when a route matches its path; returns false otherwise (someone else serves it). */
  async handle(req: IncomingMessage, res: ServerResponse, ctx: ServerContext): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://internal');
    const candidates = this.routes.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0) return false;
    try {
      const route = candidates.find((r) => r.method === req.method || (r.method === 'GET' && req.method === 'HEAD'));
      if (!route) {
        send(res, { status: 405, body: errorBody('BAD_REQUEST', `${req.method} is not allowed here`), headers: { allow: [...new Set(candidates.map((r) => r.method))].join(', ') } });
        return true;
      }
      const { trustProxy, publicUrl } = ctx.config;
      if (req.method !== 'GET' && req.method !== 'HEAD' && !originAllowed(req.headers, { trustProxy, publicUrl })) {
        throw new ProtocolError('FORBIDDEN', 'cross-origin request refused');
      }
      const match = route.pattern.exec(url.pathname)!;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = safeDecode(match[i + 1]!)));
      let body: unknown = undefined;
      if (route.body) {
        const parsed = route.body.safeParse(await readJson(req, ctx.limits.maxBodyBytes + (route.extraBodyBytes ?? 0)));
        if (!parsed.success) throw new ProtocolError('BAD_REQUEST', describeZodError(parsed.error));
        body = parsed.data;
      } else if (!route.rawBody) {
        req.resume(); // drain an unexpected body
      }
      const apiReq: ApiRequest = {
        method: req.method ?? 'GET',
        url,
        params,
        body,
        raw: req,
        ip: clientIp(req.headers, req.socket.remoteAddress, trustProxy),
        secure: isSecureRequest(req.headers, 'encrypted' in req.socket && Boolean(req.socket.encrypted), trustProxy),
      };
      send(res, await route.handler(apiReq, ctx));
    } catch (err) {
      // A refused upload may still be arriving: drain it so the error answer reaches the client.
      if (!req.readableEnded) req.resume();
      send(res, errorResponse(err));
    }
    return true;
  }
}

/** `{ error, message }` */
export function errorBody(error: ErrorCode, message: string): { error: ErrorCode; message: string } {
  return { error, message };
}

/** Maps any thrown value to an error response; unknown errors become a logged, detail-free 500. */
export function errorResponse(err: unknown): ApiResponse {
  if (isProtocolError(err)) return { status: HTTP_STATUS_OF[err.code], body: errorBody(err.code, err.message) };
  if (isComputeError(err)) return { status: HTTP_STATUS_OF[err.code], body: errorBody(err.code, err.message) };
  console.error('[http] internal error:', err);
  return { status: 500, body: errorBody('INTERNAL', 'internal server error') };
}

/** A short human-readable message for a failed zod parse (first issue, with its path). */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`.slice(0, 300);
}

function send(res: ServerResponse, r: ApiResponse): void {
  if (res.headersSent) return;
  res.setHeader('cache-control', 'no-store');
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
  if (r.bytes !== undefined) {
    res.writeHead(r.status, { 'content-length': r.bytes.byteLength });
    res.end(r.bytes);
    return;
  }
  if (r.body === undefined) {
    res.writeHead(r.status).end();
    return;
  }
  const json = JSON.stringify(r.body);
  res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/**
 * Reads a request body up to `limit` bytes. Past it, stops buffering but keeps draining (so the 413 answer still
 * reaches the client) and throws PAYLOAD_TOO_LARGE with `tooLargeMessage`.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  tooLargeMessage = `the body is larger than ${limit} bytes`,
): Promise<Buffer> {
  const tooLarge = () => new ProtocolError('PAYLOAD_TOO_LARGE', tooLargeMessage);
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    throw tooLarge();
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // Requiring JSON also keeps cross-site HTML forms out (they cannot send this content type without CORS).
  if (!/^application\/json\b/i.test(type)) throw new ProtocolError('BAD_REQUEST', 'send a JSON body (content-type: application/json)');
  const text = (await readBody(req, limit)).toString('utf8');
  // Depth is checked on the text, before parsing; values and strings (lone surrogates, NFC) right after.
  if (jsonTextTooDeep(text)) throw new ProtocolError('BAD_REQUEST', `the body is nested deeper than ${PAYLOAD_LIMITS.maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('BAD_REQUEST', 'the body is not valid JSON');
  }
  return guardPayload(value);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
