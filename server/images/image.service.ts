/**
 * Stored images: uploads are checked (type by their bytes, size, pixel count), decoded and re-encoded with sharp
 * (which drops EXIF, GPS and other metadata after applying the EXIF orientation), then stored once by the sha256 of
 * the re-encoded bytes under `<data dir>/images/<hash>`, with their metadata in the database.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassroomStore, ImageAssetDTO, ImageMime, UploaderKind } from '@convlab/classroom';
import { IMAGE_UPLOAD_LIMITS, ProtocolError } from '@convlab/protocol';
import sharp, { type OutputInfo } from 'sharp';
import type { ImageQuota } from './image-quota';

/** What an upload may be; the route uses the protocol's limits, tests may shrink them. */
export interface ImageLimits {
  maxBytes: number;
  maxWidth: number;
  maxHeight: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: IMAGE_UPLOAD_LIMITS.maxBytes,
  maxWidth: IMAGE_UPLOAD_LIMITS.maxWidth,
  maxHeight: IMAGE_UPLOAD_LIMITS.maxHeight,
};

type Format = 'jpeg' | 'png' | 'webp';
const MIME_OF: Record<Format, ImageMime> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Recognizes a file by its first bytes; the name of what it is when it is not one we take. */
export function sniffImageType(bytes: Uint8Array): { format: Format } | { other: string } {
  const b = bytes;
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: 'jpeg' };
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return { format: 'png' };
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { format: 'webp' };
  if (b.length >= 4 && ascii(0, 4) === 'GIF8') return { other: 'a GIF image' };
  if (b.length >= 2 && ascii(0, 2) === 'BM') return { other: 'a BMP image' };
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a))) return { other: 'a TIFF image' };
  if (b.length >= 12 && ascii(4, 8) === 'ftyp') return { other: 'an HEIC/AVIF or video file' };
  if (b.length >= 4 && ascii(0, 4) === '%PDF') return { other: 'a PDF document' };
  if (b.length >= 5 && /^\s*<(\?xml|svg)/i.test(ascii(0, Math.min(b.length, 64)))) return { other: 'an SVG/XML file' };
  return { other: 'not an image ConvLab recognizes' };
}

const HASH = /^[0-9a-f]{64}$/;

/** Images on disk and in the database. */
export class ImageService {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly store: ClassroomStore,
    private readonly limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
    /** Students' storage quotas; checked before a new image is written. */
    private readonly quota?: ImageQuota,
  ) {
    this.dir = join(dataDir, 'images');
  }

  /**
   * Checks, re-encodes and stores an image; throws ProtocolError with a message for the user: UNSUPPORTED_MEDIA_TYPE
   * (not JPEG, PNG or WebP), PAYLOAD_TOO_LARGE (too many bytes or pixels), BAD_REQUEST (cannot be decoded),
   * QUOTA_EXCEEDED (a student's or their session's images would pass a quota). Returns
   * the stored image and whether it was new.
   */
  async ingest(bytes: Uint8Array, uploader: { kind: UploaderKind; id: string | null }): Promise<{ image: ImageAssetDTO; created: boolean }> {
    const { maxBytes, maxWidth, maxHeight } = this.limits;
    if (bytes.byteLength === 0) throw new ProtocolError('BAD_REQUEST', 'the file is empty');
    if (bytes.byteLength > maxBytes) throw new ProtocolError('PAYLOAD_TOO_LARGE', `the file is ${mb(bytes.byteLength)}; at most ${mb(maxBytes)} is accepted`);
    const sniffed = sniffImageType(bytes);
    if ('other' in sniffed) throw new ProtocolError('UNSUPPORTED_MEDIA_TYPE', `the file is ${sniffed.other}; upload a JPEG, PNG or WebP image`);
    const format = sniffed.format;

    // The header first (no pixels decoded), so a huge image is refused before it costs memory.
    let width: number | undefined;
    let height: number | undefined;
    try {
      const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
      width = meta.autoOrient?.width ?? meta.width;
      height = meta.autoOrient?.height ?? meta.height;
    } catch (err) {
      throw corrupt(format, err);
    }
    if (!width || !height) throw corrupt(format, new Error('no dimensions'));
    if (width > maxWidth || height > maxHeight) {
      throw new ProtocolError('PAYLOAD_TOO_LARGE', `the image is ${width}×${height} pixels; at most ${maxWidth}×${maxHeight} is accepted`);
    }

    let output: { data: Buffer; info: OutputInfo };
    try {
      const pipeline = sharp(bytes, { limitInputPixels: maxWidth * maxHeight, failOn: 'error' }).rotate();
      const encoded = format === 'jpeg' ? pipeline.jpeg({ quality: 90 }) : format === 'png' ? pipeline.png() : pipeline.webp({ quality: 90 });
      output = await encoded.toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw corrupt(format, err);
    }
    const hash = createHash('sha256').update(output.data).digest('hex');
    const before = await this.store.findImageAsset(hash);
    // An image already stored costs nothing more; a new one must fit its uploader's quotas (QUOTA_EXCEEDED).
    if (before === null) await this.quota?.check(uploader, output.data.byteLength);
    await this.writeOnce(hash, output.data);
    const image = await this.store.saveImageAsset({
      hash,
      mime: MIME_OF[format],
      width: output.info.width,
      height: output.info.height,
      bytes: output.data.byteLength,
      uploaderKind: uploader.kind,
      uploaderId: uploader.kind === 'server' ? null : uploader.id,
    });
    return { image, created: before === null };
  }

  /** A stored image's metadata and bytes, or null (unknown hash, or its file is gone). */
  async read(hash: string): Promise<{ image: ImageAssetDTO; bytes: Buffer } | null> {
    if (!HASH.test(hash)) return null;
    const image = await this.store.findImageAsset(hash);
    if (!image) return null;
    try {
      return { image, bytes: await readFile(this.pathOf(hash)) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Where the bytes of an image live. */
  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new TypeError('not a sha256 hash');
    return join(this.dir, hash);
  }

  /** Writes the file unless it exists; through a temp file + rename, so readers never see half a file. */
  private async writeOnce(hash: string, data: Buffer): Promise<void> {
    const path = this.pathOf(hash);
    try {
      if ((await stat(path)).size === data.byteLength) return;
    } catch {
      // not there yet
    }
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function corrupt(format: Format, err: unknown): ProtocolError {
  const detail = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 160) : '';
  if (/pixel limit/i.test(detail)) return new ProtocolError('PAYLOAD_TOO_LARGE', 'the image has too many pixels');
  return new ProtocolError('BAD_REQUEST', `the file looks like ${format.toUpperCase()} but could not be decoded (it may be damaged or incomplete)${detail ? `: ${detail}` : ''}`);
}
