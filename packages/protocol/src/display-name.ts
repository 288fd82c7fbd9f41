import { z } from 'zod';

export const DISPLAY_NAME_MAX = 40;

/**
 * Normalizes a display name: control characters removed, runs of whitespace collapsed to one space, trimmed.
 * The result may be empty; `DisplayNameSchema` rejects that.
 */
export function normalizeDisplayName(input: string): string {
  return input.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '').replace(/\s+/g, ' ').trim();
}

/** A student's display name: 1–40 characters after normalization. Uniqueness is the classroom's job. */
export const DisplayNameSchema = z
  .string()
  .max(400)
  .transform(normalizeDisplayName)
  .pipe(
    z
      .string()
      .min(1, 'a display name needs at least one visible character')
      .max(DISPLAY_NAME_MAX, `a display name has at most ${DISPLAY_NAME_MAX} characters`),
  );
