/**
 * Every grading rule on hand-made cases: pass, fail and the boundary. The compute each rule is given here is a
 * small, exact "model" written out in code (a probability that falls with the covered share of an object region,
 * a hand-written activation map, a linear class score), so each verdict can be worked out on paper.
 */
import { decodeBitmapMask, rasterizeMask, type Mask } from '@convlab/protocol';
import { describe, expect, it } from 'vitest';
import { AscentParamsSchema, ascentLab } from './ascent.lab';
import { ascentObjectiveRule, squaredNorm } from './ascent.rules';
import { evaluateRule, type GradingCompute, type StoredTensor } from './grading.types';
import { NeuronParamsSchema, neuronLab, type NeuronResult } from './neuron.lab';
import { neuronTopKRule, positionsAbove } from './neuron.rules';
import { OcclusionParamsSchema, occlusionLab, type OcclusionResult } from './occlusion.lab';
import { maskUnion, occlusionDropRule } from './occlusion.rules';

const image = { kind: 'sample' as const, id: 'photos/skimage_coffee.png' };
const SIZE = 10; // a 10×10 input: each pixel is 1 % of the image

/**
 * An exact model on a 10×10 input: the target class (3) has probability 0.8 and loses 0.8 / 20 per covered pixel
 * of its "object" (the 20 pixels of rows 0–1); every other class keeps 0.1.
 */
function toyCompute(): GradingCompute & { calls: string[] } {
  const calls: string[] = [];
  const object = (i: number) => i < 2 * SIZE;
  return {
    calls,
    async occlusion({ classIndex = 3, masks }) {
      calls.push('occlusion');
      const prob = (cells: Uint8Array | null) => {
        if (classIndex !== 3) return 0.1;
        let covered = 0;
        if (cells) for (let i = 0; i < cells.length; i++) if (cells[i] && object(i)) covered++;
        return 0.8 - (0.8 / 20) * covered;
      };
      return { classIndex, baseline: prob(null), probabilities: masks.map((m) => prob(m.kind === 'bitmap' ? decodeBitmapMask(m) : rasterizeMask(m, SIZE, SIZE))) };
    },
    async channelMap({ layer, channel }) {
      calls.push(`map ${layer}/${channel}`);
      // 3×3 map: distinct values except a tie of 5 at (1,1) and (2,2).
      return { height: 3, width: 3, data: Float32Array.from([1, 9, 2, 3, 5, 4, 0, 7, 5]) };
    },
    async classScore({ classIndex }) {
      calls.push('score');
      return classIndex === 1 ? 12 : 0;
    },
    async model() {
      return { inputSize: [SIZE, SIZE] as const, layers: ['input', 'conv1', 'conv2', 'fire9', 'logits'] };
    },
  };
}

const rect = (x: number, y: number, width: number, height: number): Mask => ({ kind: 'rect', x, y, width, height });

function occlusionSubmission(masks: Mask[], claimed = 0) {
  const step = OcclusionParamsSchema.parse({ image, classIndex: 3 });
  // The browser's numbers are deliberately wrong: the rule must not read them.
  const result: OcclusionResult = { classIndex: 3, baseline: claimed, inputSize: [SIZE, SIZE], masks: masks.map((mask) => ({ mask, probability: claimed })) };
  return { step, result };
}

describe('occlusion-drop', () => {
  const rule = { maxCoveragePercent: 10, minDropPoints: 40 };

  it('passes small masks on the object that drop the probability enough, whatever the browser claimed', async () => {
    // 10 object pixels (10 %): 0.8 → 0.4, a drop of 40 pp — both limits met exactly.
    const out = await evaluateRule(occlusionLab.gradingRules![0]!, rule, occlusionSubmission([rect(0, 0, 5, 1), rect(0, 1, 5, 1)], 0.99), toyCompute());
    expect(out.fraction).toBe(1);
    expect(out.measured.coveragePercent).toBeCloseTo(10, 9);
    expect(out.measured.dropPoints).toBeCloseTo(40, 9);
  });

  it('fails masks that cover too much, even with a large drop', async () => {
    const out = await evaluateRule(occlusionDropRule, rule, occlusionSubmission([rect(0, 0, 10, 2)]), toyCompute());
    expect(out.measured.coveragePercent).toBeCloseTo(20, 9);
    expect(out.fraction).toBe(0);
  });

  it('fails a drop one pixel short of D, and counts overlapping masks once', async () => {
    // 9 object pixels through two overlapping masks: coverage 9 %, drop 36 pp < 40.
    const out = await evaluateRule(occlusionDropRule, rule, occlusionSubmission([rect(0, 0, 6, 1), rect(3, 0, 6, 1)]), toyCompute());
    expect(out.measured.coveragePercent).toBeCloseTo(9, 9);
    expect(out.measured.dropPoints).toBeCloseTo(36, 9);
    expect(out.fraction).toBe(0);
  });

  it('fails masks off the object (no drop) and measures the hidden class when the rule names one', async () => {
    expect((await evaluateRule(occlusionDropRule, rule, occlusionSubmission([rect(0, 5, 5, 2)]), toyCompute())).fraction).toBe(0);
    const other = await evaluateRule(occlusionDropRule, { ...rule, classIndex: 7 }, occlusionSubmission([rect(0, 0, 5, 2)]), toyCompute());
    expect(other.measured.classIndex).toBe(7);
    expect(other.fraction).toBe(0);
  });

  it('refuses bad rule parameters with the field named', async () => {
    await expect(evaluateRule(occlusionDropRule, { maxCoveragePercent: 120, minDropPoints: 10 }, occlusionSubmission([rect(0, 0, 1, 1)]), toyCompute())).rejects.toThrow(/maxCoveragePercent/);
  });

  it('takes the union of masks pixel by pixel', () => {
    const u = maskUnion([rect(0, 0, 2, 2), rect(1, 1, 2, 2)], [4, 4]);
    expect(u.reduce((a, b) => a + b, 0)).toBe(7);
  });
});

function neuronSubmission(pick: NeuronResult['pick']) {
  const step = NeuronParamsSchema.parse({ image, layers: ['conv1', 'conv2', 'fire9'], pick: { kind: 'neuron', layer: 'conv1', channel: 0 } });
  const result: NeuronResult = { pick, caption: 'edges', value: 1e9, images: [] };
  return { step, result };
}

describe('neuron-top-k', () => {
  const rule = { minLayer: 'conv2', k: 2 };

  it('passes the channel’s strongest positions in layer L or deeper', async () => {
    expect((await evaluateRule(neuronTopKRule, rule, neuronSubmission({ kind: 'neuron', layer: 'conv2', channel: 4, y: 0, x: 1 }), toyCompute())).fraction).toBe(1);
    // Second strongest (7 at (2,1)): rank 2 = k, the boundary.
    const second = await evaluateRule(neuronTopKRule, rule, neuronSubmission({ kind: 'neuron', layer: 'fire9', channel: 4, y: 2, x: 1 }), toyCompute());
    expect(second.measured.rank).toBe(2);
    expect(second.fraction).toBe(1);
    // No position: the strongest one, as the lab uses.
    expect((await evaluateRule(neuronTopKRule, rule, neuronSubmission({ kind: 'neuron', layer: 'conv2', channel: 4 }), toyCompute())).fraction).toBe(1);
  });

  it('fails the third strongest, ties sharing the better rank', async () => {
    const tie = await evaluateRule(neuronTopKRule, { ...rule, k: 2 }, neuronSubmission({ kind: 'neuron', layer: 'conv2', channel: 4, y: 2, x: 2 }), toyCompute());
    expect(tie.measured.rank).toBe(3);
    expect(tie.fraction).toBe(0);
    expect((await evaluateRule(neuronTopKRule, { ...rule, k: 3 }, neuronSubmission({ kind: 'neuron', layer: 'conv2', channel: 4, y: 1, x: 1 }), toyCompute())).fraction).toBe(1);
  });

  it('fails a layer before L, a class pick and a position outside the map, without computing a map for them', async () => {
    const compute = toyCompute();
    expect((await evaluateRule(neuronTopKRule, rule, neuronSubmission({ kind: 'neuron', layer: 'conv1', channel: 4, y: 0, x: 1 }), compute)).fraction).toBe(0);
    expect((await evaluateRule(neuronTopKRule, rule, neuronSubmission({ kind: 'class', index: 3 }), compute)).fraction).toBe(0);
    expect(compute.calls).toEqual([]);
    expect((await evaluateRule(neuronTopKRule, rule, neuronSubmission({ kind: 'neuron', layer: 'conv2', channel: 4, y: 3, x: 0 }), compute)).fraction).toBe(0);
  });

  it('refuses a rule naming a layer the model lacks', async () => {
    await expect(evaluateRule(neuronTopKRule, { minLayer: 'nope', k: 1 }, neuronSubmission({ kind: 'neuron', layer: 'conv2', channel: 0 }), toyCompute())).rejects.toThrow(/nope/);
  });

  it('counts strictly stronger positions', () => {
    expect(positionsAbove([1, 5, 5, 2], 2)).toBe(0);
    expect(positionsAbove([1, 5, 5, 2], 3)).toBe(2);
  });
});

function ascentSubmission(values: number[] | null) {
  const step = AscentParamsSchema.parse({ classes: [1, 2], classIndex: 1 });
  const tensor: StoredTensor | undefined = values ? { ref: { kind: 'upload', sha256: 'a'.repeat(64) }, shape: [1, values.length, 1], data: Float32Array.from(values) } : undefined;
  // Claimed score and objective far above anything real.
  return { step, result: { classIndex: 1, score: 1e6, objective: 1e6, scores: [] }, ...(tensor ? { tensor } : {}) };
}

describe('ascent-objective', () => {
  // S_c = 12; ‖I‖² = 3² + 4² = 25; Λ = 0.2: objective 12 − 5 = 7.
  it('passes at and above T, computed from the stored float32 image', async () => {
    const at = await evaluateRule(ascentObjectiveRule, { lambda: 0.2, threshold: 7 }, ascentSubmission([3, 4]), toyCompute());
    expect(at.measured.objective).toBeCloseTo(7, 9);
    expect(at.fraction).toBe(1);
    expect((await evaluateRule(ascentObjectiveRule, { lambda: 0.1, threshold: 7 }, ascentSubmission([3, 4]), toyCompute())).fraction).toBe(1);
  });

  it('fails below T, for another (hidden) class, and without a stored image', async () => {
    expect((await evaluateRule(ascentObjectiveRule, { lambda: 0.2, threshold: 7.001 }, ascentSubmission([3, 4]), toyCompute())).fraction).toBe(0);
    expect((await evaluateRule(ascentObjectiveRule, { lambda: 0.2, threshold: 7, classIndex: 2 }, ascentSubmission([3, 4]), toyCompute())).fraction).toBe(0);
    expect((await evaluateRule(ascentObjectiveRule, { lambda: 0, threshold: 0 }, ascentSubmission(null), toyCompute())).fraction).toBe(0);
  });

  it('sums squares in float64', () => {
    expect(squaredNorm(Float32Array.from([0.5, -0.5, 2]))).toBe(4.5);
  });
});

describe('the labs declare their rules', () => {
  it('occlusion, neuron and ascent each bring theirs', () => {
    expect(occlusionLab.gradingRules?.map((r) => r.id)).toEqual(['occlusion-drop']);
    expect(neuronLab.gradingRules?.map((r) => r.id)).toEqual(['neuron-top-k']);
    expect(ascentLab.gradingRules?.map((r) => r.id)).toEqual(['ascent-objective']);
  });

  it('an all-or-nothing rule never returns a fraction between 0 and 1', async () => {
    const half = { ...ascentObjectiveRule, evaluate: async () => ({ fraction: 0.5, detail: '', measured: {} }) };
    expect((await evaluateRule(half, { lambda: 0, threshold: 0 }, ascentSubmission([1]), toyCompute())).fraction).toBe(0);
    expect((await evaluateRule({ ...half, partialCredit: true }, { lambda: 0, threshold: 0 }, ascentSubmission([1]), toyCompute())).fraction).toBe(0.5);
  });
});
