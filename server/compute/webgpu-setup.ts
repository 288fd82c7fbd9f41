/**
 * WebGPU in Node through Dawn (the npm package `webgpu`). Node has no `navigator.gpu`; this module provides it from
 * `webgpu`'s `create([])` and its globals (GPUBufferUsage, GPUShaderStage…). It must run BEFORE
 * `@tensorflow/tfjs-backend-webgpu` is imported: that backend registers itself only when `navigator.gpu` exists.
 * Node-only (loads a native addon): the browser has its own navigator.gpu.
 *
 * Without a system Vulkan loader Dawn finds no adapter; on a machine with Debian's chromium, Chromium's SwiftShader
 * (software Vulkan) is one: `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp` and,
 * when libvulkan1 is not installed, `LD_LIBRARY_PATH=/usr/lib/chromium` (see {@link swiftShaderEnv}).
 */
import { existsSync } from 'node:fs';

/** What the server says about the GPU adapter it computes on. */
export interface GpuAdapterInfo {
  /** A readable device name, e.g. "NVIDIA H200" or "SwiftShader Device Subzero". */
  name: string;
  vendor: string;
  architecture: string;
  /** Dawn's driver description, e.g. "SwiftShader driver 5.0.0". */
  description: string;
  /** A software rasterizer (SwiftShader, llvmpipe, lavapipe; a CPU adapter): correct but slower than wasm. */
  software: boolean;
}

let installed: Promise<GPU> | null = null;

/** Sets `navigator.gpu` (and the WebGPU globals) from Dawn once per thread; returns the GPU object. */
export function installWebGpu(): Promise<GPU> {
  installed ??= import('webgpu').then(({ create, globals }) => {
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const g = globalThis as unknown as { navigator?: Record<string, unknown> };
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else g.navigator = { gpu, userAgent: 'node' };
    return gpu;
  });
  return installed;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|\bcpu\b/i;
/** Device-name words written in capitals (vendors, product lines). */
const CAPITALS = new Set(['nvidia', 'amd', 'ati', 'gpu', 'rtx', 'gtx', 'tpu', 'arm', 'apple', 'intel']);

/** "nvidia-h200" → "NVIDIA H200"; "swiftshader-device-subzero-" → "SwiftShader Device Subzero". */
export function readableDeviceName(device: string): string {
  return device
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => {
      const lower = w.toLowerCase();
      if (lower === 'swiftshader') return 'SwiftShader';
      if (lower === 'intel' || lower === 'apple') return lower[0].toUpperCase() + lower.slice(1);
      if (CAPITALS.has(lower) || /\d/.test(w)) return w.toUpperCase();
      return lower[0].toUpperCase() + lower.slice(1);
    })
    .join(' ');
}

/** Our description of a WebGPU adapter. */
export function describeAdapter(adapter: GPUAdapter): GpuAdapterInfo {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const name = readableDeviceName(info.device || description || vendor || 'unknown adapter');
  const software = Boolean(info.isFallbackAdapter) || SOFTWARE.test(`${vendor} ${architecture} ${info.device ?? ''} ${description}`);
  return { name, vendor, architecture, description, software };
}

/** Asks Dawn for a (high-performance) adapter; null when there is none (no Vulkan loader, no driver). */
export async function probeGpuAdapter(): Promise<GpuAdapterInfo | null> {
  const gpu = await installWebGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? describeAdapter(adapter) : null;
}

/** The label that names where a job ran, e.g. "webgpu · NVIDIA H200"; wasm and the others are their own label. */
export function adapterLabel(adapter: GpuAdapterInfo): string {
  return adapter.software ? `${adapter.name} (software)` : adapter.name;
}

const CHROMIUM = '/usr/lib/chromium';

/**
 * Environment for a child process that should compute on Chromium's SwiftShader Vulkan (tests, benchmarks on
 * machines without a GPU); null when Debian's chromium is not installed.
 */
export function swiftShaderEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | null {
  const icd = `${CHROMIUM}/vk_swiftshader_icd.json`;
  if (!existsSync(icd)) return null;
  const hasLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync);
  return {
    ...base,
    VK_ICD_FILENAMES: icd,
    XDG_RUNTIME_DIR: base.XDG_RUNTIME_DIR ?? '/tmp',
    ...(hasLoader ? {} : { LD_LIBRARY_PATH: [CHROMIUM, base.LD_LIBRARY_PATH].filter(Boolean).join(':') }),
  };
}
