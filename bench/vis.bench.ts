/**
 * Benchmarks of the visualization algorithms (packages/vis) in Node on wasm and cpu, for MobileNet v1 0.25 and 0.75:
 * occlusion (224×224, window 32, stride 8 = 625 positions) with one forward pass per position vs batched passes
 * (batch 8–64) as positions/s and their ratio; saliency (vanilla gradient) and guided backprop ms; gradient-ascent
 * steps/s. Each figure is read against the backend's measured matmul GFLOP/s: the bound is GFLOP/s / FLOPs per pass.
 * Then one 625-position incremental occlusion on one worker thread vs split across two (occlusion-split.ts), side by
 * side: wall time and each share's CPU time.
 * The timing itself is in vis-bench-core.ts (browser-safe, for the Chromium page too).
 *
 * `runVisBench(options)` returns the numbers and `formatVisBench(result)` the table (for bench/index.ts). Run alone:
 *   npx tsx bench/vis.bench.ts [--backends wasm,cpu] [--models mobilenet_v1_0.25_224,...] [--positions 625] [--rounds 3]
 *     [--clock wall|cpu] [--json FILE]
 */
import { register } from 'node:module';
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { Model } from '@convlab/nets';
import type { VisBenchRow } from './vis-bench-core';
import type { SplitRow } from './occlusion-split';

export type { VisBenchRow } from './vis-bench-core';

// @convlab/nets loads tfjs' ESM gradients, which need these resolve hooks under Node (see the hooks file); the
// modules that reach them are imported dynamically below, after this line has run.
register('../packages/cli/bin/tfjs-resolve-hooks.mjs', import.meta.url);

/** What to run. */
export interface VisBenchOptions {
  backends?: Array<'wasm' | 'cpu'>;
  models?: string[];
  /** Batch sizes of the batched occlusion runs. */
  batchSizes?: number[];
  /**
   * Occlusion positions timed per configuration (the first n of the 625, in row-major order); 625 times the full
   * image. Positions/s do not depend on which positions are timed.
   */
  positions?: number;
  /** Timed runs of saliency/guided (median). */
  iterations?: number;
  /**
   * Rounds of the occlusion timings, alternating per-position and batched runs; the best rate of each is kept, so a
   * busy shared machine disturbs the ratio less. The cpu backend (100x slower) gets one round of fewer positions.
   */
  rounds?: number;
  /** Gradient-ascent steps timed. */
  ascentSteps?: number;
  log?: (line: string) => void;
  /** 'cpu': time occlusion with this process's CPU time (robust on a busy shared machine); default 'wall'. */
  clock?: 'wall' | 'cpu';
  /**
   * Worker counts of the split benchmark (one 625-position incremental occlusion on 1 worker vs split across n, on
   * wasm, first model); default [1, 2]; [] skips it.
   */
  splitWorkers?: number[];
}

/** The whole run. */
export interface VisBenchResult {
  date: string;
  cpus: number;
  rows: VisBenchRow[];
  /** One occlusion job on one worker vs split across workers (occlusion-split.ts). */
  split?: SplitRow[];
  errors: string[];
}

/** Runs the benchmarks; errors of one model/backend are collected, not thrown. */
export async function runVisBench(options: VisBenchOptions = {}): Promise<VisBenchResult> {
  const core = await import('./vis-bench-core');
  const nets = await import('@convlab/nets');
  const { loadModelSpec } = await import('../packages/nets/src/store/load-model-node');
  const log = options.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const backends = options.backends ?? ['wasm', 'cpu'];
  const models = options.models ?? ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.75_224'];
  const batchSizes = options.batchSizes ?? [8, 16, 32, 64];
  const result: VisBenchResult = { date: new Date().toISOString(), cpus: (await import('node:os')).cpus().length, rows: [], errors: [] };
  tf.enableProdMode();
  for (const backend of backends) {
    if (!(await tf.setBackend(backend))) {
      result.errors.push(`backend ${backend} failed to start`);
      continue;
    }
    await tf.ready();
    // The cpu backend is plain JavaScript (about 100x slower): one round of fewer positions and batches.
    const slow = backend === 'cpu';
    const gflops = await core.matmulGflops(slow ? 512 : 1024);
    log(`${backend}: matmul ${gflops.toFixed(1)} GFLOP/s`);
    for (const id of models) {
      let model: Model | null = null;
      try {
        model = (await loadModelSpec(id)).model;
        const row = await core.benchVisModel(model, {
          backend: `node-${backend}`,
          matmulGflops: gflops,
          batchSizes: slow ? batchSizes.filter((b) => b <= 32) : batchSizes,
          positions: Math.min(625, options.positions ?? (slow ? 32 : 128)),
          rounds: slow ? 1 : (options.rounds ?? 3),
          iterations: options.iterations ?? 3,
          ascentSteps: options.ascentSteps ?? 10,
          clock: options.clock === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : undefined,
        });
        result.rows.push(row);
        log(`${backend} ${id}: occlusion ${row.occlusionPerPosition.toFixed(1)} pos/s per position, ${row.occlusionBatched[row.bestBatch].toFixed(1)} pos/s at batch ${row.bestBatch} (×${row.speedup.toFixed(2)}), incremental ${row.occlusionIncremental[row.bestIncrementalBatch].toFixed(1)} pos/s at batch ${row.bestIncrementalBatch} (×${row.incrementalSpeedup.toFixed(2)} per-position, ×${row.incrementalVsBatched.toFixed(2)} batched; cut ${row.incrementalCut}); saliency ${row.saliencyMs.toFixed(0)} ms, guided ${row.guidedMs.toFixed(0)} ms, ascent ${row.ascentStepsPerSecond.toFixed(2)} steps/s`);
      } catch (e) {
        result.errors.push(`${backend} ${id}: ${(e as Error).message}`);
        log(`${backend} ${id}: FAILED ${(e as Error).message}`);
      } finally {
        if (model) nets.disposeModel(model);
      }
    }
  }
  const splitWorkers = options.splitWorkers ?? [1, 2];
  if (backends.includes('wasm') && splitWorkers.length > 0) {
    try {
      const { benchOcclusionSplit } = await import('./occlusion-split');
      result.split = await benchOcclusionSplit({ model: models[0], workers: splitWorkers, rounds: Math.min(3, options.rounds ?? 3), log });
    } catch (e) {
      result.errors.push(`occlusion split: ${(e as Error).message}`);
      log(`occlusion split: FAILED ${(e as Error).message}`);
    }
  }
  return result;
}

/** The result as a plain-text table. */
export function formatVisBench(r: VisBenchResult): string {
  const batches = [...new Set(r.rows.flatMap((row) => Object.keys(row.occlusionBatched).map(Number)))].sort((a, b) => a - b);
  const header = [
    'backend', 'model', 'GFLOP/s', 'MFLOP/img', 'occl b1 pos/s', ...batches.map((b) => `b${b} pos/s`), 'best ×',
    ...batches.map((b) => `incr b${b} pos/s`), 'incr × b1', 'incr × batched', 'incr cut', 'incr MFLOP/pos', 'bound pos/s',
    'saliency ms', 'guided ms', 'ascent steps/s',
  ];
  const rows = r.rows.map((x) => [
    x.backend, x.model, x.matmulGflops.toFixed(1), (x.flops / 1e6).toFixed(0), x.occlusionPerPosition.toFixed(1),
    ...batches.map((b) => x.occlusionBatched[b]?.toFixed(1) ?? '-'), `${x.speedup.toFixed(2)} (b${x.bestBatch})`,
    ...batches.map((b) => x.occlusionIncremental?.[b]?.toFixed(1) ?? '-'),
    x.occlusionIncremental ? `${x.incrementalSpeedup.toFixed(2)} (b${x.bestIncrementalBatch})` : '-',
    x.occlusionIncremental ? x.incrementalVsBatched.toFixed(2) : '-', x.incrementalCut ?? '-',
    x.occlusionIncremental ? (x.incrementalFlops / 1e6).toFixed(0) : '-',
    x.occlusionBound.toFixed(0), x.saliencyMs.toFixed(0), x.guidedMs.toFixed(0), x.ascentStepsPerSecond.toFixed(2),
  ]);
  const cells = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const lines = cells.map((c) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  if (r.split?.length) {
    lines.push('', 'One 625-position incremental occlusion (wasm): one worker vs split across workers', formatOcclusionSplitRows(r.split));
  }
  if (r.errors.length) lines.push('', ...r.errors.map((e) => `error: ${e}`));
  return lines.join('\n');
}

/** The split table of occlusion-split.ts. */
export function formatOcclusionSplitRows(rows: SplitRow[]): string {
  const one = rows.find((x) => x.workers === 1);
  const header = ['model', 'workers', 'wall ms', 'CPU ms per share', 'max CPU ms', 'wall × vs 1', 'max CPU × vs 1', 'same map'];
  const body = rows.map((x) => [
    x.model, String(x.workers), x.wallMs.toFixed(0), x.cpuMs.map((c) => c.toFixed(0)).join(' + '), Math.max(...x.cpuMs).toFixed(0),
    one ? (one.wallMs / x.wallMs).toFixed(2) : '-', one ? (Math.max(...one.cpuMs) / Math.max(...x.cpuMs)).toFixed(2) : '-', x.identical ? 'yes' : 'NO',
  ]);
  const cells = [header, ...body];
  const widths = header.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const out = cells.map((c) => c.map((v, i) => (i < 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  '));
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return out.join('\n');
}

// Run alone: npx tsx bench/vis.bench.ts [--backends wasm,cpu] [--models a,b] [--positions n] [--json FILE]
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const result = await runVisBench({
    backends: arg('backends')?.split(',') as Array<'wasm' | 'cpu'> | undefined,
    models: arg('models')?.split(','),
    positions: arg('positions') ? Number(arg('positions')) : undefined,
    rounds: arg('rounds') ? Number(arg('rounds')) : undefined,
    clock: arg('clock') === 'cpu' ? 'cpu' : undefined,
  });
  process.stdout.write(`${formatVisBench(result)}\n`);
  const json = arg('json');
  if (json) await writeFile(json, JSON.stringify(result, null, 2));
}
