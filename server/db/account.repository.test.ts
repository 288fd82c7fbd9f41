/** Accounts and set-password tokens on the real databases: SQLite always, PostgreSQL when CONVLAB_TEST_PG_URL is set. */
import { describe, expect, it } from 'vitest';
import { createAccount, signIn } from '../auth/auth.service';
import { hashPassword } from '../auth/password';
import { openStore } from './index';
import { TEST_PG_URL, freshPostgres, freshSqlite } from './test-databases';

const PASSWORD = 'correct horse battery';

for (const kind of ['sqlite', 'postgresql'] as const) {
  describe.skipIf(kind === 'postgresql' && !TEST_PG_URL)(`accounts on ${kind}`, () => {
    async function open() {
      const db = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
      const opened = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
      return { accounts: opened.accounts, close: async () => (await opened.close(), await db.drop()) };
    }

    it('the first instructor is the approved admin; later ones wait; students need no approval', async () => {
      const { accounts, close } = await open();
      try {
        const first = await createAccount(accounts, { email: 'First@example.org', name: 'First', role: 'instructor', password: null });
        const second = await createAccount(accounts, { email: 'second@example.org', name: 'Second', role: 'instructor', password: null });
        const student = await createAccount(accounts, { email: 'student@example.org', name: 'S', role: 'student', password: null });
        expect(first).toMatchObject({ email: 'first@example.org', admin: true, approved: true, hasPassword: false });
        expect(second).toMatchObject({ admin: false, approved: false });
        expect(student).toMatchObject({ role: 'student', admin: false, approved: true });
        expect((await accounts.listInstructors()).map((a) => a.email)).toEqual(['second@example.org', 'first@example.org']);
        expect(await accounts.setApproved(student.id, true)).toBeNull(); // approval is for instructors
        await expect(createAccount(accounts, { email: 'FIRST@example.org', name: 'X', role: 'student', password: null })).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
      } finally {
        await close();
      }
    });

    it('with CONVLAB_ADMIN_EMAIL only that account is admin, also when it existed before', async () => {
      const { accounts, close } = await open();
      try {
        const early = await createAccount(accounts, { email: 'early@example.org', name: 'Early', role: 'instructor', password: null }, 'boss@example.org');
        expect(early).toMatchObject({ admin: false, approved: false });
        const boss = await createAccount(accounts, { email: 'Boss@example.org', name: 'Boss', role: 'instructor', password: null }, 'boss@example.org');
        expect(boss).toMatchObject({ admin: true, approved: true });
        expect(await accounts.promoteAdmin('EARLY@example.org')).toBe(true);
        expect(await accounts.findById(early.id)).toMatchObject({ admin: true, approved: true });
        expect(await accounts.promoteAdmin('nobody@example.org')).toBe(false);
      } finally {
        await close();
      }
    });

    it('a set-password token works once, not after expiry, and issuing again replaces the unused one', async () => {
      const { accounts, close } = await open();
      try {
        const student = await createAccount(accounts, { email: 'ada@example.org', name: 'Ada', role: 'student', password: null });
        expect(await signIn(accounts, 'ada@example.org', '')).toBeNull();
        const now = new Date('2026-12-04T12:00:00Z');
        await accounts.issuePasswordToken({ tokenHash: 'a'.repeat(64), accountId: student.id, issuedById: 'x', expiresAt: new Date(now.getTime() + 60_000) });
        await accounts.issuePasswordToken({ tokenHash: 'b'.repeat(64), accountId: student.id, issuedById: 'x', expiresAt: new Date(now.getTime() + 60_000) });
        expect(await accounts.findByPasswordToken('a'.repeat(64), now)).toBeNull();
        expect(await accounts.findByPasswordToken('b'.repeat(64), new Date(now.getTime() + 60_000))).toBeNull();
        expect((await accounts.findByPasswordToken('b'.repeat(64), now))?.id).toBe(student.id);

        const hash = await hashPassword(PASSWORD);
        const [one, two] = await Promise.all([accounts.usePasswordToken('b'.repeat(64), hash, now), accounts.usePasswordToken('b'.repeat(64), hash, now)]);
        expect([one, two].filter(Boolean)).toHaveLength(1);
        expect((await signIn(accounts, 'ada@example.org', PASSWORD))?.hasPassword).toBe(true);
        expect(await signIn(accounts, 'ada@example.org', 'wrong password')).toBeNull();
      } finally {
        await close();
      }
    });
  });
}
