import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CLIENT_EVENT_NAMES,
  CreateSessionBodySchema,
  DisplayNameSchema,
  ERROR_CODES,
  HTTP_STATUS_OF,
  INSTRUCTOR_EVENTS,
  PROTOCOL_VERSION,
  ProtocolError,
  STUDENT_EVENTS,
  SignupBodySchema,
  StepsSchema,
  ackSchema,
  clientEvents,
  connectErrorCode,
  fail,
  isProtocolError,
  ok,
  serverEvents,
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

  it('classifies every client event as a student or an instructor event', () => {
    const all = [...STUDENT_EVENTS, ...INSTRUCTOR_EVENTS].sort();
    expect(all).toEqual([...CLIENT_EVENT_NAMES].sort());
  });

  it('maps every error code to an HTTP status', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS_OF[code]).toBeGreaterThanOrEqual(400);
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
  });

  it('recognizes protocol errors and handshake refusals', () => {
    expect(isProtocolError(new ProtocolError('NOT_FOUND', 'x'))).toBe(true);
    expect(isProtocolError(new Error('x'))).toBe(false);
    const err = Object.assign(new Error('PROTOCOL_MISMATCH'), { data: { error: 'PROTOCOL_MISMATCH', message: 'reload' } });
    expect(connectErrorCode(err)).toBe('PROTOCOL_MISMATCH');
    expect(connectErrorCode(new Error('xhr poll error'))).toBeNull();
  });

  it('derives the socket.io event maps from the schemas', () => {
    expectTypeOf<Parameters<ClientToServerEvents['step:goto']>[0]>().toEqualTypeOf<{ index: number }>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents['step:next']>[1]>[0]>().toEqualTypeOf<
      Ack<{ state: SessionState }>
    >();
    expectTypeOf<Parameters<ServerToClientEvents['session:state']>[0]>().toEqualTypeOf<SessionState>();
    expect(Object.keys(serverEvents).sort()).toEqual(['participant:removed', 'presence:update', 'session:state']);
  });
});
