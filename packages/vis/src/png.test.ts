import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png';

describe('encodePng', () => {
  it('writes a PNG that a real decoder reads back pixel for pixel', async () => {
    const width = 7;
    const height = 5;
    const data = new Uint8ClampedArray(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
    const png = encodePng({ width, height, data });
    const { data: back, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width, height, channels: 3, format: 'raw' });
    expect([...back]).toEqual([...data]);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(11) })).toThrow(/expected 12 bytes/);
  });
});
