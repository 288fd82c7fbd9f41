/**
 * The ClassroomStore contract: one suite that every implementation must pass (in memory, SQLite, PostgreSQL).
 * A runner file calls `describeClassroomStoreContract` with a factory that opens a fresh, empty store.
 * Only for tests: it imports vitest.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DuplicateRequestError,
  CodeTakenError,
  EmailTakenError,
  NameTakenError,
  NotFoundError,
  type ClassroomStore,
  type InstructorDTO,
  type LiveSessionDTO,
  type NewImageAsset,
  type NewSubmission,
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
  {
    kind: 'lab',
    id: 'occ',
    title: 'Occlusion',
    markdown: 'Hide parts of the *schooner*.',
    labId: 'occlusion',
    params: { model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'imagenet-samples/n04147183_schooner.jpg' }, classIndex: 780, window: 32 },
    studentControls: ['fill'],
  },
];

/** A distinct, valid sha256-shaped hash. */
function fakeHash(n: number): string {
  return n.toString(16).padStart(64, 'a');
}

function image(n: number, over: Partial<NewImageAsset> = {}): NewImageAsset {
  return { hash: fakeHash(n), mime: 'image/png', width: 224, height: 160, bytes: 1234 + n, uploaderKind: 'server', uploaderId: null, ...over };
}

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
          presenting: null,
          joiningClosed: false,
          createdAt: expect.stringMatching(ISO),
          endedAt: null,
        });
      });

      it('closes and reopens joining', async () => {
        const created = await session();
        expect(await store.updateSession(created.id, { joiningClosed: true })).toMatchObject({ joiningClosed: true, locked: false });
        expect(await store.findSessionById(created.id)).toMatchObject({ joiningClosed: true });
        expect(await store.updateSession(created.id, { joiningClosed: false })).toMatchObject({ joiningClosed: false });
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

      it('pins a present target, replaces it, keeps it through other patches, and clears it', async () => {
        const created = await session();
        const view = { kind: 'view', stepId: 'occ', view: 'class-map' } as const;
        const pinned = await store.updateSession(created.id, { presenting: view });
        expect(pinned).toEqual({ ...created, presenting: view });
        expect(await store.findSessionById(created.id)).toEqual(pinned);
        const moved = await store.updateSession(created.id, { currentStep: 2 });
        expect(moved.presenting).toEqual(view);
        const submission = { kind: 'submission', submissionId: 'sub_123' } as const;
        expect((await store.updateSession(created.id, { presenting: submission })).presenting).toEqual(submission);
        expect((await store.findSessionByCode(created.code))?.presenting).toEqual(submission);
        const cleared = await store.updateSession(created.id, { presenting: null });
        expect(cleared).toEqual({ ...created, currentStep: 2, presenting: null });
        expect((await store.findSessionById(created.id))?.presenting).toBeNull();
      });

      it('hands out copies of the present target', async () => {
        const created = await session();
        const pinned = await store.updateSession(created.id, { presenting: { kind: 'view', stepId: 'occ', view: 'sweep' } });
        (pinned.presenting as { view: string }).view = 'mutated';
        expect((await store.findSessionById(created.id))?.presenting).toEqual({ kind: 'view', stepId: 'occ', view: 'sweep' });
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

    describe('removal by device, restore, token rotation', () => {
      it('knows a removed device until the participant is restored; other devices and sessions are not affected', async () => {
        const s = await session();
        const other = await session('DEF567');
        const device = fakeHash(1);
        const ada = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: token(), deviceHash: device });
        await store.createParticipant({ sessionId: s.id, displayName: 'Bo', tokenHash: token(), deviceHash: fakeHash(2) });
        expect(await store.isDeviceRemoved(s.id, device)).toBe(false);
        await store.removeParticipant(ada.id, new Date());
        expect(await store.isDeviceRemoved(s.id, device)).toBe(true);
        expect(await store.isDeviceRemoved(s.id, fakeHash(2))).toBe(false);
        expect(await store.isDeviceRemoved(other.id, device)).toBe(false);
        expect(await store.restoreParticipant(ada.id)).toMatchObject({ id: ada.id, removedAt: null });
        expect(await store.isDeviceRemoved(s.id, device)).toBe(false);
        await expect(store.restoreParticipant('ghost')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('replaces a resume token: the old one finds nobody, the new one the same participant', async () => {
        const s = await session();
        const first = token();
        const ada = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: first });
        const second = token();
        await store.setParticipantToken(ada.id, second);
        expect(await store.findParticipantByToken(s.id, first)).toBeNull();
        expect(await store.findParticipantByToken(s.id, second)).toMatchObject({ id: ada.id });
        await expect(store.setParticipantToken('ghost', token())).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('request records', () => {
      it('keeps the first record of a request: a second save returns it unchanged', async () => {
        const s = await session();
        const key = { scope: 'instructor:x', requestId: 'req-00000001', sessionId: s.id, event: 'step:next' };
        expect(await store.findRequest(key.scope, key.requestId)).toBeNull();
        const first = await store.saveRequest({ ...key, result: { state: { currentStep: 1 }, note: 'über ✓' } });
        expect(first).toEqual({ ...key, result: { state: { currentStep: 1 }, note: 'über ✓' }, createdAt: expect.stringMatching(ISO) });
        expect(await store.saveRequest({ ...key, result: { state: { currentStep: 2 } } })).toEqual(first);
        expect(await store.findRequest(key.scope, key.requestId)).toEqual(first);
        expect(await store.findRequest('instructor:y', key.requestId)).toBeNull();
      });

      it('records a request with the seat or submission it created, atomically: a second one creates nothing', async () => {
        const s = await session();
        const join = { scope: `join:${s.id}:-`, requestId: 'join-0000001', sessionId: s.id, event: 'student:join' };
        const ada = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: token() }, join);
        expect(await store.findRequest(join.scope, join.requestId)).toMatchObject({ result: { participantId: ada.id } });
        await expect(store.createParticipant({ sessionId: s.id, displayName: 'Ada 2', tokenHash: token() }, join)).rejects.toBeInstanceOf(DuplicateRequestError);
        expect((await store.listParticipants(s.id)).map((p) => p.displayName)).toEqual(['Ada']);

        const submit = { scope: `participant:${ada.id}`, requestId: 'submit-00001', sessionId: s.id, event: 'lab:submit' };
        const input = {
          sessionId: s.id,
          participantId: ada.id,
          labId: 'occlusion',
          stepId: 'occ',
          params: {},
          result: {},
          resultImageHash: null,
          computedWhere: 'browser' as const,
          backend: 'webgl',
          ms: 1,
        };
        const created = await store.createSubmission(input, submit);
        expect(await store.findRequest(submit.scope, submit.requestId)).toMatchObject({ result: { submissionId: created.id } });
        await expect(store.createSubmission(input, submit)).rejects.toBeInstanceOf(DuplicateRequestError);
        expect(await store.listSubmissions(s.id)).toHaveLength(1);
      });
    });

    describe('images', () => {
      it('records an image once by hash: the first upload stays', async () => {
        const owner = await instructor();
        const first = await store.saveImageAsset(image(1, { uploaderKind: 'instructor', uploaderId: owner.id }));
        expect(first).toEqual({ ...image(1, { uploaderKind: 'instructor', uploaderId: owner.id }), createdAt: expect.stringMatching(ISO) });
        const again = await store.saveImageAsset(image(1, { uploaderKind: 'server', uploaderId: null }));
        expect(again).toEqual(first);
        expect(await store.findImageAsset(fakeHash(1))).toEqual(first);
        expect(await store.findImageAsset(fakeHash(2))).toBeNull();
      });

      it('lets exactly one row win when the same image is saved at once', async () => {
        const results = await Promise.all([1, 2, 3, 4].map(() => store.saveImageAsset(image(7))));
        expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
      });

      it('refuses malformed image records', async () => {
        await expect(store.saveImageAsset(image(1, { hash: 'ABC' }))).rejects.toThrow(TypeError);
        await expect(store.saveImageAsset(image(1, { mime: 'image/gif' as never }))).rejects.toThrow(/mime/);
        await expect(store.saveImageAsset(image(1, { width: 0 }))).rejects.toThrow(/width/);
        await expect(store.saveImageAsset(image(1, { bytes: 1.5 }))).rejects.toThrow(/bytes/);
        await expect(store.saveImageAsset(image(1, { uploaderKind: 'participant', uploaderId: null }))).rejects.toThrow(/uploaderId/);
        expect(await store.findImageAsset(fakeHash(1))).toBeNull();
      });
    });

    describe('submissions', () => {
      async function setup() {
        const s = await session();
        const ada = await store.createParticipant({ sessionId: s.id, displayName: 'Ada', tokenHash: token() });
        const bo = await store.createParticipant({ sessionId: s.id, displayName: 'Bo', tokenHash: token() });
        return { s, ada, bo };
      }
      function submission(sessionId: string, participantId: string | null, over: Partial<NewSubmission> = {}): NewSubmission {
        return {
          sessionId,
          participantId,
          labId: 'occlusion',
          stepId: 'occ',
          params: { classIndex: 780, masks: [{ kind: 'rect', x: 1, y: 2, width: 30, height: 40 }], note: 'über ✓' },
          result: { baseline: 0.91, probabilities: [0.25], nested: { ok: true, none: null } },
          resultImageHash: null,
          computedWhere: 'browser',
          backend: 'webgl',
          ms: 12.5,
          ...over,
        };
      }

      it('stores a submission with JSON params and result, not shared by default', async () => {
        const { s, ada } = await setup();
        await store.saveImageAsset(image(3));
        const created = await store.createSubmission(submission(s.id, ada.id, { resultImageHash: fakeHash(3), computedWhere: 'server', backend: 'wasm' }));
        expect(created).toEqual({
          ...submission(s.id, ada.id, { resultImageHash: fakeHash(3), computedWhere: 'server', backend: 'wasm' }),
          id: expect.any(String),
          shared: false,
          createdAt: expect.stringMatching(ISO),
        });
        expect(await store.findSubmission(created.id)).toEqual(created);
        expect(await store.findSubmission('ghost')).toBeNull();
      });

      it('stores the instructor’s own submission (no participant) and an explicitly shared one', async () => {
        const { s } = await setup();
        const own = await store.createSubmission(submission(s.id, null, { shared: true, labId: 'ascent', stepId: 'asc' }));
        expect(own).toMatchObject({ participantId: null, shared: true, labId: 'ascent' });
      });

      it('lists a session’s submissions oldest first and filters them', async () => {
        const { s, ada, bo } = await setup();
        const other = await session('OTH234');
        const a1 = await store.createSubmission(submission(s.id, ada.id));
        await sleep(2);
        const b1 = await store.createSubmission(submission(s.id, bo.id, { labId: 'neuron', stepId: 'neu' }));
        await sleep(2);
        const a2 = await store.createSubmission(submission(s.id, ada.id, { labId: 'neuron', stepId: 'neu', shared: true }));
        await sleep(2);
        const mine = await store.createSubmission(submission(s.id, null));
        const elsewhere = await store.createParticipant({ sessionId: other.id, displayName: 'Cy', tokenHash: token() });
        await store.createSubmission(submission(other.id, elsewhere.id));

        const ids = (list: { id: string }[]) => list.map((x) => x.id);
        expect(ids(await store.listSubmissions(s.id))).toEqual([a1.id, b1.id, a2.id, mine.id]);
        expect(ids(await store.listSubmissions(s.id, { labId: 'neuron' }))).toEqual([b1.id, a2.id]);
        expect(ids(await store.listSubmissions(s.id, { stepId: 'occ' }))).toEqual([a1.id, mine.id]);
        expect(ids(await store.listSubmissions(s.id, { participantId: ada.id }))).toEqual([a1.id, a2.id]);
        expect(ids(await store.listSubmissions(s.id, { participantId: null }))).toEqual([mine.id]);
        expect(ids(await store.listSubmissions(s.id, { shared: true }))).toEqual([a2.id]);
        expect(ids(await store.listSubmissions(s.id, { labId: 'neuron', participantId: bo.id, shared: false }))).toEqual([b1.id]);
        expect(await store.listSubmissions('ghost')).toEqual([]);
      });

      it('shares and unshares a submission', async () => {
        const { s, ada } = await setup();
        const created = await store.createSubmission(submission(s.id, ada.id));
        expect(await store.setSubmissionShared(created.id, true)).toEqual({ ...created, shared: true });
        expect((await store.findSubmission(created.id))?.shared).toBe(true);
        expect(await store.setSubmissionShared(created.id, false)).toEqual(created);
        await expect(store.setSubmissionShared('ghost', true)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('refuses unknown references and a participant of another session', async () => {
        const { s, ada } = await setup();
        const other = await session('OTH234');
        await expect(store.createSubmission(submission('ghost', null))).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.createSubmission(submission(s.id, 'ghost'))).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.createSubmission(submission(s.id, ada.id, { resultImageHash: fakeHash(9) }))).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.createSubmission(submission(other.id, ada.id))).rejects.toThrow(/another session/);
        expect(await store.listSubmissions(s.id)).toEqual([]);
        expect(await store.listSubmissions(other.id)).toEqual([]);
      });

      it('refuses malformed submissions', async () => {
        const { s, ada } = await setup();
        await expect(store.createSubmission(submission(s.id, ada.id, { computedWhere: 'cloud' as never }))).rejects.toThrow(/computedWhere/);
        await expect(store.createSubmission(submission(s.id, ada.id, { ms: -1 }))).rejects.toThrow(/ms/);
        await expect(store.createSubmission(submission(s.id, ada.id, { ms: Number.NaN }))).rejects.toThrow(/ms/);
        await expect(store.createSubmission(submission(s.id, ada.id, { result: [1, 2] as never }))).rejects.toThrow(/result/);
        await expect(store.createSubmission(submission(s.id, ada.id, { resultImageHash: 'nope' }))).rejects.toThrow(/resultImageHash/);
        expect(await store.listSubmissions(s.id)).toEqual([]);
      });

      it('hands out copies: mutating a returned submission changes nothing stored', async () => {
        const { s, ada } = await setup();
        const created = await store.createSubmission(submission(s.id, ada.id));
        (created.result as { baseline: number }).baseline = -1;
        expect((await store.findSubmission(created.id))?.result).toEqual(submission(s.id, ada.id).result);
      });
    });

    it('closes idempotently', async () => {
      await store.close();
      await store.close();
    });
  });
}
export * from './job-results.contract';
export * from './live-state.contract';
