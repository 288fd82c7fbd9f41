import { BUILTIN_GRAPH_FACTS, BUILTIN_MODELS, defaultFeatureLayer } from '@convlab/nets';
import { describe, expect, it } from 'vitest';
import { howCnnsSeeLesson } from './lessons/how-cnns-see';
import { fitParamsToModel, modelFitSentence, modelMismatches, staleInstructionsNote, type ModelFacts } from './model-fit';
import { requireLab } from './registry';

/** A built-in model as the server's model list describes it. */
function facts(id: string): ModelFacts {
  const meta = BUILTIN_MODELS.find((m) => m.meta.id === id)!.meta;
  const layers = BUILTIN_GRAPH_FACTS[id]!.layers;
  return { id, displayName: meta.displayName, weights: meta.weights, numClasses: meta.numClasses, layers, defaultLayer: defaultFeatureLayer(layers, meta.numClasses) };
}
const SQUEEZE = facts('squeezenet1.1_nchw');
const MOBILE = facts('mobilenet_v1_0.75_224');
const V2 = facts('mobilenet_v2_1.0_224_quant');
const CUSTOM: ModelFacts = { id: 'onnx-pets-0123456789ab', displayName: 'Pets', numClasses: 3, classNames: ['cat', 'dog', 'rabbit'], layers: [{ id: 'relu1', shape: [56, 56, 64] }, { id: 'relu2', shape: [7, 7, 256] }], defaultLayer: 'relu2' };
const names: Record<number, string> = { 780: 'schooner', 386: 'African elephant', 0: 'tench' };
const className = (i: number) => names[i];

function labParams(labId: string) {
  const step = howCnnsSeeLesson().steps.find((s) => s.kind === 'lab' && s.labId === labId)!;
  return (step.kind === 'lab' ? step.params : {}) as Record<string, unknown>;
}

describe('settings that match the model', () => {
  it('every lab step of "How CNNs see" fits its model', () => {
    for (const step of howCnnsSeeLesson().steps) {
      if (step.kind !== 'lab') continue;
      const model = [SQUEEZE, MOBILE].find((m) => m.id === step.params.model);
      if (model) expect(modelMismatches(requireLab(step.labId), step.params, model), step.id).toEqual([]);
    }
  });

  it('the neuron lab moved to MobileNet gets MobileNet’s layers and its last layer, and says so', () => {
    const lab = requireLab('neuron');
    const { params, notes } = fitParamsToModel(lab, { ...labParams('neuron'), model: MOBILE.id }, MOBILE, { prev: SQUEEZE, className });
    expect(params.layers).toEqual(MOBILE.layers!.map((l) => l.id));
    expect(params.pick).toMatchObject({ kind: 'neuron', layer: 'conv_pw_13_relu' });
    expect(notes.map(modelFitSentence)).toEqual([
      'Layers fire2_concat, fire3_concat, fire4_concat, fire5_concat and 4 more do not exist in MobileNet v1 0.75 (224): the list is now MobileNet v1 0.75 (224)’s 14 layers.',
      'Layer fire9_concat does not exist in MobileNet v1 0.75 (224): set to conv_pw_13_relu.',
    ]);
    // The server refuses the unfitted step with the reason.
    expect(modelMismatches(lab, { ...labParams('neuron'), model: MOBILE.id }, MOBILE)[1]).toBe('Layer fire9_concat does not exist in MobileNet v1 0.75 (224).');
    expect(modelMismatches(lab, params, MOBILE)).toEqual([]);
  });

  it('max patches: the layer and channels follow the model, channels past the layer’s count go', () => {
    const lab = requireLab('max-patches');
    const { params, notes } = fitParamsToModel(lab, { ...labParams('max-patches'), channels: [3, 200, 400] }, V2, { prev: SQUEEZE });
    expect(params.layer).toBe('MobilenetV2/Conv_1/Relu6');
    expect(params.channels).toEqual([3, 200, 400]);
    expect(notes.find((n) => n.param === 'layer')?.fix).toBe('set to MobilenetV2/Conv_1/Relu6');
    const small = fitParamsToModel(lab, { ...params, layer: 'MobilenetV2/Conv/Relu6', channels: [3, 31, 32, 40] }, V2);
    expect(small.params.channels).toEqual([3, 31]);
    expect(modelFitSentence(small.notes[0]!)).toBe('The layer has 32 channels (0 to 31): channels 32, 40 do not exist: removed.');
  });

  it('pooling: a layer the model lacks becomes its default one', () => {
    const { params, notes } = fitParamsToModel(requireLab('pooling'), { layer: 'conv1_relu' }, facts('darknet_tiny'), { prev: SQUEEZE });
    expect(params.layer).toBe('leaky_re_lu_15');
    expect(modelFitSentence(notes[0]!)).toBe('Layer conv1_relu does not exist in Darknet tiny: set to leaky_re_lu_15.');
    expect(modelFitSentence(fitParamsToModel(requireLab('pooling'), { layer: 'conv1_relu' }, facts('squeezenet1.0_nhwc'), { prev: SQUEEZE }).notes[0]!)).toBe('Layer conv1_relu kept.');
  });

  it('classes are kept between ImageNet models and replaced by an uploaded model’s own', () => {
    const occlusion = requireLab('occlusion');
    const kept = fitParamsToModel(occlusion, { classIndex: 780 }, SQUEEZE, { prev: MOBILE, className });
    expect(kept.params.classIndex).toBe(780);
    expect(kept.notes.map(modelFitSentence)).toEqual(['Class 780 (schooner) kept.']);
    const custom = fitParamsToModel(occlusion, { classIndex: 780 }, CUSTOM, { prev: MOBILE, className });
    expect(custom.params).not.toHaveProperty('classIndex');
    expect(modelFitSentence(custom.notes[0]!)).toBe('Pets has its own classes, not those of MobileNet v1 0.75 (224): cleared: students start from the model’s top class.');
    const ascent = fitParamsToModel(requireLab('ascent'), { classes: [780, 386], classIndex: 386 }, CUSTOM, { prev: SQUEEZE, className });
    expect(ascent.params).toMatchObject({ classes: [0, 1], classIndex: 0 });
    expect(ascent.notes.map(modelFitSentence)).toEqual([
      'Pets has its own classes, not those of SqueezeNet 1.1: set to 0 (cat), 1 (dog).',
      'Pets has its own classes, not those of SqueezeNet 1.1: set to 0 (cat).',
    ]);
    // Checked alone (no model change), a class past the model's classes is refused.
    expect(modelMismatches(occlusion, { classIndex: 5 }, CUSTOM)).toEqual(['Class 5 does not exist in Pets (classes 0 to 2).']);
  });

  it('a neuron pick keeps to the layer’s channels and map', () => {
    const lab = requireLab('neuron');
    const { params, notes } = fitParamsToModel(lab, { layers: ['relu1', 'relu2'], pick: { kind: 'neuron', layer: 'relu2', channel: 300, y: 9, x: 2 } }, CUSTOM);
    expect(params.pick).toEqual({ kind: 'neuron', layer: 'relu2', channel: 0 });
    expect(notes.map(modelFitSentence)).toEqual([
      'Channel 300 does not exist in relu2 (channels 0 to 255): set to channel 0.',
      'The position is outside relu2’s 7×7 map: cleared: the channel’s strongest position.',
    ]);
  });
});

describe('instructions that name the previous model’s layers', () => {
  const DARKNET = facts('darknet_tiny');

  it('names the layers the new model lacks, and suggests {{layer}}', () => {
    const markdown = 'Pick a channel of **fire9_concat** (the last fire module), then compare it with conv1_relu.';
    expect(staleInstructionsNote(markdown, SQUEEZE, MOBILE)).toBe(
      "The instructions still name fire9_concat, which MobileNet v1 0.75 (224) does not have: reword them, or write {{layer}} and students read the step's layer.",
    );
    // conv1_relu is in both models; a model with every named layer leaves nothing to say.
    expect(staleInstructionsNote(markdown, SQUEEZE, facts('squeezenet1.0_nhwc'))).toBeNull();
  });

  it('says nothing for instructions written with {{layer}}, or without layer names', () => {
    expect(staleInstructionsNote('Pick a channel of {{layer}}.', SQUEEZE, MOBILE)).toBeNull();
    expect(staleInstructionsNote('Pick any channel you like.', SQUEEZE, MOBILE)).toBeNull();
    // The previous model or the new one's layers unknown: nothing to compare.
    expect(staleInstructionsNote('fire9_concat', undefined, MOBILE)).toBeNull();
    expect(staleInstructionsNote('fire9_concat', SQUEEZE, { displayName: 'Unknown' })).toBeNull();
  });

  it('matches whole names only: leaky_re_lu_13 does not name leaky_re_lu_1', () => {
    expect(staleInstructionsNote('Look at leaky_re_lu_13, then at leaky_re_lu_2.', DARKNET, SQUEEZE)).toBe(
      "The instructions still name leaky_re_lu_2, leaky_re_lu_13, which SqueezeNet 1.1 does not have: reword them, or write {{layer}} and students read the step's layer.",
    );
  });

  it('names layers with slashes (TFLite) and shortens a long list', () => {
    const V2_LAYERS = V2.layers!.map((l) => l.id);
    expect(staleInstructionsNote(`See ${V2_LAYERS[0]} and ${V2_LAYERS.at(-1)}.`, V2, MOBILE)).toBe(
      "The instructions still name MobilenetV2/Conv/Relu6, MobilenetV2/Conv_1/Relu6, which MobileNet v1 0.75 (224) does not have: reword them, or write {{layer}} and students read the step's layer.",
    );
    expect(staleInstructionsNote(V2_LAYERS.slice(0, 6).join(' '), V2, MOBILE)).toMatch(/^The instructions still name MobilenetV2\/Conv\/Relu6, .* and 2 more, which MobileNet/);
  });
});
