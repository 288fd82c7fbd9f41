/**
 * One 625-position incremental occlusion (224×224, window 32, stride 8) on one worker thread against the same job
 * split across several worker threads, each with its own wasm backend and its share of the positions
 * (`splitPositions`, merged with `mergeOcclusion`, bit-identical to one run) — what splitting one job across the
 * compute pool's workers would give. Reported side by side: wall time from "go" to the merged map (all shares at
 * once), and each share's CPU time run alone (the wall time idle cores would give is the largest of them; on a shared
 * machine the wall time also holds the time the threads waited for a core).
 *
 *   npx tsx bench/occlusion-split.ts [--model mobilenet_v1_0.25_224] [--workers 1,2] [--rounds 3]
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** One configuration's best round. */
export interface SplitRow {
  model: string;
  workers: number;
  /** Wall ms from go to the merged map (best round). */
  wallMs: number;
  /** CPU ms of each share, run alone. */
  cpuMs: number[];
  /** The merged map equals the one-worker map exactly. */
  identical: boolean;
}

interface Task { model: string; start: number; end: number }
interface Done { probabilities: number[] }

const WINDOW = 32;
const STRIDE = 8;
const BATCH = 32;

async function workerMain(): Promise<void> {
  const { register } = await import('node:module');
  register('../packages/cli/bin/tfjs-resolve-hooks.mjs', import.meta.url);
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  const vis = await import('@convlab/vis');
  const nets = await import('@convlab/nets');
  const { loadModelSpec } = await import('../packages/nets/src/store/load-model-node');
  await tf.setBackend('wasm');
  await tf.ready();
  tf.enableProdMode();
  const { model } = await loadModelSpec((workerData as { model: string }).model);
  const x = tf.tidy(() => vis.gaussianBlur(tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D, 2));
  const classify = vis.netsClassifier(model);
  const run = (start: number, end: number) =>
    vis.occludeSlidingWindow(classify, x, { window: WINDOW, stride: STRIDE, batchSize: BATCH, classIndex: 0, incremental: true, range: { start, end } });
  await run(0, 2 * BATCH); // warm-up: wasm, executor plans, folded weights
  parentPort!.postMessage({ ready: true });
  parentPort!.on('message', async (t: Task | 'exit') => {
    if (t === 'exit') {
      x.dispose();
      nets.disposeModel(model);
      process.exit(0);
    }
    const r = await run(t.start, t.end);
    parentPort!.postMessage({ probabilities: Array.from(r.probabilities) } satisfies Done);
  });
}

/** Runs the job on 1…n workers, `rounds` times each, alternating configurations; keeps each one's best wall time. */
export async function benchOcclusionSplit(opts: { model?: string; workers?: number[]; rounds?: number; log?: (s: string) => void } = {}): Promise<SplitRow[]> {
  const model = opts.model ?? 'mobilenet_v1_0.25_224';
  const counts = opts.workers ?? [1, 2];
  const rounds = opts.rounds ?? 3;
  const { splitPositions } = await import('@convlab/vis');
  const total = (Math.floor((224 - WINDOW) / STRIDE) + 1) ** 2;
  const max = Math.max(...counts);
  const workers = await Promise.all(
    Array.from({ length: max }, () => new Promise<Worker>((resolve, reject) => {
      const w = new Worker(new URL('./occlusion-split.worker.mjs', import.meta.url), { workerData: { model } });
      w.once('message', () => resolve(w));
      w.once('error', reject);
    })),
  );
  const ask = (w: Worker, t: Task) => new Promise<Done>((resolve, reject) => {
    const onError = (e: Error) => {
      w.off('message', onMessage);
      reject(e);
    };
    const onMessage = (d: Done) => {
      w.off('error', onError);
      resolve(d);
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage(t);
  });
  const best = new Map<number, SplitRow>();
  let reference: number[] | null = null;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const n of counts) {
        const ranges = splitPositions(total, n, BATCH);
        const s = performance.now();
        const parts = await Promise.all(ranges.map((range, i) => ask(workers[i]!, { model, ...range })));
        const wallMs = performance.now() - s;
        const merged = parts.flatMap((p) => p.probabilities);
        if (n === 1 && !reference) reference = merged;
        // Each share's CPU time: run alone, one after the other, while this thread only waits (Node 20 has no per-thread
        // CPU clock; the process clock then counts that worker alone).
        const cpuMs: number[] = [];
        for (const [i, range] of ranges.entries()) {
          const c0 = process.cpuUsage();
          await ask(workers[i]!, { model, ...range });
          const c = process.cpuUsage(c0);
          cpuMs.push((c.user + c.system) / 1000);
        }
        const row: SplitRow = { model, workers: n, wallMs, cpuMs, identical: reference !== null && merged.length === total && merged.every((v, i) => v === reference![i]) };
        opts.log?.(`occlusion split ${model} round ${r + 1}: ${n} worker(s) wall ${wallMs.toFixed(0)} ms, CPU ${row.cpuMs.map((c) => c.toFixed(0)).join(' + ')} ms`);
        const prev = best.get(n);
        if (!prev || wallMs < prev.wallMs) best.set(n, row);
      }
    }
  } finally {
    for (const w of workers) w.postMessage('exit');
  }
  return counts.map((n) => best.get(n)!);
}

if (!isMainThread) {
  await workerMain();
} else if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const rows = await benchOcclusionSplit({
    model: arg('model'),
    workers: arg('workers')?.split(',').map(Number),
    rounds: arg('rounds') ? Number(arg('rounds')) : undefined,
    log: (s) => process.stderr.write(`${s}\n`),
  });
  const { formatOcclusionSplitRows } = await import('./vis.bench');
  process.stdout.write(`${formatOcclusionSplitRows(rows)}\n`);
}
