/**
 * The layers labs offer: the rule on the real built-in models gives exactly the generated list (regenerate with
 * `npx tsx packages/nets/src/store/generate-layers.ts` when a model or the rule changes), and the lists read as a lecture
 * would name them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_GRAPH_FACTS } from './builtin-layers.generated';
import { disposeModel } from './executor';
import { defaultFeatureLayer, earlyFeatureLayer, graphFacts, MAX_FEATURE_LAYERS } from './feature-layers';
import { BUILTIN_MODELS } from './models';
import { defaultModelsDir, pathExists } from './node';
import { loadModelSpec } from './store/load-model-node';
import { useBackend } from './testing/backends';

describe('feature layers', () => {
  it('every built-in model has its generated facts, at most 32 layers in network order, a default before the classifier', () => {
    expect(Object.keys(BUILTIN_GRAPH_FACTS).sort()).toEqual(BUILTIN_MODELS.map((m) => m.meta.id).sort());
    for (const { meta } of BUILTIN_MODELS) {
      const { layers, gflops } = BUILTIN_GRAPH_FACTS[meta.id]!;
      expect(layers.length, meta.id).toBeGreaterThan(5);
      expect(layers.length).toBeLessThanOrEqual(MAX_FEATURE_LAYERS);
      expect(gflops).toBeGreaterThan(0);
      // Deeper layers are never larger.
      for (let i = 1; i < layers.length; i++) expect(layers[i]!.shape[0]).toBeLessThanOrEqual(layers[i - 1]!.shape[0]);
      expect(layers.find((l) => l.id === defaultFeatureLayer(layers, meta.numClasses))!.shape[2]).not.toBe(meta.numClasses);
    }
    const squeeze = BUILTIN_GRAPH_FACTS['squeezenet1.1_nchw']!.layers.map((l) => l.id);
    expect(squeeze).toEqual(['conv1_relu', ...[2, 3, 4, 5, 6, 7, 8, 9].map((i) => `fire${i}_concat`)]);
    expect(defaultFeatureLayer(BUILTIN_GRAPH_FACTS['squeezenet1.1_nchw']!.layers, 1000)).toBe('fire9_concat');
    expect(earlyFeatureLayer(BUILTIN_GRAPH_FACTS['squeezenet1.1_nchw']!.layers)).toBe('fire3_concat');
    // Depthwise layers mix no channels: MobileNet v1 offers its pointwise layers only.
    expect(BUILTIN_GRAPH_FACTS['mobilenet_v1_0.75_224']!.layers.map((l) => l.id).filter((id) => id.includes('dw'))).toEqual([]);
    // The first-layer filters: SqueezeNet 1.0's AlexNet-like 96 filters of 7×7 at stride 2; every built-in model has some.
    expect(BUILTIN_GRAPH_FACTS['squeezenet1.0_nhwc']!.firstConv).toEqual({ layer: 'conv1', kernelSize: [7, 7], filters: 96, stride: [2, 2] });
    expect(BUILTIN_GRAPH_FACTS['mobilenet_v1_0.75_224']!.firstConv).toMatchObject({ kernelSize: [3, 3], filters: 24 });
    expect(Object.entries(BUILTIN_GRAPH_FACTS).filter(([, f]) => !f.firstConv).map(([id]) => id)).toEqual([]);
  });

  describe.skipIf(!pathExists(defaultModelsDir()))('on the real models', () => {
    beforeAll(async () => {
      await useBackend('cpu');
    });
    it('the rule gives the generated list', async () => {
      for (const entry of BUILTIN_MODELS) {
        const { model } = await loadModelSpec(entry.meta.id);
        expect(graphFacts(model.graph, entry.layerPattern), entry.meta.id).toEqual(BUILTIN_GRAPH_FACTS[entry.meta.id]);
        disposeModel(model);
      }
    }, 120_000);
  });
});
