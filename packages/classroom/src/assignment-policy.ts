/**
 * What the server decides about self-paced work, as plain arithmetic: whether a submission is on time, late (and its
 * penalty) or refused; which attempt counts; a step's points. Instants are UTC milliseconds: lateness is counted in
 * real 24-hour periods after the due instant, so time zones and daylight-saving changes never move it. Time zones
 * matter only where a person types or reads a wall-clock time (`zonedWallTimeToUtc`, `formatInZone`).
 */
import type { LatePolicy } from '@convlab/protocol';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Started 24-hour periods after `dueAt` (0: on time, including exactly at the due instant). */
export function lateDays(submittedAt: Date, dueAt: Date): number {
  const over = submittedAt.getTime() - dueAt.getTime();
  return over <= 0 ? 0 : Math.ceil(over / DAY_MS);
}

export type Timeliness =
  | { status: 'on-time'; lateDays: 0; penaltyPercent: 0 }
  | { status: 'late'; lateDays: number; penaltyPercent: number }
  | { status: 'not-open' | 'refused'; reason: string };

/** The server's verdict on a submission arriving `now` (never the browser's). */
export function decideTimeliness(now: Date, window: { opensAt: Date; dueAt: Date }, policy: LatePolicy): Timeliness {
  if (now.getTime() < window.opensAt.getTime()) return { status: 'not-open', reason: `the assignment opens at ${window.opensAt.toISOString()}` };
  const days = lateDays(now, window.dueAt);
  if (days === 0) return { status: 'on-time', lateDays: 0, penaltyPercent: 0 };
  if (policy.kind === 'refuse') return { status: 'refused', reason: `it was due at ${window.dueAt.toISOString()}; late work is not accepted` };
  return { status: 'late', lateDays: days, penaltyPercent: Math.min(policy.capPercent, days * policy.percentPerDay) };
}

/** Points after a late penalty (in %). */
export function afterPenalty(points: number, penaltyPercent: number): number {
  return points * (1 - penaltyPercent / 100);
}

/** The attempt that counts: the best by points (the earliest on a tie), or the last. */
export function countingAttempt<T extends { attempt: number; points: number }>(attempts: readonly T[], counts: 'best' | 'last'): T | null {
  if (attempts.length === 0) return null;
  const byAttempt = [...attempts].sort((a, b) => a.attempt - b.attempt);
  if (counts === 'last') return byAttempt.at(-1)!;
  return byAttempt.reduce((best, a) => (a.points > best.points ? a : best));
}

/** A submission's points: the override or the auto score, plus hand-graded points, less the late penalty. */
export function submissionPoints(s: { auto: { points: number } | null; overridePoints: number | null; manual: { points: number } | null; penaltyPercent: number }): number {
  const auto = s.overridePoints ?? s.auto?.points ?? 0;
  return afterPenalty(auto + (s.manual?.points ?? 0), s.penaltyPercent);
}

/** The UTC offset of `timeZone` at instant `ms`, in minutes (positive east of Greenwich). */
function offsetMinutes(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/**
 * The instant at which clocks in `timeZone` show `local` ("YYYY-MM-DDTHH:mm", what a date-time field gives). In the
 * hour skipped by a spring-forward change the wall time does not exist: it is read with the offset before the change
 * (02:30 becomes 03:30). In the hour repeated in autumn, the first (earlier) instant is taken.
 */
export function zonedWallTimeToUtc(local: string, timeZone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) throw new RangeError(`"${local}" is not a wall-clock time YYYY-MM-DDTHH:mm`);
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  // The offsets in force a day either side; of the candidates, keep those that show `local` there.
  const candidates = [...new Set([offsetMinutes(wall - DAY_MS, timeZone), offsetMinutes(wall + DAY_MS, timeZone)])].map((o) => wall - o * 60_000);
  const exact = candidates.filter((t) => t - wall === -offsetMinutes(t, timeZone) * 60_000).sort((a, b) => a - b);
  return new Date(exact[0] ?? wall - offsetMinutes(wall - DAY_MS, timeZone) * 60_000);
}

/** An instant as a person in `timeZone` reads it ("4 Dec 2026, 23:59 CET"). */
export function formatInZone(instant: Date, timeZone: string, locale = 'en-GB'): string {
  return new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(instant);
}
