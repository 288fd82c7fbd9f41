/**
 * The neuron lab's grading rule: a pick in layer L or deeper whose activation is among its channel's top k
 * positions (the server recomputes the channel's map). The caption is graded by hand (a rubric).
 */
import { z } from 'zod';
import { LayerIdSchema } from './common.schemas';
import { defineRule, noPoints } from './grading.types';
import type { NeuronParams, NeuronResult } from './neuron.lab';

export const NeuronTopKRuleParamsSchema = z.strictObject({
  /** L: the pick's layer is this one or one after it in network order. */
  minLayer: LayerIdSchema,
  /** k: the picked position is among the channel's k strongest. */
  k: z.number().int().min(1).max(100_000),
});

/** How many positions of a map are strictly stronger than position `i` (ties share the better rank). */
export function positionsAbove(data: ArrayLike<number>, i: number): number {
  const v = data[i]!;
  let above = 0;
  for (let j = 0; j < data.length; j++) if (data[j]! > v) above++;
  return above;
}

/** The index of the strongest position (the first on a tie), as the lab uses when a pick names none. */
export function strongestPosition(data: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < data.length; j++) if (data[j]! > data[best]!) best = j;
  return best;
}

export const neuronTopKRule = defineRule<typeof NeuronTopKRuleParamsSchema, NeuronParams, NeuronResult>({
  id: 'neuron-top-k',
  title: 'A strong neuron, deep enough',
  description: 'The pick is a neuron in layer L or deeper, at a position whose activation is among the k strongest of its channel (the server recomputes the map).',
  params: NeuronTopKRuleParamsSchema,
  partialCredit: false,
  async evaluate({ params, submission, compute }) {
    const { step, result } = submission;
    const pick = result.pick;
    if (pick.kind !== 'neuron') return noPoints(`the pick is a ${pick.kind}, not a neuron`);
    const { layers } = await compute.model(step.model);
    const min = layers.indexOf(params.minLayer);
    const at = layers.indexOf(pick.layer);
    if (min < 0) throw new RangeError(`neuron-top-k: layer "${params.minLayer}" is not a layer of ${step.model}`);
    if (at < 0) return noPoints(`"${pick.layer}" is not a layer of ${step.model}`);
    if (at < min) return noPoints(`layer ${pick.layer} comes before ${params.minLayer}`, { layerPlace: at, minLayerPlace: min });
    const map = await compute.channelMap({ model: step.model, image: step.image, layer: pick.layer, channel: pick.channel });
    if ((pick.y ?? 0) >= map.height || (pick.x ?? 0) >= map.width) {
      return noPoints(`position (${pick.y}, ${pick.x}) is outside the ${map.height}×${map.width} map`);
    }
    const i = pick.y === undefined || pick.x === undefined ? strongestPosition(map.data) : pick.y * map.width + pick.x;
    const rank = positionsAbove(map.data, i) + 1;
    const ok = rank <= params.k;
    return {
      fraction: ok ? 1 : 0,
      detail: `${pick.layer} channel ${pick.channel}: the position ranks ${rank} of ${map.data.length} (${ok ? '≤' : '>'} top ${params.k})`,
      measured: { rank, activation: map.data[i]!, layerPlace: at, minLayerPlace: min },
    };
  },
});
