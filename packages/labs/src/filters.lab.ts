/**
 * First-layer filters lab: the first convolution of every installed model as RGB tiles (SqueezeNet 1.0's 96×3×7×7
 * is the AlexNet-like one; MobileNet's and SqueezeNet 1.1's are 3×3), with shape and stride, each tile stretched on
 * its own or all on one scale, sorted by norm or colour; a click shows the filter's response map on the photo; two
 * models side by side. The tiles are @convlab/vis' `filterTiles`; a student may submit the filter they find most
 * telling with a caption.
 */
import { z } from 'zod';
import { CaptionSchema, LabImageSchema, ModelIdSchema } from './common.schemas';
import { CONV_DEFAULT_PHOTO } from './convolution.lab';
import { defineLab } from './lab.types';

/** The order the tiles are shown in. */
export const FILTER_SORTS = ['index', 'norm', 'colour'] as const;

export const FiltersParamsSchema = z.strictObject({
  /** The models offered, the first two side by side at the start. */
  models: z.array(ModelIdSchema).min(1).max(8).default(['squeezenet1.0_nhwc', 'mobilenet_v1_0.75_224', 'squeezenet1.1_nchw']),
  /** The photo a clicked filter's response map is computed on. */
  image: LabImageSchema.default(CONV_DEFAULT_PHOTO),
  normalize: z.enum(['per-filter', 'global']).default('per-filter'),
  sort: z.enum(FILTER_SORTS).default('index'),
});
export type FiltersParams = z.output<typeof FiltersParamsSchema>;
export type FiltersParamsInput = z.input<typeof FiltersParamsSchema>;

/** A submitted filter: which model and filter, and what the student thinks it detects. */
export const FiltersResultSchema = z.strictObject({
  model: ModelIdSchema,
  filter: z.number().int().min(0).max(4096),
  caption: CaptionSchema,
});
export type FiltersResult = z.infer<typeof FiltersResultSchema>;

export const filtersLab = defineLab({
  id: 'filters',
  title: 'First-layer filters',
  summary: 'Every installed model’s first convolution as RGB tiles: shapes and strides, normalization, sorting, response maps.',
  params: FiltersParamsSchema,
  presets: {
    global: { title: 'One scale for all tiles', params: { normalize: 'global' } },
    byNorm: { title: 'Strongest first', params: { sort: 'norm' } },
    byColour: { title: 'Sorted by colour', params: { sort: 'colour' } },
  },
  paramWords: {
    models: { name: 'models shown' },
    image: { name: 'photo for response maps' },
    normalize: { name: 'tile scale (each tile or all on one)' },
    sort: { name: 'order of the tiles' },
  },
  needsFirstConv: true,
  studentControls: ['normalize', 'sort'],
  jobs: [],
  result: FiltersResultSchema,
  resultImage: 'none',
  aggregations: [{ id: 'picked-filters', title: 'Picked filters', description: 'The filters students found most telling, with their captions.' }],
});

/** The tile order for a sort: by index, by norm (strongest first) or by hue (then by norm). */
export function sortFilters<T extends { index: number; norm: number; hue: number }>(tiles: readonly T[], sort: FiltersParams['sort']): T[] {
  const list = [...tiles];
  if (sort === 'norm') return list.sort((a, b) => b.norm - a.norm || a.index - b.index);
  if (sort === 'colour') return list.sort((a, b) => a.hue - b.hue || b.norm - a.norm || a.index - b.index);
  return list.sort((a, b) => a.index - b.index);
}
