/**
 * The file-system side of the labs (Node only): where the sample images are, the repository's fallback photos,
 * and the "How CNNs see" lesson built for the images this server actually has.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SampleIdSchema } from './common.schemas';
import { howCnnsSeeLesson, type Lesson } from './lessons/how-cnns-see';

/** The repository root (packages/labs/src → ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Photos the repository carries (the only ones it may: skimage_*, matplotlib_*, sklearn_*), served as `photos/<file>`. */
export const REPO_PHOTOS_DIR = join(REPO_ROOT, 'assets', 'photos');

/**
 * The images directory: `CONVLAB_IMAGES_DIR` (relative paths from the current directory), else `../shared/images`
 * next to the repository.
 */
export function resolveImagesDir(env: Record<string, string | undefined> = process.env): string {
  const configured = env.CONVLAB_IMAGES_DIR?.trim();
  if (configured) return resolve(configured);
  return resolve(REPO_ROOT, '..', 'shared', 'images');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The file of a sample id (`photos/<file>` or `imagenet-samples/<file>`): in the images directory, else — for
 * `photos/` — among the repository's photos. Null when neither has it; throws for a malformed id (so a path can
 * never escape the two directories).
 */
export function resolveSampleImage(sampleId: string, dirs: { imagesDir: string; repoPhotosDir?: string } = { imagesDir: resolveImagesDir() }): string | null {
  const parsed = SampleIdSchema.safeParse(sampleId);
  if (!parsed.success) throw new Error(`not a sample image id: ${JSON.stringify(sampleId).slice(0, 100)}`);
  const [folder, file] = parsed.data.split('/') as [string, string];
  if (file.includes('..') || isAbsolute(file) || file.includes(sep)) throw new Error(`not a sample image id: ${sampleId}`);
  const inImages = join(dirs.imagesDir, folder, file);
  if (isFile(inImages)) return inImages;
  if (folder === 'photos') {
    const inRepo = join(dirs.repoPhotosDir ?? REPO_PHOTOS_DIR, file);
    if (isFile(inRepo)) return inRepo;
  }
  return null;
}

/** "How CNNs see" for the images this server has: labs whose lecture photo is missing use a repository photo. */
export function loadHowCnnsSeeLesson(dirs: { imagesDir: string; repoPhotosDir?: string } = { imagesDir: resolveImagesDir() }): Lesson & { imagesDir: string; imagesDirFound: boolean } {
  const lesson = howCnnsSeeLesson({ hasImage: (id) => resolveSampleImage(id, dirs) !== null });
  return { ...lesson, imagesDir: dirs.imagesDir, imagesDirFound: existsSync(dirs.imagesDir) };
}
