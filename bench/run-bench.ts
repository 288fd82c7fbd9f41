/** The benchmark run behind bench/index.ts: options, the Node and Chromium runs, the table and the JSON file. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_MODELS } from '@convlab/nets';
import type { BenchBudget, ModelTiming } from './bench-core';
import { benchChromium, chromiumPath } from './browser-bench';
import type { PageResult, PageVisOptions } from './browser-entry';
import { benchNodeBackend } from './node-bench';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL_BACKENDS = ['node-wasm', 'node-cpu', 'chromium-webgl', 'chromium-wasm'] as const;
type BackendName = (typeof ALL_BACKENDS)[number];
const QUICK_MODELS = ['mobilenet_v1_0.25_128_quant', 'mobilenet_v1_0.25_224'];
/** The models of the vis suite (issue 4); --quick keeps both in Chromium but only the small one in Node. */
const VIS_MODELS = ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224'];

/**
 * The vis suite's work per model in Chromium: a subset of the 625 occlusion positions and few iterations, so that
 * both backends and both models take about 4 minutes (--quick: under 2). SwiftShader WebGL emulates the GPU on the
 * CPU (about 0.25 s per MobileNet 0.25 forward pass, 1.5 s for 0.75, on 2 cores), so webgl gets the fewest positions
 * and batch sizes; benchVisModel times max(positions, batch) positions per batch size, plain and incremental.
 */
function chromiumVisOptions(backend: 'webgl' | 'wasm', quick: boolean): PageVisOptions {
  if (backend === 'webgl') {
    return quick
      ? { batchSizes: [8], positions: 8, rounds: 1, iterations: 1, ascentSteps: 2 }
      : { batchSizes: [8, 16], positions: 16, rounds: 1, iterations: 1, ascentSteps: 2 };
  }
  return quick
    ? { batchSizes: [8, 16, 32], positions: 32, rounds: 1, iterations: 2, ascentSteps: 3 }
    : { batchSizes: [8, 16, 32, 64], positions: 64, rounds: 2, iterations: 3, ascentSteps: 5 };
}

/** The suites run by default; `gpu` (wasm vs WebGPU, gpu.bench.ts) and `grading` (grading.bench.ts) run when named. */
const DEFAULT_SUITES = ['models', 'vis', 'compute', 'join'] as const;
const ALL_SUITES = [...DEFAULT_SUITES, 'gpu', 'grading'] as const;
type Suite = (typeof ALL_SUITES)[number];

interface Options {
  suites: Suite[];
  quick: boolean;
  /** gpu suite: measure WebGPU on Chromium's SwiftShader (software) when the machine has no Vulkan set up. */
  swiftshader: boolean;
  /** Models named with --models (the other suites keep their own defaults otherwise). */
  explicitModels?: string[];
  models: string[];
  backends: BackendName[];
  /** Backends named with --backends (--quick runs the vis suite on node-wasm only otherwise). */
  explicitBackends: boolean;
  budget: BenchBudget;
  outDir: string;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const models = get('models')?.split(',') ?? (quick ? QUICK_MODELS : BUILTIN_MODELS.map((m) => m.meta.id));
  const known = new Set(BUILTIN_MODELS.map((m) => m.meta.id));
  for (const m of models) if (!known.has(m)) throw new Error(`unknown model '${m}'; built-in models: ${[...known].join(', ')}`);
  const backends = (get('backends')?.split(',') ?? [...ALL_BACKENDS]) as BackendName[];
  for (const b of backends) if (!ALL_BACKENDS.includes(b)) throw new Error(`unknown backend '${b}'; choose from ${ALL_BACKENDS.join(', ')}`);
  const suites = (get('suite')?.split(',') ?? [...DEFAULT_SUITES]) as Suite[];
  for (const x of suites) if (!ALL_SUITES.includes(x)) throw new Error(`unknown suite '${x}'; choose from ${ALL_SUITES.join(', ')}`);
  const iterations = Number(get('iterations') ?? (quick ? 2 : 3));
  const budgetS = Number(get('budget-s') ?? 30);
  return {
    suites,
    quick,
    swiftshader: argv.includes('--swiftshader'),
    explicitModels: get('models')?.split(','),
    models,
    backends,
    explicitBackends: get('backends') !== undefined,
    budget: { iterations, measurementMs: 5_000, skipBatchOverMs: argv.includes('--full') ? 0 : budgetS * 1000 },
    outDir: get('out') ?? path.join(here, 'results'),
  };
}

interface Row extends ModelTiming {
  matmulGflops: number;
}

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits);
}

function table(rows: Row[]): string {
  const header = ['model', 'backend', 'MFLOPs', 'fwd b1 ms', 'fwd b16 ms/img', 'grad b1 ms', 'bound ms', 'eff b1', 'eff b16'];
  const body = rows.map((r) => {
    // The machine's limit for this pass on this backend: FLOPs / matmul throughput.
    const bound = r.flops / (r.matmulGflops * 1e6);
    return [
      r.model, r.backend, fmt(r.flops / 1e6, 0), fmt(r.forwardB1), fmt(r.forwardB16), fmt(r.gradientB1), fmt(bound, 2),
      r.forwardB1 ? `${((bound / r.forwardB1) * 100).toFixed(0)}%` : '-',
      r.forwardB16 ? `${((bound / r.forwardB16) * 100).toFixed(0)}%` : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Runs the benchmarks; returns the exit status. */
export async function runBench(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const started = new Date();
  const matmul: Record<string, number> = {};
  const rows: Row[] = [];
  const errors: string[] = [];
  let browserVersion: string | null = null;
  const browserBackends = opts.backends.filter((x) => x.startsWith('chromium-')).map((x) => x.slice('chromium-'.length) as 'webgl' | 'wasm');
  // Both suites' Chromium runs: a missing browser or a failed launch is a line in the suite's errors, not an abort.
  const chromiumRuns = async (models: string[], errs: string[], vis?: (b: 'webgl' | 'wasm') => PageVisOptions): Promise<PageResult[]> => {
    if (browserBackends.length === 0) return [];
    if (!chromiumPath()) {
      errs.push('chromium: not installed (apt-get install -y chromium, or set CHROMIUM_PATH); browser rows skipped');
      log(errs.at(-1)!);
      return [];
    }
    try {
      const { browser, results } = await benchChromium(browserBackends, models, opts.budget, log, vis);
      browserVersion = browser;
      return results;
    } catch (e) {
      errs.push(`chromium: ${(e as Error).message.split('\n')[0]}`);
      log(errs.at(-1)!);
      return [];
    }
  };

  if (opts.suites.includes('models')) {
    for (const b of opts.backends.filter((x): x is 'node-wasm' | 'node-cpu' => x.startsWith('node-'))) {
      const r = await benchNodeBackend(b === 'node-wasm' ? 'wasm' : 'cpu', opts.models, opts.budget, log);
      matmul[r.backend] = r.matmulGflops;
      rows.push(...r.models.map((m) => ({ ...m, matmulGflops: r.matmulGflops })));
      errors.push(...r.errors.map((e) => `${r.backend}: ${e}`));
    }
    for (const r of await chromiumRuns(opts.models, errors)) {
      matmul[`chromium-${r.backend}`] = r.matmulGflops;
      rows.push(...r.models.map((m) => ({ ...m, matmulGflops: r.matmulGflops })));
      errors.push(...r.errors.map((e) => `chromium-${r.backend}: ${e}`));
    }

    process.stdout.write(`\nmatmul GFLOP/s: ${Object.entries(matmul).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}\n\n`);
    process.stdout.write(`${table(rows)}\n`);
    const notes = rows.filter((r) => r.note).map((r) => `${r.model} on ${r.backend}: ${r.note}`);
    if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
    if (errors.length) process.stdout.write(`\nerrors:\n${errors.join('\n')}\n`);
  }

  // The suites of the other packages (their files in bench/), each with its own table; a failing suite is reported
  // and the others still run.
  const suites: Record<string, unknown> = {};
  if (opts.suites.includes('vis')) {
    try {
      const { runVisBench, formatVisBench } = await import('./vis.bench');
      const nodeBackends = opts.quick && !opts.explicitBackends
        ? ['wasm' as const]
        : opts.backends.filter((x): x is 'node-wasm' | 'node-cpu' => x.startsWith('node-')).map((x) => (x === 'node-wasm' ? 'wasm' as const : 'cpu' as const));
      const r = await runVisBench(opts.quick
        ? { models: opts.explicitModels ?? ['mobilenet_v1_0.25_224'], backends: nodeBackends, positions: 64, iterations: 2, ascentSteps: 3 }
        : { models: opts.explicitModels, backends: nodeBackends });
      // The Chromium rows go into the same result (and so the same table and JSON) as the Node rows; each row carries
      // its backend's matmul GFLOP/s.
      const renderers: Record<string, string> = {};
      for (const b of await chromiumRuns(opts.explicitModels ?? VIS_MODELS, r.errors, (backend) => chromiumVisOptions(backend, opts.quick))) {
        renderers[`chromium-${b.backend}`] = b.info;
        r.rows.push(...b.vis);
        r.errors.push(...b.errors.map((e) => `chromium-${b.backend} ${e}`));
      }
      suites.vis = { ...r, chromium: Object.keys(renderers).length ? { browser: browserVersion, renderers } : undefined };
      process.stdout.write(`\n${formatVisBench(r)}\n`);
      for (const [k, v] of Object.entries(renderers)) process.stdout.write(`${k}: ${v}\n`);
    } catch (e) {
      errors.push(`vis suite: ${(e as Error).message.split('\n')[0]}`);
      log(errors.at(-1)!);
    }
  }
  if (opts.suites.includes('compute')) {
    try {
      const { runComputeBench, formatComputeBench } = await import('./compute.bench');
      // Both pool sizes and batching on/off always run side by side, so the verdict lines compare rows of this run;
      // --quick: 1 and 30 students, 2 jobs each, one round (about a minute) instead of 1, 10, 30 × 3 jobs × 3 rounds.
      const r = await runComputeBench(opts.quick ? { students: [1, 30], jobsPerStudent: 2, repeat: 1 } : {});
      // What batching can save on this backend: the per-row cost of a forward pass by batch size.
      const { runBatchRowsBench, formatBatchRows } = await import('./batch-rows.bench');
      const rowCost = await runBatchRowsBench(opts.quick ? { batches: [1, 4, 8, 16], rounds: 3 } : {});
      // What the server's checks of browser results cost (sweep shards, submissions).
      const { runVerifyBench, formatVerifyBench } = await import('./verify.bench');
      const verification = await runVerifyBench(opts.quick ? { repeat: 3 } : {});
      // The class max-patch search: the server's CPU when it searches alone vs when it only checks the class's answers.
      const { runMaxPatchBench, formatMaxPatchBench } = await import('./max-patches.bench');
      const maxPatches = await runMaxPatchBench({ images: opts.quick ? 100 : 1000 });
      suites.compute = { ...r, rowCost, verification, maxPatches };
      process.stdout.write(`\n${formatComputeBench(r)}\n${formatBatchRows(rowCost)}\n${formatVerifyBench(verification)}\n${formatMaxPatchBench(maxPatches)}\n`);
    } catch (e) {
      errors.push(`compute suite: ${(e as Error).message.split('\n')[0]}`);
      log(errors.at(-1)!);
    }
  }

  if (opts.suites.includes('join')) {
    try {
      const { runJoinBench, formatJoinBench } = await import('./join.bench');
      // 300 students join at once, on a slide and while the compute workers warm up (--quick: 100).
      const r = await runJoinBench({ students: opts.quick ? 100 : 300 });
      suites.join = r;
      process.stdout.write(`\n${formatJoinBench(r)}\n`);
    } catch (e) {
      errors.push(`join suite: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  if (opts.suites.includes('gpu')) {
    try {
      const { runGpuBench, formatGpuBench } = await import('./gpu.bench');
      const r = await runGpuBench({ models: opts.explicitModels, quick: opts.quick, swiftshader: opts.swiftshader, log });
      suites.gpu = r;
      process.stdout.write(`\n${formatGpuBench(r)}\n`);
    } catch (e) {
      errors.push(`gpu suite: ${(e as Error).message.split('\n')[0]}`);
      log(errors.at(-1)!);
    }
  }

  if (opts.suites.includes('grading')) {
    try {
      const { compareGradingWorker, formatGradingBench } = await import('./grading.bench');
      // 300 occlusion submissions regraded beside a live session (--quick: 60), grading on the live workers and on its own.
      const r = await compareGradingWorker({ quick: opts.quick, log });
      suites.grading = r;
      process.stdout.write(`\n${r.map(formatGradingBench).join('\n\n')}\n`);
    } catch (e) {
      errors.push(`grading suite: ${(e as Error).message.split('\n')[0]}`);
      log(errors.at(-1)!);
    }
  }

  const report = {
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    machine: {
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, loadAverage: os.loadavg(), node: process.version,
      platform: `${os.platform()} ${os.arch()}`, browser: browserVersion,
    },
    options: opts.budget,
    matmulGflops: matmul,
    results: rows.map((r) => ({
      ...r,
      boundMs: r.flops / (r.matmulGflops * 1e6),
    })),
    suites,
    errors,
  };
  await mkdir(opts.outDir, { recursive: true });
  const file = path.join(opts.outDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(path.join(opts.outDir, 'latest.json'), text);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
  return errors.length > 0 && rows.length === 0 && Object.keys(suites).length === 0 ? 1 : 0;
}
