import { describe, expect, it } from 'vitest';
import { NeuronResultSchema } from '@convlab/labs';
import { describePick, layerLabel, movedPosition, neuronResult, shortLayerName, strongestPosition } from './neuron-logic';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

describe('neuron lab logic', () => {
  it('names layers for people, with their shape once known and the conv5-like one marked', () => {
    expect(shortLayerName('fire9_concat')).toBe('fire9');
    expect(shortLayerName('conv1_relu')).toBe('conv1');
    expect(shortLayerName('block_3')).toBe('block_3');
    expect(layerLabel('fire9_concat', { height: 13, width: 13, channels: 512 })).toBe('fire9 (13×13×512, conv5-like)');
    expect(layerLabel('fire9_concat')).toBe('fire9 (conv5-like)');
    expect(layerLabel('fire2_concat', { height: 55, width: 55, channels: 128 })).toBe('fire2 (55×55×128)');
    expect(layerLabel('fire2_concat')).toBe('fire2');
  });

  it('finds the strongest position of a row-major map (first on ties)', () => {
    // 2 rows × 3 columns.
    expect(strongestPosition([0, 1, 2, 3, 9, 4], 3)).toEqual({ y: 1, x: 1, value: 9 });
    expect(strongestPosition(new Float32Array([5, 5, 1, 0]), 2)).toEqual({ y: 0, x: 0, value: 5 });
    expect(strongestPosition([-3, -1, -2], 3)).toEqual({ y: 0, x: 1, value: -1 });
  });

  it('moves a pick with the arrow keys, clamped to the map; other keys do nothing', () => {
    expect(movedPosition('ArrowRight', { y: 2, x: 3 }, 13, 13)).toEqual({ y: 2, x: 4 });
    expect(movedPosition('ArrowUp', { y: 2, x: 3 }, 13, 13)).toEqual({ y: 1, x: 3 });
    expect(movedPosition('ArrowUp', { y: 0, x: 3 }, 13, 13)).toEqual({ y: 0, x: 3 });
    expect(movedPosition('ArrowRight', { y: 0, x: 12 }, 13, 13)).toEqual({ y: 0, x: 12 });
    expect(movedPosition('ArrowDown', { y: 12, x: 0 }, 13, 13)).toEqual({ y: 12, x: 0 });
    expect(movedPosition('ArrowLeft', { y: 5, x: 0 }, 13, 13)).toEqual({ y: 5, x: 0 });
    expect(movedPosition('Enter', { y: 5, x: 5 }, 13, 13)).toBeNull();
  });

  it('describes picks in words', () => {
    const name = (i: number) => (i === 386 ? 'African elephant' : `class ${i}`);
    expect(describePick({ kind: 'class', index: 386 }, name)).toBe('class “African elephant”');
    expect(describePick({ kind: 'neuron', layer: 'fire9_concat', channel: 7, y: 3, x: 4 }, name)).toBe('fire9 · channel 7 · at (3, 4)');
    expect(describePick({ kind: 'neuron', layer: 'fire9_concat', channel: 7 }, name, { y: 1, x: 2 })).toBe('fire9 · channel 7 · strongest, at (1, 2)');
    expect(describePick({ kind: 'channel', layer: 'conv1_relu', channel: 0 }, name)).toBe('conv1 · channel 0 · whole map');
  });

  it('builds a result the lab schema accepts: trimmed caption, the position only where the pick names none', () => {
    const images = [
      { method: 'guided' as const, sha256: HASH_A },
      { method: 'vanilla' as const, sha256: HASH_B },
    ];
    const strongest = neuronResult({ pick: { kind: 'neuron', layer: 'fire9_concat', channel: 7 }, caption: '  trunk  ', value: 12.5, position: { y: 4, x: 6 }, images });
    expect(strongest).toEqual({ pick: { kind: 'neuron', layer: 'fire9_concat', channel: 7 }, caption: 'trunk', value: 12.5, position: { y: 4, x: 6 }, images });
    expect(NeuronResultSchema.parse(strongest)).toEqual(strongest);

    const placed = neuronResult({ pick: { kind: 'neuron', layer: 'fire9_concat', channel: 7, y: 1, x: 2 }, caption: '', value: 3, position: { y: 4, x: 6 }, images });
    expect(placed).not.toHaveProperty('position');
    expect(NeuronResultSchema.safeParse(placed).success).toBe(true);

    const classPick = neuronResult({ pick: { kind: 'class', index: 386 }, caption: 'ears', value: 20, position: null, images: [] });
    expect(classPick).toEqual({ pick: { kind: 'class', index: 386 }, caption: 'ears', value: 20, images: [] });
    expect(NeuronResultSchema.safeParse(classPick).success).toBe(true);
  });
});
