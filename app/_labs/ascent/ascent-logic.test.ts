import { describe, expect, it } from 'vitest';
import { ascentSweepGrid, lambdaValues } from '@convlab/labs';
import {
  LAMBDA_SLIDER_MAX,
  countPerLambda,
  formatNumber,
  formatShort,
  lambdaToSlider,
  matchingPreset,
  presetValues,
  sliderToLambda,
  snapshotEveryFor,
  sparklinePoints,
  studentChanges,
  toAscentEntry,
} from './ascent-logic';

describe('λ slider (log scale)', () => {
  it('maps 0 to the leftmost position and back', () => {
    expect(lambdaToSlider(0)).toBe(0);
    expect(sliderToLambda(0)).toBe(0);
  });

  it('round-trips decades exactly and clamps the ends', () => {
    for (const l of [1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10]) expect(sliderToLambda(lambdaToSlider(l))).toBeCloseTo(l, 12);
    expect(lambdaToSlider(1e-9)).toBe(1);
    expect(lambdaToSlider(100)).toBe(LAMBDA_SLIDER_MAX);
    expect(sliderToLambda(LAMBDA_SLIDER_MAX + 5)).toBe(10);
  });

  it('is monotonic, so arrow keys always move λ the same way', () => {
    let previous = -1;
    for (let p = 0; p <= LAMBDA_SLIDER_MAX; p++) {
      const l = sliderToLambda(p);
      expect(l).toBeGreaterThan(previous);
      previous = l;
    }
  });
});

describe('formatNumber', () => {
  it('keeps three significant digits and writes tiny values in exponent form', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.001)).toBe('0.001');
    expect(formatNumber(0.000398107)).toBe('0.000398');
    expect(formatNumber(0.0000251)).toBe('2.51e-5');
    expect(formatNumber(0.00001)).toBe('1e-5');
    expect(formatNumber(200)).toBe('200');
  });

  it('shortens λ to 2 significant digits for column headers', () => {
    expect(formatShort(0.000398107)).toBe('0.0004');
    expect(formatShort(0.0251189)).toBe('0.025');
    expect(formatShort(0.1)).toBe('0.1');
    expect(formatShort(0.00001)).toBe('1e-5');
    expect(formatShort(0.000025)).toBe('2.5e-5');
    expect(formatShort(0)).toBe('0');
  });
});

describe('studentChanges', () => {
  it('returns only the changed keys among those asked for', () => {
    const step = { lambda: 0.001, steps: 200, jitter: 0 };
    expect(studentChanges(step, { lambda: 0.001, steps: 20, jitter: 4 }, ['lambda', 'steps'])).toEqual({ steps: 20 });
  });
});

describe('presets', () => {
  const base = { classIndex: 543, lambda: 0.001, learningRate: 0.05, steps: 200, decay: 0, blurEvery: 0, blurWidth: 0, jitter: 0, seed: 0 };
  const all = Object.keys(base);

  it('applies a preset to the controls and recognizes it afterwards', () => {
    const { values, skipped } = presetValues(base, 'yosinski', all, false);
    expect(values).toMatchObject({ lambda: 0, decay: 0.0001, blurEvery: 10, blurWidth: 0.5, jitter: 8 });
    expect(skipped).toEqual([]);
    expect(matchingPreset(values)).toBe('yosinski');
  });

  it('keeps an assigned λ and locked parameters', () => {
    const { values, skipped } = presetValues(base, 'yosinski', all.filter((k) => k !== 'jitter'), true);
    expect(values.lambda).toBe(0.001);
    expect(values.jitter).toBe(0);
    expect(values.blurEvery).toBe(10);
    expect(skipped.sort()).toEqual(['jitter', 'lambda']);
  });

  it('throws for an unknown preset', () => {
    expect(() => presetValues(base, 'nope', all, false)).toThrow(/unknown preset/);
  });
});

describe('sparklinePoints', () => {
  it('spans the box with the highest value at the top', () => {
    const pts = sparklinePoints([0, 5, 10], 104, 24, 2).split(' ');
    expect(pts).toEqual(['2.0,22.0', '52.0,12.0', '102.0,2.0']);
  });

  it('draws nothing for a single value and a flat line for constant ones', () => {
    expect(sparklinePoints([3], 100, 20)).toBe('');
    expect(new Set(sparklinePoints([3, 3, 3], 100, 20).split(' ').map((p) => p.split(',')[1])).size).toBe(1);
  });
});

describe('countPerLambda and snapshotEveryFor', () => {
  it('counts students per λ column, ignoring indices off the sweep', () => {
    expect(countPerLambda(3, [{ index: 0 }, { index: 2 }, { index: 2 }, { index: 7 }])).toEqual([1, 0, 2]);
  });

  it('sends about 20 snapshots per run, every 2 to 10 steps', () => {
    expect(snapshotEveryFor(20)).toBe(2);
    expect(snapshotEveryFor(100)).toBe(5);
    expect(snapshotEveryFor(1000)).toBe(10);
  });
});

describe('toAscentEntry', () => {
  it('reads λ, class and score and puts the entry on the sweep grid', () => {
    const lambdas = lambdaValues({ from: 0.0001, to: 0.1, count: 4, scale: 'log' });
    const sub = { id: 'a', params: { lambda: lambdas[2], classIndex: 951 }, result: { classIndex: 951, score: 12, objective: 11, scores: [] } };
    const entry = toAscentEntry(sub)!;
    expect(entry.params).toEqual({ lambda: lambdas[2], classIndex: 951 });
    const grid = ascentSweepGrid([entry], [543, 951], lambdas);
    expect(grid.cells[1]![2]!.best?.submission.id).toBe('a');
    expect(grid.filled).toBe(1);
  });

  it('rejects submissions that are not ascent results', () => {
    expect(toAscentEntry({ params: { lambda: 1 }, result: { rows: 3 } })).toBeNull();
    expect(toAscentEntry({ params: null, result: null })).toBeNull();
  });
});
