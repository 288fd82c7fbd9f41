import { describe, expect, it } from 'vitest';
import { DAY_MS, afterPenalty, countingAttempt, decideTimeliness, formatInZone, lateDays, submissionPoints, zonedWallTimeToUtc } from './assignment-policy';

const penalty = { kind: 'penalty' as const, percentPerDay: 10, capPercent: 35 };

describe('late penalty arithmetic', () => {
  const dueAt = new Date('2026-12-04T22:59:00Z');
  const opensAt = new Date('2026-12-01T00:00:00Z');
  const at = (ms: number) => new Date(dueAt.getTime() + ms);

  it('counts started 24-hour periods after the due instant; the due instant itself is on time', () => {
    expect(lateDays(at(-1), dueAt)).toBe(0);
    expect(lateDays(at(0), dueAt)).toBe(0);
    expect(lateDays(at(1), dueAt)).toBe(1);
    expect(lateDays(at(DAY_MS), dueAt)).toBe(1);
    expect(lateDays(at(DAY_MS + 1), dueAt)).toBe(2);
  });

  it('penalizes per started day up to the cap, or refuses, or is not open yet', () => {
    expect(decideTimeliness(at(0), { opensAt, dueAt }, penalty)).toEqual({ status: 'on-time', lateDays: 0, penaltyPercent: 0 });
    expect(decideTimeliness(at(1000), { opensAt, dueAt }, penalty)).toEqual({ status: 'late', lateDays: 1, penaltyPercent: 10 });
    expect(decideTimeliness(at(3 * DAY_MS), { opensAt, dueAt }, penalty)).toMatchObject({ lateDays: 3, penaltyPercent: 30 });
    expect(decideTimeliness(at(3 * DAY_MS + 1), { opensAt, dueAt }, penalty)).toMatchObject({ lateDays: 4, penaltyPercent: 35 });
    expect(decideTimeliness(at(40 * DAY_MS), { opensAt, dueAt }, penalty)).toMatchObject({ penaltyPercent: 35 });
    expect(decideTimeliness(at(1), { opensAt, dueAt }, { kind: 'refuse' })).toMatchObject({ status: 'refused' });
    expect(decideTimeliness(new Date(opensAt.getTime() - 1), { opensAt, dueAt }, penalty)).toMatchObject({ status: 'not-open' });
    expect(afterPenalty(8, 35)).toBeCloseTo(5.2, 12);
  });

  it('reads due times typed in different zones as the instants they name', () => {
    // 23:59 in Berlin (CET, +01:00) and 17:59 in New York (EST, −05:00) are one instant.
    const berlin = zonedWallTimeToUtc('2026-12-04T23:59', 'Europe/Berlin');
    expect(berlin.toISOString()).toBe('2026-12-04T22:59:00.000Z');
    expect(zonedWallTimeToUtc('2026-12-04T17:59', 'America/New_York').getTime()).toBe(berlin.getTime());
    expect(zonedWallTimeToUtc('2026-12-05T11:59', 'Pacific/Auckland').getTime()).toBe(berlin.getTime());
    expect(formatInZone(berlin, 'Asia/Kolkata')).toContain('04:29');
  });

  it('counts a day across a daylight-saving change as 24 real hours, not a calendar day', () => {
    // Europe/Berlin springs forward on 2026-03-29 (02:00 → 03:00): due Saturday 12:00 CET (11:00Z).
    const due = zonedWallTimeToUtc('2026-03-28T12:00', 'Europe/Berlin');
    expect(due.toISOString()).toBe('2026-03-28T11:00:00.000Z');
    // Sunday 12:00 CEST on the wall is only 23 hours later: still within the first late day.
    const sundayNoon = zonedWallTimeToUtc('2026-03-29T12:00', 'Europe/Berlin');
    expect(sundayNoon.toISOString()).toBe('2026-03-29T10:00:00.000Z');
    expect(lateDays(sundayNoon, due)).toBe(1);
    // Sunday 13:00 CEST is exactly 24 hours later: still day 1; a minute after, day 2.
    const sunday13 = zonedWallTimeToUtc('2026-03-29T13:00', 'Europe/Berlin');
    expect(lateDays(sunday13, due)).toBe(1);
    expect(lateDays(new Date(sunday13.getTime() + 60_000), due)).toBe(2);
    // Autumn (2026-10-25, 03:00 → 02:00 in Berlin): that wall-clock day has 25 hours, so Sunday 11:00 on the wall is
    // already 24 real hours after Saturday noon, and 11:30 (before noon on the wall) is into the second late day.
    const autumnDue = zonedWallTimeToUtc('2026-10-24T12:00', 'Europe/Berlin');
    expect(lateDays(zonedWallTimeToUtc('2026-10-25T11:00', 'Europe/Berlin'), autumnDue)).toBe(1);
    expect(lateDays(zonedWallTimeToUtc('2026-10-25T11:30', 'Europe/Berlin'), autumnDue)).toBe(2);
  });

  it('reads wall times that a change skips or repeats', () => {
    // 02:30 does not exist on 2026-03-29 in Berlin: read with the winter offset (01:30Z, shown as 03:30 CEST).
    expect(zonedWallTimeToUtc('2026-03-29T02:30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 2026-10-25: the first one (CEST, 00:30Z).
    expect(zonedWallTimeToUtc('2026-10-25T02:30', 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // US: New York springs forward on 2026-03-08.
    expect(zonedWallTimeToUtc('2026-03-08T12:00', 'America/New_York').toISOString()).toBe('2026-03-08T16:00:00.000Z');
    expect(() => zonedWallTimeToUtc('4 Dec', 'UTC')).toThrow(RangeError);
  });
});

describe('attempts and points', () => {
  const attempts = [
    { attempt: 1, points: 4 },
    { attempt: 2, points: 9 },
    { attempt: 3, points: 9 },
    { attempt: 4, points: 2 },
  ];
  it('counts the best (earliest on a tie) or the last attempt', () => {
    expect(countingAttempt(attempts, 'best')?.attempt).toBe(2);
    expect(countingAttempt(attempts, 'last')?.attempt).toBe(4);
    expect(countingAttempt([], 'best')).toBeNull();
  });
  it('adds hand-graded points to the auto score or its override, then takes the penalty', () => {
    expect(submissionPoints({ auto: { points: 10 }, overridePoints: null, manual: { points: 2 }, penaltyPercent: 25 })).toBe(9);
    expect(submissionPoints({ auto: { points: 10 }, overridePoints: 4, manual: null, penaltyPercent: 0 })).toBe(4);
    expect(submissionPoints({ auto: null, overridePoints: null, manual: null, penaltyPercent: 0 })).toBe(0);
  });
});
