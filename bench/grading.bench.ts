/**
 * Regrading a class against a live lecture, on one real server (SQLite, the compute service on wasm): 300 stored
 * submissions of one occlusion step are regraded (each recomputed by the step's rule at the `grading` priority)
 * while simulated students of a live session keep submitting their own jobs (`student` priority). In one run:
 * the live jobs' p95 latency without the regrade (before and after it), during it (goal: at most 1.25×), and the
 * regrade's time, and where the slowest live jobs' time went. `compareGradingWorker` runs it twice, grading on the
 * live workers (as before grading had a worker of its own) and on its own worker, and prints both.
 *
 * `runGradingBench(options)` returns the numbers and `formatGradingBench(result)` the table (bench/run-bench.ts
 * runs it as `--suite grading`). Run alone: npx tsx bench/grading.bench.ts [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobOutcome, LabStep } from '@convlab/protocol';
import { startServer } from '../server/index';
import { assignmentService } from '../server/http/assignments.routes';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODEL = 'mobilenet_v1_0.25_224';
const IMAGE = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;
const STEP: LabStep = { kind: 'lab', id: 'occ', title: 'Occlusion', markdown: '', labId: 'occlusion', params: { model: MODEL, image: IMAGE, classIndex: 285, fill: 'grey' } };

export interface GradingBenchResult {
  date: string;
  submissions: number;
  workers: number;
  /** Grading ran on a worker of its own (false: on the live workers). */
  gradingWorker: boolean;
  liveStudents: number;
  regradeMs: number;
  perSubmissionMs: number;
  live: { withoutRegrade: LatencyStats; duringRegrade: LatencyStats };
  /** p95 during the regrade ÷ p95 without it. */
  p95Ratio: number;
}

interface LatencyStats {
  jobs: number;
  p50: number;
  p95: number;
  /** Where the time of the slowest 5 % went (means, ms): waiting in the queue, computing in a worker, the rest. */
  slowest: { queued: number; computing: number; other: number };
}

/** One live job's latency and its parts. */
interface Timing {
  total: number;
  queued: number;
  computing: number;
}

function stats(timings: Timing[]): LatencyStats {
  const s = [...timings].sort((a, b) => a.total - b.total);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]?.total ?? NaN;
  const tail = s.slice(Math.floor(0.95 * s.length));
  const mean = (f: (t: Timing) => number) => tail.reduce((a, t) => a + f(t), 0) / Math.max(1, tail.length);
  return { jobs: s.length, p50: at(0.5), p95: at(0.95), slowest: { queued: mean((t) => t.queued), computing: mean((t) => t.computing), other: mean((t) => t.total - t.queued - t.computing) } };
}

/** A deterministic pseudo-random source, so runs compare. */
function randomSource(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
}

export interface GradingBenchOptions {
  quick?: boolean;
  modelsDir?: string;
  /** Grading on a worker of its own (default true; false: on the live workers). */
  gradingWorker?: boolean;
  log?: (line: string) => void;
}

export async function runGradingBench(options: GradingBenchOptions = {}): Promise<GradingBenchResult> {
  const gradingWorker = options.gradingWorker ?? true;
  const log = options.log ?? (() => {});
  const submissions = options.quick ? 60 : 300;
  const liveStudents = 4;
  const workers = 2;
  const baselineMs = options.quick ? 10_000 : 30_000;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'convlab-grading-bench-'));
  const server = await startServer({
    env: { CONVLAB_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_COMPUTE_WORKERS: String(workers), CONVLAB_COMPUTE_BACKEND: 'wasm' },
    log: false,
    compute: { modelsDir: options.modelsDir ?? path.resolve(here, '../../shared/models'), backgroundWorker: gradingWorker },
  });
  const random = randomSource(7);
  const rect = () => {
    const w = 16 + Math.floor(random() * 96);
    const h = 16 + Math.floor(random() * 96);
    return { kind: 'rect' as const, x: Math.floor(random() * (224 - w)), y: Math.floor(random() * (224 - h)), width: w, height: h };
  };
  try {
    const ctx = server.context;
    const teacher = await ctx.accounts.create({ email: 'bench-teacher@example.org', name: 'Teacher', role: 'instructor', passwordHash: null });
    const course = await ctx.courses.create('Bench', teacher.id);
    const service = assignmentService(ctx);
    const grading = { points: 10, rule: { id: 'occlusion-drop', params: { maxCoveragePercent: 20, minDropPoints: 5 } } };
    const a = await service.create(course.id, teacher.id, {
      title: 'Regrade bench',
      source: { kind: 'steps', steps: [STEP] },
      steps: [{ stepId: STEP.id, grading }],
      opensAt: new Date(Date.now() - 86_400_000).toISOString(),
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      latePolicy: { kind: 'refuse' },
    });
    log(`grading bench: storing ${submissions} submissions`);
    for (let i = 0; i < submissions; i++) {
      const student = await ctx.accounts.create({ email: `s${i}@example.org`, name: `Student ${i}`, role: 'student', passwordHash: null });
      await ctx.courses.upsertMember({ courseId: course.id, accountId: student.id, role: 'student', source: 'added' });
      // Distinct masks: nothing comes from the result cache.
      await ctx.assignments.createSubmission({
        assignmentId: a.id,
        accountId: student.id,
        stepId: STEP.id,
        requestId: `bench-${i}`,
        params: STEP.params,
        result: { classIndex: 285, baseline: 0.5, inputSize: [224, 224], masks: [{ mask: rect(), probability: 0.1 }] },
        resultImageHash: null,
        tensorHash: null,
        submittedAt: new Date(),
        lateDays: 0,
        penaltyPercent: 0,
        attempts: 1,
      });
    }

    const compute = await ctx.compute.get();
    // A live student's job: their own masks on the lecture's photo (occlusion-masks, 2 masks), at `student` priority.
    const liveJob = (owner: string) =>
      new Promise<Timing>((resolve, reject) => {
        const t0 = performance.now();
        const spec = { kind: 'occlusion-masks', model: MODEL, image: IMAGE, params: { masks: [rect(), rect()], fill: 'grey', classIndex: 285 } };
        const done = (o: JobOutcome) => {
          if (!o.ok) return reject(new Error(o.message));
          resolve({ total: performance.now() - t0, queued: o.computedBy.queuedMs ?? 0, computing: o.computedBy.ms });
        };
        compute.submit(spec, { ownerId: owner, role: 'student' }, { result: done }).catch(reject);
      });
    /** Students each submit a job, wait for it, think 200 ms, again — until `stop()` says so. */
    const liveLoad = async (stop: () => boolean): Promise<Timing[]> => {
      const out: Timing[] = [];
      await Promise.all(
        Array.from({ length: liveStudents }, async (_, k) => {
          while (!stop()) {
            out.push(await liveJob(`live-${k}`));
            await new Promise((r) => setTimeout(r, 200));
          }
        }),
      );
      return out;
    };

    log('grading bench: warm-up');
    for (let k = 0; k < workers * 2; k++) await liveJob('warm-up');
    // The live session alone for half the time before the regrade and half after it, so a machine whose load
    // drifts (other processes) weighs on both figures alike.
    const alone = async () => {
      const until = performance.now() + baselineMs / 2;
      return liveLoad(() => performance.now() > until);
    };
    log(`grading bench: live session alone for ${baselineMs / 2000} s`);
    const without = await alone();
    log('grading bench: live session during the regrade');
    let done = false;
    const during = liveLoad(() => done);
    const t0 = performance.now();
    const out = await service.regrade(a, STEP.id, teacher.id);
    const regradeMs = performance.now() - t0;
    done = true;
    const withRegrade = await during;
    log(`grading bench: live session alone again for ${baselineMs / 2000} s`);
    without.push(...(await alone()));
    const live = { withoutRegrade: stats(without), duringRegrade: stats(withRegrade) };
    return {
      date: new Date().toISOString(),
      submissions: out.regraded,
      workers,
      gradingWorker,
      liveStudents,
      regradeMs,
      perSubmissionMs: regradeMs / out.regraded,
      live,
      p95Ratio: live.duringRegrade.p95 / live.withoutRegrade.p95,
    };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The result as a printable table. */
export function formatGradingBench(r: GradingBenchResult): string {
  const row = (name: string, l: LatencyStats) => [name, String(l.jobs), l.p50.toFixed(0), l.p95.toFixed(0), l.slowest.queued.toFixed(0), l.slowest.computing.toFixed(0), l.slowest.other.toFixed(0)];
  const rows = [row('live jobs alone', r.live.withoutRegrade), row('live jobs during the regrade', r.live.duringRegrade)];
  const header = ['live session (occlusion-masks, student priority)', 'jobs', 'p50 ms', 'p95 ms', 'slowest 5 %: queued', 'computing', 'other'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `grading suite: regrade ${r.submissions} occlusion submissions (${MODEL}, wasm, ${r.workers} workers, grading ${r.gradingWorker ? 'on a worker of its own' : 'on the live workers'}) beside a live session of ${r.liveStudents} students`,
    `regrade: ${(r.regradeMs / 1000).toFixed(1)} s (${r.perSubmissionMs.toFixed(0)} ms per submission)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    `p95 during ÷ p95 alone: ${r.p95Ratio.toFixed(2)}× (goal ≤ 1.25×)`,
  ].join('\n');
}

/** The bench twice in one run: grading on the live workers, then on a worker of its own. */
export async function compareGradingWorker(options: Omit<GradingBenchOptions, 'gradingWorker'> = {}): Promise<GradingBenchResult[]> {
  const out: GradingBenchResult[] = [];
  for (const gradingWorker of [false, true]) out.push(await runGradingBench({ ...options, gradingWorker }));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const results = await compareGradingWorker({ quick: process.argv.includes('--quick'), log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${results.map(formatGradingBench).join('\n\n')}\n`);
}
