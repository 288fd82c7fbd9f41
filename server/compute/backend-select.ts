/**
 * Which TensorFlow.js backend the server computes on, decided once before the workers start:
 * `auto` → tfjs-node(-gpu) when installed, else WebGPU through Dawn when a HARDWARE adapter exists, else wasm;
 * `webgpu` → Dawn's adapter, software ones (SwiftShader) included — that is how CI tests it — and a refusal to start
 * when there is no adapter at all; `tensorflow`, `wasm` and `cpu` as named.
 */
import { createRequire } from 'node:module';
import type { GpuAdapterInfo } from './webgpu-setup';

/** What CONVLAB_COMPUTE_BACKEND may say. */
export const BACKEND_PREFERENCES = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

/** The decision: the backend and, for WebGPU, the adapter. */
export type BackendChoice =
  | { backend: 'webgpu'; adapter: GpuAdapterInfo }
  | { backend: 'tensorflow'; package: string }
  | { backend: 'wasm' | 'cpu' };

/** Optional native packages preferred under 'auto', in order. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** Thrown when the configured backend cannot run here (the server refuses to start). */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    // The server's start-up prints a ConfigError's message alone, without a stack.
    this.name = 'ConfigError';
  }
}

/** The first native TensorFlow package installed, if any. */
export function installedNativePackage(): string | undefined {
  const require = createRequire(import.meta.url);
  return NATIVE_PACKAGES.find((pkg) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

/** How the choice is made; the probes are parameters so the rules are testable without a GPU. */
export interface BackendProbes {
  nativePackage(): string | undefined;
  gpuAdapter(): Promise<GpuAdapterInfo | null>;
}

const defaultProbes: BackendProbes = {
  nativePackage: installedNativePackage,
  gpuAdapter: async () => (await import('./webgpu-setup')).probeGpuAdapter(),
};

/** Resolves a preference to the backend the workers will run; throws BackendUnavailableError when it cannot run. */
export async function chooseBackend(pref: BackendPreference, probes: BackendProbes = defaultProbes): Promise<BackendChoice> {
  if (pref === 'wasm' || pref === 'cpu') return { backend: pref };
  if (pref === 'auto' || pref === 'tensorflow') {
    const pkg = probes.nativePackage();
    if (pkg) return { backend: 'tensorflow', package: pkg };
    if (pref === 'tensorflow') throw new BackendUnavailableError(`CONVLAB_COMPUTE_BACKEND=tensorflow needs ${NATIVE_PACKAGES.join(' or ')} installed`);
  }
  const adapter = await probes.gpuAdapter().catch(() => null);
  if (pref === 'webgpu') {
    if (!adapter) {
      throw new BackendUnavailableError(
        'CONVLAB_COMPUTE_BACKEND=webgpu: no WebGPU adapter found (Dawn needs a Vulkan loader — Debian libvulkan1 — and a ' +
          "GPU driver's ICD in VK_ICD_FILENAMES; for software, Chromium's SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json). " +
          'Use CONVLAB_COMPUTE_BACKEND=auto to fall back to wasm.',
      );
    }
    return { backend: 'webgpu', adapter };
  }
  // auto: a software adapter computes slower than wasm on the same CPU.
  return adapter && !adapter.software ? { backend: 'webgpu', adapter } : { backend: 'wasm' };
}

/** "webgpu · NVIDIA H200", "tensorflow (@tensorflow/tfjs-node)", "wasm". */
export function describeChoice(choice: BackendChoice): string {
  if (choice.backend === 'webgpu') return `webgpu · ${choice.adapter.name}${choice.adapter.software ? ' (software)' : ''}`;
  if (choice.backend === 'tensorflow') return `tensorflow (${choice.package})`;
  return choice.backend;
}
