/** The backend rules of CONVLAB_COMPUTE_BACKEND, with the two facts they depend on given as plain answers. */
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, chooseBackend, describeChoice, type BackendProbes } from './backend-select';
import type { GpuAdapterInfo } from './webgpu-setup';

const H200: GpuAdapterInfo = { name: 'NVIDIA H200', vendor: 'nvidia', architecture: 'hopper', description: '', software: false };
const SWIFTSHADER: GpuAdapterInfo = { name: 'SwiftShader Device Subzero', vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', software: true };

function probes(nativePackage: string | undefined, adapter: GpuAdapterInfo | null): BackendProbes & { gpuAsked: number } {
  const p = {
    gpuAsked: 0,
    nativePackage: () => nativePackage,
    gpuAdapter: async () => {
      p.gpuAsked++;
      return adapter;
    },
  };
  return p;
}

describe('chooseBackend', () => {
  it('auto: tfjs-node(-gpu) when installed, without looking for a GPU', async () => {
    const p = probes('@tensorflow/tfjs-node-gpu', H200);
    expect(await chooseBackend('auto', p)).toEqual({ backend: 'tensorflow', package: '@tensorflow/tfjs-node-gpu' });
    expect(p.gpuAsked).toBe(0);
  });

  it('auto: WebGPU on a hardware adapter, wasm on a software one or none', async () => {
    expect(await chooseBackend('auto', probes(undefined, H200))).toEqual({ backend: 'webgpu', adapter: H200 });
    expect(await chooseBackend('auto', probes(undefined, SWIFTSHADER))).toEqual({ backend: 'wasm' });
    expect(await chooseBackend('auto', probes(undefined, null))).toEqual({ backend: 'wasm' });
  });

  it('auto: a probe that throws (no Vulkan at all) means wasm', async () => {
    const failing: BackendProbes = { nativePackage: () => undefined, gpuAdapter: () => Promise.reject(new Error('dawn.node failed to load')) };
    expect(await chooseBackend('auto', failing)).toEqual({ backend: 'wasm' });
  });

  it('webgpu: any adapter, software included; none at all refuses with a message that says what to set', async () => {
    expect(await chooseBackend('webgpu', probes('@tensorflow/tfjs-node', SWIFTSHADER))).toEqual({ backend: 'webgpu', adapter: SWIFTSHADER });
    const refused = chooseBackend('webgpu', probes(undefined, null));
    await expect(refused).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(refused).rejects.toThrow(/CONVLAB_COMPUTE_BACKEND=webgpu: no WebGPU adapter found.*VK_ICD_FILENAMES/);
  });

  it('tensorflow needs a native package; wasm and cpu are taken as they are', async () => {
    await expect(chooseBackend('tensorflow', probes(undefined, H200))).rejects.toThrow(/tfjs-node-gpu or @tensorflow\/tfjs-node installed/);
    const p = probes(undefined, H200);
    expect(await chooseBackend('wasm', p)).toEqual({ backend: 'wasm' });
    expect(await chooseBackend('cpu', p)).toEqual({ backend: 'cpu' });
    expect(p.gpuAsked).toBe(0);
  });

  it('describes a choice the way the log and the badge name it', () => {
    expect(describeChoice({ backend: 'webgpu', adapter: H200 })).toBe('webgpu · NVIDIA H200');
    expect(describeChoice({ backend: 'webgpu', adapter: SWIFTSHADER })).toBe('webgpu · SwiftShader Device Subzero (software)');
    expect(describeChoice({ backend: 'tensorflow', package: '@tensorflow/tfjs-node' })).toBe('tensorflow (@tensorflow/tfjs-node)');
    expect(describeChoice({ backend: 'wasm' })).toBe('wasm');
  });
});
