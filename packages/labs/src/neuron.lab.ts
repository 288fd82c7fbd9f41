/**
 * Neuron lab ("neurons to pixels"): a student picks a layer, a channel and a position on its activation map (or an
 * output class) and sees the vanilla gradient, guided backprop and deconvnet images beside the activation map;
 * they submit a pick with a short caption. The instructor's gallery groups the picks by layer.
 */
import type { NeuronField } from '@convlab/protocol';
import { z } from 'zod';
import { CaptionSchema, ClassIndexSchema, LabImageSchema, LayerIdSchema, ModelIdSchema } from './common.schemas';
import { defineLab } from './lab.types';
import { neuronTopKRule } from './neuron.rules';

/** Attribution methods the lab shows (names as the compute `saliency` job spells them). */
export const NEURON_METHODS = ['vanilla', 'guided', 'deconvnet', 'smoothgrad', 'gradient-x-input'] as const;
export const NeuronMethodSchema = z.enum(NEURON_METHODS);
export type NeuronMethod = z.infer<typeof NeuronMethodSchema>;

const Index = z.number().int().min(0).max(100_000);

/** What the student picked: one neuron (a channel at a position, or the channel's mean) or an output class. */
export const NeuronPickSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('neuron'),
    layer: LayerIdSchema,
    channel: Index,
    /** Position on the activation map; absent means the channel's strongest position. */
    y: z.number().int().min(0).max(4096).optional(),
    x: z.number().int().min(0).max(4096).optional(),
  }),
  z.strictObject({ kind: z.literal('channel'), layer: LayerIdSchema, channel: Index }),
  z.strictObject({ kind: z.literal('class'), index: ClassIndexSchema }),
]);
export type NeuronPick = z.infer<typeof NeuronPickSchema>;

/** A neuron's receptive field as a saliency job reports it (`NeuronField`): what the crops of its images show. */
export const NeuronFieldSchema = z.strictObject({
  box: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  inputSize: z.tuple([z.number().int().min(1).max(4096), z.number().int().min(1).max(4096)]),
  cropFraction: z.number().gt(0).max(1),
}) satisfies z.ZodType<NeuronField>;

export const NeuronParamsSchema = z
  .strictObject({
    model: ModelIdSchema.default('squeezenet1.1_nchw'),
    image: LabImageSchema,
    /** Layers students may pick from, in network order (the gallery's order too). */
    layers: z.array(LayerIdSchema).min(1).max(64),
    /** The pick the step starts from. */
    pick: NeuronPickSchema,
    /** Images shown side by side. */
    methods: z.array(NeuronMethodSchema).min(1).max(NEURON_METHODS.length).default(['vanilla', 'guided', 'deconvnet']),
    /** Strongest channels offered per layer. */
    topChannels: z.number().int().min(1).max(64).default(16),
  })
  .refine((p) => p.pick.kind === 'class' || p.layers.includes(p.pick.layer), { message: 'the neuron’s layer must be one of the list of layers', path: ['pick', 'layer'] })
  .refine((p) => new Set(p.methods).size === p.methods.length, { message: 'each method once', path: ['methods'] });
export type NeuronParams = z.output<typeof NeuronParamsSchema>;
export type NeuronParamsInput = z.input<typeof NeuronParamsSchema>;

/** What a neuron submission stores. */
export const NeuronResultSchema = z.strictObject({
  pick: NeuronPickSchema,
  caption: CaptionSchema,
  /** The picked neuron's activation (or the class score). */
  value: z.number().finite(),
  /** The position used when the pick named none (the channel's strongest). */
  position: z.strictObject({ y: z.number().int().min(0), x: z.number().int().min(0) }).optional(),
  /** The neuron's receptive field (set by the server's own job), to show each image cropped to what the neuron sees. */
  field: NeuronFieldSchema.optional(),
  /** The image per method (content sha256 of a stored PNG); the submission's result image is the first. */
  images: z
    .array(z.strictObject({ method: NeuronMethodSchema, sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .max(NEURON_METHODS.length),
});
export type NeuronResult = z.infer<typeof NeuronResultSchema>;

export const neuronLab = defineLab({
  id: 'neuron',
  title: 'Neurons to pixels',
  summary: 'Pick a neuron (or a class) and see which pixels excite it: gradient, guided backprop and deconvnet side by side.',
  params: NeuronParamsSchema,
  presets: {
    guided: { title: 'Guided backprop only', params: { methods: ['guided'] } },
    compare: { title: 'Compare the three', params: { methods: ['vanilla', 'guided', 'deconvnet'] } },
  },
  needsGradients: true,
  paramWords: {
    model: { name: 'model' },
    image: { name: 'photo' },
    layers: { name: 'list of layers' },
    pick: { name: 'neuron or class to explain' },
    methods: { name: 'list of methods' },
    topChannels: { name: 'number of strongest channels shown', unit: 'channels' },
  },
  modelParams: { layers: 'layers', pick: 'pick' },
  studentControls: ['pick', 'methods'],
  jobs: [
    { kind: 'activations', purpose: 'the activation maps of the picked layer, channels ranked', runBy: 'student' },
    { kind: 'saliency', purpose: 'one image per method for the picked neuron or class', runBy: 'student' },
    { kind: 'classify', purpose: 'the top classes (to pick a class)', runBy: 'student' },
  ],
  result: NeuronResultSchema,
  resultImage: 'required',
  aggregations: [{ id: 'gallery-by-layer', title: 'Gallery by layer', description: 'Every pick with its caption, grouped by layer in network order; class picks last.' }],
  gradingRules: [neuronTopKRule],
});

/** The compute jobs (JobSpec input form) for one pick: the layer's activations and one saliency image per method. */
export function neuronJobs(params: Pick<NeuronParams, 'model' | 'image' | 'methods' | 'topChannels'>, pick: NeuronPick) {
  const target =
    pick.kind === 'class'
      ? { kind: 'class' as const, index: pick.index }
      : pick.kind === 'channel'
        ? { kind: 'channelMean' as const, layer: pick.layer, channel: pick.channel }
        : { kind: 'neuron' as const, layer: pick.layer, channel: pick.channel, ...(pick.y !== undefined ? { y: pick.y } : {}), ...(pick.x !== undefined ? { x: pick.x } : {}) };
  const saliency = params.methods.map((method) => ({ kind: 'saliency' as const, model: params.model, image: params.image, params: { method, target } }));
  if (pick.kind === 'class') return saliency;
  const activations = { kind: 'activations' as const, model: params.model, image: params.image, params: { layer: pick.layer, channels: params.topChannels } };
  return [activations, ...saliency];
}

/** A gallery group: one layer (or "classes") and its picks. */
export interface GalleryGroup<T> {
  /** The layer id, or null for class picks. */
  layer: string | null;
  items: T[];
}

/**
 * Groups neuron submissions by layer: layers in `layerOrder` first, in that order, then any other layer in
 * order of first appearance, then class picks. Items keep their order.
 */
export function galleryByLayer<T extends { result: Pick<NeuronResult, 'pick'> }>(items: readonly T[], layerOrder: readonly string[] = []): GalleryGroup<T>[] {
  const groups = new Map<string | null, T[]>();
  for (const item of items) {
    const key = item.result.pick.kind === 'class' ? null : item.result.pick.layer;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(item);
  }
  const rank = (layer: string | null) => (layer === null ? Infinity : layerOrder.includes(layer) ? layerOrder.indexOf(layer) : layerOrder.length);
  // Map keeps first-appearance order, and sort is stable, so unknown layers stay in that order.
  return [...groups.entries()].sort((a, b) => rank(a[0]) - rank(b[0])).map(([layer, list]) => ({ layer, items: list }));
}
