/**
 * What the server's checks of browser results cost, through the real compute service (one wasm worker, the `verify`
 * priority, no result cache): the spot check of one sweep shard (3 positions) beside computing the whole shard, the
 * recomputation of an occlusion submission (8 masks, one batched pass), the score of a gradient-ascent image and the
 * neuron lab's method images (one saliency job per method). Reports ms per check (median of `--repeat`).
 *
 * `runVerifyBench(options)` returns the numbers and `formatVerifyBench(result)` the table (bench/run-bench.ts runs it
 * in the compute suite). Run alone: npx tsx bench/verify.bench.ts [--repeat 5]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPOT_CHECK_POSITIONS, planSweep, shardJob, spotCheckJob, spotCheckOffsets } from '@convlab/labs';
import type { JobOutcome } from '@convlab/protocol';
import { ComputeService } from '../server/compute/service';

const here = path.dirname(fileURLToPath(import.meta.url));
const FORWARD = 'mobilenet_v1_0.25_224';
const GRADIENTS = 'squeezenet1.1_nchw';
const IMAGE = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;

export interface VerifyBenchRow {
  check: string;
  what: string;
  ms: number;
}

export interface VerifyBenchResult {
  date: string;
  repeat: number;
  rows: VerifyBenchRow[];
}

/** Runs each check `repeat` times on a fresh service and reports the median wall time per check. */
export async function runVerifyBench(options: { repeat?: number; modelsDir?: string } = {}): Promise<VerifyBenchResult> {
  const repeat = Math.max(1, options.repeat ?? 5);
  const service = await ComputeService.start({ size: 1, backend: 'wasm', modelsDir: options.modelsDir ?? path.resolve(here, '../../shared/models'), cache: { maxEntries: 0 } });
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const run = (spec: unknown) =>
    new Promise<void>((resolve, reject) => {
      service.submit(spec, { ownerId: 'bench', role: 'verify' }, { result: (o: JobOutcome) => (o.ok ? resolve() : reject(new Error(o.message))) }).catch(reject);
    });
  const time = async (make: () => unknown[]): Promise<number> => {
    for (const spec of make()) await run(spec); // warm-up: the model loaded, the image decoded
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      for (const spec of make()) await run(spec);
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  };
  try {
    const params = { model: FORWARD, image: IMAGE, fill: 'grey' as const };
    const plan = planSweep([224, 224], 48, 16, 16);
    const shard = plan.shards[3]!;
    const masks = Array.from({ length: 8 }, (_, i) => ({ kind: 'rect', x: 20 * i, y: 10 * i, width: 60, height: 60 }));
    const rows: VerifyBenchRow[] = [
      { check: 'sweep shard: spot check', what: `${SPOT_CHECK_POSITIONS} of ${shard.count} positions, ${FORWARD}`, ms: await time(() => [spotCheckJob(params, plan, shard, 285, spotCheckOffsets(shard.count, random))]) },
      { check: 'sweep shard: full recompute', what: `${shard.count} positions (what a failed check costs)`, ms: await time(() => [shardJob(params, plan, shard, 285)]) },
      { check: 'occlusion submission', what: `8 masks, one batched pass, ${FORWARD}`, ms: await time(() => [{ kind: 'occlusion-masks', model: FORWARD, image: IMAGE, params: { masks, fill: 'grey', classIndex: 285} }]) },
      { check: 'ascent submission', what: `class score of the image (vanilla gradient), ${GRADIENTS}`, ms: await time(() => [{ kind: 'saliency', model: GRADIENTS, image: IMAGE, params: { method: 'vanilla', target: { kind: 'class', index: 951 } } }]) },
      {
        check: 'neuron submission',
        what: `3 method images (vanilla, guided, deconvnet), ${GRADIENTS}`,
        ms: await time(() => (['vanilla', 'guided', 'deconvnet'] as const).map((method) => ({ kind: 'saliency', model: GRADIENTS, image: IMAGE, params: { method, target: { kind: 'neuron', layer: 'fire9_concat', channel: 7 } } }))),
      },
    ];
    return { date: new Date().toISOString(), repeat, rows };
  } finally {
    await service.close();
  }
}

/** The verification costs as a printable table. */
export function formatVerifyBench(r: VerifyBenchResult): string {
  const header = ['verification', 'what is recomputed', 'ms'];
  const body = r.rows.map((x) => [x.check, x.what, x.ms.toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [
    `server verification of browser results (1 wasm worker, priority verify, no cache; median of ${r.repeat})`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--repeat');
  const result = await runVerifyBench({ repeat: i >= 0 ? Number(process.argv[i + 1]) : undefined });
  process.stdout.write(`${formatVerifyBench(result)}\n`);
}
