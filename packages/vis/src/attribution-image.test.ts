import { describe, expect, it } from 'vitest';
import { attributionHeatmap, attributionImage } from './attribution-image';
import { colormapColor } from './colormap';
import { featureMap } from './common';

const px = (img: { data: Uint8ClampedArray }, i: number) => Array.from(img.data.slice(3 * i, 3 * i + 3));
const colour = (name: 'coolwarm' | 'inferno', t: number) => colormapColor(name, t);
/** Within one 8-bit step of a colour map's colour. */
const near = (got: number[], want: number[]) => got.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(1));

describe('attribution pictures', () => {
  // A signed 2×2 map: strong negative, zero, weak positive, strong positive evidence.
  const signed = featureMap(2, 2, 1, [-4, 0, 1, 4]);

  it('draws gradient × input on the diverging map: negative blue, zero grey, positive red (nothing clipped)', () => {
    const img = attributionHeatmap('gradient-x-input', signed);
    near(px(img, 0), colour('coolwarm', 0));
    near(px(img, 1), colour('coolwarm', 0.5));
    near(px(img, 2), colour('coolwarm', 0.625));
    near(px(img, 3), colour('coolwarm', 1));
    // Negative evidence is not the colour of zero evidence (the bug: both were black).
    expect(px(img, 0)).not.toEqual(px(img, 1));
    expect(px(img, 0)[2]).toBeGreaterThan(px(img, 0)[0]);
    expect(attributionImage('gradient-x-input', signed, null)).toEqual(img);
  });

  it('draws magnitude maps from 0 on the sequential map, and guided backprop as signed RGB', () => {
    const mag = featureMap(2, 2, 1, [0, 1, 2, 4]);
    const img = attributionImage('saliency', mag, null);
    near(px(img, 0), colour('inferno', 0));
    near(px(img, 3), colour('inferno', 1));
    const raw = [4, -4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(px(attributionImage('guided', mag, raw), 0)).toEqual([255, 1, 128]);
  });
});
