import { describe, expect, it } from 'vitest';
import type { ParticipantPresence } from '@convlab/protocol';
import { Classroom } from './classroom';
import { ManualClock } from './clock';
import { MemoryClassroomStore } from './memory-store';
import { MemorySharedClassroom } from './shared';

const GRACE = 30_000;
const steps = [{ kind: 'slide' as const, id: 'intro', title: 'intro', markdown: '# intro' }];

/** Two classrooms (nodes) on one store and one shared board, each with its own clock and announcements. */
async function twoNodes() {
  const store = new MemoryClassroomStore();
  const shared = new MemorySharedClassroom();
  const node = (name: string) => {
    const clock = new ManualClock();
    const classroom = new Classroom({ store, clock, graceMs: GRACE, shared: { presence: shared.presenceFor(name), lock: shared.lock } });
    const announced: ParticipantPresence[][] = [];
    classroom.on({ presence: (_id, p) => announced.push(p) });
    const last = async () => {
      await classroom.settled();
      return announced.at(-1)?.map((p) => p.presence);
    };
    return { clock, classroom, last };
  };
  const a = node('A');
  const b = node('B');
  const instructor = await store.createInstructor({ email: 'ada@example.org', name: 'Ada', passwordHash: 'x' });
  const session = await a.classroom.createSession({ role: 'instructor', instructorId: instructor.id }, { title: 'CNNs', steps });
  return { a, b, session };
}

describe('Classroom on several nodes', () => {
  it('combines presence: a student who moves from node A to node B stays online when A’s grace period ends', async () => {
    const { a, b, session } = await twoNodes();
    const ana = await a.classroom.join({ code: session.code, displayName: 'Ana' }, 'a-1');
    expect(await a.last()).toEqual(['online']);

    a.classroom.disconnect(ana.participant.id, 'a-1');
    expect(await a.last()).toEqual(['reconnecting']);
    await b.classroom.join({ code: session.code, resumeToken: ana.resumeToken }, 'b-1');
    expect(await b.last()).toEqual(['online']);
    // A's grace period ends: A forgets its seat, but its announcement reads B's connection on the board.
    a.clock.advance(GRACE);
    expect(await a.last()).toEqual(['online']);

    b.classroom.disconnect(ana.participant.id, 'b-1');
    expect(await b.last()).toEqual(['reconnecting']);
    b.clock.advance(GRACE);
    expect(await b.last()).toEqual(['offline']);
  });

  it('serializes changes of a session across nodes: two "next" clicks on two nodes move two steps', async () => {
    const store = new MemoryClassroomStore();
    const shared = new MemorySharedClassroom();
    const [a, b] = ['A', 'B'].map((n) => new Classroom({ store, graceMs: GRACE, shared: { presence: shared.presenceFor(n), lock: shared.lock } }));
    const teacher = { role: 'instructor' as const, instructorId: (await store.createInstructor({ email: 'x@example.org', name: 'X', passwordHash: 'x' })).id };
    const three = [0, 1, 2].map((i) => ({ kind: 'slide' as const, id: `s${i}`, title: `s${i}`, markdown: '' }));
    const session = await a!.createSession(teacher, { title: 'CNNs', steps: three });
    await Promise.all([a!.next(teacher, session.id), b!.next(teacher, session.id)]);
    expect((await store.findSessionById(session.id))?.currentStep).toBe(2);
  });
});
