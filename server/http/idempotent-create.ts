/**
 * Creation that a retry cannot repeat. A create route's body may carry the client's `requestId`; the new row's id is
 * then derived from it (and from who asks, and where), so asking again finds the row made the first time instead of
 * making a second — without a column to remember request ids in. Two retries racing meet at the same primary key.
 */
import { createHash } from 'node:crypto';
import { isUniqueViolation } from '../db/errors';

/** The id a creation with `requestId` gets: the same for the same account, place and requestId; unguessable otherwise. */
export function idForRequest(requestId: string, ...scope: string[]): string {
  return `r${createHash('sha256').update([...scope, requestId].join('\n')).digest('hex').slice(0, 24)}`;
}

/**
 * Creates once per requestId: `find(id)` first (a retry: its row, `created: false`), else `create(id)`; a
 * concurrent twin that won the race is read back. Without a requestId, simply creates.
 */
export async function createOnce<T>(
  requestId: string | undefined,
  scope: string[],
  find: (id: string) => Promise<T | null>,
  create: (id: string | undefined) => Promise<T>,
): Promise<{ row: T; created: boolean }> {
  if (!requestId) return { row: await create(undefined), created: true };
  const id = idForRequest(requestId, ...scope);
  const before = await find(id);
  if (before) return { row: before, created: false };
  try {
    return { row: await create(id), created: true };
  } catch (err) {
    const twin = isUniqueViolation(err, 'id') ? await find(id) : null;
    if (twin) return { row: twin, created: false };
    throw err;
  }
}
