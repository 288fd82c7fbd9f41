/**
 * Views of the class (the class map, the galleries, the λ grid) count each student once: their latest submission
 * of the step. Every submission stays stored; submissions with no participant (the instructor's own, class sweeps)
 * are each kept.
 */

/** What deciding "latest" needs of a submission. */
export interface SubmissionStamp {
  participantId: string | null;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * Each student's latest item (by `createdAt`, the later in the list on a tie), in the order given; items of no
 * participant are all kept. `stampOf` finds the submission in an item (default: the item itself).
 */
export function latestPerStudent<T>(items: readonly T[], stampOf: (item: T) => SubmissionStamp = (item) => item as unknown as SubmissionStamp): T[] {
  const latest = new Map<string, number>();
  items.forEach((item, i) => {
    const { participantId, createdAt } = stampOf(item);
    if (participantId === null) return;
    const held = latest.get(participantId);
    if (held === undefined || Date.parse(createdAt) >= Date.parse(stampOf(items[held]!).createdAt)) latest.set(participantId, i);
  });
  const keep = new Set(latest.values());
  return items.filter((item, i) => stampOf(item).participantId === null || keep.has(i));
}
