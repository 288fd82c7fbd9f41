/** What the scripts that put a class's load on a server share: the occlusion step and result, acks and JSON calls. */
import type { Ack } from '@convlab/protocol';
import type { Socket } from 'socket.io-client';

/** A lab step every student can submit to at once (the server recomputes the result's probabilities). */
export const OCC = {
  kind: 'lab',
  id: 'occ',
  title: 'Occlusion',
  markdown: '',
  labId: 'occlusion',
  params: { model: 'mobilenet_v1_0.25_224', image: { kind: 'sample' as const, id: 'photos/skimage_chelsea.png' }, classIndex: 285, fill: 'grey' },
};
export const RESULT = { classIndex: 285, baseline: 0.59, inputSize: [224, 224], masks: [{ mask: { kind: 'rect', x: 80, y: 40, width: 60, height: 90 }, probability: 0.2 }] };

/** Emits and waits for the ack; null when none came in time (lost with the server, or never answered). */
export async function ask(socket: Socket, event: string, payload: unknown, timeoutMs: number): Promise<Ack<any> | null> {
  try {
    return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<any>;
  } catch {
    return null;
  }
}

/** A JSON request (GET without a body, POST with one); returns the status, the body and the first cookie set. */
export async function api(base: string, path: string, init: { body?: unknown; cookie?: string } = {}): Promise<{ status: number; body: any; cookie?: string }> {
  const res = await fetch(`${base}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.cookie ? { cookie: init.cookie } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  // A proxy's own error page is not JSON: keep its status, not a parse error.
  const body = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text || undefined;
  return { status: res.status, body, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}
