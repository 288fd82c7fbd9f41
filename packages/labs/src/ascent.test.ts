import { describe, expect, it } from 'vitest';
import {
  AscentParamsSchema,
  AscentResultSchema,
  LambdaSweepSchema,
  ascentJob,
  ascentLab,
  ascentSweepGrid,
  dealLambdas,
  galleryByClass,
  lambdaColumn,
  lambdaValues,
} from './ascent.lab';
import { applyPreset } from './registry';

const classes = [543, 968, 945];

describe('gradient-ascent parameters', () => {
  it('fills in the defaults', () => {
    expect(AscentParamsSchema.parse({ classes, classIndex: 968 })).toEqual({
      model: 'squeezenet1.1_nchw',
      classes,
      classIndex: 968,
      lambda: 0.001,
      learningRate: 10,
      steps: 40,
      decay: 0,
      blurEvery: 0,
      blurWidth: 0,
      jitter: 0,
      seed: 0,
    });
  });

  it('refuses bad values with the field named', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ classes, classIndex: 1 }, 'classIndex'],
      [{ classes: [1, 1], classIndex: 1 }, 'classes'],
      [{ classes, classIndex: 543, lambda: -1 }, 'lambda'],
      [{ classes, classIndex: 543, learningRate: 0 }, 'learningRate'],
      [{ classes, classIndex: 543, steps: 1001 }, 'steps'],
      [{ classes, classIndex: 543, jitter: 33 }, 'jitter'],
      [{ classes, classIndex: 543, decay: 1 }, 'decay'],
      [{ classes, classIndex: 543, sweep: { from: 0, to: 1, count: 4, scale: 'log' } }, 'sweep'],
    ];
    for (const [params, field] of bad) {
      const parsed = AscentParamsSchema.safeParse(params);
      expect(parsed.success, JSON.stringify(params)).toBe(false);
      expect(parsed.error!.issues[0]!.path[0]).toBe(field);
    }
  });

  it('applies presets, which the schema accepts', () => {
    for (const name of Object.keys(ascentLab.presets)) {
      const params = applyPreset('ascent', { classes, classIndex: 543, lambda: 0.5 }, name);
      expect(AscentParamsSchema.safeParse(params).success, name).toBe(true);
    }
    expect(applyPreset('ascent', { classes, classIndex: 543 }, 'yosinski')).toMatchObject({ blurEvery: 10, jitter: 8, lambda: 0 });
    expect(() => applyPreset('ascent', {}, 'magic')).toThrow(/unknown preset "magic"/);
  });

  it('validates results and builds the job', () => {
    expect(AscentResultSchema.safeParse({ classIndex: 543, score: 12.5, objective: 11, scores: [1, 2, 3] }).success).toBe(true);
    expect(AscentResultSchema.safeParse({ classIndex: 543, score: Number.NaN, objective: 11, scores: [] }).success).toBe(false);
    const job = ascentJob(AscentParamsSchema.parse({ classes, classIndex: 945, lambda: 0.01, jitter: 2 }));
    expect(job).toEqual({
      kind: 'ascent',
      model: 'squeezenet1.1_nchw',
      params: { target: { kind: 'class', index: 945 }, steps: 40, learningRate: 10, l2: 0.01, decay: 0, blurEvery: 0, blurWidth: 0, jitter: 2, seed: 0, snapshotEvery: 10 },
    });
  });
});

describe('λ sweep', () => {
  it('spaces λ on a log or linear scale with exact ends', () => {
    const log = lambdaValues({ from: 0.0001, to: 0.1, count: 4 });
    expect(log[0]).toBe(0.0001);
    expect(log[3]).toBe(0.1);
    expect(log[1]).toBeCloseTo(0.001, 12);
    expect(log[2]).toBeCloseTo(0.01, 12);
    expect(lambdaValues({ from: 0, to: 1, count: 5, scale: 'linear' })).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(() => lambdaValues({ from: 0, to: 1, count: 3, scale: 'log' })).toThrow(/λ > 0/);
    expect(LambdaSweepSchema.safeParse({ from: 1, to: 1, count: 3 }).success).toBe(false);
    expect(LambdaSweepSchema.safeParse({ from: 1, to: 2, count: 1 }).success).toBe(false);
  });

  it('hands each student a different λ and fills the columns evenly', () => {
    const lambdas = [0.001, 0.01, 0.1];
    const first = dealLambdas(lambdas, ['a', 'b']);
    expect(Object.fromEntries(first)).toEqual({ a: 0, b: 1 });
    // Late joiners fill the emptiest columns; earlier students keep their λ.
    const later = dealLambdas(lambdas, ['a', 'b', 'c', 'd', 'e'], first);
    expect(Object.fromEntries(later)).toEqual({ a: 0, b: 1, c: 2, d: 0, e: 1 });
    // A previous assignment outside the sweep is dealt again.
    expect(dealLambdas(lambdas, ['x'], new Map([['x', 7]])).get('x')).toBe(0);
    expect(() => dealLambdas([], ['a'])).toThrow(/at least one/);
  });

  it('places submissions on the class × λ grid, best score per cell', () => {
    const lambdas = lambdaValues({ from: 0.0001, to: 0.1, count: 4 });
    const sub = (id: string, classIndex: number, lambda: number, score: number) => ({ id, params: { classIndex, lambda }, result: { classIndex, score } });
    const items = [
      sub('s1', 543, lambdas[0]!, 5),
      sub('s2', 543, 0.0001 * (1 + 1e-12), 9), // the same λ after a JSON round trip
      sub('s3', 945, 0.1, 2),
      sub('s4', 1, 0.1, 1), // class not on the grid
      sub('s5', 968, 0.5, 1), // λ not on the grid
    ];
    const grid = ascentSweepGrid(items, classes, lambdas);
    expect(grid.cells).toHaveLength(3);
    expect(grid.cells[0]![0]!.items.map((i) => i.id)).toEqual(['s1', 's2']);
    expect(grid.cells[0]![0]!.best!.id).toBe('s2');
    expect(grid.cells[2]![3]!.best!.id).toBe('s3');
    expect(grid.cells[1]!.every((c) => c.items.length === 0)).toBe(true);
    expect(grid.offGrid.map((i) => i.id)).toEqual(['s4', 's5']);
    expect(grid.filled).toBe(2);
    expect(lambdaColumn(lambdas, 0.2)).toBe(-1);
  });

  it('groups the gallery per class, in the lesson’s class order', () => {
    const item = (id: string, classIndex: number) => ({ id, result: { classIndex } });
    const groups = galleryByClass([item('a', 945), item('b', 543), item('c', 945), item('d', 7)], classes);
    expect(groups.map((g) => [g.classIndex, g.items.map((i) => i.id)])).toEqual([
      [543, ['b']],
      [945, ['a', 'c']],
      [7, ['d']],
    ]);
  });
});
