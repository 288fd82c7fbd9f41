import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CLIENT_EVENT_NAMES,
  CreateSessionBodySchema,
  DisplayNameSchema,
  ERROR_CODES,
  HTTP_STATUS_OF,
  INSTRUCTOR_EVENTS,
  COMPUTE_ERROR_CODES,
  PROTOCOL_VERSION,
  ProtocolError,
  SHARED_EVENTS,
  STUDENT_EVENTS,
  SignupBodySchema,
  StepsSchema,
  ackSchema,
  clientEvents,
  connectErrorCode,
  fail,
  isProtocolError,
  ok,
  reviveJobOutcome,
  reviveJobProgress,
  serverEvents,
  type JobOutcome,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SessionState,
} from './index';
import { z } from 'zod';

const slide = (id: string) => ({ kind: 'slide' as const, id, title: `Slide ${id}`, markdown: '# hi' });

describe('protocol', () => {
  it('has a positive integer version', () => {
    expect(Number.isInteger(PROTOCOL_VERSION)).toBe(true);
    expect(PROTOCOL_VERSION).toBeGreaterThan(0);
  });

  it('classifies every client event as a student, shared or instructor event', () => {
    const all = [...STUDENT_EVENTS, ...SHARED_EVENTS, ...INSTRUCTOR_EVENTS].sort();
    expect(all).toEqual([...CLIENT_EVENT_NAMES].sort());
  });

  it('maps every error code to an HTTP status', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS_OF[code]).toBeGreaterThanOrEqual(400);
  });

  it('has the compute error codes in the one list, with their statuses', () => {
    for (const code of COMPUTE_ERROR_CODES) expect(ERROR_CODES).toContain(code);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(HTTP_STATUS_OF.SERVER_BUSY).toBe(503);
    expect(HTTP_STATUS_OF.JOB_TOO_LARGE).toBe(413);
  });

  it('refuses a malformed job:submit with BAD_JOB and takes a job:cancel by id', () => {
    const submit = clientEvents['job:submit'];
    expect(submit.invalid).toBe('BAD_JOB');
    const spec = { kind: 'classify', model: 'mobilenet_v1_0.25_224', image: { kind: 'sample', id: 'photos/cat.png' } };
    expect(submit.payload.parse({ spec }).spec).toMatchObject({ params: { top: 5 } });
    expect(submit.payload.safeParse({ spec: { ...spec, kind: 'train' } }).success).toBe(false);
    expect(submit.payload.safeParse({ spec, priority: 'high' }).success).toBe(false); // strict
    expect(clientEvents['job:cancel'].payload.safeParse({ jobId: 'job-1' }).success).toBe(true);
    expect(clientEvents['job:cancel'].payload.safeParse({ jobId: '' }).success).toBe(false);
  });

  it('validates student:join', () => {
    const join = clientEvents['student:join'].payload;
    expect(join.parse({ code: 'ab3k7q', displayName: '  Ana   Lee ' })).toEqual({ code: 'AB3K7Q', displayName: 'Ana Lee' });
    expect(join.safeParse({ code: 'AB3K7Q' }).success).toBe(false); // neither name nor token
    expect(join.safeParse({ code: 'AB3K7Q', displayName: '   ' }).success).toBe(false);
    expect(join.safeParse({ code: 'AB3K7Q', displayName: 'x'.repeat(41) }).success).toBe(false);
    expect(join.safeParse({ code: 'AB3K7Q', displayName: 'Ana', role: 'instructor' }).success).toBe(false); // strict
    expect(join.safeParse({ code: 'AB3K7Q', resumeToken: 'a'.repeat(43) }).success).toBe(true);
    expect(join.safeParse({ code: 'AB3K7Q', resumeToken: 'not base64url!!!!!' }).success).toBe(false);
    expect(join.safeParse(null).success).toBe(false);
    expect(join.safeParse('AB3K7Q').success).toBe(false);
  });

  it('validates instructor actions', () => {
    expect(clientEvents['step:goto'].payload.safeParse({ index: 2 }).success).toBe(true);
    expect(clientEvents['step:goto'].payload.safeParse({ index: -1 }).success).toBe(false);
    expect(clientEvents['step:goto'].payload.safeParse({ index: 1.5 }).success).toBe(false);
    expect(clientEvents['step:goto'].payload.safeParse({ index: '1' }).success).toBe(false);
    expect(clientEvents['step:next'].payload.safeParse({}).success).toBe(true);
    expect(clientEvents['step:next'].payload.safeParse({ by: 2 }).success).toBe(false);
    expect(clientEvents['session:pause'].payload.safeParse({ paused: true, message: 'x'.repeat(281) }).success).toBe(false);
    expect(clientEvents['controls:lock'].payload.safeParse({ locked: 'yes' }).success).toBe(false);
  });

  it('strips control characters from display names', () => {
    expect(DisplayNameSchema.parse('A\u0000n\u200ba\n')).toBe('Ana');
  });

  it('validates lesson plans', () => {
    expect(StepsSchema.safeParse([slide('a'), slide('b')]).success).toBe(true);
    expect(StepsSchema.safeParse([]).success).toBe(false);
    expect(StepsSchema.safeParse([slide('a'), slide('a')]).success).toBe(false);
    expect(StepsSchema.safeParse([{ ...slide('a'), imageUrl: 'javascript:alert(1)' }]).success).toBe(false);
    expect(StepsSchema.safeParse([{ ...slide('a'), imageUrl: '//evil.example/x.png' }]).success).toBe(false);
    expect(StepsSchema.safeParse([{ ...slide('a'), imageUrl: '/images/cat.jpg' }]).success).toBe(true);
    expect(StepsSchema.safeParse([{ ...slide('a'), imageUrl: 'https://example.org/cat.jpg' }]).success).toBe(true);
    expect(StepsSchema.safeParse([{ ...slide('a'), kind: 'video' }]).success).toBe(false);
    expect(CreateSessionBodySchema.safeParse({ title: ' ', steps: [slide('a')] }).success).toBe(false);
  });

  it('normalizes sign-up bodies', () => {
    expect(SignupBodySchema.parse({ email: ' Ada@Example.ORG ', password: 'correct horse', name: 'Ada' }).email).toBe(
      'ada@example.org',
    );
    expect(SignupBodySchema.safeParse({ email: 'ada', password: 'correct horse', name: 'Ada' }).success).toBe(false);
    expect(SignupBodySchema.safeParse({ email: 'a@b.org', password: 'short', name: 'Ada' }).success).toBe(false);
  });

  it('builds and parses acks', () => {
    const schema = ackSchema(z.object({ n: z.number() }));
    expect(schema.parse(ok({ n: 1 }))).toEqual({ ok: true, data: { n: 1 } });
    expect(schema.parse(fail('FORBIDDEN', 'no'))).toEqual({ ok: false, error: 'FORBIDDEN', message: 'no' });
    expect(schema.safeParse({ ok: false, error: 'NOPE', message: '' }).success).toBe(false);
    const busy = fail('SERVER_BUSY', 'server busy, position 3', { position: 2 });
    expect(schema.parse(busy)).toEqual({ ok: false, error: 'SERVER_BUSY', message: 'server busy, position 3', details: { position: 2 } });
    expect(schema.safeParse({ ...busy, details: { position: -1 } }).success).toBe(false);
  });

  it('revives the binary members of job results as typed arrays', () => {
    // As Node's socket.io-client delivers attachments: Buffers, possibly at offsets unaligned for float32.
    const wire = (a: Float32Array | Int32Array) => {
      const pool = Buffer.alloc(a.byteLength + 1);
      pool.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 1);
      return pool.subarray(1);
    };
    const occlusion = {
      ok: true,
      jobId: 'job-1',
      specHash: 'h',
      kind: 'occlusion',
      computedBy: { where: 'server', backend: 'wasm', ms: 1, cached: false },
      data: { classIndex: 3, baseline: 0.9, rows: 1, cols: 2, window: 1, stride: 1, probabilities: wire(new Float32Array([0.5, 0.25])), topClass: wire(new Int32Array([3, 7])), topProbability: wire(new Float32Array([0.5, 0.6])) },
    } as unknown as JobOutcome;
    const r = reviveJobOutcome(occlusion);
    const data = r.ok ? (r.data as { probabilities: Float32Array; topClass: Int32Array }) : null;
    expect(data?.probabilities).toEqual(new Float32Array([0.5, 0.25]));
    expect(data?.topClass).toEqual(new Int32Array([3, 7]));
    const saliency = { ...occlusion, kind: 'saliency', data: { method: 'saliency', value: 1, map: { height: 1, width: 1, channels: 1, data: new Float32Array([2]).buffer }, png: new Uint8Array([0x89, 0x50]).buffer } } as unknown as JobOutcome;
    const s = reviveJobOutcome(saliency);
    expect(s.ok && (s.data as { map: { data: Float32Array }; png: Uint8Array }).map.data).toEqual(new Float32Array([2]));
    expect(s.ok && (s.data as { png: Uint8Array }).png).toEqual(new Uint8Array([0x89, 0x50]));
    expect(() => reviveJobOutcome({ ...occlusion, data: { ...(occlusion as { data: object }).data, probabilities: [0.5, 0.25] } } as unknown as JobOutcome)).toThrow(/binary/);
    expect(reviveJobProgress({ jobId: 'j', step: 1, total: 2, image: Buffer.from([1, 2]) }).image).toEqual(new Uint8Array([1, 2]));
    const failed: JobOutcome = { ok: false, jobId: 'j', error: 'JOB_CANCELLED', message: 'x' };
    expect(reviveJobOutcome(failed)).toBe(failed);
  });

  it('recognizes protocol errors and handshake refusals', () => {
    expect(isProtocolError(new ProtocolError('NOT_FOUND', 'x'))).toBe(true);
    expect(isProtocolError(new Error('x'))).toBe(false);
    const err = Object.assign(new Error('PROTOCOL_MISMATCH'), { data: { error: 'PROTOCOL_MISMATCH', message: 'reload' } });
    expect(connectErrorCode(err)).toBe('PROTOCOL_MISMATCH');
    expect(connectErrorCode(new Error('xhr poll error'))).toBeNull();
  });

  it('derives the socket.io event maps from the schemas', () => {
    expectTypeOf<Parameters<ClientToServerEvents['step:goto']>[0]>().toEqualTypeOf<{ index: number } & { requestId: string }>();
    expectTypeOf<Parameters<ClientToServerEvents['instructor:watch']>[0]>().toEqualTypeOf<{ sessionId: string }>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents['step:next']>[1]>[0]>().toEqualTypeOf<
      Ack<{ state: SessionState }>
    >();
    expectTypeOf<Parameters<ServerToClientEvents['session:state']>[0]>().toEqualTypeOf<SessionState>();
    expect(Object.keys(serverEvents).sort()).toEqual([
      'ascent:lambda',
      'instructor:approval-withdrawn',
      'job:progress',
      'job:result',
      'lab:shared',
      'lab:submitted',
      'participant:removed',
      'patches:done',
      'patches:progress',
      'patches:shard',
      'presence:update',
      'session:state',
      'sweep:done',
      'sweep:progress',
      'sweep:shard',
    ]);
  });
});
