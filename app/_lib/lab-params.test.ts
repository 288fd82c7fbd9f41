import { describe, expect, it } from 'vitest';
import { LambdaSweepSchema, getLab } from '@convlab/labs';
import { describeNumberSpec, enumValues, listSpec, numberSpec, paramDefault } from './lab-params';

describe('lab parameter specs read from the lab schemas', () => {
  const occlusion = getLab('occlusion')!;
  const ascent = getLab('ascent')!;

  it('reads bounds, whole-number-ness and defaults of numeric parameters', () => {
    expect(numberSpec(occlusion, 'window')).toEqual({ min: 2, max: 1024, minExclusive: false, maxExclusive: false, int: true, defaultValue: 48 });
    expect(numberSpec(ascent, 'decay')).toMatchObject({ min: 0, max: 1, maxExclusive: true, int: false, defaultValue: 0 });
    expect(numberSpec(ascent, 'learningRate')).toMatchObject({ min: 0, minExclusive: true, defaultValue: 10 });
    // Optional, no default.
    expect(numberSpec(occlusion, 'classIndex')).toMatchObject({ min: 0, int: true, defaultValue: undefined });
    // Not a number, or not a parameter: no bounds.
    expect(numberSpec(occlusion, 'model')).toEqual({ minExclusive: false, maxExclusive: false, int: false });
    expect(numberSpec(occlusion, 'nope').min).toBeUndefined();
  });

  it('reads enum values and words a hint', () => {
    expect(enumValues(occlusion, 'fill')).toEqual(['zero', 'grey', 'blur', 'noise']);
    expect(enumValues(occlusion, 'window')).toEqual([]);
    expect(describeNumberSpec(numberSpec(occlusion, 'window'))).toBe('2–1024, whole numbers, default 48');
    expect(describeNumberSpec(numberSpec(ascent, 'decay'))).toBe('at least 0, less than 1, default 0');
    expect(describeNumberSpec(numberSpec(ascent, 'learningRate'))).toBe('more than 0, at most 10000, default 10');
    expect(describeNumberSpec(numberSpec(occlusion, 'classIndex'))).toBe('0–100000, whole numbers');
    // A nested object schema works the same way.
    expect(numberSpec(LambdaSweepSchema, 'count')).toMatchObject({ min: 2, max: 64, int: true });
    expect(enumValues(LambdaSweepSchema, 'scale')).toEqual(['log', 'linear']);
  });

  it('reads list bounds and defaults (the convolution and filters forms show them)', () => {
    expect(listSpec(getLab('filters')!, 'models')).toEqual({ min: 1, max: 8 });
    expect(listSpec(ascent, 'classes')).toEqual({ min: 1, max: 64 });
    expect(listSpec(occlusion, 'window')).toEqual({});
    expect(paramDefault(getLab('convolution')!, 'kernel')).toEqual([[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
    expect(paramDefault(getLab('convolution')!, 'source')).toBe('photo');
    expect(paramDefault(occlusion, 'classIndex')).toBeUndefined();
    expect(paramDefault(occlusion, 'nope')).toBeUndefined();
  });
});
