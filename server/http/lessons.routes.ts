/**
 * `GET /api/lessons` (instructor): the ready-made lessons, built for the images this server has (labs whose lecture
 * photo is missing use a repository photo and say so). `GET /api/samples/<folder>/<file>`: the built-in sample
 * images the labs reference, from `CONVLAB_IMAGES_DIR` (default ../shared/images) or the repository's photos.
 * `GET /api/labels/<name>`: the label files (CONVLAB_LABELS_DIR), so browsers name classes as the server does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABEL_FILES } from '@convlab/nets';
import { defaultLabelsDir } from '@convlab/nets/node';
import { loadHowCnnsSeeLesson, resolveImagesDir, resolveSampleImage } from '@convlab/labs/node';
import { ProtocolError, type ReadyLesson } from '@convlab/protocol';
import { requireInstructorId } from './auth.routes';
import type { Router } from './router';

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Registers the lesson and sample-image routes. The images directory is read from `env` on each request. */
export function registerLessonRoutes(router: Router, env: Record<string, string | undefined> = process.env): void {
  router.add('GET', '/api/lessons', async (req, ctx) => {
    await requireInstructorId(req, ctx);
    const lesson = loadHowCnnsSeeLesson({ imagesDir: resolveImagesDir(env) });
    const ready: ReadyLesson = {
      id: 'how-cnns-see',
      title: lesson.title,
      steps: lesson.steps,
      notice: lesson.usesFallbackPhotos
        ? "Some of the lecture's ImageNet photos are not on this server (set CONVLAB_IMAGES_DIR); those labs use photos that ship with ConvLab instead."
        : null,
    };
    return { status: 200, body: { lessons: [ready] } };
  });

  router.add('GET', '/api/samples/:folder/:file', async (req) => {
    const id = `${req.params.folder}/${req.params.file}`;
    let path: string | null;
    try {
      path = resolveSampleImage(id, { imagesDir: resolveImagesDir(env) });
    } catch {
      path = null;
    }
    if (!path) throw new ProtocolError('NOT_FOUND', `no sample image ${id.slice(0, 120)}`);
    const ext = path.split('.').pop()!.toLowerCase();
    return {
      status: 200,
      bytes: await readFile(path),
      headers: { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' },
    };
  });

  router.add('GET', '/api/labels/:name', async (req) => {
    const file = req.params.name === 'imagenet1k.tsv' ? LABEL_FILES.imagenet1k : req.params.name === 'imagenet1001.txt' ? LABEL_FILES.imagenet1001 : null;
    if (!file) throw new ProtocolError('NOT_FOUND', 'label files: imagenet1k.tsv, imagenet1001.txt');
    return {
      status: 200,
      bytes: await readFile(join(defaultLabelsDir(env), file)),
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=86400' },
    };
  });
}
