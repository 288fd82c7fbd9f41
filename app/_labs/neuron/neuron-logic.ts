/**
 * The neuron lab's pure logic, shared by its panels: names people read (layers, methods, picks), the strongest
 * position of an activation map, moving a pick with the arrow keys, and the result a submission stores.
 */
import { CONV5_LIKE_LAYER, type NeuronMethod, type NeuronPick, type NeuronResult } from '@convlab/labs';

/** What an activations job told us about a layer. */
export interface LayerShape {
  height: number;
  width: number;
  channels: number;
}

/** "fire9_concat" → "fire9"; "conv1_relu" → "conv1". */
export function shortLayerName(layer: string): string {
  return layer.replace(/_(concat|relu)$/, '');
}

/** "fire9 (13×13×512, conv5-like)", or "fire9 (conv5-like)" until its shape is known. */
export function layerLabel(layer: string, shape?: LayerShape): string {
  const parts = [shape ? `${shape.height}×${shape.width}×${shape.channels}` : null, layer === CONV5_LIKE_LAYER ? 'conv5-like' : null].filter(Boolean);
  return parts.length ? `${shortLayerName(layer)} (${parts.join(', ')})` : shortLayerName(layer);
}

/** Each method's name and what it shows, in one line. */
export const METHOD_INFO: Record<NeuronMethod, { name: string; explain: string }> = {
  vanilla: { name: 'Vanilla gradient', explain: 'How much each pixel changes the neuron: the plain gradient, noisy.' },
  guided: { name: 'Guided backprop', explain: 'Only positive gradients through positive activations (Springenberg et al., 2015): sharp edges.' },
  deconvnet: { name: 'Deconvnet', explain: 'Back through the ReLUs by the sign of the gradient alone (Zeiler & Fergus, 2014).' },
  smoothgrad: { name: 'SmoothGrad', explain: 'The gradient averaged over noisy copies of the photo: less speckle.' },
  'gradient-x-input': { name: 'Gradient × input', explain: 'The gradient times the pixel values: what the photo contributes.' },
};

// The strongest position of a map: the one rule the executor, the CLI and this lab share (first maximum on ties).
export { strongestPosition } from '@convlab/vis/neuron-position';

const MOVES: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/** The position an arrow key moves to (clamped to the map), or null for any other key. */
export function movedPosition(key: string, at: { y: number; x: number }, height: number, width: number): { y: number; x: number } | null {
  const move = MOVES[key];
  if (!move) return null;
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  return { y: clamp(at.y + move[0], height), x: clamp(at.x + move[1], width) };
}

/** A pick in words, for cards and headings. `className` names a class index. */
export function describePick(pick: NeuronPick, className: (index: number) => string, position?: { y: number; x: number }): string {
  if (pick.kind === 'class') return `class “${className(pick.index)}”`;
  const where = pick.kind === 'channel' ? 'whole map' : pick.y !== undefined && pick.x !== undefined ? `at (${pick.y}, ${pick.x})` : position ? `strongest, at (${position.y}, ${position.x})` : 'strongest position';
  return `${shortLayerName(pick.layer)} · channel ${pick.channel} · ${where}`;
}

/** The result a submission stores, from the pick, the caption and the stored image per method. */
export function neuronResult(input: {
  pick: NeuronPick;
  caption: string;
  value: number;
  position?: { y: number; x: number } | null;
  images: ReadonlyArray<{ method: NeuronMethod; sha256: string }>;
}): NeuronResult {
  const { pick, caption, value, position, images } = input;
  // The position is stored only where the pick names none (the channel's strongest was used).
  const needsPosition = pick.kind === 'neuron' && (pick.y === undefined || pick.x === undefined);
  return {
    pick,
    caption: caption.trim(),
    value,
    ...(needsPosition && position ? { position: { y: position.y, x: position.x } } : {}),
    images: images.map(({ method, sha256 }) => ({ method, sha256 })),
  };
}
