/** The JSON API over real HTTP, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthResponseSchema, SessionDetailResponseSchema, SessionListResponseSchema } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import { SLIDES, api, signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

describe.each(databaseTargets())('HTTP API on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;

  const start = () =>
    startServer({
      env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' },
      log: false,
      limits: { maxBodyBytes: 64 * 1024 },
    });

  beforeAll(async () => {
    db = await target.create();
    server = await start();
    base = server.url;
  });

  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  it('reports health: version, database kind, migrations current', async () => {
    const res = await api(base, '/api/health');
    expect(res.status).toBe(200);
    const health = HealthResponseSchema.parse(res.body);
    expect(health.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(health.database).toBe(target.kind);
    expect(health.migrations.current).toBe(true);
    expect(health.migrations.applied.length).toBeGreaterThan(0);
    expect(health.migrations.pending).toEqual([]);
  });

  it('signs up, reads me, signs out and in again with an httpOnly, signed, expiring cookie', async () => {
    const signup = await api(base, '/api/auth/signup', { body: { email: ' Ada@Example.org ', password: 'correct horse', name: 'Ada' } });
    expect(signup.status).toBe(201);
    expect(signup.body.instructor).toMatchObject({ email: 'ada@example.org', name: 'Ada' });
    expect(signup.body.instructor.passwordHash).toBeUndefined();
    expect(signup.setCookie).toMatch(/^convlab_session=[^;]+;/);
    expect(signup.setCookie).toMatch(/HttpOnly/);
    expect(signup.setCookie).toMatch(/SameSite=Lax/);
    expect(signup.setCookie).toMatch(/Max-Age=\d+/);
    const cookie = signup.setCookie!.split(';')[0]!;

    expect((await api(base, '/api/auth/me', { cookie })).body.instructor.email).toBe('ada@example.org');
    expect((await api(base, '/api/auth/me')).status).toBe(401);
    expect((await api(base, '/api/auth/me', { cookie: `${cookie}x` })).status).toBe(401);

    const out = await api(base, '/api/auth/signout', { method: 'POST' });
    expect(out.status).toBe(204);
    expect(out.setCookie).toMatch(/convlab_session=;.*Max-Age=0/);

    const dup = await api(base, '/api/auth/signup', { body: { email: 'ADA@example.org', password: 'another one', name: 'A' } });
    expect(dup).toMatchObject({ status: 409, body: { error: 'EMAIL_TAKEN' } });

    const wrong = await api(base, '/api/auth/signin', { body: { email: 'ada@example.org', password: 'wrong password' } });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'INVALID_CREDENTIALS' } });
    const unknown = await api(base, '/api/auth/signin', { body: { email: 'nobody@example.org', password: 'whatever1' } });
    expect(unknown).toMatchObject({ status: 401, body: { error: 'INVALID_CREDENTIALS' } });

    const signin = await api(base, '/api/auth/signin', { body: { email: 'ada@example.org', password: 'correct horse' } });
    expect(signin.status).toBe(200);
    expect(signin.setCookie).toMatch(/^convlab_session=/);
  });

  it('validates bodies and answers errors as { error, message }', async () => {
    const cases: [string, Parameters<typeof api>[2], number, string][] = [
      ['/api/auth/signup', { body: { email: 'not-an-email', password: 'long enough', name: 'X' } }, 400, 'BAD_REQUEST'],
      ['/api/auth/signup', { body: { email: 'a@b.org', password: 'short', name: 'X' } }, 400, 'BAD_REQUEST'],
      ['/api/auth/signup', { body: '{"email":', headers: { 'content-type': 'application/json' } }, 400, 'BAD_REQUEST'],
      ['/api/auth/signup', { body: 'email=a@b.org', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'BAD_REQUEST'],
      ['/api/auth/signin', { body: { email: 'a@b.org', password: 'x'.repeat(100_000) } }, 413, 'PAYLOAD_TOO_LARGE'],
      ['/api/sessions', { body: { title: 'x', steps: SLIDES } }, 401, 'UNAUTHORIZED'],
      ['/api/sessions/whatever', {}, 401, 'UNAUTHORIZED'],
      ['/api/auth/me', { method: 'DELETE' }, 405, 'BAD_REQUEST'],
    ];
    for (const [path, init, status, error] of cases) {
      const res = await api(base, path, init);
      expect(res.status, `${path} ${JSON.stringify(init).slice(0, 80)}`).toBe(status);
      expect(res.body).toEqual({ error, message: expect.any(String) });
    }
    expect((await api(base, '/api/nothing-here')).status).toBe(404);
  });

  it('refuses state-changing requests from another origin', async () => {
    const res = await api(base, '/api/auth/signin', {
      body: { email: 'ada@example.org', password: 'correct horse' },
      headers: { origin: 'https://evil.example' },
    });
    expect(res).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    const same = await api(base, '/api/auth/signin', { body: { email: 'ada@example.org', password: 'correct horse' }, headers: { origin: base } });
    expect(same.status).toBe(200);
  });

  it('creates, lists and reads sessions; only their own instructor may read them', async () => {
    const { cookie } = await signUpInstructor(base, 'sessions@example.org');
    const bad = await api(base, '/api/sessions', { cookie, body: { title: 'x', steps: [] } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });

    const first = await api(base, '/api/sessions', { cookie, body: { title: 'First', steps: SLIDES } });
    const second = await api(base, '/api/sessions', { cookie, body: { title: 'Second', steps: SLIDES.slice(0, 1) } });
    expect(first.status).toBe(201);
    const s = first.body.session;
    expect(s.code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
    // Opened at 127.0.0.1 on a server that listens there only: the join link cannot reach students, and says so
    // (server/net/join-address.ts; the choice of a LAN address is unit-tested with injected interfaces).
    expect(s.joinUrl).toMatch(new RegExp(`^http://[^/]+:${new URL(base).port}/join/${s.code}$`));
    expect(s.joinNote).toMatch(/students cannot reach/);
    expect(s).toMatchObject({ title: 'First', currentStep: 0, status: 'live', steps: SLIDES });
    expect(second.body.session.code).not.toBe(s.code);

    const list = SessionListResponseSchema.parse((await api(base, '/api/sessions', { cookie })).body);
    expect(list.sessions.map((x) => x.title)).toEqual(['Second', 'First']);

    const detail = SessionDetailResponseSchema.parse((await api(base, `/api/sessions/${s.id}`, { cookie })).body);
    expect(detail.session.id).toBe(s.id);
    expect(detail.participants).toEqual([]);

    const other = await signUpInstructor(base, 'other-sessions@example.org');
    expect((await api(base, `/api/sessions/${s.id}`, { cookie: other.cookie })).status).toBe(403);
    expect((await api(base, '/api/sessions', { cookie: other.cookie })).body.sessions).toEqual([]);
    expect((await api(base, '/api/sessions/no-such-id', { cookie })).status).toBe(404);

    const info = await api(base, `/api/join/${s.code.toLowerCase()}`);
    expect(info).toMatchObject({ status: 200, body: { code: s.code, title: 'First', status: 'live' } });
    expect((await api(base, '/api/join/ZZZZZZ')).status).toBe(404);
  });

  it('fails clearly when the port is taken, and keeps the running server serving', async () => {
    await expect(
      startServer({ env: { ...db.env, PORT: String(server.port), HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' }, log: false }),
    ).rejects.toThrow(/EADDRINUSE/);
    expect((await api(base, '/api/health')).status).toBe(200);
  });

  it('keeps instructors signed in across a restart (the generated secret is persisted)', async () => {
    const { cookie } = await signUpInstructor(base, 'persist@example.org');
    await server.close();
    server = await start();
    base = server.url;
    expect((await api(base, '/api/auth/me', { cookie })).body.instructor.email).toBe('persist@example.org');
  });
});
