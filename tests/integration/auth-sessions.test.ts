/**
 * Server-side sign-in sessions (issue #10 item 7) over real HTTP and socket.io, on SQLite and (with
 * CONVLAB_TEST_PG_URL) PostgreSQL: sign-out ends the session on the server, and an instructor lists and revokes
 * their sessions; a revoked session's sockets are disconnected and its cookie is refused by the handshake.
 */
import { describe, expect, it } from 'vitest';
import { SignedInSessionListResponseSchema } from '@convlab/protocol';
import { SLIDES, api, connect, connected, request, signUpInstructor, waitFor } from './helpers/clients';
import { useApiServer } from './helpers/api-server';
import { databaseTargets } from './helpers/databases';

describe.each(databaseTargets())('signed-in sessions on $kind', (target) => {
  const suite = useApiServer(target);
  const password = 'correct horse battery';

  const signIn = async (email: string, userAgent: string) => {
    const res = await api(suite.base, '/api/auth/signin', { body: { email, password }, headers: { 'user-agent': userAgent } });
    expect(res.status).toBe(200);
    return res.setCookie!.split(';')[0]!;
  };

  it('sign-out ends the session on the server: the old cookie gets 401, other sessions keep working', async () => {
    const email = `out-${target.kind}@example.org`;
    const { cookie: first } = await signUpInstructor(suite.base, email);
    const second = await signIn(email, 'Laptop');
    expect((await api(suite.base, '/api/auth/me', { cookie: first })).status).toBe(200);

    const out = await api(suite.base, '/api/auth/signout', { method: 'POST', cookie: first });
    expect(out.status).toBe(204);
    expect(out.setCookie).toMatch(/convlab_session=;.*Max-Age=0/);
    // A copy of the old cookie (kept by an attacker, or a stale tab) no longer signs anyone in.
    expect(await api(suite.base, '/api/auth/me', { cookie: first })).toMatchObject({ status: 401, body: { error: 'UNAUTHORIZED' } });
    expect((await api(suite.base, '/api/sessions', { cookie: first })).status).toBe(401);
    expect((await api(suite.base, '/api/auth/me', { cookie: second })).status).toBe(200);
    // Signing out twice, or without a cookie, is harmless.
    expect((await api(suite.base, '/api/auth/signout', { method: 'POST', cookie: first })).status).toBe(204);
    expect((await api(suite.base, '/api/auth/signout', { method: 'POST' })).status).toBe(204);
  });

  it('lists the signed-in sessions and revokes one: its cookie and its sockets stop working at once', async () => {
    const email = `list-${target.kind}@example.org`;
    await signUpInstructor(suite.base, email);
    const desk = await signIn(email, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0');
    const hall = await signIn(email, 'Mozilla/5.0 (Windows NT 10.0) Chrome/140.0');

    const listed = SignedInSessionListResponseSchema.parse((await api(suite.base, '/api/auth/sessions', { cookie: desk })).body);
    expect(listed.sessions).toHaveLength(3); // sign-up, desk, hall
    const current = listed.sessions.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]!.userAgent).toContain('Firefox');
    expect(current[0]!.address).toBe('127.0.0.1');
    const hallSession = listed.sessions.find((s) => s.userAgent?.includes('Chrome'))!;

    // The hall laptop is live in a session on a socket.
    const created = await api(suite.base, '/api/sessions', { cookie: hall, body: { title: 'Revoke me', steps: SLIDES } });
    const socket = connect(suite.base, { cookie: hall, reconnection: false });
    await connected(socket);
    expect(await request(socket, 'instructor:watch', { sessionId: created.body.session.id })).toMatchObject({ ok: true });
    let disconnectReason = '';
    socket.on('disconnect', (reason) => (disconnectReason = reason));

    // Another instructor cannot revoke it, nor can an unknown id be revoked.
    const { cookie: stranger } = await signUpInstructor(suite.base, `stranger-${target.kind}@example.org`);
    expect((await api(suite.base, `/api/auth/sessions/${hallSession.id}/revoke`, { method: 'POST', cookie: stranger })).status).toBe(404);
    expect((await api(suite.base, '/api/auth/sessions/nope/revoke', { method: 'POST', cookie: desk })).status).toBe(404);
    expect((await api(suite.base, '/api/auth/me', { cookie: hall })).status).toBe(200);

    const revoked = await api(suite.base, `/api/auth/sessions/${hallSession.id}/revoke`, { method: 'POST', cookie: desk });
    expect(revoked.status).toBe(204);
    expect(revoked.setCookie).toBeNull(); // not the desk's own session: its cookie stays
    expect((await api(suite.base, '/api/auth/me', { cookie: hall })).status).toBe(401);
    await waitFor(() => disconnectReason, 'the revoked session loses its socket');
    expect(disconnectReason).toBe('io server disconnect');

    // Its cookie now makes a guest socket: instructor actions are refused.
    const again = connect(suite.base, { cookie: hall, reconnection: false });
    await connected(again);
    expect(await request(again, 'instructor:watch', { sessionId: created.body.session.id })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
    again.close();
    socket.close();

    const after = SignedInSessionListResponseSchema.parse((await api(suite.base, '/api/auth/sessions', { cookie: desk })).body);
    expect(after.sessions.map((s) => s.id)).not.toContain(hallSession.id);
    expect(after.sessions).toHaveLength(2);
    expect((await api(suite.base, '/api/auth/sessions')).status).toBe(401);
  });
});
