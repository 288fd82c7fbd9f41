import { DISPLAY_NAME_MAX } from '@convlab/protocol';
import { displayNameKey } from './store';

/**
 * Makes `name` unique among `taken` (compared like the stores compare them, see `displayNameKey`):
 * "Ana" → "Ana (2)" → "Ana (3)". The base is shortened when needed so the result stays within the limit.
 */
export function uniqueDisplayName(name: string, taken: Iterable<string>): string {
  const used = new Set([...taken].map(displayNameKey));
  if (!used.has(displayNameKey(name))) return name;
  const chars = Array.from(name); // code points, so an emoji is never cut in half
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const base = chars.slice(0, DISPLAY_NAME_MAX - suffix.length).join('').trimEnd();
    const candidate = `${base}${suffix}`;
    if (!used.has(displayNameKey(candidate))) return candidate;
  }
}
