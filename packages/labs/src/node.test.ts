import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_PHOTOS_DIR, loadHowCnnsSeeLesson, resolveImagesDir, resolveSampleImage } from './node';

const empty = mkdtempSync(join(tmpdir(), 'convlab-labs-images-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('images directory', () => {
  it('comes from CONVLAB_IMAGES_DIR, else ../shared/images beside the repository', () => {
    expect(resolveImagesDir({ CONVLAB_IMAGES_DIR: empty })).toBe(empty);
    expect(resolveImagesDir({})).toMatch(/[/\\]shared[/\\]images$/);
  });

  it('resolves sample ids in the images directory, photos also in the repository, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'convlab-labs-images-'));
    try {
      mkdirSync(join(dir, 'imagenet-samples'));
      writeFileSync(join(dir, 'imagenet-samples', 'n1_x.jpg'), 'x');
      expect(resolveSampleImage('imagenet-samples/n1_x.jpg', { imagesDir: dir })).toBe(join(dir, 'imagenet-samples', 'n1_x.jpg'));
      expect(resolveSampleImage('imagenet-samples/n2_y.jpg', { imagesDir: dir })).toBeNull();
      expect(resolveSampleImage('photos/skimage_chelsea.png', { imagesDir: dir })).toBe(join(REPO_PHOTOS_DIR, 'skimage_chelsea.png'));
      expect(resolveSampleImage('photos/coral_owl.jpg', { imagesDir: dir })).toBeNull();
      expect(() => resolveSampleImage('photos/../../etc/passwd', { imagesDir: dir })).toThrow(/not a sample image id/);
      expect(() => resolveSampleImage('/etc/passwd', { imagesDir: dir })).toThrow(/not a sample image id/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the lesson from the repository photos when the images directory is empty', () => {
    const lesson = loadHowCnnsSeeLesson({ imagesDir: empty });
    expect(lesson.usesFallbackPhotos).toBe(true);
    for (const id of lesson.images) {
      expect(id).toMatch(/^photos\//);
      expect(resolveSampleImage(id, { imagesDir: empty })).not.toBeNull();
    }
  });

  it.skipIf(!resolveSampleImage('imagenet-samples/n04147183_schooner.jpg', { imagesDir: resolveImagesDir({}) }))('uses the lecture photos when ../shared/images has them', () => {
    const lesson = loadHowCnnsSeeLesson({ imagesDir: resolveImagesDir({}) });
    expect(lesson.usesFallbackPhotos).toBe(false);
    expect(lesson.imagesDirFound).toBe(true);
  });
});
