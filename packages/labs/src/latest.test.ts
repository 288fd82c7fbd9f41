import { describe, expect, it } from 'vitest';
import { latestPerStudent } from './latest';

const s = (id: string, participantId: string | null, second: number) => ({ id, participantId, createdAt: new Date(Date.UTC(2026, 0, 1, 10, 0, second)).toISOString() });

describe('latestPerStudent', () => {
  it('keeps each student’s latest submission in the given order, and every one of no participant', () => {
    const list = [s('a1', 'ana', 1), s('b1', 'bo', 2), s('sweep', null, 3), s('a2', 'ana', 4), s('mine', null, 5), s('b0', 'bo', 0)];
    expect(latestPerStudent(list).map((x) => x.id)).toEqual(['b1', 'sweep', 'a2', 'mine']);
  });

  it('takes the later one in the list on a tie, and reads the submission inside an item', () => {
    const list = [{ submission: s('a1', 'ana', 1) }, { submission: s('a2', 'ana', 1) }];
    expect(latestPerStudent(list, (e) => e.submission).map((e) => e.submission.id)).toEqual(['a2']);
    expect(latestPerStudent([])).toEqual([]);
  });
});
