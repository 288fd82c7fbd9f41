/**
 * The join suite (issue #10 item 4): how long `student:join` takes for a class joining at once, against the real
 * server as a child process (its own event loop, as in a lecture), side by side:
 * - "slide": the class joins while the session shows a slide (no compute);
 * - "warm-up": the instructor moves to a lab step just before, so the compute workers start and load the step's
 *   model while the class joins.
 * Each scenario starts a fresh server on a fresh SQLite database. Prints p50 / p95 / max join time (from opening the
 * socket to the join's ack) and failures; the goal is p95 ≤ 2 s (a printed figure, not an assertion).
 *
 *   npx tsx bench/join.bench.ts [--students 300] [--json FILE]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { howCnnsSeeLesson } from '@convlab/labs';
import { InstructorClient, api, connect, connected, request, signUpInstructor, type ClientSocket } from '../tests/integration/helpers/clients';
import { spawnServer } from '../tests/integration/helpers/server-process';

export type JoinScenario = 'slide' | 'warm-up';

export interface JoinBenchRow {
  scenario: JoinScenario;
  students: number;
  joined: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Compute workers the server started (warm-up scenario). */
  workers: number;
  loadAverage: number;
}

export interface JoinBenchResult {
  rows: JoinBenchRow[];
  goalP95Ms: number;
}

const GOAL_P95_MS = 2000;
/** A join not acknowledged by then counts as failed (the client's own give-up time). */
const GIVE_UP_MS = 20_000;

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

async function scenario(kind: JoinScenario, students: number): Promise<JoinBenchRow> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'convlab-join-bench-'));
  const workers = Math.max(1, os.availableParallelism());
  const server = await spawnServer({ PORT: '0', HOST: '127.0.0.1', CONVLAB_DATA_DIR: dataDir, CONVLAB_COMPUTE_WORKERS: String(workers) });
  const clients: ClientSocket[] = [];
  let teacher: InstructorClient | undefined;
  try {
    const { cookie } = await signUpInstructor(server.url, 'bench@example.org');
    const lab = howCnnsSeeLesson().steps.find((s) => s.kind === 'lab')!;
    const created = await api(server.url, '/api/sessions', {
      cookie,
      body: { title: 'Join bench', steps: [{ kind: 'slide', id: 'welcome', title: 'Welcome', markdown: '' }, lab] },
    });
    if (created.status !== 201) throw new Error(`could not create the session: ${JSON.stringify(created.body)}`);
    const { id, code } = created.body.session as { id: string; code: string };
    teacher = await new InstructorClient(server.url, cookie, id).watching();
    const loadAverage = os.loadavg()[0]!;
    // The lab step starts the compute workers and loads its model in the background.
    if (kind === 'warm-up') await request(teacher.socket, 'step:goto', { index: 1 });

    // Every student at once: open the socket, join, and wait for the ack as long as the give-up time.
    const started = performance.now();
    const joinedAt = await Promise.all(
      Array.from({ length: students }, async (_, i) => {
        const socket = connect(server.url, { reconnection: false });
        clients.push(socket);
        try {
          await connected(socket);
          const ack = await request(socket, 'student:join', { code, displayName: `Student ${i + 1}` }, GIVE_UP_MS);
          return ack.ok ? performance.now() - started : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    const times = joinedAt.filter((t): t is number => t !== undefined);
    return {
      scenario: kind,
      students,
      joined: times.length,
      failed: students - times.length,
      p50Ms: quantile(times, 0.5),
      p95Ms: quantile(times, 0.95),
      maxMs: times.length ? Math.max(...times) : NaN,
      workers: kind === 'warm-up' ? workers : 0,
      loadAverage,
    };
  } finally {
    for (const c of clients) c.close();
    teacher?.close();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs both scenarios, one after the other, each on a fresh server. */
export async function runJoinBench(options: { students?: number } = {}): Promise<JoinBenchResult> {
  const students = options.students ?? 300;
  const rows: JoinBenchRow[] = [];
  for (const kind of ['slide', 'warm-up'] as const) rows.push(await scenario(kind, students));
  return { rows, goalP95Ms: GOAL_P95_MS };
}

/** The suite's table. */
export function formatJoinBench(r: JoinBenchResult): string {
  const header = ['scenario', 'students', 'joined', 'failed', 'p50 ms', 'p95 ms', 'max ms', 'workers', 'load'];
  const body = r.rows.map((x) => [x.scenario, String(x.students), String(x.joined), String(x.failed), x.p50Ms.toFixed(0), x.p95Ms.toFixed(0), x.maxMs.toFixed(0), String(x.workers), x.loadAverage.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const warm = r.rows.find((x) => x.scenario === 'warm-up');
  const verdict = warm ? `join p95 while workers warm up: ${warm.p95Ms.toFixed(0)} ms (goal ≤ ${r.goalP95Ms} ms), ${warm.failed} failed` : '';
  return ['join: a class joining at once (socket open → student:join ack), fresh server per row', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), verdict].join('\n');
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const result = await runJoinBench({ students: arg('students') ? Number(arg('students')) : undefined });
  process.stdout.write(`${formatJoinBench(result)}\n`);
  const json = arg('json');
  if (json) await writeFile(json, JSON.stringify(result, null, 2));
  process.exit(0);
}
