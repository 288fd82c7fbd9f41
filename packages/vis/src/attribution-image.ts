/**
 * How an attribution is drawn, one rule for the CLI and the job results. Gradient × input is signed (evidence for and
 * against the class), so it goes on a diverging map centred on 0; magnitude maps (|gradient|, SmoothGrad, Grad-CAM)
 * start at 0; guided backprop and deconvnet show the signed RGB gradient around grey.
 */
import { colorize, robustMax, signedRgb, type ColormapName } from './colormap';
import { type FeatureMap, type RgbImage } from './common';

/** Methods whose map is signed (drawn on the diverging map, negative evidence in blue). */
export const SIGNED_ATTRIBUTION_METHODS: readonly string[] = ['gradient-x-input'];

/**
 * The heatmap of a single-channel attribution map, scaled to the 99.5th percentile of |v| so a few extreme pixels do
 * not wash out the rest: signed methods on coolwarm from −m (blue) through 0 (grey) to +m (red), the others on
 * `magnitudeColormap` from 0 to m.
 */
export function attributionHeatmap(method: string, map: FeatureMap, magnitudeColormap: ColormapName = 'inferno'): RgbImage {
  const m = robustMax(map.data);
  return SIGNED_ATTRIBUTION_METHODS.includes(method)
    ? colorize(map.data, map.width, map.height, { colormap: 'coolwarm', min: -m, max: m })
    : colorize(map.data, map.width, map.height, { colormap: magnitudeColormap, min: 0, max: m });
}

/**
 * The picture of an attribution as the lecture shows it: guided backprop and deconvnet as the signed RGB gradient
 * around grey (when the raw H×W×3 gradient is at hand), every other method as {@link attributionHeatmap}.
 */
export function attributionImage(method: string, map: FeatureMap, raw: ArrayLike<number> | null): RgbImage {
  if ((method === 'guided' || method === 'deconvnet') && raw && raw.length === map.width * map.height * 3) return signedRgb(raw, map.width, map.height);
  return attributionHeatmap(method, map);
}
