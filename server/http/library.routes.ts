/**
 * `/api/library*` (instructor): the lesson library — list, create (empty, a plan or a copy), read, autosave, delete
 * and undo, share with a colleague, export as one file with its images, import such a file, and start a session
 * from a snapshot of a lesson. Every create takes the client's id for the new lesson, so a retry never makes two.
 */
import { API, CreateLessonBodySchema, LESSON_FILE_LIMITS, ProtocolError, SaveLessonBodySchema, ShareLessonBodySchema } from '@convlab/protocol';
import { z } from 'zod';
import { toLiveSession } from '../context';
import {
  DELETED_LESSON_KEEP_MS,
  copyLesson,
  createLesson,
  exportLesson,
  importLesson,
  lessonSteps,
  ownedLesson,
  shareLesson,
  toLesson,
  toLessonSummary,
} from '../lessons/library';
import { requireInstructorId } from './auth.routes';
import { readBody, type Router } from './router';
import { joinBase } from './sessions.routes';

/** Registers the library routes. */
export function registerLibraryRoutes(router: Router): void {
  router.add('GET', API.library, async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    const records = await ctx.lessons.listByInstructor(instructorId);
    const keepSince = Date.now() - DELETED_LESSON_KEEP_MS;
    return {
      status: 200,
      body: {
        lessons: records.filter((r) => !r.deletedAt).map(toLessonSummary),
        deleted: records.filter((r) => r.deletedAt && Date.parse(r.deletedAt) > keepSince).map(toLessonSummary),
      },
    };
  });

  router.add(
    'POST',
    API.library,
    async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      const body = req.body;
      const record =
        'copyOf' in body
          ? await copyLesson(ctx, instructorId, body.id, body.copyOf)
          : await createLesson(ctx, { id: body.id, instructorId, title: body.title, steps: body.steps });
      return { status: 201, body: { lesson: toLesson(record) } };
    },
    CreateLessonBodySchema,
  );

  // A lesson file carries its images, so it may be far larger than other JSON bodies.
  router.addRaw(API.libraryImport, async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    if (!/^application\/json\b/i.test(String(req.raw.headers['content-type'] ?? ''))) {
      req.raw.resume();
      throw new ProtocolError('BAD_REQUEST', 'send the lesson file as JSON (content-type: application/json)');
    }
    const mb = LESSON_FILE_LIMITS.maxBytes / (1024 * 1024);
    const text = (await readBody(req.raw, LESSON_FILE_LIMITS.maxBytes, `the lesson file is larger than ${mb} MB`)).toString('utf8');
    let body: { id?: unknown; file?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ProtocolError('BAD_REQUEST', 'This is not a ConvLab lesson file (it is not valid JSON).');
    }
    const id = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).safeParse(body?.id);
    if (!id.success) throw new ProtocolError('BAD_REQUEST', 'id: a lesson id of 8–64 letters, digits, "-" and "_" is required');
    const record = await importLesson(ctx, instructorId, id.data, body.file);
    return { status: 201, body: { lesson: toLesson(record) } };
  });

  router.add('GET', '/api/library/:id', async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    return { status: 200, body: { lesson: toLesson(await ownedLesson(ctx, instructorId, req.params.id!)) } };
  });

  router.add(
    'POST',
    '/api/library/:id',
    async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      await ownedLesson(ctx, instructorId, req.params.id!);
      const outcome = await ctx.lessons.save(req.params.id!, { title: req.body.title, steps: req.body.steps }, req.body.revision);
      if ('missing' in outcome) throw new ProtocolError('NOT_FOUND', 'no such lesson in your library');
      if ('stale' in outcome) {
        throw new ProtocolError('CONFLICT', 'This lesson was changed in another window since you opened it. Reload to see that version.');
      }
      return { status: 200, body: { lesson: toLesson(outcome.saved) } };
    },
    SaveLessonBodySchema,
  );

  router.add('POST', '/api/library/:id/delete', async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      const record = await ownedLesson(ctx, instructorId, req.params.id!, true);
      const deleted = record.deletedAt ? record : await ctx.lessons.setDeleted(record.id, new Date());
      return { status: 200, body: { lesson: toLesson(deleted ?? record) } };
  });

  router.add('POST', '/api/library/:id/restore', async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      const record = await ownedLesson(ctx, instructorId, req.params.id!, true);
      const restored = record.deletedAt ? await ctx.lessons.setDeleted(record.id, null) : record;
      return { status: 200, body: { lesson: toLesson(restored ?? record) } };
  });

  router.add(
    'POST',
    '/api/library/:id/share',
    async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      return { status: 201, body: await shareLesson(ctx, instructorId, req.params.id!, req.body.email, req.body.copyId) };
    },
    ShareLessonBodySchema,
  );

  router.add('GET', '/api/library/:id/export', async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    const record = await ownedLesson(ctx, instructorId, req.params.id!);
    const file = await exportLesson(ctx, record);
    const name = (record.title.trim() || 'lesson').replace(/[^A-Za-z0-9 _-]+/g, '').trim().replace(/\s+/g, '-').slice(0, 60) || 'lesson';
    return {
      status: 200,
      bytes: Buffer.from(JSON.stringify(file)),
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${name}.convlab-lesson.json"` },
    };
  });

  router.add('POST', '/api/library/:id/start', async (req, ctx) => {
      const instructorId = await requireInstructorId(req, ctx);
      const plan = await lessonSteps(ctx, req.params.id!, instructorId);
      const session = await ctx.classroom.createSession({ role: 'instructor', instructorId }, plan);
      return { status: 201, body: { session: toLiveSession(session, joinBase(req, ctx)) } };
  });
}
