/** The occlusion masks a student draws: defined in the protocol, where lab submissions and compute jobs share them. */
export { MASK_LIMITS, RectMaskSchema, BitmapMaskSchema, MaskSchema, encodeBitmapMask, decodeBitmapMask, rasterizeMask, maskCoverage } from '@convlab/protocol';
export type { RectMask, BitmapMask, Mask } from '@convlab/protocol';
