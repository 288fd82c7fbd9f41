/**
 * WebGPU (Dawn in Node, on Chromium's SwiftShader software Vulkan: no GPU needed) against wasm: the same jobs through
 * the job runner give the same results (classify, activations, occlusion, every saliency method, ascent) — within 1e-3 relative for logits, probabilities and every value of the
 * forward-only jobs, cosine ≥ 0.999 for gradient maps and ascent images — and leave no tensor behind on either
 * backend. A tiny model built in code keeps SwiftShader's seconds few. The jobs run in a child process, because
 * the Vulkan environment (webgpu-setup.ts `swiftShaderEnv`) must be set before a process starts.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReluMode } from '@convlab/nets';
import { TIE_EXPECTED } from '@convlab/nets/testing/max-pool-ties';
import { swiftShaderEnv } from './webgpu-setup';

const CHILD = path.join(__dirname, 'testing/webgpu-parity.child.ts');
const FORWARD_JOBS = ['classify', 'activations', 'occlusion', 'occlusion-noise'];
const GRADIENT_JOBS = ['saliency-vanilla', 'saliency-saliency', 'saliency-guided', 'saliency-deconvnet', 'saliency-smoothgrad', 'saliency-gradient-x-input', 'saliency-gradcam', 'saliency-neuron', 'ascent'];

interface ChildReport {
  backend: string;
  adapter: { name: string; software: boolean };
  wasm: Record<string, Record<string, number[]>>;
  webgpu: Record<string, Record<string, number[]>>;
  leaked: { wasm: Record<string, number>; webgpu: Record<string, number> };
  ties: { standalone: Record<ReluMode, number[]>; fused: Record<ReluMode, number[]> };
}

/** max |a − b| / max |b|. */
function relError(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs)) || 1;
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((v, i) => {
    dot += v * b[i];
    na += v * v;
    nb += b[i] * b[i];
  });
  return na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
}

async function runChild(): Promise<ChildReport> {
  const env = swiftShaderEnv();
  if (!env) throw new Error("Chromium's SwiftShader is missing (/usr/lib/chromium/vk_swiftshader_icd.json): apt-get install -y chromium");
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD], { env, maxBuffer: 64 * 1024 * 1024, timeout: 170_000 });
  // Dawn may print warnings; the report is the last JSON line.
  const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no report from the child:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as ChildReport;
}

describe('WebGPU on SwiftShader against wasm (job runner, tiny model)', () => {
  let report: ChildReport;
  beforeAll(async () => {
    report = await runChild();
  }, 180_000);

  it('runs on the WebGPU backend with SwiftShader, a software adapter', () => {
    expect(report.backend).toBe('webgpu');
    expect(report.adapter).toMatchObject({ software: true });
    expect(report.adapter.name).toMatch(/swiftshader/i);
  });

  it.each(FORWARD_JOBS)('%s: every value within 1e-3 relative', (job) => {
    const [wasm, gpu] = [report.wasm[job], report.webgpu[job]];
    expect(Object.keys(gpu).sort()).toEqual(Object.keys(wasm).sort());
    for (const key of Object.keys(wasm)) {
      expect(gpu[key], `${job} ${key}`).toHaveLength(wasm[key].length);
      expect(relError(gpu[key], wasm[key]), `${job} ${key}`).toBeLessThanOrEqual(1e-3);
    }
  });

  it.each(GRADIENT_JOBS)('%s: maps at cosine ≥ 0.999, values within 1e-3 relative', (job) => {
    const [wasm, gpu] = [report.wasm[job], report.webgpu[job]];
    expect(Object.keys(gpu).sort()).toEqual(Object.keys(wasm).sort());
    const maps = Object.keys(wasm).filter((k) => wasm[k].length > 1);
    expect(maps.length, `${job} has a map or an image`).toBeGreaterThan(0);
    for (const key of Object.keys(wasm)) {
      expect(gpu[key], `${job} ${key}`).toHaveLength(wasm[key].length);
      if (wasm[key].length > 1) expect(cosine(gpu[key], wasm[key]), `${job} ${key}`).toBeGreaterThanOrEqual(0.999);
      else expect(relError(gpu[key], wasm[key]), `${job} ${key}`).toBeLessThanOrEqual(1e-3);
    }
  });

  it('leaves no tensor behind on WebGPU (nor on wasm)', () => {
    expect(Object.keys(report.leaked.webgpu)).toEqual([...FORWARD_JOBS, ...GRADIENT_JOBS]);
    for (const [job, n] of Object.entries(report.leaked.webgpu)) expect(n, `webgpu ${job}`).toBe(0);
    for (const [job, n] of Object.entries(report.leaked.wasm)) expect(n, `wasm ${job}`).toBe(0);
  });

  it('routes max-pool ties to the first maximum in every ReLU mode on WebGPU', () => {
    for (const relu of ['standalone', 'fused'] as const) {
      for (const mode of ['standard', 'guided', 'deconvnet'] as ReluMode[]) expect(report.ties[relu][mode], `${relu} ${mode}`).toEqual(TIE_EXPECTED[mode]);
    }
  });
});
