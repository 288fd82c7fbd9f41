import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { ParticipantPresence, SessionState, Step as ProtocolStep } from '@convlab/protocol';
import { GUEST, type Actor } from './actor';
import { Classroom } from './classroom';
import { ManualClock } from './clock';
import { MemoryClassroomStore } from './memory-store';
import type { Step as StoreStep } from './store';

const GRACE = 30_000;
const steps = ['intro', 'conv', 'pool'].map((id) => ({ kind: 'slide' as const, id, title: id, markdown: `# ${id}` }));

async function setup(opts: { generateCode?: () => string } = {}) {
  const store = new MemoryClassroomStore();
  const clock = new ManualClock();
  const classroom = new Classroom({ store, clock, graceMs: GRACE, ...opts });
  const states: SessionState[] = [];
  const presence: ParticipantPresence[][] = [];
  const removed: string[] = [];
  classroom.on({
    state: (_id, s) => states.push(s),
    presence: (_id, p) => presence.push(p),
    removed: (_id, pid) => removed.push(pid),
  });
  const instructor = await store.createInstructor({ email: 'ada@example.org', name: 'Ada', passwordHash: 'x' });
  const other = await store.createInstructor({ email: 'bo@example.org', name: 'Bo', passwordHash: 'x' });
  const teacher: Actor = { role: 'instructor', instructorId: instructor.id };
  const stranger: Actor = { role: 'instructor', instructorId: other.id };
  const session = await classroom.createSession(teacher, { title: 'CNNs', steps });
  const lastPresence = async () => {
    await classroom.settled();
    return presence.at(-1) ?? [];
  };
  return { store, clock, classroom, states, presence, removed, teacher, stranger, session, lastPresence };
}

describe('Classroom', () => {
  it('keeps the store step type and the protocol step type identical', () => {
    expectTypeOf<StoreStep>().toEqualTypeOf<ProtocolStep>();
  });

  it('creates sessions with a join code and retries on a code collision', async () => {
    const codes = ['AAAAAA', 'AAAAAA', 'BBBBBB'];
    const { classroom, teacher, session } = await setup({ generateCode: () => codes.shift()! });
    expect(session.code).toBe('AAAAAA');
    expect(session).toMatchObject({ title: 'CNNs', currentStep: 0, locked: false, paused: false, status: 'live' });
    const second = await classroom.createSession(teacher, { title: 'Again', steps });
    expect(second.code).toBe('BBBBBB');
    expect((await classroom.listSessions(teacher)).map((s) => s.title)).toEqual(['Again', 'CNNs']);
  });

  it("seats a joining connection before the session's next change starts, so no step broadcast passes it by", async () => {
    const { classroom, teacher, session, states } = await setup();
    const order: string[] = [];
    let seat!: () => void;
    const joining = classroom.join({ code: session.code, displayName: 'Ana' }, 'conn-1', undefined, async (r) => {
      order.push(`seated on step ${r.state.currentStep}`);
      // The transport is still putting the connection into the session's rooms: the instructor's change must wait.
      await new Promise<void>((resolve) => (seat = resolve));
    });
    await vi.waitFor(() => expect(order).toHaveLength(1));
    const moving = classroom.goto(teacher, session.id, 1).then(() => order.push(`announced step ${states.at(-1)!.currentStep}`));
    await new Promise((r) => setTimeout(r, 20));
    expect(states).toHaveLength(0);
    seat();
    await Promise.all([joining, moving]);
    expect(order).toEqual(['seated on step 0', 'announced step 1']);
  });

  it('refuses a bad lesson plan and non-instructors', async () => {
    const { classroom, teacher } = await setup();
    await expect(classroom.createSession(teacher, { title: 'x', steps: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(classroom.createSession(GUEST, { title: 'x', steps })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('moves through steps within bounds and announces each change', async () => {
    const { classroom, teacher, session, states } = await setup();
    expect((await classroom.prev(teacher, session.id)).currentStep).toBe(0); // stays on the first step
    expect(states).toHaveLength(0); // nothing changed, nothing announced
    expect((await classroom.next(teacher, session.id)).currentStep).toBe(1);
    expect((await classroom.next(teacher, session.id)).currentStep).toBe(2);
    expect((await classroom.next(teacher, session.id)).currentStep).toBe(2); // stays on the last step
    expect((await classroom.goto(teacher, session.id, 0)).currentStep).toBe(0);
    await expect(classroom.goto(teacher, session.id, 3)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(classroom.goto(teacher, session.id, -1)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(states.map((s) => s.currentStep)).toEqual([1, 2, 0]);
    expect((await classroom.store.findSessionById(session.id))?.currentStep).toBe(0);
  });

  it('serializes concurrent step changes', async () => {
    const { classroom, teacher, session } = await setup();
    await Promise.all([classroom.next(teacher, session.id), classroom.next(teacher, session.id)]);
    expect((await classroom.store.findSessionById(session.id))?.currentStep).toBe(2);
  });

  it('locks, pauses with a message, and unpauses', async () => {
    const { classroom, teacher, session, states } = await setup();
    expect((await classroom.setLocked(teacher, session.id, true)).locked).toBe(true);
    const paused = await classroom.setPaused(teacher, session.id, true, '  Eyes on me  ');
    expect(paused).toMatchObject({ paused: true, pauseMessage: 'Eyes on me', locked: true });
    const resumed = await classroom.setPaused(teacher, session.id, false, 'ignored');
    expect(resumed).toMatchObject({ paused: false, pauseMessage: null });
    expect(states).toHaveLength(3);
  });

  it('allows instructor actions only to the owning instructor', async () => {
    const { classroom, teacher, stranger, session } = await setup();
    const { participant } = await classroom.join({ code: session.code, displayName: 'Ana' });
    const student: Actor = { role: 'participant', participantId: participant.id, sessionId: session.id };
    const actions = [
      (a: Actor) => classroom.watch(a, session.id),
      (a: Actor) => classroom.goto(a, session.id, 1),
      (a: Actor) => classroom.next(a, session.id),
      (a: Actor) => classroom.prev(a, session.id),
      (a: Actor) => classroom.setLocked(a, session.id, true),
      (a: Actor) => classroom.setPaused(a, session.id, true),
      (a: Actor) => classroom.removeParticipant(a, session.id, participant.id),
      (a: Actor) => classroom.end(a, session.id),
      (a: Actor) => classroom.reopen(a, session.id),
      (a: Actor) => classroom.getSessionRecord(a, session.id),
      (a: Actor) => classroom.present(a, session.id, null),
    ];
    for (const act of actions) {
      await expect(act(student)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(act(GUEST)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(act(stranger)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    const stored = await classroom.store.findSessionById(session.id);
    expect(stored).toMatchObject({ currentStep: 0, locked: false, paused: false, status: 'live' });
    await expect(classroom.next(teacher, 'no-such-session')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('present view', () => {
    const planWithLab = [
      ...steps,
      { kind: 'lab' as const, id: 'occ', title: 'Occlusion', markdown: '', labId: 'occlusion', params: {} },
    ];

    async function withLab() {
      const ctx = await setup();
      const session = await ctx.classroom.createSession(ctx.teacher, { title: 'Labs', steps: planWithLab });
      const { participant } = await ctx.classroom.join({ code: session.code, displayName: 'Ana' });
      const submission = await ctx.store.createSubmission({
        sessionId: session.id,
        participantId: participant.id,
        labId: 'occlusion',
        stepId: 'occ',
        params: {},
        result: { drop: 0.5 },
        resultImageHash: null,
        computedWhere: 'browser',
        backend: 'webgl',
        ms: 10,
      });
      const student: Actor = { role: 'participant', participantId: participant.id, sessionId: session.id };
      return { ...ctx, session, submission, student };
    }

    it('pins a submission or a class view, announces it, stores it, and unpins', async () => {
      const { classroom, teacher, session, submission, states } = await withLab();
      const pinned = await classroom.present(teacher, session.id, { kind: 'submission', submissionId: submission.id });
      expect(pinned.presenting).toEqual({ kind: 'submission', submissionId: submission.id });
      expect(states.at(-1)?.presenting).toEqual(pinned.presenting);
      const view = await classroom.present(teacher, session.id, { kind: 'view', stepId: 'occ', view: 'class-map' });
      expect(view.presenting).toEqual({ kind: 'view', stepId: 'occ', view: 'class-map' });
      expect((await classroom.store.findSessionById(session.id))?.presenting).toEqual(view.presenting);
      const announced = states.length;
      await classroom.present(teacher, session.id, { kind: 'view', stepId: 'occ', view: 'class-map' });
      expect(states).toHaveLength(announced); // the same target again changes nothing
      expect((await classroom.present(teacher, session.id, null)).presenting).toBeNull();
      expect((await classroom.store.findSessionById(session.id))?.presenting).toBeNull();
      expect(states.at(-1)?.presenting).toBeNull();
    });

    it('clears the pin when the step changes, not when a move goes nowhere', async () => {
      const { classroom, teacher, session, submission } = await withLab();
      const pin = { kind: 'submission' as const, submissionId: submission.id };
      await classroom.present(teacher, session.id, pin);
      // Already on the first step: "previous" stays there, and so does the pin.
      expect((await classroom.prev(teacher, session.id)).presenting).toEqual(pin);
      expect((await classroom.goto(teacher, session.id, 0)).presenting).toEqual(pin);
      expect((await classroom.next(teacher, session.id)).presenting).toBeNull();
      expect((await classroom.store.findSessionById(session.id))?.presenting).toBeNull();
      await classroom.present(teacher, session.id, pin);
      expect((await classroom.goto(teacher, session.id, 0)).presenting).toBeNull();
      await classroom.present(teacher, session.id, pin);
      expect((await classroom.next(teacher, session.id)).presenting).toBeNull();
    });

        it('refuses students with FORBIDDEN', async () => {
      const { classroom, session, submission, student } = await withLab();
      await expect(classroom.present(student, session.id, { kind: 'submission', submissionId: submission.id })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect((await classroom.store.findSessionById(session.id))?.presenting).toBeNull();
    });

    it("refuses another session's submission and an unknown one", async () => {
      const { classroom, teacher, session, submission } = await withLab();
      const other = await classroom.createSession(teacher, { title: 'Other', steps: planWithLab });
      await expect(classroom.present(teacher, other.id, { kind: 'submission', submissionId: submission.id })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(classroom.present(teacher, session.id, { kind: 'submission', submissionId: 'ghost' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect((await classroom.store.findSessionById(other.id))?.presenting).toBeNull();
    });

    it('refuses a view of an unknown step or of a slide', async () => {
      const { classroom, teacher, session } = await withLab();
      await expect(classroom.present(teacher, session.id, { kind: 'view', stepId: 'nope', view: 'class-map' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(classroom.present(teacher, session.id, { kind: 'view', stepId: 'intro', view: 'class-map' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect((await classroom.store.findSessionById(session.id))?.presenting).toBeNull();
    });

    it('keeps the pinned target across a restart', async () => {
      const { store, classroom, teacher, session, submission } = await withLab();
      await classroom.present(teacher, session.id, { kind: 'submission', submissionId: submission.id });
      await classroom.close();
      const restarted = new Classroom({ store, clock: new ManualClock(), graceMs: GRACE });
      expect((await restarted.watch(teacher, session.id)).state.presenting).toEqual({ kind: 'submission', submissionId: submission.id });
      await restarted.close();
    });
  });

  it('joins by code with unique display names and resumes with the token', async () => {
    const { classroom, session } = await setup();
    const a = await classroom.join({ code: session.code.toLowerCase(), displayName: '  Ana ' });
    const b = await classroom.join({ code: session.code, displayName: 'ana' });
    const c = await classroom.join({ code: session.code, displayName: 'Ana' });
    expect([a, b, c].map((j) => j.participant.displayName)).toEqual(['Ana', 'ana (2)', 'Ana (3)']);
    expect(a.state).toMatchObject({ sessionId: session.id, code: session.code, currentStep: 0 });
    expect(a.resumeToken).not.toBe(b.resumeToken);

    const again = await classroom.join({ code: session.code, displayName: 'Someone else', resumeToken: a.resumeToken });
    expect(again.participant).toEqual(a.participant); // the name is ignored on resume
    expect(again.resumeToken).toBe(a.resumeToken);
    expect(await classroom.store.listParticipants(session.id)).toHaveLength(3);
  });

  it('refuses unknown codes, unknown tokens without a name, and bad names', async () => {
    const { classroom, session } = await setup();
    await expect(classroom.join({ code: 'ZZZZZZ', displayName: 'Ana' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(classroom.join({ code: session.code, resumeToken: 'x'.repeat(43) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(classroom.join({ code: session.code, displayName: ' ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // An unknown token with a name makes a new participant with a fresh token.
    const fresh = await classroom.join({ code: session.code, displayName: 'Ana', resumeToken: 'y'.repeat(43) });
    expect(fresh.resumeToken).not.toBe('y'.repeat(43));
  });

  it('tracks presence: online, reconnecting during the grace period, offline after it', async () => {
    const { classroom, clock, session, lastPresence } = await setup();
    const a = await classroom.join({ code: session.code, displayName: 'Ana' }, 'conn-1');
    expect((await lastPresence()).map((p) => [p.displayName, p.presence])).toEqual([['Ana', 'online']]);

    classroom.disconnect(a.participant.id, 'conn-1');
    expect((await lastPresence())[0]?.presence).toBe('reconnecting');
    clock.advance(GRACE - 1);
    expect(classroom.presenceOf(a.participant.id)).toBe('reconnecting');

    // A reload within the grace period keeps the seat.
    await classroom.join({ code: session.code, resumeToken: a.resumeToken }, 'conn-2');
    clock.advance(GRACE * 2);
    expect((await lastPresence())[0]?.presence).toBe('online');

    classroom.disconnect(a.participant.id, 'conn-2');
    clock.advance(GRACE);
    expect((await lastPresence())[0]?.presence).toBe('offline');
    // The identity survives the released seat: the token still resumes the same participant.
    const back = await classroom.join({ code: session.code, resumeToken: a.resumeToken }, 'conn-3');
    expect(back.participant.id).toBe(a.participant.id);
    expect((await lastPresence())[0]?.presence).toBe('online');
  });

  it('lists presence for the watching instructor', async () => {
    const { classroom, teacher, session } = await setup();
    await classroom.join({ code: session.code, displayName: 'Ana' }, 'c1');
    await classroom.join({ code: session.code, displayName: 'Bo' });
    const watched = await classroom.watch(teacher, session.id);
    expect(watched.state.sessionId).toBe(session.id);
    expect(watched.participants.map((p) => [p.displayName, p.presence])).toEqual([
      ['Ana', 'online'],
      ['Bo', 'offline'],
    ]);
  });

  it('removes a participant: seat freed, token refused with REMOVED', async () => {
    const { classroom, teacher, session, removed, lastPresence } = await setup();
    const a = await classroom.join({ code: session.code, displayName: 'Ana' }, 'c1');
    await classroom.join({ code: session.code, displayName: 'Bo' }, 'c2');
    await classroom.removeParticipant(teacher, session.id, a.participant.id);
    expect(removed).toEqual([a.participant.id]);
    expect((await lastPresence()).map((p) => p.displayName)).toEqual(['Bo']);
    expect(classroom.presenceOf(a.participant.id)).toBe('offline');
    await expect(classroom.join({ code: session.code, resumeToken: a.resumeToken })).rejects.toMatchObject({ code: 'REMOVED' });
    await expect(
      classroom.requireParticipant({ role: 'participant', participantId: a.participant.id, sessionId: session.id }),
    ).rejects.toMatchObject({ code: 'REMOVED' });
    await classroom.removeParticipant(teacher, session.id, a.participant.id); // idempotent
    await expect(classroom.removeParticipant(teacher, session.id, 'nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await classroom.getSessionRecord(teacher, session.id)).participants).toHaveLength(2);
  });

  it('ends a session (readable, no more changes or joins) and reopens it', async () => {
    const { classroom, teacher, session } = await setup();
    const a = await classroom.join({ code: session.code, displayName: 'Ana' });
    await classroom.next(teacher, session.id);
    const ended = await classroom.end(teacher, session.id);
    expect(ended.status).toBe('ended');
    expect((await classroom.store.findSessionById(session.id))?.endedAt).not.toBeNull();
    expect((await classroom.end(teacher, session.id)).status).toBe('ended');
    await expect(classroom.next(teacher, session.id)).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(classroom.join({ code: session.code, displayName: 'Late' })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(classroom.join({ code: session.code, resumeToken: a.resumeToken })).rejects.toMatchObject({
      code: 'SESSION_ENDED',
    });
    const record = await classroom.getSessionRecord(teacher, session.id);
    expect(record.participants.map((p) => p.displayName)).toEqual(['Ana']);
    expect((await classroom.watch(teacher, session.id)).state.status).toBe('ended');

    const reopened = await classroom.reopen(teacher, session.id);
    expect(reopened).toMatchObject({ status: 'live', currentStep: 1 });
    expect((await classroom.store.findSessionById(session.id))?.endedAt).toBeNull();
    expect((await classroom.join({ code: session.code, resumeToken: a.resumeToken })).participant.id).toBe(a.participant.id);
  });

  it('continues from the store after a restart (a new Classroom on the same store)', async () => {
    const { store, classroom, teacher, session } = await setup();
    const a = await classroom.join({ code: session.code, displayName: 'Ana' }, 'c1');
    await classroom.goto(teacher, session.id, 2);
    await classroom.setPaused(teacher, session.id, true, 'brb');
    await classroom.close();

    const restarted = new Classroom({ store, clock: new ManualClock(), graceMs: GRACE });
    expect(restarted.presenceOf(a.participant.id)).toBe('offline');
    const back = await restarted.join({ code: session.code, resumeToken: a.resumeToken }, 'c2');
    expect(back.participant.id).toBe(a.participant.id);
    expect(back.state).toMatchObject({ currentStep: 2, paused: true, pauseMessage: 'brb' });
    await restarted.close();
  });

  it('stops grace timers on close', async () => {
    const { classroom, clock, session } = await setup();
    const a = await classroom.join({ code: session.code, displayName: 'Ana' }, 'c1');
    classroom.disconnect(a.participant.id, 'c1');
    expect(clock.pending).toBe(1);
    await classroom.close();
    expect(clock.pending).toBe(0);
  });
});
