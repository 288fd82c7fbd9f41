/** Image upload and download over real HTTP with real files, on SQLite and (with CONVLAB_TEST_PG_URL) PostgreSQL. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageResponseSchema } from '@convlab/protocol';
import { startServer, type RunningServer } from '../../server/index';
import { signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const PHOTO = join(__dirname, '../../assets/photos/skimage_chelsea.png');

async function upload(base: string, body: Uint8Array | string, type: string, cookie?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/images`, {
    method: 'POST',
    headers: { 'content-type': type, ...(cookie ? { cookie } : {}), ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe.each(databaseTargets())('images on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let base: string;
  let cookie: string;
  const imageFiles = () => (existsSync(join(db.dataDir, 'images')) ? readdirSync(join(db.dataDir, 'images')).sort() : []);
  const start = () => startServer({ env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1' }, log: false });

  beforeAll(async () => {
    db = await target.create();
    server = await start();
    base = server.url;
    cookie = (await signUpInstructor(base, 'images@example.org')).cookie;
  });
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });

  it('stores a JPEG re-encoded without its metadata, by the sha256 of the stored bytes, and serves it forever-cacheable', async () => {
    const jpeg = await sharp(PHOTO)
      .jpeg({ quality: 80 })
      .withMetadata({ exif: { IFD0: { Copyright: 'secret-owner', ImageDescription: 'gps here' } } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();

    const res = await upload(base, jpeg, 'image/jpeg', cookie);
    expect(res.status).toBe(201);
    const { image } = ImageResponseSchema.parse(res.body);
    expect(image).toMatchObject({ mime: 'image/jpeg', width: 451, height: 300, url: `/api/images/${image.hash}` });

    const got = await fetch(`${base}${image.url}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(got.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(got.headers.get('etag')).toBe(`"${image.hash}"`);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = Buffer.from(await got.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.hash);
    expect(bytes.byteLength).toBe(image.bytes);
    expect(readFileSync(join(db.dataDir, 'images', image.hash)).equals(bytes)).toBe(true);
    const meta = await sharp(bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.format).toBe('jpeg');
    expect(bytes.includes(Buffer.from('secret-owner'))).toBe(false);

    const again = await fetch(`${base}${image.url}`, { headers: { 'if-none-match': `"${image.hash}"` } });
    expect(again.status).toBe(304);

    // The same file again: the same image, not a new one.
    const dup = await upload(base, jpeg, 'image/jpeg', cookie);
    expect(dup.status).toBe(200);
    expect(dup.body.image.hash).toBe(image.hash);
  });

  it('accepts PNG (keeping transparency) and WebP, whatever the declared image type', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
    const p = await upload(base, png, 'image/png', cookie);
    expect(p.status).toBe(201);
    expect(p.body.image).toMatchObject({ mime: 'image/png', width: 40, height: 30 });
    const stored = await sharp(Buffer.from(await (await fetch(`${base}${p.body.image.url}`)).arrayBuffer())).metadata();
    expect(stored.hasAlpha).toBe(true);

    const webp = await sharp(PHOTO).resize(64).webp().toBuffer();
    const w = await upload(base, webp, 'application/octet-stream', cookie);
    expect(w.status).toBe(201);
    expect(w.body.image).toMatchObject({ mime: 'image/webp', width: 64 });
  });

  it('applies the EXIF orientation before dropping it', async () => {
    const rotated = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#00f' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const res = await upload(base, rotated, 'image/jpeg', cookie);
    expect(res.status).toBe(201);
    expect(res.body.image).toMatchObject({ width: 10, height: 20 });
  });

  it('refuses other types, damaged files, too many bytes and too many pixels with clear messages', async () => {
    const before = imageFiles();
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } }).gif().toBuffer();
    expect(await upload(base, gif, 'image/gif', cookie)).toMatchObject({ status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringMatching(/content-type image\/gif/) } });
    expect(await upload(base, gif, 'image/png', cookie)).toMatchObject({ status: 415, body: { message: expect.stringMatching(/a GIF image; upload a JPEG, PNG or WebP/) } });
    expect(await upload(base, 'hello, not an image', 'image/png', cookie)).toMatchObject({ status: 415, body: { message: expect.stringMatching(/not an image/) } });
    expect(await upload(base, '--x\r\n', 'multipart/form-data; boundary=x', cookie)).toMatchObject({ status: 415, body: { message: expect.stringMatching(/not a form/) } });

    const jpeg = await sharp(PHOTO).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    expect(await upload(base, truncated, 'image/jpeg', cookie)).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST', message: expect.stringMatching(/JPEG but could not be decoded/) } });
    const garbage = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 7)]);
    expect(await upload(base, garbage, 'image/png', cookie)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/PNG but could not be decoded/) } });
    expect(await upload(base, Buffer.alloc(0), 'image/png', cookie)).toMatchObject({ status: 400, body: { message: 'the file is empty' } });

    // A real photo-sized image over 5 MB: noise does not compress.
    const noise = Buffer.alloc(1400 * 1400 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const big = await sharp(noise, { raw: { width: 1400, height: 1400, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(big.byteLength).toBeGreaterThan(5 * 1024 * 1024);
    expect(await upload(base, big, 'image/png', cookie)).toMatchObject({ status: 413, body: { error: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/larger than 5\.0 MB/) } });

    // Few bytes, too many pixels.
    const wide = await sharp({ create: { width: 5000, height: 16, channels: 3, background: '#fff' } }).png().toBuffer();
    expect(wide.byteLength).toBeLessThan(100_000);
    expect(await upload(base, wide, 'image/png', cookie)).toMatchObject({ status: 413, body: { message: 'the image is 5000×16 pixels; at most 4096×4096 is accepted' } });

    // Nothing refused reached the disk.
    expect(imageFiles()).toEqual(before);
  });

  it('stops reading a streamed upload (no content-length) once it passes 5 MB', async () => {
    const before = imageFiles();
    const url = new URL(`${base}/api/images`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'image/jpeg', cookie, 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(512 * 1024, 0xff);
      for (let i = 0; i < 12; i++) req.write(chunk);
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    expect(imageFiles()).toEqual(before);
  });

  it('only lets a signed-in instructor upload, from the same origin', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } }).png().toBuffer();
    expect(await upload(base, png, 'image/png')).toMatchObject({ status: 401, body: { error: 'UNAUTHORIZED' } });
    expect(await upload(base, png, 'image/png', `${cookie}x`)).toMatchObject({ status: 401 });
    expect(await upload(base, png, 'image/png', cookie, { origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
  });

  it('answers 404 for unknown or malformed hashes', async () => {
    for (const hash of ['0'.repeat(64), 'nothex', '../../etc/passwd', 'A'.repeat(64)]) {
      const res = await fetch(`${base}/api/images/${encodeURIComponent(hash)}`);
      expect(res.status, hash).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'NOT_FOUND' });
    }
  });

  it('keeps images across a restart', async () => {
    const png = await sharp({ create: { width: 12, height: 9, channels: 3, background: '#abc' } }).png().toBuffer();
    const { body } = await upload(base, png, 'image/png', cookie);
    await server.close();
    server = await start();
    base = server.url;
    const res = await fetch(`${base}${body.image.url}`);
    expect(res.status).toBe(200);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(12);
  });
});
