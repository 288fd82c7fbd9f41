import { describe, expect, it } from 'vitest';
import { JobSpecSchema, type JobSpec } from '@convlab/protocol';
import { decidePlacement, estimateForwardPasses, isOutOfMemoryError, type BrowserCapability } from './placement';

const classify = JobSpecSchema.parse({ kind: 'classify', model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' } });
const occlusion = (window: number, stride: number): JobSpec =>
  JobSpecSchema.parse({ kind: 'occlusion', model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, params: { window, stride } });
const ascent = JobSpecSchema.parse({ kind: 'ascent', model: 'squeezenet1.1_nchw', params: { target: { kind: 'class', index: 1 }, steps: 200, learningRate: 1 } });

const fast: BrowserCapability = { state: 'ready', backend: 'webgl', forwardMs: 20 };
const limits = { maxForwardMs: 1000, maxJobMs: 10_000 };

describe('decidePlacement', () => {
  it('runs locally when the measured forward pass is fast enough', () => {
    const p = decidePlacement({ spec: classify, prefer: 'auto', capability: fast, serverAvailable: true, limits });
    expect(p).toMatchObject({ where: 'browser', reason: 'fast-enough' });
    expect(p.message).toContain('20 ms on webgl');
  });

  it("honours the student's choice of the server", () => {
    expect(decidePlacement({ spec: classify, prefer: 'server', capability: fast, serverAvailable: true, limits })).toMatchObject({ where: 'server', reason: 'choice' });
  });

  it('sends every job to the server when a forward pass is over the threshold', () => {
    const slow: BrowserCapability = { state: 'ready', backend: 'cpu', forwardMs: 1800 };
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: slow, serverAvailable: true, limits })).toMatchObject({ where: 'server', reason: 'too-slow' });
    // …unless the student insists on the browser.
    expect(decidePlacement({ spec: classify, prefer: 'browser', capability: slow, serverAvailable: true, limits })).toMatchObject({ where: 'browser', reason: 'choice' });
  });

  it('sends a heavy job to the server even from a fast browser', () => {
    // 224/16 stride 4: 53×53 positions × 200 ms ≫ 10 s; a coarse grid stays local.
    const medium: BrowserCapability = { state: 'ready', backend: 'wasm', forwardMs: 200 };
    expect(decidePlacement({ spec: occlusion(16, 4), prefer: 'auto', capability: medium, serverAvailable: true, limits })).toMatchObject({ where: 'server', reason: 'job-too-heavy' });
    expect(decidePlacement({ spec: occlusion(56, 56), prefer: 'auto', capability: medium, serverAvailable: true, limits })).toMatchObject({ where: 'browser' });
    expect(decidePlacement({ spec: ascent, prefer: 'auto', capability: medium, serverAvailable: true, limits }).where).toBe('server');
  });

  it('uses the server without a backend or after running out of memory', () => {
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: { state: 'unavailable', reason: 'no WebGL' }, serverAvailable: true, limits })).toMatchObject({
      where: 'server',
      reason: 'no-backend',
    });
    const noModel = decidePlacement({ spec: classify, prefer: 'auto', capability: { state: 'unavailable', backend: 'webgl', reason: 'HTTP 404' }, serverAvailable: true, limits });
    expect(noModel).toMatchObject({ where: 'server', reason: 'no-backend' });
    expect(noModel.message).toBe('the model does not run in this browser');
    expect(decidePlacement({ spec: classify, prefer: 'browser', capability: { ...fast, outOfMemory: true }, serverAvailable: true, limits })).toMatchObject({
      where: 'server',
      reason: 'out-of-memory',
    });
  });

  it('stays in the browser when there is no server to send to', () => {
    const slow: BrowserCapability = { state: 'ready', backend: 'cpu', forwardMs: 5000 };
    const p = decidePlacement({ spec: classify, prefer: 'auto', capability: slow, serverAvailable: false, limits });
    expect(p).toMatchObject({ where: 'browser', reason: 'no-server' });
    expect(decidePlacement({ spec: classify, prefer: 'server', capability: fast, serverAvailable: false, limits })).toMatchObject({ where: 'browser', reason: 'no-server' });
  });
});

describe('estimateForwardPasses', () => {
  it('counts occlusion positions, masks, samples and steps', () => {
    expect(estimateForwardPasses(classify)).toBe(1);
    expect(estimateForwardPasses(occlusion(56, 56))).toBe(1 + 4 * 4);
    expect(estimateForwardPasses(occlusion(32, 16), [224, 224])).toBe(1 + 13 * 13);
    expect(estimateForwardPasses(ascent)).toBe(600);
  });
});

describe('isOutOfMemoryError', () => {
  it('recognizes the messages browsers and tfjs give', () => {
    expect(isOutOfMemoryError('Failed to allocate 1048576 bytes')).toBe(true);
    expect(isOutOfMemoryError('WebGL: CONTEXT_LOST_WEBGL')).toBe(true);
    expect(isOutOfMemoryError("model 'x' has no layer 'y'")).toBe(false);
  });
});
