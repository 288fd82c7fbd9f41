/**
 * Maximally activating patches, computed by the class (Zeiler & Fergus 2014; the lecture's grids of image crops):
 * pick a layer and a few channels; the image set (the ImageNet samples, or the instructor's uploads) is split into
 * shards that the students' browsers search (one multi-channel `patches` job each); the server checks every answer,
 * merges the top 9 per channel (one patch per image and channel, ties by image order) and ranks by its own values.
 * The grid of receptive-field crops fills in live on every screen; the finished search is kept as a submission.
 */
import { MaxPatchEntrySchema } from '@convlab/protocol';
import { z } from 'zod';
import { InputSizeSchema, LabImageSchema, LayerIdSchema, ModelIdSchema } from './common.schemas';
import { defineLab } from './lab.types';

/** Winners kept per channel (the lecture's 3×3 grids). */
export const MAX_PATCH_TOP = 9;
/** Most images of one search. */
export const MAX_PATCH_IMAGES = 1000;
/** Most channels searched at once (as one `patches` job allows). */
export const MAX_PATCH_CHANNELS = 16;
/** Most images per shard (a check recomputes at most a whole shard in one `patches` job of k = its images). */
export const MAX_PATCH_SHARD = 32;

const ChannelSchema = z.number().int().min(0).max(100_000);

export const MaxPatchParamsSchema = z
  .strictObject({
    model: ModelIdSchema.default('squeezenet1.1_nchw'),
    /** Layers offered, in network order. */
    layers: z.array(LayerIdSchema).min(1).max(64),
    /** The layer searched. */
    layer: LayerIdSchema,
    /** The channels searched (each gets its own grid). */
    channels: z
      .array(ChannelSchema)
      .min(1)
      .max(MAX_PATCH_CHANNELS)
      .refine((c) => new Set(c).size === c.length, 'each channel once'),
    /** The image set: the ImageNet samples of the images directory (in file-name order), or the given images. */
    images: z.union([z.literal('imagenet-samples'), z.array(LabImageSchema).min(1).max(MAX_PATCH_IMAGES)]).default('imagenet-samples'),
    /** How many of the set's images are searched (the first ones). */
    imageCount: z.number().int().min(1).max(MAX_PATCH_IMAGES).default(200),
    /** Images per shard handed to one student. */
    shardSize: z.number().int().min(1).max(MAX_PATCH_SHARD).default(10),
    /** A shard not back after this long is taken over by the server. */
    shardTimeoutSeconds: z.number().min(1).max(600).default(30),
  })
  .refine((p) => p.layers.includes(p.layer), { message: 'the layer searched must be one of the list of layers', path: ['layer'] });
export type MaxPatchParams = z.output<typeof MaxPatchParamsSchema>;
export type MaxPatchParamsInput = z.input<typeof MaxPatchParamsSchema>;

/** One winner: the image (its place in the search and its reference), the server's value, its position and box. */
export type MaxPatchEntry = z.infer<typeof MaxPatchEntrySchema>;

/** What a finished class search stores (a shared submission with no participant). */
export const MaxPatchResultSchema = z.strictObject({
  model: ModelIdSchema,
  layer: LayerIdSchema,
  inputSize: InputSizeSchema,
  /** Images searched. */
  images: z.number().int().min(1).max(MAX_PATCH_IMAGES),
  /** Per channel, the top 9 by the server's values. */
  channels: z.array(z.strictObject({ channel: ChannelSchema, top: z.array(MaxPatchEntrySchema).max(MAX_PATCH_TOP) })).min(1).max(MAX_PATCH_CHANNELS),
  /** Who computed each shard: a participant id or "server". */
  shards: z.array(z.strictObject({ index: z.number().int().min(0), by: z.string().min(1).max(64) })),
});
export type MaxPatchResult = z.infer<typeof MaxPatchResultSchema>;

export const maxPatchesLab = defineLab({
  id: 'max-patches',
  title: 'Maximally activating patches',
  summary: 'Which image patches excite a channel most? The class searches the image set together; the server checks and merges.',
  params: MaxPatchParamsSchema,
  presets: {
    early: { title: 'An early layer', description: 'Small receptive fields: edges, colours, simple textures.', params: { layer: 'fire2_concat' } },
    late: { title: 'The last layer', description: 'Large receptive fields: object parts.', params: { layer: 'fire9_concat' } },
  },
  paramWords: {
    model: { name: 'model' },
    layers: { name: 'list of layers' },
    layer: { name: 'layer searched' },
    channels: { name: 'channels searched' },
    images: { name: 'image set' },
    imageCount: { name: 'number of images searched', unit: 'images' },
    shardSize: { name: 'number of images per student', unit: 'images' },
    shardTimeoutSeconds: { name: "time a student's share of the search may take", unit: 'seconds' },
  },
  modelParams: { layers: 'layers', layer: 'layer', channels: 'channels' },
  studentControls: ['layer', 'channels'],
  jobs: [
    { kind: 'patches', purpose: 'one shard of the class search: each picked channel’s strongest images among a few', runBy: 'class' },
    { kind: 'patches', purpose: 'a student’s own search over the first images of the set', runBy: 'student' },
  ],
  result: MaxPatchResultSchema,
  resultImage: 'none',
  aggregations: [{ id: 'patch-grid', title: 'Top 9 per channel', description: 'The receptive-field crops of each channel’s nine strongest images, merged live.' }],
});
