/**
 * Benchmark of the compute server: 1, 10 and 30 concurrent students each sending occlusion jobs on MobileNet v1
 * 0.25 through the real service (fair queue, worker threads, batching), with batching on and off (one forward pass
 * per position) and pools of 1 and 2 workers. Reports jobs/s and latency p50/p95 (submit → result), the queue wait,
 * and the fairness ratio: the slowest student's p95 latency over the median latency of all jobs.
 *
 * Workload (`--mode`): `closed` (default) — each student submits a job, waits for its result and submits the next,
 * `--jobs` times, as a student in the lab does; `burst` — each student submits all `--jobs` jobs at once (then a
 * student's later jobs wait for their own earlier ones, and the fairness ratio reads about 2 by construction).
 *
 * Every configuration (pool size × batching) is started once and kept; the rounds run them side by side
 * (round r: for each student count, each configuration in turn, the order rotated per round), so that the
 * machine's noise hits every configuration alike. Each table row is the round of median throughput, and the verdict
 * lines compare rows of this same run.
 *
 * `runComputeBench(options)` returns the numbers and `formatComputeBench(result)` the table (for bench/run-bench.ts).
 * Run alone:
 *   npx tsx bench/compute.bench.ts [--students 1,10,30] [--mode closed|burst] [--jobs 3] [--pools 1,2]
 *     [--batching on,off] [--repeat 3] [--window 112] [--stride 28] [--max-batch 8] [--rows-per-request 4]
 *     [--max-wait-ms 4] [--incremental on|off] [--json FILE]
 *
 * The machine is shared: each row also gives the CPU time the whole process (main thread and workers) spent per job
 * and the 1-minute load average when the row started, so a slow row can be told apart from a busy machine (same CPU
 * per job, fewer jobs/s: others had the cores).
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
/** The targets at the most students. */
const TARGET_SPEEDUP = 2;
const TARGET_FAIRNESS = 2;

export const COMPUTE_BENCH_DEFINITIONS = {
  throughput: 'jobs/s = jobs finished / wall time from the first submission to the last result',
  latency: 'latency = submit → result of one job (queue wait included); p50/p95 over all jobs of the row',
  fairness: 'ratio = slowest student\'s p95 latency (max over students of each one\'s own p95) / median latency of all jobs',
  speedup: `speedup = jobs/s of (largest pool, batching on) / jobs/s of (1 worker, batching off) at the most students, same run; target ≥ ${TARGET_SPEEDUP}`,
  fairnessTarget: `fairness target: ratio ≤ ${TARGET_FAIRNESS} in every configuration at the most students`,
};

export type WorkloadMode = 'closed' | 'burst';

export interface ComputeBenchOptions {
  students?: number[];
  /** closed (default): one job at a time per student, the next after the result; burst: all jobs at once. */
  mode?: WorkloadMode;
  /** Jobs per student (default 3 closed, 2 burst). */
  jobsPerStudent?: number;
  pools?: number[];
  batching?: boolean[];
  /** Occlusion window and stride on the 224×224 input ((224−w)/s+1)² positions). */
  window?: number;
  stride?: number;
  /** Batching on: rows per forward pass, rows one job sends per request, longest wait (default: the pool's). */
  maxBatch?: number;
  rowsPerRequest?: number;
  maxWaitMs?: number;
  modelsDir?: string;
  /** Rounds over every scenario; each row is the round of median throughput (default 3). */
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
  /** Lowest and highest jobs/s over the rounds. */
  jobsPerSecondRange: [number, number];
  positionsPerSecond: number;
  latencyP50: number;
  latencyP95: number;
  waitP50: number;
  waitP95: number;
  /** max over students of their own p95 latency. */
  slowestStudentP95: number;
  /** slowestStudentP95 / latencyP50. */
  fairnessRatio: number;
  /** Mean rows per forward pass in the workers. */
  rowsPerPass: number;
  /** Share of forward passes that held rows of more than one job. */
  sharedPasses: number;
  /** CPU time of the whole process (main thread + workers) per job, ms. */
  cpuMsPerJob: number;
  /** 1-minute load average of the machine when the row started. */
  loadAverage: number;
}

export interface ComputeBenchVerdict {
  students: number;
  baseline: { pool: number; batching: boolean; jobsPerSecond: number };
  target: { pool: number; batching: boolean; jobsPerSecond: number };
  /** target / baseline jobs/s from the table rows, and the same ratio round by round (paired). */
  speedup: number;
  pairedSpeedups: number[];
  /** 1 worker, batching on / off; largest pool / 1 worker, batching off. */
  batchingGain: number | null;
  poolGain: number | null;
  /** Worst fairness ratio over the configurations at the most students. */
  worstFairness: number;
  speedupMet: boolean;
  fairnessMet: boolean;
}

export interface ComputeBenchResult {
  date: string;
  cpus: number;
  backend: string;
  mode: WorkloadMode;
  jobsPerStudent: number;
  rounds: number;
  batcher: { maxBatch: number; rowsPerRequest: number; maxWaitMs: number };
  definitions: typeof COMPUTE_BENCH_DEFINITIONS;
  rows: ComputeBenchRow[];
  verdict: ComputeBenchVerdict | null;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

let salt = 0;

interface Config {
  pool: number;
  batching: boolean;
  workers: WorkerPool;
  service: ComputeService;
}

type Measured = Omit<ComputeBenchRow, 'pool' | 'batching' | 'jobsPerSecondRange'>;

async function scenario(cfg: Config, students: number, jobsPerStudent: number, mode: WorkloadMode, window: number, stride: number): Promise<Measured> {
  const run = ++salt;
  const loadAverage = os.loadavg()[0];
  const batches0 = cfg.workers.batchStats();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const latencies: number[] = [];
  const waits: number[] = [];
  const perStudent = new Map<number, number[]>();

  /** Submits one job of student `s` and resolves with its latency once the result is in. */
  const submit = (s: number, j: number) => {
    // A distinct spec per job (the seed is part of the hash), so the cache does not answer for the benchmark.
    const spec: JobSpecInput = {
      kind: 'occlusion',
      model: MODEL,
      image: { kind: 'sample', id: IMAGES[(s + j) % IMAGES.length] },
      params: { window, stride, seed: run * 100_000 + s * 100 + j },
    };
    const start = performance.now();
    return new Promise<void>((resolve, reject) => {
      cfg.service
        .submit(spec, { ownerId: `bench-${s}`, role: 'student' }, {
          result: (o: JobOutcome) => {
            if (!o.ok) return reject(new Error(`${o.error}: ${o.message}`));
            const ms = performance.now() - start;
            latencies.push(ms);
            waits.push(o.computedBy.queuedMs ?? 0);
            perStudent.set(s, [...(perStudent.get(s) ?? []), ms]);
            resolve();
          },
        })
        .catch(reject);
    });
  };

  const studentIds = Array.from({ length: students }, (_, s) => s);
  if (mode === 'closed') {
    await Promise.all(
      studentIds.map(async (s) => {
        for (let j = 0; j < jobsPerStudent; j++) await submit(s, j);
      }),
    );
  } else {
    await Promise.all(studentIds.flatMap((s) => Array.from({ length: jobsPerStudent }, (_, j) => submit(s, j))));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const batches1 = cfg.workers.batchStats();
  const passes = batches1.batches - batches0.batches;
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
    rowsPerPass: passes > 0 ? (batches1.rows - batches0.rows) / passes : 0,
    sharedPasses: passes > 0 ? (batches1.sharedBatches - batches0.sharedBatches) / passes : 0,
    cpuMsPerJob: (cpu.user + cpu.system) / 1000 / jobs,
    loadAverage,
  };
}

const median = (xs: number[]) => quantile(xs, 0.5);

/** The verdict lines: the target configuration against one unbatched worker, from rows of this run. */
function verdictOf(rows: ComputeBenchRow[], runs: Map<string, Measured[]>, students: number): ComputeBenchVerdict | null {
  const at = rows.filter((r) => r.students === students);
  const maxPool = Math.max(...at.map((r) => r.pool));
  const find = (pool: number, batching: boolean) => at.find((r) => r.pool === pool && r.batching === batching);
  const baseline = find(1, false);
  const target = find(maxPool, true);
  if (!baseline || !target) return null;
  const b = runs.get(key(1, false, students))!;
  const t = runs.get(key(maxPool, true, students))!;
  const pooledOff = find(maxPool, false);
  const batchedOne = find(1, true);
  const speedup = target.jobsPerSecond / baseline.jobsPerSecond;
  const worstFairness = Math.max(...at.map((r) => r.fairnessRatio));
  return {
    students,
    baseline: { pool: 1, batching: false, jobsPerSecond: baseline.jobsPerSecond },
    target: { pool: maxPool, batching: true, jobsPerSecond: target.jobsPerSecond },
    speedup,
    pairedSpeedups: t.map((x, i) => x.jobsPerSecond / b[i].jobsPerSecond),
    batchingGain: batchedOne ? batchedOne.jobsPerSecond / baseline.jobsPerSecond : null,
    poolGain: pooledOff && maxPool > 1 ? pooledOff.jobsPerSecond / baseline.jobsPerSecond : null,
    worstFairness,
    speedupMet: speedup >= TARGET_SPEEDUP,
    fairnessMet: worstFairness <= TARGET_FAIRNESS,
  };
}

const key = (pool: number, batching: boolean, students: number) => `${pool}|${batching}|${students}`;

/** Runs the compute-server benchmark (real workers; every configuration started once, warmed up, run side by side). */
export async function runComputeBench(options: ComputeBenchOptions = {}): Promise<ComputeBenchResult> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const students = options.students ?? [1, 10, 30];
  const mode = options.mode ?? 'closed';
  const jobsPerStudent = options.jobsPerStudent ?? (mode === 'closed' ? 3 : 2);
  const window = options.window ?? 112;
  const stride = options.stride ?? 28;
  const rounds = Math.max(1, options.repeat ?? 3);
  const modelsDir = options.modelsDir ?? path.resolve(here, '../../shared/models');
  const configs: Config[] = [];
  let batcher = { maxBatch: 0, rowsPerRequest: 0, maxWaitMs: 0 };
  try {
    for (const size of options.pools ?? [1, 2]) {
      for (const batching of options.batching ?? [true, false]) {
        const workers = await WorkerPool.start({
          size,
          slotsPerWorker: 4,
          backend: 'wasm',
          modelsDir,
          ...(batching ? { maxBatch: options.maxBatch, rowsPerRequest: options.rowsPerRequest, maxWaitMs: options.maxWaitMs } : { maxBatch: 1 }),
          incremental: options.incremental ?? true,
        });
        if (batching) batcher = workers.batcherConfig();
        const service = await ComputeService.start({ pool: workers, queue: { maxPerOwner: jobsPerStudent, maxTotal: 10_000 }, cache: { maxEntries: 0 } });
        const cfg = { pool: size, batching, workers, service };
        configs.push(cfg);
        // Warm-up: every worker loads the model and decodes the images (each image `size` times) once.
        await scenario(cfg, size * IMAGES.length, 1, 'burst', window, stride);
      }
    }
    const runs = new Map<string, Measured[]>();
    for (let round = 0; round < rounds; round++) {
      for (const n of students) {
        // Rotate the order per round, so no configuration always runs right after the heaviest one.
        for (let k = 0; k < configs.length; k++) {
          const cfg = configs[(k + round) % configs.length];
          const r = await scenario(cfg, n, jobsPerStudent, mode, window, stride);
          const list = runs.get(key(cfg.pool, cfg.batching, n)) ?? [];
          list.push(r);
          runs.set(key(cfg.pool, cfg.batching, n), list);
          log(
            `round ${round + 1}/${rounds} pool ${cfg.pool} batching ${cfg.batching ? 'on ' : 'off'} students ${String(n).padStart(2)}: ` +
              `${r.jobsPerSecond.toFixed(2)} jobs/s, p50 ${r.latencyP50.toFixed(0)} ms, ratio ${r.fairnessRatio.toFixed(2)}, ` +
              `${r.rowsPerPass.toFixed(1)} rows/pass, ${r.cpuMsPerJob.toFixed(0)} ms CPU/job, load ${r.loadAverage.toFixed(1)}`,
          );
        }
      }
    }
    const rows: ComputeBenchRow[] = [];
    for (const cfg of configs) {
      for (const n of students) {
        const list = runs.get(key(cfg.pool, cfg.batching, n))!;
        const m = median(list.map((r) => r.jobsPerSecond));
        const chosen = list.find((r) => r.jobsPerSecond === m)!;
        const jps = list.map((r) => r.jobsPerSecond);
        rows.push({ pool: cfg.pool, batching: cfg.batching, ...chosen, jobsPerSecondRange: [Math.min(...jps), Math.max(...jps)] });
      }
    }
    return {
      date: new Date().toISOString(),
      cpus: os.availableParallelism(),
      backend: configs[0]?.workers.backend ?? '?',
      mode,
      jobsPerStudent,
      rounds,
      batcher,
      definitions: COMPUTE_BENCH_DEFINITIONS,
      rows,
      verdict: verdictOf(rows, runs, Math.max(...students)),
    };
  } finally {
    for (const cfg of configs) {
      await cfg.service.close();
      await cfg.workers.close();
    }
  }
}

/** The benchmark as a printable table, with the definitions and the verdict lines. */
export function formatComputeBench(r: ComputeBenchResult): string {
  const header = ['pool', 'batching', 'students', 'jobs', 'pos/job', 'jobs/s', 'jobs/s range', 'p50 ms', 'p95 ms', 'wait p50', 'wait p95', 'slowest p95', 'ratio', 'rows/pass', 'shared', 'CPU ms/job', 'load'];
  const body = r.rows.map((x) => [
    String(x.pool), x.batching ? 'on' : 'off', String(x.students), String(x.jobs), String(x.positionsPerJob), x.jobsPerSecond.toFixed(2),
    `${x.jobsPerSecondRange[0].toFixed(2)}–${x.jobsPerSecondRange[1].toFixed(2)}`,
    x.latencyP50.toFixed(0), x.latencyP95.toFixed(0), x.waitP50.toFixed(0), x.waitP95.toFixed(0),
    x.slowestStudentP95.toFixed(0), x.fairnessRatio.toFixed(2), x.rowsPerPass.toFixed(1), `${(x.sharedPasses * 100).toFixed(0)}%`,
    x.cpuMsPerJob.toFixed(0), x.loadAverage.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const workload = r.mode === 'closed'
    ? `closed loop: each student runs ${r.jobsPerStudent} jobs one after another (submits the next when the result is in)`
    : `burst: each student submits ${r.jobsPerStudent} jobs at once`;
  const lines = [
    `compute server, occlusion on ${MODEL} (${r.backend}, ${r.cpus} CPUs); ${workload}; ${r.rounds} rounds side by side, row = round of median jobs/s`,
    `batching on: up to ${r.batcher.maxBatch} rows per pass, ${r.batcher.rowsPerRequest} rows per job request, wait ≤ ${r.batcher.maxWaitMs} ms; off: one pass per position`,
    ...Object.values(r.definitions).map((d) => `  ${d}`),
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  const v = r.verdict;
  if (v) {
    const paired = v.pairedSpeedups.map((s) => s.toFixed(2)).join(', ');
    lines.push(
      `speedup at ${v.students} students: pool ${v.target.pool} batching on ${v.target.jobsPerSecond.toFixed(2)} jobs/s / pool 1 batching off ${v.baseline.jobsPerSecond.toFixed(2)} jobs/s = ` +
        `${v.speedup.toFixed(2)}x (round by round: ${paired}) — target ≥ ${TARGET_SPEEDUP}x: ${v.speedupMet ? 'met' : 'NOT met'}`,
      `  of which batching (pool 1, on / off): ${v.batchingGain?.toFixed(2) ?? '-'}x; pool (pool ${v.target.pool} / 1, batching off): ${v.poolGain?.toFixed(2) ?? '-'}x`,
      `fairness at ${v.students} students: worst ratio ${v.worstFairness.toFixed(2)} — target ≤ ${TARGET_FAIRNESS}: ${v.fairnessMet ? 'met' : 'NOT met'}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string) => (get(name) !== undefined ? Number(get(name)) : undefined);
  const nums = (v: string | undefined) => v?.split(',').map(Number);
  const mode = get('mode');
  if (mode !== undefined && mode !== 'closed' && mode !== 'burst') throw new Error(`--mode must be closed or burst, got '${mode}'`);
  const result = await runComputeBench({
    students: nums(get('students')),
    mode,
    jobsPerStudent: num('jobs'),
    pools: nums(get('pools')),
    batching: get('batching')?.split(',').map((b) => b === 'on'),
    window: num('window'),
    stride: num('stride'),
    maxBatch: num('max-batch'),
    rowsPerRequest: num('rows-per-request'),
    maxWaitMs: num('max-wait-ms'),
    repeat: num('repeat'),
    incremental: get('incremental') ? get('incremental') === 'on' : undefined,
  });
  process.stdout.write(`${formatComputeBench(result)}\n`);
  const json = get('json');
  if (json) await writeFile(json, JSON.stringify(result, null, 2));
}
