import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  COMPUTE_ERROR_CODES,
  COMPUTE_HTTP_STATUS_OF,
  ComputeError,
  JOB_LIMITS,
  JobSpecSchema,
  canonicalJson,
  checkJobAgainstModel,
  isComputeError,
  jobHash,
  RESULT_VERSIONS,
  sha256Hex,
  type JobSpec,
} from './jobs';
import { encodeBitmapMask } from './masks';

const sample = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;
const mobilenet = { inputSize: [224, 224] as [number, number], numClasses: 1000, layers: new Set(['conv1', 'conv_pw_13_relu']) };

describe('sha256Hex', () => {
  it('matches node:crypto for lengths around the padding boundaries', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});

describe('JobSpecSchema', () => {
  it('fills defaults and accepts every kind', () => {
    const specs: unknown[] = [
      { kind: 'classify', model: 'mobilenet_v1_0.25_224', image: sample },
      { kind: 'activations', model: 'm', image: sample, params: { layer: 'conv1' } },
      { kind: 'occlusion', model: 'm', image: sample, params: { window: 32, stride: 8 } },
      { kind: 'occlusion-masks', model: 'm', image: sample, params: { masks: [{ kind: 'rect', y: 0, x: 0, height: 10, width: 10 }] } },
      { kind: 'saliency', model: 'm', image: sample, params: { method: 'guided', target: { kind: 'class', index: 3 } } },
      { kind: 'ascent', model: 'm', params: { target: { kind: 'class', index: 951 }, steps: 100, learningRate: 1 } },
      { kind: 'patches', model: 'm', params: { layer: 'conv1', channel: 0, images: [sample] } },
    ];
    for (const s of specs) expect(JobSpecSchema.safeParse(s).success, JSON.stringify(s)).toBe(true);
    const c = JobSpecSchema.parse(specs[0]) as Extract<JobSpec, { kind: 'classify' }>;
    expect(c.params.top).toBe(5);
    const o = JobSpecSchema.parse(specs[2]) as Extract<JobSpec, { kind: 'occlusion' }>;
    expect(o.params.fill).toBe('zero');
  });

  it('refuses absurd sizes, unknown keys and bad references', () => {
    const bad: unknown[] = [
      { kind: 'ascent', model: 'm', params: { target: { kind: 'class', index: 1 }, steps: 1_000_000, learningRate: 1 } },
      { kind: 'saliency', model: 'm', image: sample, params: { method: 'smoothgrad', samples: 10_000, target: { kind: 'class', index: 1 } } },
      { kind: 'saliency', model: 'm', image: sample, params: { method: 'gradcam', target: { kind: 'class', index: 1 } } },
      { kind: 'occlusion', model: 'm', image: sample, params: { window: 0, stride: 8 } },
      { kind: 'classify', model: '../etc', image: sample },
      { kind: 'classify', model: 'm', image: { kind: 'sample', id: '../../secret.jpg' } },
      { kind: 'classify', model: 'm', image: { kind: 'upload', sha256: 'abc' } },
      { kind: 'classify', model: 'm', image: sample, evil: true },
      { kind: 'train', model: 'm' },
      {
        kind: 'occlusion-masks',
        model: 'm',
        image: sample,
        params: { masks: Array.from({ length: 10 }, () => ({ kind: 'polygon', points: Array.from({ length: 60 }, (_, i) => [i, i * 2]) })) },
      },
    ];
    for (const s of bad) expect(JobSpecSchema.safeParse(s).success, JSON.stringify(s)).toBe(false);
  });
});

describe('occlusion-masks with brush strokes', () => {
  const image = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;
  const job = (masks: unknown[]) => JobSpecSchema.safeParse({ kind: 'occlusion-masks', model: 'm', image, params: { masks } });

  it('accepts a run-length brush bitmap beside rectangles', () => {
    const cells = new Uint8Array(16 * 16);
    cells.fill(1, 40, 60);
    expect(job([encodeBitmapMask(cells, 16, 16), { kind: 'rect', x: 1, y: 2, width: 3, height: 4 }]).success).toBe(true);
  });

  it('refuses runs that do not add up, and too many runs in one job', () => {
    expect(job([{ kind: 'bitmap', width: 4, height: 4, runs: [3, 2] }]).success).toBe(false);
    // A checkerboard row by row: one run per cell, 2 × 64 × 32 runs, beyond the per-job bound.
    const checker = Uint8Array.from({ length: 64 * 32 }, (_, i) => i % 2);
    const heavy = encodeBitmapMask(checker, 64, 32);
    expect(heavy.runs.length).toBeGreaterThan(JOB_LIMITS.maskRunsMax / 2);
    const result = job([heavy, heavy]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/brush runs/);
  });
});

describe('jobHash', () => {
  it('ignores key order and explicitly written defaults, and changes with any parameter', () => {
    const a = jobHash({ kind: 'occlusion', model: 'm', image: sample, params: { window: 32, stride: 8 } });
    const b = jobHash({ params: { stride: 8, fill: 'zero', seed: 0, window: 32 }, image: { id: sample.id, kind: 'sample' }, model: 'm', kind: 'occlusion' });
    const c = jobHash({ kind: 'occlusion', model: 'm', image: sample, params: { window: 32, stride: 16 } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('keys a kind whose result shape changed by its version: an old entry never answers the new spec', () => {
    const neuron = JobSpecSchema.parse({ kind: 'saliency', model: 'm', image: sample, params: { method: 'vanilla', target: { kind: 'neuron', layer: 'conv1', channel: 0 } } });
    const occlusion = JobSpecSchema.parse({ kind: 'occlusion', model: 'm', image: sample, params: { window: 32, stride: 8 } });
    const specOnly = (spec: JobSpec) => sha256Hex(new TextEncoder().encode(canonicalJson(spec)));
    expect(RESULT_VERSIONS.saliency).toBeGreaterThan(1);
    expect(jobHash(neuron)).not.toBe(specOnly(neuron));
    expect(jobHash(occlusion)).toBe(specOnly(occlusion)); // version 1: keys stored before versions still match
  });

  it('canonical JSON sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('checkJobAgainstModel', () => {
  const parse = (s: unknown) => JobSpecSchema.parse(s);
  it('names unknown classes and layers, and refuses too many positions', () => {
    expect(checkJobAgainstModel(parse({ kind: 'saliency', model: 'm', image: sample, params: { method: 'vanilla', target: { kind: 'class', index: 1000 } } }), mobilenet)?.code).toBe(
      'UNKNOWN_CLASS',
    );
    expect(checkJobAgainstModel(parse({ kind: 'activations', model: 'm', image: sample, params: { layer: 'nope' } }), mobilenet)).toEqual({
      code: 'UNKNOWN_LAYER',
      message: "model 'm' has no layer 'nope'",
    });
    expect(checkJobAgainstModel(parse({ kind: 'occlusion', model: 'm', image: sample, params: { window: 8, stride: 1 } }), mobilenet)?.code).toBe('JOB_TOO_LARGE');
    expect(checkJobAgainstModel(parse({ kind: 'occlusion', model: 'm', image: sample, params: { window: 300, stride: 8 } }), mobilenet)?.code).toBe('JOB_TOO_LARGE');
    expect(checkJobAgainstModel(parse({ kind: 'occlusion', model: 'm', image: sample, params: { window: 32, stride: 8, classIndex: 386 } }), mobilenet)).toBeNull();
  });
});

describe('compute errors', () => {
  it('has an HTTP status per code and recognizes errors by shape', () => {
    for (const c of COMPUTE_ERROR_CODES) expect(COMPUTE_HTTP_STATUS_OF[c]).toBeGreaterThanOrEqual(400);
    const e = new ComputeError('SERVER_BUSY', 'server busy, position 12', 12);
    expect(isComputeError(e)).toBe(true);
    expect(isComputeError(Object.assign(new Error('x'), { name: 'ComputeError', code: 'JOB_TIMEOUT' }))).toBe(true);
    expect(isComputeError(new Error('x'))).toBe(false);
  });
});
