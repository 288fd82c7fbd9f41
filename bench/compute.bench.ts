/**
 * Benchmark of the compute server: 1, 10 and 30 concurrent students each sending occlusion jobs on MobileNet v1
 * 0.25 through the real service (fair queue, worker threads, batching), with batching on (8 rows, 4 ms) and off
 * (one forward pass per position), and pools of 1 and 2 workers. Reports jobs/s and latency p50/p95 (submit →
 * result), the queue wait, and the slowest student's p95 latency against the median.
 *
 * `runComputeBench(options)` returns the numbers and `formatComputeBench(result)` the table (for bench/index.ts).
 * Run alone:
 *   npx tsx bench/compute.bench.ts [--students 1,10,30] [--jobs 2] [--pools 1,2] [--batching on,off]
 *                                  [--window 112] [--stride 28] [--repeat 1] [--incremental on|off] [--json FILE]
 *
 * The machine is shared: each row also gives the CPU time the whole process (main thread and workers) spent per job
 * and the 1-minute load average when the row started, so a slow row can be told apart from a busy machine (same CPU
 * per job, fewer jobs/s: others had the cores). `--repeat N` runs each scenario N times and keeps the run of median
 * throughput.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobOutcome, JobSpecInput } from '@convlab/protocol';
import { WorkerPool } from '../server/compute/pool';
import { ComputeService } from '../server/compute/service';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODEL = 'mobilenet_v1_0.25_224';
const IMAGES = ['photos/skimage_chelsea.png', 'photos/skimage_coffee.png', 'photos/matplotlib_grace_hopper.jpg', 'photos/sklearn_flower.jpg'];

export interface ComputeBenchOptions {
  students?: number[];
  /** Jobs each student submits at once. */
  jobsPerStudent?: number;
  pools?: number[];
  batching?: boolean[];
  /** Occlusion window and stride on the 224×224 input ((224−w)/s+1)² positions). */
  window?: number;
  stride?: number;
  modelsDir?: string;
  /** Runs per scenario; the run of median throughput is reported (default 1). */
  repeat?: number;
  /** Incremental sliding-window passes where vis' cost model says they pay (the server's default: on). */
  incremental?: boolean;
  log?: (line: string) => void;
}

export interface ComputeBenchRow {
  pool: number;
  batching: boolean;
  students: number;
  jobs: number;
  positionsPerJob: number;
  seconds: number;
  jobsPerSecond: number;
  positionsPerSecond: number;
  latencyP50: number;
  latencyP95: number;
  waitP50: number;
  waitP95: number;
  /** max over students of their own p95 latency. */
  slowestStudentP95: number;
  /** slowestStudentP95 / latencyP50. */
  fairnessRatio: number;
  sharedBatches: boolean;
  /** CPU time of the whole process (main thread + workers) per job, ms. */
  cpuMsPerJob: number;
  /** 1-minute load average of the machine when the row started. */
  loadAverage: number;
}

export interface ComputeBenchResult {
  date: string;
  cpus: number;
  backend: string;
  rows: ComputeBenchRow[];
  /** Throughput at the largest student count, best configuration / one unbatched worker. */
  speedupAtMaxStudents: number | null;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

let salt = 0;

async function scenario(service: ComputeService, students: number, jobsPerStudent: number, window: number, stride: number): Promise<Omit<ComputeBenchRow, 'pool' | 'batching'>> {
  const run = ++salt;
  const loadAverage = os.loadavg()[0];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const latencies: number[] = [];
  const waits: number[] = [];
  const perStudent = new Map<number, number[]>();
  let shared = false;
  const all: Promise<void>[] = [];
  for (let s = 0; s < students; s++) {
    for (let j = 0; j < jobsPerStudent; j++) {
      // A distinct spec per job (the seed is part of the hash), so the cache does not answer for the benchmark.
      const spec: JobSpecInput = {
        kind: 'occlusion',
        model: MODEL,
        image: { kind: 'sample', id: IMAGES[(s + j) % IMAGES.length] },
        params: { window, stride, seed: run * 100_000 + s * 100 + j },
      };
      const start = performance.now();
      all.push(
        new Promise<void>((resolve, reject) => {
          service
            .submit(spec, { ownerId: `bench-${s}`, role: 'student' }, {
              result: (o: JobOutcome) => {
                if (!o.ok) return reject(new Error(`${o.error}: ${o.message}`));
                const ms = performance.now() - start;
                latencies.push(ms);
                waits.push(o.computedBy.queuedMs ?? 0);
                shared ||= !!o.computedBy.batched;
                perStudent.set(s, [...(perStudent.get(s) ?? []), ms]);
                resolve();
              },
            })
            .catch(reject);
        }),
      );
    }
  }
  await Promise.all(all);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const side = Math.floor((224 - window) / stride) + 1;
  const positionsPerJob = side * side;
  const jobs = students * jobsPerStudent;
  const slowest = Math.max(...[...perStudent.values()].map((v) => quantile(v, 0.95)));
  const p50 = quantile(latencies, 0.5);
  return {
    students,
    jobs,
    positionsPerJob,
    seconds,
    jobsPerSecond: jobs / seconds,
    positionsPerSecond: (jobs * positionsPerJob) / seconds,
    latencyP50: p50,
    latencyP95: quantile(latencies, 0.95),
    waitP50: quantile(waits, 0.5),
    waitP95: quantile(waits, 0.95),
    slowestStudentP95: slowest,
    fairnessRatio: slowest / p50,
    sharedBatches: shared,
    cpuMsPerJob: (cpu.user + cpu.system) / 1000 / jobs,
    loadAverage,
  };
}

/** Runs the compute-server benchmark (real workers; each pool configuration is started once and warmed up). */
export async function runComputeBench(options: ComputeBenchOptions = {}): Promise<ComputeBenchResult> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const students = options.students ?? [1, 10, 30];
  const jobsPerStudent = options.jobsPerStudent ?? 2;
  const window = options.window ?? 112;
  const stride = options.stride ?? 28;
  const modelsDir = options.modelsDir ?? path.resolve(here, '../../shared/models');
  const rows: ComputeBenchRow[] = [];
  let backend = '?';
  for (const size of options.pools ?? [1, 2]) {
    for (const batching of options.batching ?? [true, false]) {
      const pool = await WorkerPool.start({ size, slotsPerWorker: 4, backend: 'wasm', modelsDir, maxBatch: batching ? 8 : 1, maxWaitMs: 4, incremental: options.incremental ?? true });
      backend = pool.backend;
      const service = await ComputeService.start({ pool, queue: { maxPerOwner: jobsPerStudent, maxTotal: 10_000 }, cache: { maxEntries: 0 } });
      try {
        // Warm-up: every worker loads the model and the images once.
        await scenario(service, size * 2, 1, window, stride);
        for (const n of students) {
          const runs = [];
          for (let i = 0; i < Math.max(1, options.repeat ?? 1); i++) runs.push(await scenario(service, n, jobsPerStudent, window, stride));
          runs.sort((a, b) => a.jobsPerSecond - b.jobsPerSecond);
          const r = runs[Math.floor((runs.length - 1) / 2)];
          const row = { pool: size, batching, ...r };
          rows.push(row);
          log(`pool ${size} batching ${batching ? 'on ' : 'off'} students ${String(n).padStart(2)}: ${row.jobsPerSecond.toFixed(2)} jobs/s, p50 ${row.latencyP50.toFixed(0)} ms, p95 ${row.latencyP95.toFixed(0)} ms, ${row.cpuMsPerJob.toFixed(0)} ms CPU/job, load ${row.loadAverage.toFixed(1)}`);
        }
      } finally {
        await service.close();
        await pool.close();
      }
    }
  }
  const max = Math.max(...students);
  const base = rows.find((r) => r.students === max && r.pool === 1 && !r.batching);
  const best = rows.filter((r) => r.students === max).sort((a, b) => b.jobsPerSecond - a.jobsPerSecond)[0];
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    backend,
    rows,
    speedupAtMaxStudents: base && best ? best.jobsPerSecond / base.jobsPerSecond : null,
  };
}

/** The benchmark as a printable table. */
export function formatComputeBench(r: ComputeBenchResult): string {
  const header = ['pool', 'batching', 'students', 'jobs', 'pos/job', 'jobs/s', 'pos/s', 'p50 ms', 'p95 ms', 'wait p50', 'wait p95', 'slowest p95', 'ratio', 'CPU ms/job', 'load'];
  const body = r.rows.map((x) => [
    String(x.pool), x.batching ? 'on' : 'off', String(x.students), String(x.jobs), String(x.positionsPerJob), x.jobsPerSecond.toFixed(2),
    x.positionsPerSecond.toFixed(0), x.latencyP50.toFixed(0), x.latencyP95.toFixed(0), x.waitP50.toFixed(0), x.waitP95.toFixed(0),
    x.slowestStudentP95.toFixed(0), x.fairnessRatio.toFixed(2), x.cpuMsPerJob.toFixed(0), x.loadAverage.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const lines = [
    `compute server, occlusion on ${MODEL} (${r.backend}, ${r.cpus} CPUs)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  if (r.speedupAtMaxStudents !== null) lines.push(`best / (1 worker, unbatched) at the most students: ${r.speedupAtMaxStudents.toFixed(2)}x`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const nums = (v: string | undefined) => v?.split(',').map(Number);
  const result = await runComputeBench({
    students: nums(get('students')),
    jobsPerStudent: get('jobs') ? Number(get('jobs')) : undefined,
    pools: nums(get('pools')),
    batching: get('batching')?.split(',').map((b) => b === 'on'),
    window: get('window') ? Number(get('window')) : undefined,
    stride: get('stride') ? Number(get('stride')) : undefined,
    repeat: get('repeat') ? Number(get('repeat')) : undefined,
    incremental: get('incremental') ? get('incremental') === 'on' : undefined,
  });
  process.stdout.write(`${formatComputeBench(result)}\n`);
  const json = get('json');
  if (json) await writeFile(json, JSON.stringify(result, null, 2));
}
