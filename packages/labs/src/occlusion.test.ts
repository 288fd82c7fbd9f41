import { describe, expect, it } from 'vitest';
import { addToClassMap, buildClassMap, classMapMean, classMapRange, createClassMap } from './class-map';
import { encodeBitmapMask } from './masks';
import { OcclusionParamsSchema, OcclusionResultSchema, isSweepResult, occlusionLab, type OcclusionResult } from './occlusion.lab';

const image = { kind: 'sample' as const, id: 'imagenet-samples/n04147183_schooner.jpg' };

describe('occlusion parameters', () => {
  it('fills in the defaults', () => {
    expect(OcclusionParamsSchema.parse({ image })).toEqual({
      model: 'mobilenet_v1_0.75_224',
      image,
      fill: 'grey',
      brushSize: 24,
      maxMasks: 8,
      window: 48,
      stride: 16,
      shardSize: 16,
      shardTimeoutSeconds: 20,
    });
  });

  it('refuses bad values with the field named', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'image'],
      [{ image: { kind: 'sample', id: '../etc/passwd' } }, 'image'],
      [{ image: { kind: 'upload', sha256: 'XYZ' } }, 'image'],
      [{ image, fill: 'pink' }, 'fill'],
      [{ image, window: 16, stride: 32 }, 'stride'],
      [{ image, shardSize: 65 }, 'shardSize'],
      [{ image, classIndex: -1 }, 'classIndex'],
      [{ image, model: 'a/b' }, 'model'],
      [{ image, extra: 1 }, ''],
    ];
    for (const [params, field] of cases) {
      const parsed = OcclusionParamsSchema.safeParse(params);
      expect(parsed.success, JSON.stringify(params)).toBe(false);
      if (field) expect(parsed.error!.issues[0]!.path[0]).toBe(field);
    }
  });
});

describe('occlusion results', () => {
  const result = (over: Partial<OcclusionResult> = {}): OcclusionResult => ({
    classIndex: 780,
    baseline: 0.9,
    inputSize: [4, 4],
    masks: [{ mask: { kind: 'rect', x: 0, y: 0, width: 2, height: 2 }, probability: 0.5 }],
    ...over,
  });

  it('validates what a submission stores', () => {
    expect(OcclusionResultSchema.safeParse(result()).success).toBe(true);
    expect(OcclusionResultSchema.safeParse(result({ baseline: 1.5 })).success).toBe(false);
    expect(OcclusionResultSchema.safeParse(result({ masks: [] })).success).toBe(false);
    expect(occlusionLab.result.safeParse(result()).success).toBe(true);
    expect(isSweepResult(result())).toBe(false);
  });

  it('class map: each pixel gets the mean drop of the masks covering it; uncovered pixels are NaN', () => {
    const a = result({ masks: [{ mask: { kind: 'rect', x: 0, y: 0, width: 2, height: 2 }, probability: 0.5 }] }); // drop 0.4
    const b = result({
      baseline: 0.8,
      masks: [
        { mask: { kind: 'rect', x: 1, y: 1, width: 2, height: 1 }, probability: 0.6 }, // drop 0.2
        { mask: encodeBitmapMask([0, 1, 0, 0], 2, 2), probability: 0.9 }, // top-right quarter, drop -0.1
      ],
    });
    const map = buildClassMap([a, b], 780, 4, 4);
    expect(map.submissions).toBe(2);
    expect(map.masks).toBe(3);
    const mean = classMapMean(map);
    const at = (x: number, y: number) => mean[y * 4 + x]!;
    expect(at(0, 0)).toBeCloseTo(0.4, 6);
    expect(at(1, 1)).toBeCloseTo((0.4 + 0.2) / 2, 6); // covered by a and b's rectangle
    expect(at(2, 1)).toBeCloseTo((0.2 - 0.1) / 2, 6); // b's rectangle and the bitmap
    expect(at(3, 0)).toBeCloseTo(-0.1, 6); // the bitmap only: the mask raised the probability
    expect(Number.isNaN(at(0, 3))).toBe(true);
    expect(map.count[1 * 4 + 1]).toBe(2);
    const range = classMapRange(mean)!;
    expect(range.min).toBeCloseTo(-0.1, 6);
    expect(range.max).toBeCloseTo(0.4, 6);
  });

  it('class map: skips submissions for another class or input size, and grows incrementally', () => {
    const map = createClassMap(780, 4, 4);
    expect(classMapRange(classMapMean(map))).toBeNull();
    expect(addToClassMap(map, result({ classIndex: 1 }))).toBe(false);
    expect(addToClassMap(map, result({ inputSize: [8, 8] }))).toBe(false);
    expect(map.skipped).toBe(2);
    expect(addToClassMap(map, result())).toBe(true);
    expect(classMapMean(map)[0]).toBeCloseTo(0.4, 6);
    expect(addToClassMap(map, result({ masks: [{ mask: { kind: 'rect', x: 0, y: 0, width: 1, height: 1 }, probability: 0.9 }] }))).toBe(true);
    expect(classMapMean(map)[0]).toBeCloseTo(0.2, 6);
    expect(() => createClassMap(1, 0, 4)).toThrow(/positive/);
  });
});
