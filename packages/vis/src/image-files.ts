import { writeFile } from 'node:fs/promises';
import { encodePng } from './png';
import sharp from 'sharp';
import { type RgbImage } from './common';

/** Writes an RGB image to a PNG file. */
export async function writePng(path: string, img: RgbImage): Promise<void> {
  await writeFile(path, encodePng(img));
}

/** Decodes an image file (JPEG, PNG, WebP…) to 8-bit RGB with sharp (alpha dropped, EXIF rotation applied). */
export async function readImageRgb(path: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after decoding, got ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw new Error(`cannot read image ${path}: ${(e as Error).message}`);
  }
}
