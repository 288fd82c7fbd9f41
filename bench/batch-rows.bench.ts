/**
 * What a batched forward pass costs per row on Node wasm (the compute workers' backend), through the workers' own
 * path (`forwardRows`: tensor in, forward, probabilities read back, dispose), for MobileNet v1 0.25 at batch 1 … 32.
 * It tells what the compute server's batching can save: the per-pass overhead, not the per-row work. Batch sizes are
 * interleaved round by round (64 rows per size per round) and each figure is the median over the rounds.
 *
 *   npx tsx bench/batch-rows.bench.ts [--batches 1,2,4,8,16,32] [--rounds 5]
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { disposeModel } from '@convlab/nets';
import { loadModelSpec } from '@convlab/nets/node';
import { forwardRows } from '@convlab/engine';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODEL = 'mobilenet_v1_0.25_224';
const ROWS_PER_ROUND = 64;

export interface BatchRowsResult {
  model: string;
  /** The wasm binary in use: SIMD and threads as tfjs detected them in this process. */
  simd: boolean;
  threads: boolean;
  rounds: number;
  rows: Array<{ batch: number; msPerRow: number; bestMsPerRow: number }>;
}

/** Per-row cost of forward passes at each batch size (wasm backend of this process). */
export async function runBatchRowsBench(opts: { batches?: number[]; rounds?: number; modelsDir?: string } = {}): Promise<BatchRowsResult> {
  const batches = opts.batches ?? [1, 2, 4, 8, 16, 32];
  const rounds = opts.rounds ?? 5;
  const previous = tf.getBackend();
  // The workers point tfjs at the package's wasm files the same way (worker.ts).
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  tf.enableProdMode();
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start');
  await tf.ready();
  const { model } = await loadModelSpec(MODEL, { modelsDir: opts.modelsDir ?? path.resolve(here, '../../shared/models') });
  try {
    const [h, w] = model.meta.inputSize;
    const inputs = batches.map((n) => Float32Array.from({ length: n * h * w * 3 }, () => Math.random() * 2 - 1));
    const times: number[][] = batches.map(() => []);
    // Round 0 warms up every batch shape.
    for (let round = 0; round <= rounds; round++) {
      for (const [i, n] of batches.entries()) {
        const t0 = performance.now();
        for (let k = 0; k < Math.max(1, Math.round(ROWS_PER_ROUND / n)); k++) {
          const x = tf.tensor4d(inputs[i], [n, h, w, 3]);
          await forwardRows(model, x);
          x.dispose();
        }
        if (round > 0) times[i].push((performance.now() - t0) / (Math.max(1, Math.round(ROWS_PER_ROUND / n)) * n));
      }
    }
    return {
      model: MODEL,
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
      rounds,
      rows: batches.map((batch, i) => {
        const s = [...times[i]].sort((a, b) => a - b);
        return { batch, msPerRow: s[Math.floor((s.length - 1) / 2)], bestMsPerRow: s[0] };
      }),
    };
  } finally {
    disposeModel(model);
    if (previous && previous !== 'wasm') await tf.setBackend(previous);
  }
}

/** One line per batch size. */
export function formatBatchRows(r: BatchRowsResult): string {
  const base = r.rows.find((x) => x.batch === 1)?.msPerRow;
  return [
    `forward cost per row, ${r.model} on Node wasm (SIMD ${r.simd ? 'on' : 'off'}, threads ${r.threads ? 'on' : 'off'}), median of ${r.rounds} interleaved rounds:`,
    ...r.rows.map((x) => `  batch ${String(x.batch).padStart(2)}: ${x.msPerRow.toFixed(2)} ms/row (best ${x.bestMsPerRow.toFixed(2)})${base ? `, ${(base / x.msPerRow).toFixed(2)}x batch 1` : ''}`),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const r = await runBatchRowsBench({ batches: get('batches')?.split(',').map(Number), rounds: get('rounds') ? Number(get('rounds')) : undefined });
  process.stdout.write(`${formatBatchRows(r)}\n`);
}
