import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepsSchema } from '@convlab/protocol';
import { describe, expect, it } from 'vitest';
import { checkLabStep, checkLessonSteps } from '../registry';
import { ASCENT_CLASSES, CONV5_LIKE_LAYER, LESSON_CLASSES, OCCLUSION_PHOTOS, SQUEEZENET_LAYERS, howCnnsSeeLesson, imagenetSampleId } from './how-cnns-see';

const LABELS = join(__dirname, '../../../../../shared/labels/imagenet1k_index_wnid_names.tsv');

describe('How CNNs see', () => {
  it('is a valid lesson plan whose lab steps fit their labs', () => {
    const lesson = howCnnsSeeLesson();
    expect(lesson.title).toBe('How CNNs see');
    expect(StepsSchema.safeParse(lesson.steps).success).toBe(true);
    expect(() => checkLessonSteps(lesson.steps)).not.toThrow();
    expect(lesson.usesFallbackPhotos).toBe(false);
  });

  it('starts with the convolution and pooling labs, then the filters and the other labs with the lecture’s presets', () => {
    const { steps } = howCnnsSeeLesson();
    expect(steps.slice(0, 7).map((s) => s.id)).toEqual(['welcome', 'convolution', 'convolution-challenge', 'pooling', 'classifiers', 'first-layer-filters', 'max-patches']);
    expect(steps.filter((s) => s.kind === 'lab').map((s) => s.kind === 'lab' && s.labId)).toEqual([
      'convolution',
      'convolution',
      'pooling',
      'filters',
      'max-patches',
      'occlusion',
      'occlusion',
      'occlusion',
      'neuron',
      'ascent',
    ]);
    // The class's patch search (after the first-layer filters, before occlusion) starts on the conv5-like layer.
    const patches = steps.find((s) => s.kind === 'lab' && s.labId === 'max-patches')!;
    expect(patches.kind === 'lab' && checkLabStep(patches).params).toMatchObject({ model: 'squeezenet1.1_nchw', layer: 'fire9_concat', images: 'imagenet-samples' });
    const occlusion = steps.filter((s) => s.kind === 'lab' && s.labId === 'occlusion');
    expect(occlusion.map((s) => s.kind === 'lab' && s.params.image)).toEqual([
      { kind: 'sample', id: 'imagenet-samples/n04147183_schooner.jpg' },
      { kind: 'sample', id: 'imagenet-samples/n02504458_African_elephant.jpg' },
      { kind: 'sample', id: 'imagenet-samples/n03444034_go-kart.jpg' },
    ]);
    expect(occlusion.map((s) => s.kind === 'lab' && s.params.classIndex)).toEqual([780, 386, 573]);
    const neuron = steps.find((s) => s.kind === 'lab' && s.labId === 'neuron')!;
    expect(neuron.kind === 'lab' && checkLabStep(neuron).params).toMatchObject({
      model: 'squeezenet1.1_nchw',
      pick: { layer: 'fire9_concat' },
      methods: expect.arrayContaining(['guided']),
    });
    const ascent = steps.find((s) => s.kind === 'lab' && s.labId === 'ascent')!;
    expect(ascent.kind === 'lab' && ascent.params.classes).toEqual([543, 968, 945, 951, 949, 950, 953]);
    expect(ASCENT_CLASSES.map((c) => c.name)).toEqual(['dumbbell', 'cup', 'bell pepper', 'lemon', 'strawberry', 'orange', 'pineapple']);
  });

  it('falls back to the repository photos where the lecture’s are absent, and says so', () => {
    const lesson = howCnnsSeeLesson({ hasImage: (id) => id.startsWith('photos/') || id.includes('go-kart') });
    expect(lesson.usesFallbackPhotos).toBe(true);
    expect(StepsSchema.safeParse(lesson.steps).success).toBe(true);
    expect(() => checkLessonSteps(lesson.steps)).not.toThrow();
    const byId = new Map(lesson.steps.map((s) => [s.id, s]));
    const schooner = byId.get('occlusion-schooner')!;
    expect(schooner.kind === 'lab' && schooner.params).toMatchObject({ image: { kind: 'sample', id: 'photos/sklearn_china.jpg' }, classIndex: 698 });
    expect(schooner.markdown).toMatch(/not in this server's images directory/);
    expect(schooner.markdown).toMatch(/palace/);
    const goKart = byId.get('occlusion-go-kart')!;
    expect(goKart.kind === 'lab' && goKart.params.classIndex).toBe(573);
    expect(goKart.markdown).not.toMatch(/Note:/);
    expect(lesson.images).toContain('photos/sklearn_china.jpg');
    expect(lesson.images).toContain('imagenet-samples/n03444034_go-kart.jpg');
    // Only the photos the repository may carry.
    for (const { fallback } of OCCLUSION_PHOTOS) expect(fallback.sampleId).toMatch(/^photos\/(skimage|matplotlib|sklearn)_/);
  });

  it.skipIf(!existsSync(LABELS))('uses class indices, wnids and names of ../shared/labels', () => {
    const rows = readFileSync(LABELS, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    for (const c of Object.values(LESSON_CLASSES)) {
      const row = rows[c.index]!;
      expect([Number(row[0]), row[1], row[2]], c.name).toEqual([c.index, c.wnid, c.name]);
    }
  });

  it.skipIf(!existsSync(join(__dirname, '../../../../../shared/images/imagenet-samples')))('names ImageNet sample files that exist', () => {
    for (const c of Object.values(LESSON_CLASSES)) {
      expect(existsSync(join(__dirname, '../../../../../shared/images', imagenetSampleId(c))), c.name).toBe(true);
    }
  });

  it('names SqueezeNet 1.1 layers that exist (fire9 is the conv5-like one)', async () => {
    const { squeezeNetGraph } = await import('@convlab/nets');
    const { graph } = squeezeNetGraph('1.1');
    const ids = new Set(graph.nodes.map((n: { id: string }) => n.id));
    for (const layer of SQUEEZENET_LAYERS) expect(ids.has(layer), layer).toBe(true);
    expect(SQUEEZENET_LAYERS.at(-1)).toBe(CONV5_LIKE_LAYER);
  });
});
