/**
 * The ClassroomStore contract: one suite that every implementation must pass (in memory, SQLite, PostgreSQL).
 * A runner file calls `describeClassroomStoreContract` with a factory that opens a fresh, empty store.
 * Only for tests: it imports vitest.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CodeTakenError,
  EmailTakenError,
  NameTakenError,
  NotFoundError,
  type ClassroomStore,
  type InstructorDTO,
  type LiveSessionDTO,
  type Step,
} from './store';

/** A fresh, empty store and how to throw it away (close it, drop its database). */
export interface StoreHarness {
  store: ClassroomStore;
  dispose(): Promise<void>;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const STEPS: Step[] = [
  { kind: 'slide', id: 'intro', title: 'Convolution', markdown: '# A weighted sum\n\n$y = \\sum w_i x_i$ — über ✓ 🧠' },
  { kind: 'slide', id: 'pool', title: 'Pooling', markdown: 'Max pooling keeps the **largest**.', imageUrl: '/img/pool.png' },
];

let tokenCounter = 0;
/** A distinct fake token hash (the store treats it as opaque). */
function token(): string {
  tokenCounter += 1;
  return `${Date.now().toString(16)}${tokenCounter.toString(16)}`.padStart(64, '0');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registers the contract suite for one implementation; `open` must return a fresh, empty store each call. */
export function describeClassroomStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`ClassroomStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: ClassroomStore;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.dispose();
    });

    async function instructor(email = 'ada@example.org'): Promise<InstructorDTO> {
      return store.createInstructor({ email, name: 'Ada Lovelace', passwordHash: 'scrypt$abc' });
    }
    async function session(code = 'ABC234', instructorId?: string): Promise<LiveSessionDTO> {
      const owner = instructorId ?? (await instructor(`owner-${code.toLowerCase()}@example.org`)).id;
      return store.createSession({ code, title: 'CNN intro', instructorId: owner, steps: STEPS });
    }

    describe('instructors', () => {
      it('creates an account with a lower-cased email and no secret in the DTO', async () => {
        const created = await store.createInstructor({ email: '  Ada@Example.ORG ', name: 'Ada', passwordHash: 'h1' });
        expect(created).toEqual({ id: expect.any(String), email: 'ada@example.org', name: 'Ada', createdAt: expect.stringMatching(ISO) });
        expect(created).not.toHaveProperty('passwordHash');
      });

      it('finds by email case-insensitively, with the password hash', async () => {
        const created = await instructor('grace@example.org');
        const found = await store.findInstructorByEmail('GRACE@example.org');
        expect(found).toEqual({ ...created, passwordHash: 'scrypt$abc' });
        expect(await store.findInstructorByEmail('nobody@example.org')).toBeNull();
      });

      it('finds by id without the secret', async () => {
        const created = await instructor();
        const found = await store.findInstructorById(created.id);
        expect(found).toEqual(created);
        expect(found).not.toHaveProperty('passwordHash');
        expect(await store.findInstructorById('does-not-exist')).toBeNull();
      });

      it('refuses a second account with the same email in another case', async () => {
        await instructor('ada@example.org');
        await expect(instructor('ADA@example.org')).rejects.toBeInstanceOf(EmailTakenError);
      });
    });

    describe('sessions', () => {
      it('creates a live session with defaults and the steps as given', async () => {
        const owner = await instructor();
        const created = await store.createSession({ code: 'XYZ789', title: 'Filters', instructorId: owner.id, steps: STEPS });
        expect(created).toEqual({
          id: expect.any(String),
          code: 'XYZ789',
          title: 'Filters',
          instructorId: owner.id,
          steps: STEPS,
          currentStep: 0,
          locked: false,
          paused: false,
          pauseMessage: null,
          status: 'live',
          createdAt: expect.stringMatching(ISO),
          endedAt: null,
        });
      });

      it('finds by id and by code; unknown ones are null', async () => {
        const created = await session('QWE456');
        expect(await store.findSessionById(created.id)).toEqual(created);
        expect(await store.findSessionByCode('QWE456')).toEqual(created);
        expect(await store.findSessionById('nope')).toBeNull();
        expect(await store.findSessionByCode('ZZZZZZ')).toBeNull();
      });

      it('refuses a code already used, even by an ended session', async () => {
        const first = await session('DUP234');
        await store.updateSession(first.id, { status: 'ended', endedAt: new Date().toISOString() });
        await expect(store.createSession({ code: 'DUP234', title: 'again', instructorId: first.instructorId, steps: [] })).rejects.toBeInstanceOf(
          CodeTakenError,
        );
      });

      it('refuses a session for an unknown instructor', async () => {
        await expect(store.createSession({ code: 'NOI234', title: 't', instructorId: 'ghost', steps: [] })).rejects.toBeInstanceOf(NotFoundError);
      });

      it("lists an instructor's sessions newest first, and only theirs", async () => {
        const owner = await instructor();
        const other = await instructor('other@example.org');
        const a = await session('AAA234', owner.id);
        await sleep(5);
        await session('BBB234', other.id);
        await sleep(5);
        const c = await session('CCC234', owner.id);
        const listed = await store.listSessionsByInstructor(owner.id);
        expect(listed.map((s) => s.code)).toEqual(['CCC234', 'AAA234']);
        expect(listed[0]).toEqual(c);
        expect(listed[1]).toEqual(a);
        expect(await store.listSessionsByInstructor('ghost')).toEqual([]);
      });

      it('applies a partial patch, keeps the other fields, and persists it', async () => {
        const created = await session();
        const moved = await store.updateSession(created.id, { currentStep: 1, locked: true });
        expect(moved).toEqual({ ...created, currentStep: 1, locked: true });
        const paused = await store.updateSession(created.id, { paused: true, pauseMessage: 'Eyes on me' });
        expect(paused).toEqual({ ...created, currentStep: 1, locked: true, paused: true, pauseMessage: 'Eyes on me' });
        expect(await store.findSessionById(created.id)).toEqual(paused);
      });

      it('ends and reopens a session; endedAt keeps millisecond precision', async () => {
        const created = await session();
        const endedAt = new Date('2026-03-04T05:06:07.089Z').toISOString();
        const ended = await store.updateSession(created.id, { status: 'ended', endedAt });
        expect(ended.status).toBe('ended');
        expect(ended.endedAt).toBe(endedAt);
        const reopened = await store.updateSession(created.id, { status: 'live', endedAt: null });
        expect(reopened).toEqual({ ...created });
      });

      it('replaces the lesson plan and the title', async () => {
        const created = await session();
        const steps: Step[] = [{ kind: 'slide', id: 'only', title: 'Only', markdown: '' }];
        const updated = await store.updateSession(created.id, { steps, title: 'Renamed' });
        expect(updated.steps).toEqual(steps);
        expect(updated.title).toBe('Renamed');
        expect((await store.findSessionById(created.id))?.steps).toEqual(steps);
      });

      it('hands out copies: mutating a returned DTO changes nothing stored', async () => {
        const created = await session();
        created.steps[0]!.title = 'mutated';
        created.steps.push({ kind: 'slide', id: 'x', title: 'x', markdown: 'x' });
        expect((await store.findSessionById(created.id))?.steps).toEqual(STEPS);
      });

      it('refuses to update an unknown session or to store a bad step index', async () => {
        await expect(store.updateSession('ghost', { locked: true })).rejects.toBeInstanceOf(NotFoundError);
        const created = await session();
        await expect(store.updateSession(created.id, { currentStep: -1 })).rejects.toThrow(/currentStep/);
        await expect(store.updateSession(created.id, { currentStep: 1.5 })).rejects.toThrow(/currentStep/);
        expect((await store.findSessionById(created.id))?.currentStep).toBe(0);
      });
    });

    describe('participants', () => {
      it('adds a participant without exposing the token hash', async () => {
        const s = await session();
        const p = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: token() });
        expect(p).toEqual({
          id: expect.any(String),
          sessionId: s.id,
          displayName: 'Ada',
          joinedAt: expect.stringMatching(ISO),
          lastSeenAt: p.joinedAt,
          removedAt: null,
        });
        expect(p).not.toHaveProperty('tokenHash');
        expect(await store.findParticipantById(p.id)).toEqual(p);
        expect(await store.findParticipantById('ghost')).toBeNull();
      });

      it('refuses a display name already used in the session, case-insensitively', async () => {
        const s = await session();
        await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: token() });
        for (const same of ['ada', 'ADA', 'ＡＤＡ']) {
          await expect(store.createParticipant({ sessionId: s.id, displayName: same, tokenHash: token() })).rejects.toBeInstanceOf(NameTakenError);
        }
        const other = await session('OTH234');
        await expect(store.createParticipant({ sessionId: other.id, displayName: 'ADA', tokenHash: token() })).resolves.toMatchObject({
          displayName: 'ADA',
        });
        expect(await store.listParticipants(s.id)).toHaveLength(1);
      });

      it('lets exactly one of several simultaneous joins with the same name win', async () => {
        const s = await session();
        const results = await Promise.allSettled(
          ['Bea', 'bea', 'BEA', 'bEa', 'beA'].map((displayName) => store.createParticipant({ sessionId: s.id, displayName, tokenHash: token() })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(NameTakenError);
        expect(await store.listParticipants(s.id)).toHaveLength(1);
      });

      it('lets exactly one of several simultaneous sessions with the same code win', async () => {
        const owner = await instructor();
        const results = await Promise.allSettled(
          [1, 2, 3, 4].map((n) => store.createSession({ code: 'RAC234', title: `t${n}`, instructorId: owner.id, steps: [] })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CodeTakenError);
      });

      it('refuses a participant of an unknown session', async () => {
        await expect(store.createParticipant({ sessionId: 'ghost', displayName: 'Ada', tokenHash: token() })).rejects.toBeInstanceOf(NotFoundError);
      });

      it('finds a participant by token only within its session', async () => {
        const s = await session();
        const other = await session('OTH234');
        const hash = token();
        const p = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: hash });
        expect(await store.findParticipantByToken(s.id, hash)).toEqual(p);
        expect(await store.findParticipantByToken(other.id, hash)).toBeNull();
        expect(await store.findParticipantByToken(s.id, token())).toBeNull();
      });

      it('lists participants in join order, only those of the session', async () => {
        const s = await session();
        const other = await session('OTH234');
        const names = ['Cy', 'Ada', 'Bo', 'Dee'];
        for (const displayName of names) {
          await store.createParticipant({ sessionId: s.id, displayName, tokenHash: token() });
          await store.createParticipant({ sessionId: other.id, displayName, tokenHash: token() });
          await sleep(2);
        }
        const listed = await store.listParticipants(s.id);
        expect(listed.map((p) => p.displayName)).toEqual(names);
        expect(listed.every((p) => p.sessionId === s.id)).toBe(true);
        expect(await store.listParticipants('ghost')).toEqual([]);
      });

      it('records activity to the millisecond and ignores unknown ids', async () => {
        const s = await session();
        const p = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: token() });
        const at = new Date(Date.parse(p.joinedAt) + 12_345);
        await store.touchParticipant(p.id, at);
        expect(await store.findParticipantById(p.id)).toEqual({ ...p, lastSeenAt: at.toISOString() });
        await expect(store.touchParticipant('ghost', at)).resolves.toBeUndefined();
        await expect(store.touchParticipant(p.id, new Date(Number.NaN))).rejects.toThrow(TypeError);
      });

      it('removes a participant once: the first removal time stays, the token still finds it, the name stays taken', async () => {
        const s = await session();
        const hash = token();
        const p = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: hash });
        const first = new Date(Date.parse(p.joinedAt) + 1000);
        const removed = await store.removeParticipant(p.id, first);
        expect(removed).toEqual({ ...p, removedAt: first.toISOString() });
        const again = await store.removeParticipant(p.id, new Date(first.getTime() + 5000));
        expect(again.removedAt).toBe(first.toISOString());
        expect(await store.findParticipantByToken(s.id, hash)).toEqual(removed);
        expect((await store.listParticipants(s.id)).map((x) => x.removedAt)).toEqual([first.toISOString()]);
        await expect(store.createParticipant({ sessionId: s.id, displayName: 'ada', tokenHash: token() })).rejects.toBeInstanceOf(NameTakenError);
        await expect(store.removeParticipant('ghost', first)).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    it('closes idempotently', async () => {
      await store.close();
      await store.close();
    });
  });
}
