/**
 * `npm run bench -- --suite gpu [--quick] [--swiftshader] [--models id,id]`: wasm against WebGPU (Dawn in Node) on
 * the same machine, side by side per model — forward at batch 1 and 32, class gradient, 625-position occlusion
 * (incremental and not), 200 ascent steps — and the compute service's jobs/s with 30 students. Each backend runs in
 * its own process (gpu-backend.child.ts). Without a WebGPU adapter the WebGPU rows say "not measured" and why;
 * --swiftshader measures on Chromium's SwiftShader, a SOFTWARE Vulkan on the CPU: it shows that the path works,
 * not how fast a GPU is. --quick: one small model, fewer positions and steps (scaled up, and marked).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { swiftShaderEnv } from '../server/compute/webgpu-setup';
import type { GpuChildReport } from './gpu-backend.child';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'gpu-backend.child.ts');

export interface GpuBenchOptions {
  models?: string[];
  quick?: boolean;
  /** Measure WebGPU on SwiftShader when the machine has no Vulkan set up (software: correctness, not speed). */
  swiftshader?: boolean;
  log?: (line: string) => void;
}

export interface GpuBenchResult {
  quick: boolean;
  models: string[];
  wasm: GpuChildReport;
  webgpu: GpuChildReport;
  /** PyTorch eager on an NVIDIA H200, SqueezeNet 1.1 (issue 11): the targets, within 2×. */
  reference: typeof H200_PYTORCH;
}

/** The issue's reference points (ms): PyTorch eager, SqueezeNet 1.1, NVIDIA H200. */
export const H200_PYTORCH = { model: 'squeezenet1.1_nchw', fwdB1: 2.3, gradient: 5.0, occlusion625: 38.5, ascent200: 1000 };

const FULL_MODELS = ['squeezenet1.1_nchw', 'mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224'];
const QUICK_MODELS = ['mobilenet_v1_0.25_224'];

/** The environment WebGPU's process starts with: the machine's Vulkan if it has one set up, else SwiftShader on request. */
function webgpuEnv(swiftshader: boolean): NodeJS.ProcessEnv {
  return swiftshader && !process.env.VK_ICD_FILENAMES ? (swiftShaderEnv() ?? process.env) : process.env;
}

async function runChild(backend: 'wasm' | 'webgpu', models: string[], quick: boolean, env: NodeJS.ProcessEnv): Promise<GpuChildReport> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, backend, models.join(','), quick ? '1' : '0'], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line) throw new Error(`no report: ${stdout.slice(-500)}`);
    return JSON.parse(line) as GpuChildReport;
  } catch (e) {
    return { backend, adapter: null, notMeasured: `the ${backend} run failed: ${(e as Error).message.split('\n')[0]}`, rows: [], errors: [] };
  }
}

/** Runs wasm, then WebGPU, each in its own process. */
export async function runGpuBench(options: GpuBenchOptions = {}): Promise<GpuBenchResult> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const quick = options.quick ?? false;
  const models = options.models ?? (quick ? QUICK_MODELS : FULL_MODELS);
  log(`gpu suite: wasm (${models.join(', ')})…`);
  const wasm = await runChild('wasm', models, quick, process.env);
  log('gpu suite: webgpu…');
  const webgpu = await runChild('webgpu', models, quick, webgpuEnv(options.swiftshader ?? false));
  return { quick, models, wasm, webgpu, reference: H200_PYTORCH };
}

const ms = (v: number | undefined) => (v === undefined ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : 1)} ms`);

/** The label of a run: "webgpu · NVIDIA H200", "webgpu · SwiftShader … (SOFTWARE, not a GPU)". */
function label(r: GpuChildReport): string {
  if (r.backend !== 'webgpu') return r.backend;
  if (!r.adapter) return 'webgpu';
  return `webgpu · ${r.adapter.name}${r.adapter.software ? ' (SOFTWARE, not a GPU)' : ''}`;
}

/** The table: one row per model and backend, then jobs/s, notes and the H200 reference. */
export function formatGpuBench(r: GpuBenchResult): string {
  const header = ['model', 'backend', 'fwd b1', 'fwd b32 /img', 'gradient', 'occl 625', 'occl 625 incr', 'ascent 200'];
  const body: string[][] = [];
  for (const model of r.models) {
    for (const run of [r.wasm, r.webgpu]) {
      const row = run.rows.find((x) => x.model === model);
      if (row) body.push([model, label(run), ms(row.fwdB1), ms(row.fwdB32PerImage), ms(row.gradient), ms(row.occlusion625), ms(row.occlusion625Incremental), ms(row.ascent200)]);
      else body.push([model, label(run), `not measured: ${run.notMeasured ?? run.errors.find((e) => e.startsWith(model)) ?? 'failed'}`, '', '', '', '', '']);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[3] === '' && i === 2 ? 0 : b[i].length))));
  const line = (cells: string[]) =>
    cells[3] === '' && cells[2].startsWith('not measured') ? `${cells[0].padEnd(widths[0])}  ${cells[1].padEnd(widths[1])}  ${cells[2]}` : cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [`gpu suite${r.quick ? ' (--quick: fewer positions and steps, scaled)' : ''}: wasm vs WebGPU, same machine`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  for (const run of [r.wasm, r.webgpu]) {
    if (run.service) out.push(`compute service, ${run.service.students} students (${run.service.jobs} jobs, ${run.service.workers}): ${run.service.jobsPerSecond.toFixed(2)} jobs/s — ${label(run)}`);
    else out.push(`compute service, 30 students — ${label(run)}: not measured${run.notMeasured ? `: ${run.notMeasured}` : ''}`);
    for (const e of run.errors) out.push(`error (${run.backend}): ${e}`);
  }
  const scaled = [...new Set([...r.wasm.rows, ...r.webgpu.rows].flatMap((x) => x.scaled))];
  if (scaled.length) out.push(`scaled (--quick): ${scaled.join('; ')}`);
  if (r.webgpu.adapter?.software) out.push('NOTE: SwiftShader is a software Vulkan running on the CPU — these WebGPU figures show that the path works, not GPU speed.');
  const ref = r.reference;
  out.push(`reference, PyTorch eager on an NVIDIA H200, ${ref.model}: forward ${ms(ref.fwdB1)}, gradient ${ms(ref.gradient)}, 625-occlusion ${ms(ref.occlusion625)}, 200 ascent steps ${ms(ref.ascent200)} (target: within 2×)`);
  return out.join('\n');
}
