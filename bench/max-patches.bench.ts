/**
 * What the class max-patch search costs the server, through the real compute service (one wasm worker, no result
 * cache): CPU seconds per 1 000 images when the server searches alone (every shard's `patches` job) against when the
 * class computes and the server only checks (the shard runner's checks of the students' answers, which were computed
 * beforehand, as the browsers would, and arriving one after another). CPU time is the whole process's (the worker
 * threads included), so both rows count the same things; each row also says how many images the server recomputed.
 *
 * `runMaxPatchBench(options)` returns the numbers and `formatMaxPatchBench(result)` the table (bench/run-bench.ts runs
 * it in the compute suite). Run alone: npx tsx bench/max-patches.bench.ts [--images 200]
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@convlab/classroom';
import {
  MaxPatchParamsSchema,
  MaxPatchRunner,
  maxPatchShardJob,
  mergeShardTops,
  planMaxPatchSearch,
  shardPatches,
  type MaxPatchResult,
  type PatchesComputation,
} from '@convlab/labs';
import type { ImageRef, JobOutcome } from '@convlab/protocol';
import { ComputeService } from '../server/compute/service';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(here, '../../shared');
const MODEL = 'mobilenet_v1_0.25_224';
const LAYER = 'conv_pw_7_relu';
const CHANNELS = [0, 1, 2, 3, 4, 5];
const SHARD = 10;
const STUDENTS = ['ana', 'ben', 'cy', 'di', 'eve'];

export interface MaxPatchBenchRow {
  mode: 'server alone' | 'class computes (checks only)';
  images: number;
  /** Images the server ran through the network. */
  recomputed: number;
  cpuSeconds: number;
  wallSeconds: number;
}

export interface MaxPatchBenchResult {
  date: string;
  model: string;
  layer: string;
  channels: number;
  shardSize: number;
  rows: MaxPatchBenchRow[];
  /** Whether the class's result equals the server's own search. */
  equal: boolean;
}

const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

/** Searches `images` ImageNet samples both ways on a fresh service. */
export async function runMaxPatchBench(options: { images?: number; modelsDir?: string } = {}): Promise<MaxPatchBenchResult> {
  const count = options.images ?? 200;
  const images: ImageRef[] = readdirSync(path.join(SHARED, 'images/imagenet-samples'))
    .sort()
    .slice(0, count)
    .map((f) => ({ kind: 'sample', id: `imagenet-samples/${f}` }));
  const params = MaxPatchParamsSchema.parse({ model: MODEL, layers: [LAYER], layer: LAYER, channels: CHANNELS, imageCount: images.length, shardSize: SHARD, shardTimeoutSeconds: 600 });
  const plan = planMaxPatchSearch(images, CHANNELS, SHARD);
  const service = await ComputeService.start({ size: 1, backend: 'wasm', modelsDir: options.modelsDir ?? path.join(SHARED, 'models'), cache: { maxEntries: 0 } });
  let recomputed = 0;
  const run = (spec: { params: { images: unknown[] } }) =>
    new Promise<PatchesComputation>((resolve, reject) => {
      recomputed += spec.params.images.length;
      service.submit(spec, { ownerId: 'bench', role: 'verify' }, { result: (o: JobOutcome) => (o.ok ? resolve(o.data as PatchesComputation) : reject(new Error(o.message))) }).catch(reject);
    });
  try {
    // Warm-up: the model loaded (the images are decoded per job either way).
    await run(maxPatchShardJob(params, plan, plan.shards[0]!));

    // The server alone: every shard's job.
    recomputed = 0;
    let t0 = performance.now();
    let cpu = process.cpuUsage();
    const answers: PatchesComputation[] = [];
    for (const shard of plan.shards) answers.push(await run(maxPatchShardJob(params, plan, shard)));
    const alone: MaxPatchBenchRow = { mode: 'server alone', images: images.length, recomputed, cpuSeconds: cpuSeconds(cpu), wallSeconds: (performance.now() - t0) / 1000 };

    // The class: the same answers come from the students; the server runs only the checks.
    const clock = new ManualClock(0);
    let finished!: (r: MaxPatchResult) => void;
    const result = new Promise<MaxPatchResult>((resolve) => (finished = resolve));
    const runner = new MaxPatchRunner({
      clock,
      compute: { run: (_run, job) => ({ result: run(job), cancel: () => {} }) },
      store: { save: async () => {}, remove: async () => {} },
      events: { shard: () => {}, progress: () => {}, finished: async (_r, res) => finished(res), failed: (_r, m) => finished(Promise.reject(new Error(m)) as never) },
    });
    const { search, dealt, saved } = runner.start({ sessionId: 'bench', stepId: 'bench', params, images, inputSize: [224, 224], participants: STUDENTS });
    await saved;
    recomputed = 0;
    t0 = performance.now();
    cpu = process.cpuUsage();
    // The answers come back one after another, as laptops finish their shards through a lecture.
    const holder = new Map([...dealt].flatMap(([who, shards]) => shards.map((i): [number, string] => [i, who])));
    for (const shard of plan.shards) {
      const ack = await runner.result(search.id, holder.get(shard.index)!, shard.index, answers[shard.index]!.entries);
      if (!ack.accepted) throw new Error(`shard ${shard.index} was refused: ${ack.reason}`);
    }
    const classResult = await result;
    const checks: MaxPatchBenchRow = { mode: 'class computes (checks only)', images: images.length, recomputed, cpuSeconds: cpuSeconds(cpu), wallSeconds: (performance.now() - t0) / 1000 };

    const equal = JSON.stringify(classResult.channels) === JSON.stringify(mergeShardTops(plan, answers.map((a) => shardPatches(a))));
    return { date: new Date().toISOString(), model: MODEL, layer: LAYER, channels: CHANNELS.length, shardSize: SHARD, rows: [alone, checks], equal };
  } finally {
    await service.close();
  }
}

/** The two ways as a printable table. */
export function formatMaxPatchBench(r: MaxPatchBenchResult): string {
  const header = ['max-patch search', 'images', 'recomputed', 'CPU s', 'CPU s / 1000 images', 'wall s'];
  const body = r.rows.map((x) => [x.mode, String(x.images), String(x.recomputed), x.cpuSeconds.toFixed(2), ((x.cpuSeconds * 1000) / x.images).toFixed(1), x.wallSeconds.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `server CPU of the class max-patch search (${r.model} ${r.layer}, ${r.channels} channels, shards of ${r.shardSize}, 1 wasm worker, no cache)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    `the class's merged top 9 equals the server's own search: ${r.equal ? 'yes' : 'NO'}`,
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--images');
  const result = await runMaxPatchBench({ images: i >= 0 ? Number(process.argv[i + 1]) : undefined });
  process.stdout.write(`${formatMaxPatchBench(result)}\n`);
}
