import { describe, expect, it } from 'vitest';
import { requireLab } from './registry';
import { describeParamIssue, modelMisfit, modelUnsuitability, paramLabel, paramWords } from './param-words';
import { howCnnsSeeLesson } from './lessons/how-cnns-see';

/** The editor's message for `params` of `labId`, by parameter (what the lesson editor shows next to each field). */
function messages(labId: string, params: Record<string, unknown>): Record<string, string> {
  const lab = requireLab(labId);
  const parsed = lab.params.safeParse(params);
  if (parsed.success) return {};
  const out: Record<string, string> = {};
  for (const issue of parsed.error.issues) out[String(issue.path[0] ?? '')] ??= describeParamIssue(lab, issue);
  return out;
}

const lesson = howCnnsSeeLesson();
const preset = (labId: string) => {
  const step = lesson.steps.find((s) => s.kind === 'lab' && s.labId === labId);
  if (step?.kind !== 'lab') throw new Error(labId);
  return step.params as Record<string, unknown>;
};

describe('lab parameters in words', () => {
  it('names parameters for people, with a readable fallback for a lab that gives no names', () => {
    const occlusion = requireLab('occlusion');
    expect(paramLabel(occlusion, 'classIndex')).toBe('Target class');
    expect(paramWords(occlusion, 'window')).toEqual({ name: 'window', unit: 'pixels' });
    expect(paramLabel({}, 'shardTimeoutSeconds')).toBe('Shard timeout seconds');
    // Every lab names every parameter (a new parameter without words would show its code name).
    for (const labId of ['convolution', 'pooling', 'filters', 'max-patches', 'occlusion', 'neuron', 'ascent']) {
      const lab = requireLab(labId);
      const shape = (lab.params as unknown as { shape?: Record<string, unknown>; def: { in?: { shape: Record<string, unknown> }; schema?: { shape: Record<string, unknown> } } });
      const keys = Object.keys(shape.shape ?? shape.def.in?.shape ?? shape.def.schema?.shape ?? {});
      for (const key of keys) expect(lab.paramWords?.[key as never], `${labId}.${key}`).toBeDefined();
    }
  });

  it('the newer labs speak in words too: convolution, pooling, filters, max patches', () => {
    expect(messages('pooling', { ...preset('pooling'), size: 5 })).toEqual({ size: 'The window must be at most 4 pixels.' });
    expect(messages('convolution', { ...preset('convolution'), padding: 4 })).toEqual({ padding: 'The padding must be at most 3 pixels.' });
    expect(messages('filters', { ...preset('filters'), sort: 'size' })).toEqual({ sort: 'The order of the tiles must be one of: index, norm, colour.' });
    const patches = preset('max-patches');
    expect(messages('max-patches', { ...patches, shardTimeoutSeconds: 0 })).toEqual({ shardTimeoutSeconds: "The time a student's share of the search may take must be at least 1 second." });
    expect(messages('max-patches', { ...patches, layer: 'conv10_relu' })).toEqual({ layer: 'The layer searched must be one of the list of layers.' });
    expect(messages('max-patches', { ...patches, imageCount: 2.5 })).toEqual({ imageCount: 'The number of images searched must be a whole number.' });
    expect(paramLabel(requireLab('max-patches'), 'shardSize')).toBe('Number of images per student');
  });

  it('says every kind of problem as a sentence about its field', () => {
    const occ = preset('occlusion');
    expect(messages('occlusion', { ...occ, window: 1, stride: 1 })).toEqual({ window: 'The window must be at least 2 pixels.' });
    expect(messages('occlusion', { ...occ, window: 2000, stride: 1 })).toEqual({ window: 'The window must be at most 1024 pixels.' });
    expect(messages('occlusion', { ...occ, brushSize: 1.5 })).toEqual({ brushSize: 'The brush size must be a whole number.' });
    expect(messages('occlusion', { ...occ, brushSize: 'big' })).toEqual({ brushSize: 'The brush size must be a number.' });
    expect(messages('occlusion', { ...occ, fill: 'pink' })).toEqual({ fill: 'The fill of the masks must be one of: zero, grey, blur, noise.' });
    expect(messages('occlusion', { ...occ, window: 16, stride: 32 })).toEqual({ stride: 'The stride must be at most the window, or pixels are skipped.' });
    expect(messages('occlusion', { ...occ, shardTimeoutSeconds: 0.5 })).toEqual({ shardTimeoutSeconds: "The time a student's share of the sweep may take must be at least 1 second." });
    expect(messages('occlusion', { ...occ, image: undefined })).toEqual({ image: expect.stringMatching(/^The photo/) });
    expect(messages('ascent', { ...preset('ascent'), classIndex: undefined })).toEqual({ classIndex: 'The class is missing: give it a value.' });
    expect(messages('occlusion', { ...occ, colour: 'red' })).toEqual({ '': 'This lab has no setting “colour”.' });

    const asc = preset('ascent');
    expect(messages('ascent', { ...asc, classes: [] })).toMatchObject({ classes: 'The list of classes needs at least 1 entry.' });
    expect(messages('ascent', { ...asc, classIndex: 1 })).toEqual({ classIndex: 'The class must be one of the list of classes.' });
    expect(messages('ascent', { ...asc, learningRate: 0 })).toEqual({ learningRate: 'The learning rate must be more than 0.' });
    expect(messages('ascent', { ...asc, decay: 1 })).toEqual({ decay: 'The decay must be less than 1.' });
    expect(messages('ascent', { ...asc, sweep: { from: 0, to: 1, count: 1 } })).toEqual({ sweep: 'The λ sweep’s count must be at least 2.' });

    const neu = preset('neuron');
    expect(messages('neuron', { ...neu, pick: { kind: 'neuron', layer: 'nowhere', channel: 0 } })).toEqual({ pick: 'The neuron’s layer must be one of the list of layers.' });
    expect(messages('neuron', { ...neu, layers: Array.from({ length: 65 }, (_, i) => `l${i}`) })).toMatchObject({ layers: 'The list of layers has at most 64 entries.' });
  });

  it('refuses a quantized model where gradients are needed, and says why', () => {
    const uint8 = { displayName: 'MobileNet v2 (uint8)', weights: 'quantized' as const };
    expect(modelUnsuitability(requireLab('neuron'), uint8)).toBe('MobileNet v2 (uint8) is a quantized model: it gives no usable gradients, and the Neurons to pixels lab needs them. Choose a float model.');
    expect(modelUnsuitability(requireLab('ascent'), uint8)).toMatch(/Gradient ascent lab needs them/);
    expect(modelUnsuitability(requireLab('occlusion'), uint8)).toBeNull();
    expect(modelMisfit(requireLab('ascent'), uint8)?.words).toBe('quantized, no gradients');
    expect(modelUnsuitability(requireLab('neuron'), { displayName: 'SqueezeNet 1.1' })).toBeNull();
  });

  it('refuses a model without an ordinary first convolution for the filters lab; an unknown one passes', () => {
    const mlp = { displayName: 'Tiny MLP', firstConv: null };
    expect(modelUnsuitability(requireLab('filters'), mlp)).toBe('Tiny MLP has no ordinary convolution reading the image, so it has no first-layer filters to show. Choose another model.');
    expect(modelUnsuitability(requireLab('occlusion'), mlp)).toBeNull();
    expect(modelMisfit(requireLab('filters'), mlp)?.words).toBe('no first-layer convolution');
    expect(modelUnsuitability(requireLab('filters'), { displayName: 'SqueezeNet 1.0', firstConv: { layer: 'conv1' } })).toBeNull();
    expect(modelUnsuitability(requireLab('filters'), { displayName: 'An older upload' })).toBeNull();
  });
});
