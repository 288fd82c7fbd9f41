/** The ClassroomStore contract on the real databases: SQLite always, PostgreSQL when CONVLAB_TEST_PG_URL is set. */
import { describe, expect, it } from 'vitest';
import { describeClassroomStoreContract, describeJobResultStoreContract, describeLiveStateStoreContract } from '@convlab/classroom/testing';
import type { Db } from './client';
import { openStore, type PrismaClassroomStore } from './index';
import { TEST_PG_URL, freshPostgres, freshSqlite, type TestDatabase } from './test-databases';

async function harness(db: TestDatabase) {
  const opened = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  return {
    store: opened.store,
    dispose: async () => {
      await opened.close();
      await db.drop();
    },
  };
}

describeClassroomStoreContract('sqlite', () => harness(freshSqlite()));

describe.skipIf(!TEST_PG_URL)('postgresql (CONVLAB_TEST_PG_URL)', () => {
  describeClassroomStoreContract('postgresql', async () => harness(await freshPostgres()));
});

for (const kind of ['sqlite', 'postgresql'] as const) {
  describe.skipIf(kind === 'postgresql' && !TEST_PG_URL)(`restart safety on ${kind}`, () => {
    it('keeps sessions, participants, the step and lock/pause state across a reopen', async () => {
      const db = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
      try {
        const first = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
        expect(first.kind).toBe(kind);
        const owner = await first.store.createInstructor({ email: 'a@example.org', name: 'A', passwordHash: 'h' });
        const session = await first.store.createSession({
          code: 'RST234',
          title: 'Restart',
          instructorId: owner.id,
          steps: [
            { kind: 'slide', id: 'a', title: 'A', markdown: 'a' },
            { kind: 'slide', id: 'b', title: 'B', markdown: 'b' },
          ],
        });
        const participant = await first.store.createParticipant({ sessionId: session.id, displayName: 'Ada', tokenHash: 'f'.repeat(64) });
        const updated = await first.store.updateSession(session.id, {
          currentStep: 1,
          locked: true,
          paused: true,
          pauseMessage: 'wait',
          presenting: { kind: 'view', stepId: 'b', view: 'class-map' },
        });
        await first.close();

        const second = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
        try {
          expect(await second.store.findSessionByCode('RST234')).toEqual(updated);
          expect(await second.store.findParticipantByToken(session.id, 'f'.repeat(64))).toEqual(participant);
          expect((await second.migrationStatus()).current).toBe(true);
        } finally {
          await second.close();
        }
      } finally {
        await db.drop();
      }
    });

    it('reads an unreadable stored present target as nothing pinned', async () => {
      const db = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
      const opened = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
      try {
        const owner = await opened.store.createInstructor({ email: 'a@example.org', name: 'A', passwordHash: 'h' });
        const session = await opened.store.createSession({ code: 'GRB234', title: 'Garbage', instructorId: owner.id, steps: [] });
        // Write past the repository, as a hand-edited row or an older format would look.
        const { db: client } = opened.store as unknown as { db: Db };
        for (const garbage of ['not json', '{"kind":"submission"}', '{"kind":"slide","stepId":"a"}', '42']) {
          await client.liveSession.update({ where: { id: session.id }, data: { presenting: garbage } });
          expect((await opened.store.findSessionById(session.id))?.presenting).toBeNull();
        }
      } finally {
        await opened.close();
        await db.drop();
      }
    });
  });
}

describeJobResultStoreContract('sqlite', async () => harness(freshSqlite()).then((h) => ({ store: (h.store as PrismaClassroomStore).jobResults, dispose: h.dispose })));

describe.skipIf(!TEST_PG_URL)('postgresql job results (CONVLAB_TEST_PG_URL)', () => {
  describeJobResultStoreContract('postgresql', async () => harness(await freshPostgres()).then((h) => ({ store: (h.store as PrismaClassroomStore).jobResults, dispose: h.dispose })));
});

describeLiveStateStoreContract('sqlite', async () => harness(freshSqlite()).then((h) => ({ store: h.store.liveState, sessionId: 'session-1', dispose: h.dispose })));
describe.skipIf(!TEST_PG_URL)('postgresql (CONVLAB_TEST_PG_URL)', () => {
  describeLiveStateStoreContract('postgresql', async () => harness(await freshPostgres()).then((h) => ({ store: h.store.liveState, sessionId: 'session-1', dispose: h.dispose })));
});
