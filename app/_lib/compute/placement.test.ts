import { describe, expect, it } from 'vitest';
import { JobSpecSchema, type JobSpec } from '@convlab/protocol';
import { DEFAULT_LIMITS, decidePlacement, estimateForwardPasses, isOutOfMemoryError, isSoftwareRenderer, type BrowserCapability } from './placement';

const classify = JobSpecSchema.parse({ kind: 'classify', model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' } });
const occlusion = (window: number, stride: number): JobSpec =>
  JobSpecSchema.parse({ kind: 'occlusion', model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, params: { window, stride } });
const ascent = JobSpecSchema.parse({ kind: 'ascent', model: 'squeezenet1.1_nchw', params: { target: { kind: 'class', index: 1 }, steps: 200, learningRate: 1 } });

const fast: BrowserCapability = { state: 'ready', backend: 'webgl', forwardMs: 20 };
const limits = { ...DEFAULT_LIMITS, maxForwardMs: 1000, maxJobMs: 10_000 };

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

  it('sends every job on a server-only model to the server, whatever the student chose', () => {
    const why = 'ResNet-101 (170 MB) is too large for laptops: the class server computes it';
    for (const prefer of ['auto', 'browser', 'server'] as const) {
      expect(decidePlacement({ spec: classify, prefer, capability: fast, serverAvailable: true, limits, serverOnlyModel: why })).toEqual({ where: 'server', reason: 'server-only-model', message: why });
    }
    // Without a server connection there is nothing better than trying here.
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: fast, serverAvailable: false, limits, serverOnlyModel: why }).where).toBe('browser');
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

describe('decidePlacement in Automatic never prefers a stalled or software-rendered browser', () => {
  const swiftshader = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';

  it('sends jobs to the server once the browser stalled, saying why', () => {
    const stalled: BrowserCapability = { ...fast, stalled: 'checking this browser took longer than 10 s' };
    const p = decidePlacement({ spec: classify, prefer: 'auto', capability: stalled, serverAvailable: true, limits });
    expect(p).toMatchObject({ where: 'server', reason: 'stalled', message: 'checking this browser took longer than 10 s' });
    // The student who insists on this laptop still gets it (a job there has its own time budget)…
    expect(decidePlacement({ spec: classify, prefer: 'browser', capability: stalled, serverAvailable: true, limits })).toMatchObject({ where: 'browser', reason: 'choice' });
    // …and without a server the browser is all there is.
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: stalled, serverAvailable: false, limits })).toMatchObject({ where: 'browser', reason: 'no-server' });
  });

  it('sends jobs to the server when WebGL is software-rendered (SwiftShader), however fast its pass measured', () => {
    const software: BrowserCapability = { state: 'ready', backend: 'webgl', forwardMs: 20, renderer: swiftshader };
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: software, serverAvailable: true, limits })).toMatchObject({ where: 'server', reason: 'software-rendering' });
    expect(decidePlacement({ spec: classify, prefer: 'browser', capability: software, serverAvailable: true, limits })).toMatchObject({ where: 'browser', reason: 'choice' });
    // A real GPU's renderer, or wasm on the same machine, stays local.
    const gpu: BrowserCapability = { ...software, renderer: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)' };
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: gpu, serverAvailable: true, limits })).toMatchObject({ where: 'browser', reason: 'fast-enough' });
    expect(decidePlacement({ spec: classify, prefer: 'auto', capability: { ...software, backend: 'wasm' }, serverAvailable: true, limits }).where).toBe('browser');
  });

  it('recognizes software renderers by name', () => {
    expect(isSoftwareRenderer(swiftshader)).toBe(true);
    expect(isSoftwareRenderer('Google SwiftShader')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('Microsoft Basic Render Driver')).toBe(true);
    expect(isSoftwareRenderer('Apple M2')).toBe(false);
    expect(isSoftwareRenderer('ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)')).toBe(false);
    expect(isSoftwareRenderer(undefined)).toBe(false);
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
