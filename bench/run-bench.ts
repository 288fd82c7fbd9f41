/** The benchmark run behind bench/index.ts: options, the Node and Chromium runs, the table and the JSON file. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_MODELS } from '@convlab/nets';
import type { BenchBudget, ModelTiming } from './bench-core';
import { benchChromium, chromiumPath } from './browser-bench';
import { benchNodeBackend } from './node-bench';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL_BACKENDS = ['node-wasm', 'node-cpu', 'chromium-webgl', 'chromium-wasm'] as const;
type BackendName = (typeof ALL_BACKENDS)[number];
const QUICK_MODELS = ['mobilenet_v1_0.25_128_quant', 'mobilenet_v1_0.25_224'];

const ALL_SUITES = ['models', 'vis', 'compute'] as const;
type Suite = (typeof ALL_SUITES)[number];

interface Options {
  suites: Suite[];
  quick: boolean;
  /** Models named with --models (the other suites keep their own defaults otherwise). */
  explicitModels?: string[];
  models: string[];
  backends: BackendName[];
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
  const suites = (get('suite')?.split(',') ?? [...ALL_SUITES]) as Suite[];
  for (const x of suites) if (!ALL_SUITES.includes(x)) throw new Error(`unknown suite '${x}'; choose from ${ALL_SUITES.join(', ')}`);
  const iterations = Number(get('iterations') ?? (quick ? 2 : 3));
  const budgetS = Number(get('budget-s') ?? 30);
  return {
    suites,
    quick,
    explicitModels: get('models')?.split(','),
    models,
    backends,
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

  if (opts.suites.includes('models')) {
    for (const b of opts.backends.filter((x): x is 'node-wasm' | 'node-cpu' => x.startsWith('node-'))) {
      const r = await benchNodeBackend(b === 'node-wasm' ? 'wasm' : 'cpu', opts.models, opts.budget, log);
      matmul[r.backend] = r.matmulGflops;
      rows.push(...r.models.map((m) => ({ ...m, matmulGflops: r.matmulGflops })));
      errors.push(...r.errors.map((e) => `${r.backend}: ${e}`));
    }
    const browserBackends = opts.backends.filter((x) => x.startsWith('chromium-')).map((x) => x.slice('chromium-'.length) as 'webgl' | 'wasm');
    if (browserBackends.length > 0) {
      if (!chromiumPath()) {
        errors.push('chromium: not installed (apt-get install -y chromium, or set CHROMIUM_PATH); browser rows skipped');
        log(errors.at(-1)!);
      } else {
        try {
          const { browser, results } = await benchChromium(browserBackends, opts.models, opts.budget, log);
          browserVersion = browser;
          for (const r of results) {
            matmul[`chromium-${r.backend}`] = r.matmulGflops;
            rows.push(...r.models.map((m) => ({ ...m, matmulGflops: r.matmulGflops })));
            errors.push(...r.errors.map((e) => `chromium-${r.backend}: ${e}`));
          }
        } catch (e) {
          errors.push(`chromium: ${(e as Error).message.split('\n')[0]}`);
          log(errors.at(-1)!);
        }
      }
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
      const r = await runVisBench(opts.quick
        ? { models: opts.explicitModels ?? ['mobilenet_v1_0.25_224'], backends: ['wasm'], positions: 64, iterations: 2, ascentSteps: 3 }
        : { models: opts.explicitModels });
      suites.vis = r;
      process.stdout.write(`\n${formatVisBench(r)}\n`);
    } catch (e) {
      errors.push(`vis suite: ${(e as Error).message.split('\n')[0]}`);
      log(errors.at(-1)!);
    }
  }
  if (opts.suites.includes('compute')) {
    try {
      const { runComputeBench, formatComputeBench } = await import('./compute.bench');
      const r = await runComputeBench(opts.quick ? { students: [1, 10], pools: [1], jobsPerStudent: 1 } : {});
      suites.compute = r;
      process.stdout.write(`\n${formatComputeBench(r)}\n`);
    } catch (e) {
      errors.push(`compute suite: ${(e as Error).message.split('\n')[0]}`);
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
