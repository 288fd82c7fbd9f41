/** Adapter names as the health endpoint, the log and the badge show them. */
import { describe, expect, it } from 'vitest';
import { describeAdapter, readableDeviceName } from './webgpu-setup';

describe('adapter names', () => {
  it('reads Dawn device strings', () => {
    expect(readableDeviceName('nvidia-h200')).toBe('NVIDIA H200');
    expect(readableDeviceName('swiftshader-device-subzero-')).toBe('SwiftShader Device Subzero');
    expect(readableDeviceName('intel-arc-a770')).toBe('Intel Arc A770');
  });

  it('marks software adapters (SwiftShader, llvmpipe, a fallback adapter) and not hardware ones', () => {
    const adapter = (info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }) => ({ info }) as unknown as GPUAdapter;
    expect(describeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }))).toEqual({
      name: 'SwiftShader Device Subzero',
      vendor: 'google',
      architecture: 'swiftshader',
      description: 'SwiftShader driver 5.0.0',
      software: true,
    });
    expect(describeAdapter(adapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '' })).software).toBe(true);
    expect(describeAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA 570.86' }))).toMatchObject({ name: 'NVIDIA H200', software: false });
  });
});
