/**
 * `POST /api/images` (instructor): upload an image as the raw request body (JPEG, PNG or WebP, at most 5 MB and
 * 4096×4096). `GET /api/images/:hash`: the stored image, cacheable forever (its URL is its content hash).
 */
import type { ImageAssetDTO } from '@convlab/classroom';
import { lessonImageHashes, type DraftStep } from '@convlab/labs';
import { API, IMAGE_MIME_TYPES, ProtocolError, type ImageAsset } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { DEFAULT_IMAGE_LIMITS, ImageService, type ImageLimits } from '../images/image.service';
import { requireInstructorId } from './auth.routes';
import { readBody, type Router } from './router';

/** Most images the library lists. */
const LIBRARY_MAX = 200;

const ACCEPTED_CONTENT_TYPES: readonly string[] = [...IMAGE_MIME_TYPES, 'application/octet-stream'];

/** The public view of a stored image. */
export function toImageAsset(image: ImageAssetDTO): ImageAsset {
  const { hash, mime, width, height, bytes, createdAt } = image;
  return { hash, mime, width, height, bytes, url: API.image(hash), createdAt };
}

/** Registers the image routes; `limits` lets tests shrink the upload limits. */
export function registerImageRoutes(router: Router, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): void {
  router.addRaw(API.images, async (req, ctx: ServerContext) => {
    const instructorId = await requireInstructorId(req, ctx);
    const type = String(req.raw.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (!ACCEPTED_CONTENT_TYPES.includes(type)) {
      req.raw.resume();
      throw new ProtocolError(
        'UNSUPPORTED_MEDIA_TYPE',
        type.startsWith('multipart/')
          ? 'send the image file itself as the request body (not a form), with content-type image/jpeg, image/png or image/webp'
          : `content-type ${type || '(none)'} is not accepted; upload a JPEG, PNG or WebP image`,
      );
    }
    const bytes = await readBody(
      req.raw,
      limits.maxBytes,
      `the file is larger than ${(limits.maxBytes / (1024 * 1024)).toFixed(1)} MB; at most that is accepted`,
    );
    const service = new ImageService(ctx.config.dataDir, ctx.store, limits);
    const { image, created } = await service.ingest(bytes, { kind: 'instructor', id: instructorId });
    return { status: created ? 201 : 200, body: { image: toImageAsset(image) } };
  });

  // The instructor's image library: what they uploaded (or imported with a lesson), and the images of the lessons in
  // their library — a colleague's shared lesson brings its images, reusable in any step like their own.
  router.add('GET', API.images, async (req, ctx) => {
    const instructorId = await requireInstructorId(req, ctx);
    const own = await ctx.imageUsage.instructorImages(instructorId, LIBRARY_MAX);
    const known = new Set(own.map((i) => i.hash));
    const lessons = await ctx.lessons.listByInstructor(instructorId);
    const shared = lessonImageHashes(lessons.filter((l) => !l.deletedAt).flatMap((l) => (l.steps as DraftStep[]))).filter((h) => !known.has(h));
    const found = (await Promise.all(shared.slice(0, LIBRARY_MAX).map((hash) => ctx.store.findImageAsset(hash)))).filter((i) => i !== null);
    const images = [...own, ...found].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, LIBRARY_MAX);
    return { status: 200, body: { images: images.map(toImageAsset) } };
  });

  router.add('GET', '/api/images/:hash', async (req, ctx) => {
    const service = new ImageService(ctx.config.dataDir, ctx.store, limits);
    const found = await service.read(req.params.hash!);
    if (!found) throw new ProtocolError('NOT_FOUND', 'no image has this hash');
    const etag = `"${found.image.hash}"`;
    const headers = {
      'content-type': found.image.mime,
      // The URL names the content, so it never changes.
      'cache-control': 'public, max-age=31536000, immutable',
      etag,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
    };
    const match = String(req.raw.headers['if-none-match'] ?? '');
    if (match.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) return { status: 304, headers };
    return { status: 200, bytes: found.bytes, headers };
  });
}
