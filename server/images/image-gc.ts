/**
 * Collects students' images that nothing references after a grace period: a picture sent with `lab:image` and
 * never used by a submission. The grace period leaves time to submit what was just stored.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageUsageStore } from '../db';

/** Deletes the unreferenced students' images older than `graceMs`; returns how many and how many bytes. */
export async function collectUnreferencedImages(opts: {
  usage: ImageUsageStore;
  imagesDir: string;
  graceMs: number;
  now?: number;
  log?: (line: string) => void;
}): Promise<{ deleted: number; bytes: number }> {
  const candidates = await opts.usage.unreferencedParticipantImages(new Date((opts.now ?? Date.now()) - opts.graceMs));
  let deleted = 0;
  let bytes = 0;
  for (const { hash, bytes: size } of candidates) {
    // The record goes first: a file without a record is never served, a record without its file answers 404.
    if (!(await opts.usage.deleteImageIfUnreferenced(hash))) continue;
    await rm(join(opts.imagesDir, hash), { force: true });
    deleted += 1;
    bytes += size;
  }
  if (deleted > 0) opts.log?.(`[images] collected ${deleted} unreferenced student image(s), ${(bytes / (1024 * 1024)).toFixed(1)} MB`);
  return { deleted, bytes };
}
