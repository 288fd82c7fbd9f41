import { describe, expect, it } from 'vitest';
import { NeuronParamsSchema, NeuronResultSchema, galleryByLayer, neuronJobs, neuronLab, type NeuronPick } from './neuron.lab';

const image = { kind: 'sample' as const, id: 'imagenet-samples/n02504458_African_elephant.jpg' };
const layers = ['conv1_relu', 'fire5_concat', 'fire9_concat'];
const hash = 'a'.repeat(64);

describe('neuron parameters', () => {
  it('fills in the defaults and accepts the three kinds of pick', () => {
    const parsed = NeuronParamsSchema.parse({ image, layers, pick: { kind: 'neuron', layer: 'fire9_concat', channel: 3, y: 5, x: 7 } });
    expect(parsed).toMatchObject({ model: 'squeezenet1.1_nchw', methods: ['vanilla', 'guided', 'deconvnet'], topChannels: 16 });
    for (const pick of [{ kind: 'channel', layer: 'conv1_relu', channel: 0 }, { kind: 'class', index: 386 }]) {
      expect(NeuronParamsSchema.safeParse({ image, layers, pick }).success).toBe(true);
    }
  });

  it('refuses a pick outside the offered layers, repeated or unknown methods, bad positions', () => {
    const bad: [unknown, string][] = [
      [{ image, layers, pick: { kind: 'neuron', layer: 'fire2_concat', channel: 0 } }, 'pick'],
      [{ image, layers, pick: { kind: 'class', index: 1 }, methods: ['guided', 'guided'] }, 'methods'],
      [{ image, layers, pick: { kind: 'class', index: 1 }, methods: ['gradcam'] }, 'methods'],
      [{ image, layers, pick: { kind: 'neuron', layer: 'conv1_relu', channel: 0, y: -1 } }, 'pick'],
      [{ image, layers: [], pick: { kind: 'class', index: 1 } }, 'layers'],
      [{ image, layers, pick: { kind: 'pixel', layer: 'conv1_relu' } }, 'pick'],
    ];
    for (const [params, field] of bad) {
      const parsed = NeuronParamsSchema.safeParse(params);
      expect(parsed.success, JSON.stringify(params)).toBe(false);
      expect(parsed.error!.issues[0]!.path[0]).toBe(field);
    }
  });

  it('validates results: a caption of at most 280 characters, one image per method', () => {
    const ok = { pick: { kind: 'channel', layer: 'fire9_concat', channel: 2 }, caption: '  wrinkly skin ', value: 3.5, images: [{ method: 'guided', sha256: hash }] };
    expect(NeuronResultSchema.parse(ok).caption).toBe('wrinkly skin');
    expect(NeuronResultSchema.safeParse({ ...ok, caption: 'x'.repeat(281) }).success).toBe(false);
    expect(NeuronResultSchema.safeParse({ ...ok, value: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(NeuronResultSchema.safeParse({ ...ok, images: [{ method: 'guided', sha256: 'nope' }] }).success).toBe(false);
    expect(neuronLab.resultImage).toBe('required');
  });
});

describe('neuron jobs', () => {
  const params = NeuronParamsSchema.parse({ image, layers, pick: { kind: 'class', index: 386 } });

  it('asks for the activations of the layer and one saliency image per method', () => {
    const jobs = neuronJobs(params, { kind: 'neuron', layer: 'fire9_concat', channel: 4, y: 6, x: 6 });
    expect(jobs.map((j) => j.kind)).toEqual(['activations', 'saliency', 'saliency', 'saliency']);
    expect(jobs[0]).toEqual({ kind: 'activations', model: 'squeezenet1.1_nchw', image, params: { layer: 'fire9_concat', channels: 16 } });
    expect(jobs[2]).toEqual({
      kind: 'saliency',
      model: 'squeezenet1.1_nchw',
      image,
      params: { method: 'guided', target: { kind: 'neuron', layer: 'fire9_concat', channel: 4, y: 6, x: 6 } },
    });
  });

  it('targets a channel mean or a class score', () => {
    expect(neuronJobs(params, { kind: 'channel', layer: 'conv1_relu', channel: 1 })[1]).toMatchObject({ params: { target: { kind: 'channelMean', layer: 'conv1_relu', channel: 1 } } });
    const cls = neuronJobs(params, { kind: 'class', index: 386 });
    expect(cls.map((j) => j.kind)).toEqual(['saliency', 'saliency', 'saliency']);
    expect(cls[0]).toMatchObject({ params: { target: { kind: 'class', index: 386 } } });
  });
});

describe('galleryByLayer', () => {
  const item = (id: string, pick: NeuronPick) => ({ id, result: { pick } });
  it('groups picks by layer in network order, unknown layers next, class picks last', () => {
    const items = [
      item('a', { kind: 'class', index: 1 }),
      item('b', { kind: 'neuron', layer: 'fire9_concat', channel: 1 }),
      item('c', { kind: 'channel', layer: 'mystery', channel: 0 }),
      item('d', { kind: 'neuron', layer: 'conv1_relu', channel: 2 }),
      item('e', { kind: 'channel', layer: 'fire9_concat', channel: 7 }),
    ];
    const groups = galleryByLayer(items, layers);
    expect(groups.map((g) => [g.layer, g.items.map((i) => i.id)])).toEqual([
      ['conv1_relu', ['d']],
      ['fire9_concat', ['b', 'e']],
      ['mystery', ['c']],
      [null, ['a']],
    ]);
    expect(galleryByLayer([], layers)).toEqual([]);
  });
});
