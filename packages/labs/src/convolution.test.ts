import { featureMap } from '@convlab/vis';
import { describe, expect, it } from 'vitest';
import { evaluateRule, type GradingCompute } from './grading.types';
import {
  CONV_PRESETS,
  ConvolutionParamsSchema,
  challengeKernel,
  challengeTarget,
  challengeOutcome,
  convolutionLab,
  makeThisOutputRule,
  checkChallenge,
  convOutputSize,
  convPresetKernel,
  convolutionInput,
  convolutionOutput,
  explainOutputSize,
  resizeKernel,
  roundKernel,
  weightedSum,
} from './convolution.lab';
import { LabError, parseLabParams } from './registry';

const grid3 = featureMap(3, 3, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('convolution lab: the weighted sum', () => {
  it('writes out a Sobel-x sum at the centre, term by term, as computed by hand', () => {
    // Centre of a 3×3 input with no padding: −1·1 + 0·2 + 1·3 − 2·4 + 0·5 + 2·6 − 1·7 + 0·8 + 1·9 = 8.
    const sum = weightedSum(grid3, { kernel: convPresetKernel('sobel-x'), stride: 1, padding: 0 }, 0, 0);
    expect(sum.output).toBe(8);
    expect([sum.centerY, sum.centerX]).toEqual([1, 1]);
    expect(sum.terms.map((t) => t.product)).toEqual([-1, 0, 3, -8, 0, 12, -7, 0, 9]);
    expect(sum.text).toBe('1·(−1) + 2·0 + 3·1 + 4·(−2) + 5·0 + 6·2 + 7·(−1) + 8·0 + 9·1 = 8');
  });

  it('marks zero padding and centres the kernel on the input pixel (padding 1, top-left output)', () => {
    // Box blur of the top-left pixel with one row/column of zeros: (1 + 2 + 4 + 5) / 9 = 1.333…
    const sum = weightedSum(grid3, { kernel: convPresetKernel('box-blur'), stride: 1, padding: 1 }, 0, 0);
    expect([sum.centerY, sum.centerX]).toEqual([0, 0]);
    expect(sum.terms.filter((t) => t.padding)).toHaveLength(5);
    expect(sum.output).toBeCloseTo(12 / 9, 10);
    expect(sum.text.endsWith('= 1.333')).toBe(true);
    // The same value as the whole output map's.
    expect(convolutionOutput(grid3, { kernel: convPresetKernel('box-blur'), stride: 1, padding: 1 }).data[0]).toBeCloseTo(12 / 9, 5);
  });

  it('explains the output size with the lecture formula', () => {
    expect(convOutputSize(64, 3, 1, 1)).toBe(64);
    expect(explainOutputSize(64, 3, 1, 1)).toBe('(64 − 3 + 2·1) / 1 + 1 = 64');
    expect(explainOutputSize(64, 3, 0, 2)).toBe('⌊(64 − 3 + 2·0) / 2⌋ + 1 = 31');
    expect(convOutputSize(7, 5, 0, 2)).toBe(2);
  });

  it('has the lecture’s presets at 3×3, and blurs at 5×5', () => {
    expect(CONV_PRESETS).toEqual(['identity', 'box-blur', 'gaussian', 'sharpen', 'sobel-x', 'sobel-y', 'laplacian']);
    expect(convPresetKernel('gaussian', 5)).toHaveLength(5);
    expect(convPresetKernel('laplacian', 5)).toHaveLength(3);
  });

  it('resizes a kernel without losing what it does: a preset to its other size, other weights about their centre', () => {
    expect(resizeKernel(roundKernel(convPresetKernel('gaussian', 3)), 5)).toEqual(roundKernel(convPresetKernel('gaussian', 5)));
    expect(resizeKernel(roundKernel(convPresetKernel('box-blur', 5)), 3)).toEqual(roundKernel(convPresetKernel('box-blur', 3)));
    const sobel = convPresetKernel('sobel-x', 3);
    const grown = resizeKernel(sobel, 5);
    expect(grown[0]).toEqual([0, 0, 0, 0, 0]);
    expect(grown.slice(1, 4).map((row) => row.slice(1, 4))).toEqual(sobel);
    expect(resizeKernel(grown, 3)).toEqual(sobel);
    const typed = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, Number.NaN, 14, 15], [16, 17, 18, 19, 20], [21, 22, 23, 24, 25]];
    expect(resizeKernel(typed, 3)).toEqual([[7, 8, 9], [12, Number.NaN, 14], [17, 18, 19]]);
    expect(resizeKernel(sobel, 3)).toEqual(sobel);
  });
});

describe('convolution lab: refusals', () => {
  const refuse = (params: unknown) => {
    try {
      parseLabParams('convolution', params);
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('refuses NaN and infinite entries with a clear message', () => {
    expect(refuse({ kernel: [[1, 0, 0], [0, Number.NaN, 0], [0, 0, 1]] })).toMatch(/kernel\.1\.1: each kernel entry must be a finite number \(not NaN or ∞\)/);
    expect(refuse({ kernel: [[1, 0, 0], [0, Infinity, 0], [0, 0, 1]] })).toMatch(/finite number/);
    expect(refuse({ kernel: [[1, 0], [0, 1]] })).toMatch(/3×3 or 5×5/);
  });

  it('refuses a stride and padding that give an output of size ≤ 0', () => {
    const grid = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const five = convPresetKernel('box-blur', 5);
    expect(refuse({ source: 'grid', grid, kernel: five, padding: 0 })).toMatch(/output height would be -1 ≤ 0: \(W − K \+ 2P\) \/ S \+ 1 with W = 3, K = 5, P = 0, S = 1/);
    expect(ConvolutionParamsSchema.parse({ source: 'grid', grid, kernel: five, padding: 1 }).padding).toBe(1);
  });
});

describe('convolution lab: "make this output"', () => {
  const photo = featureMap(8, 8, 3, Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256));
  const params = ConvolutionParamsSchema.parse({ challenge: true, size: 16 });

  it('passes the hidden kernel itself and fails another one', () => {
    const seed = 'session-1/step-conv';
    const target = challengeTarget(photo, params, seed);
    const grey = convolutionInput(params, photo);
    const own = checkChallenge(target, convolutionOutput(grey, { ...params, kernel: challengeKernel(seed) }));
    expect(own).toMatchObject({ passed: true, maxError: 0 });
    const other = checkChallenge(target, convolutionOutput(grey, { ...params, kernel: convPresetKernel('identity') }));
    expect(other.passed).toBe(false);
    expect(other.message).toMatch(/^not yet/);
  });

  it('allows at most 1 % of the target range', () => {
    const target = featureMap(1, 3, 1, [0, 50, 100]);
    expect(checkChallenge(target, featureMap(1, 3, 1, [1, 50, 100]))).toMatchObject({ passed: true, tolerance: 1 });
    expect(checkChallenge(target, featureMap(1, 3, 1, [0, 51.01, 100])).passed).toBe(false);
    expect(checkChallenge(target, featureMap(1, 2, 1, [0, 50])).message).toMatch(/your output is 1×2×1, the target 1×3×1/);
  });

  it('hides a preset chosen by the seed, the same for the same seed', () => {
    expect(challengeKernel('a')).toEqual(challengeKernel('a'));
    const picked = new Set(Array.from({ length: 40 }, (_, i) => JSON.stringify(challengeKernel(`seed-${i}`))));
    expect(picked.size).toBeGreaterThan(3);
  });

  it('grades from the stored check: within the allowed share of the range', () => {
    const check = checkChallenge(featureMap(1, 3, 1, [0, 50, 100]), featureMap(1, 3, 1, [0, 51.5, 100]));
    expect(challengeOutcome({ challenge: check })).toMatchObject({ fraction: 0, measured: { maxError: 1.5, range: 100 } });
    expect(challengeOutcome({ challenge: check }, 2)).toMatchObject({ fraction: 1, detail: "largest error 1.5 ≤ 2 (2 % of the target's range)" });
    expect(challengeOutcome({}).fraction).toBe(0);
  });

  it('is the lab’s grading rule: its tolerance a server-only parameter (default 1 %), refused when out of range', async () => {
    const check = checkChallenge(featureMap(1, 3, 1, [0, 50, 100]), featureMap(1, 3, 1, [0, 51, 100]));
    const step = ConvolutionParamsSchema.parse({ challenge: true });
    const grade = (params: unknown) => evaluateRule(makeThisOutputRule, params, { step, result: { challenge: check } }, NO_COMPUTE);
    expect(convolutionLab.gradingRules).toContain(makeThisOutputRule);
    expect(await grade({})).toMatchObject({ fraction: 1, measured: { maxError: 1, range: 100 } }); // the boundary: 1 ≤ 1 % of 100
    expect(await grade({ tolerancePercent: 0.5 })).toMatchObject({ fraction: 0 });
    await expect(grade({ tolerancePercent: 0 })).rejects.toThrow();
  });
});

/** The rules of these labs grade the server's stored checks and never ask for computing. */
const NO_COMPUTE = new Proxy({}, { get: () => () => Promise.reject(new Error('no computing expected')) }) as GradingCompute;
