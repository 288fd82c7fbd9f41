/**
 * Nothing of a running lecture is lost on a restart: SIGKILL the real server process while a class sweep is running
 * and λ values are handed out, start it again on the same port and data, and check that each student keeps their λ
 * and that the sweep goes on — a shard answered before the kill stays, late shards are accepted, `sweep:done`
 * arrives. SQLite, and PostgreSQL with CONVLAB_TEST_PG_URL; real models from ../shared/models.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, JobOutcome, LabStep, ServerPayload, Submission } from '@convlab/protocol';
import { InstructorClient, StudentClient, api, request, signUpInstructor, waitFor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';
import { freePort, spawnServer, type ServerProcess } from './helpers/server-process';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL));

/** 3 × 3 window positions in 5 shards of 2; no deadline passes during the test. */
const OCC_STEP: LabStep = {
  kind: 'lab',
  id: 'occ-restart',
  title: 'Occlusion',
  markdown: '',
  labId: 'occlusion',
  params: { model: MODEL, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285, window: 112, stride: 56, shardSize: 2, shardTimeoutSeconds: 600 },
};
const ASCENT_STEP: LabStep = {
  kind: 'lab',
  id: 'ascent-restart',
  title: 'Gradient ascent',
  markdown: '',
  labId: 'ascent',
  params: { model: MODEL, classes: [285, 951], classIndex: 285, sweep: { from: 0.0001, to: 0.1, count: 4 } },
};

/** Any request, with room for a busy machine (a fresh server loads its models on the first requests). */
const slow = (socket: Parameters<typeof request>[0], event: string, payload: unknown) => request(socket, event as never, payload as never, 60_000) as Promise<Ack<unknown>>;

const ok = <T,>(ack: Ack<unknown>): T => {
  if (!ack.ok) throw new Error(`refused: ${ack.error} ${ack.message}`);
  return ack.data as T;
};

describe.skipIf(!HAVE_DATA).each(databaseTargets())('live state survives a restart on $kind', (target) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let proc: ServerProcess | undefined;
  const clients: { close(): void }[] = [];

  beforeAll(async () => {
    db = await target.create();
    env = { ...db.env, PORT: String(await freePort()), HOST: '127.0.0.1', CONVLAB_COMPUTE_WORKERS: '1', CONVLAB_COMPUTE_BACKEND: 'wasm', CONVLAB_MODELS_DIR: MODELS };
    proc = await spawnServer(env);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await proc?.kill('SIGKILL');
    await db?.cleanup();
  });

  it('keeps the λ handed out and resumes the running sweep after SIGKILL', async () => {
    const base = proc!.url;
    const { cookie } = await signUpInstructor(base, 'live-state@example.org');
    const created = await api(base, '/api/sessions', { cookie, body: { title: 'Restart mid-lab', steps: [OCC_STEP, ASCENT_STEP] } });
    const { id: sessionId, code } = created.body.session;
    const teacher = new InstructorClient(base, cookie, sessionId);
    const ada = new StudentClient(base, code, 'Ada');
    const bo = new StudentClient(base, code, 'Bo');
    clients.push(teacher, ada, bo);
    await teacher.watching();
    await Promise.all([ada.joined(), bo.joined()]);
    const done: ServerPayload<'sweep:done'>[] = [];
    teacher.socket.on('sweep:done', (e) => done.push(e));
    const shards = new Map<StudentClient, ServerPayload<'sweep:shard'>[]>([[ada, []], [bo, []]]);
    const results = new Map<string, JobOutcome>();
    for (const s of [ada, bo]) {
      s.socket.on('sweep:shard', (e) => shards.get(s)!.push(e));
      s.socket.on('job:result', (o) => results.set(o.jobId, o));
    }
    /** A student's browser computes a shard (on the server, as a browser forced to it would) and answers it. */
    const answer = async (s: StudentClient, shard: ServerPayload<'sweep:shard'>) => {
      // The ack waits for the model's first load on a fresh server.
      const { jobId } = ok<{ jobId: string }>(await request(s.socket, 'job:submit', { spec: shard.job } as never, 60_000));
      const outcome = await waitFor(() => results.get(jobId), `shard ${shard.shard.index}`, 120_000);
      if (!outcome.ok) throw new Error(outcome.message);
      const { probabilities } = outcome.data as { probabilities: number[] };
      return request(s.socket, 'sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, probabilities }, 120_000);
    };

    const dealt = ok<{ assignments: Array<{ participantId: string; index: number }> }>(await slow(teacher.socket, 'ascent:deal-lambdas', { stepId: ASCENT_STEP.id }));
    const lambdaOf = (id: string) => dealt.assignments.find((a) => a.participantId === id)!.index;
    const started = ok<{ sweepId: string; dealt: Record<string, number> }>(await request(teacher.socket, 'sweep:start', { stepId: OCC_STEP.id }, 60_000));
    // Dealt round-robin in the order the server lists the students: one gets 3 shards, the other 2.
    const [first, second] = started.dealt[ada.participant!.id] === 3 ? [ada, bo] : [bo, ada];
    expect(started.dealt).toEqual({ [first.participant!.id]: 3, [second.participant!.id]: 2 });
    await waitFor(() => shards.get(first)!.length === 3 && shards.get(second)!.length === 2, 'the shards');
    expect(await answer(first, shards.get(first)![0]!)).toEqual({ ok: true, data: { accepted: true } });

    await proc!.kill('SIGKILL');
    await waitFor(() => ada.socket.disconnected && bo.socket.disconnected && teacher.socket.disconnected, 'everyone dropped');
    proc = await spawnServer(env);
    results.clear(); // job ids start again at the new server
    await Promise.all([ada.joined(2), bo.joined(2), teacher.watching(2)]);

    // Each student keeps their λ; dealing again changes nobody's.
    for (const s of [ada, bo]) {
      const mine = ok<{ assignment: { index: number } | null }>(await slow(s.socket, 'ascent:my-lambda', { stepId: ASCENT_STEP.id }));
      expect(mine.assignment?.index).toBe(lambdaOf(s.participant!.id));
    }
    const again = ok<{ assignments: Array<{ participantId: string; index: number }> }>(await slow(teacher.socket, 'ascent:deal-lambdas', { stepId: ASCENT_STEP.id }));
    for (const a of again.assignments) expect(a.index).toBe(lambdaOf(a.participantId));

    // The sweep goes on: late answers to shards dealt before the kill are accepted, and the sweep finishes.
    const watchesBefore = teacher.watches;
    expect(await request(teacher.socket, 'sweep:start', { stepId: OCC_STEP.id }, 60_000)).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
    for (const shard of shards.get(second)!) expect(await answer(second, shard)).toEqual({ ok: true, data: { accepted: true } });
    for (const shard of shards.get(first)!.slice(1)) expect(await answer(first, shard)).toEqual({ ok: true, data: { accepted: true } });
    // The stored sweep is the proof; `sweep:done` must have come too, unless the instructor's tab reconnected
    // meanwhile (a busy test machine can miss pings, and a broadcast during a reconnect is not replayed).
    const event = await waitFor(() => done.find((d) => d.sweepId === started.sweepId) ?? (teacher.watches !== watchesBefore ? 'reconnected' : null), 'sweep:done', 120_000);
    let stored: Submission | undefined;
    for (let polls = 0; !stored; polls++) {
      if (polls > 120) throw new Error('the sweep was not stored');
      if (polls) await new Promise((r) => setTimeout(r, 1000));
      stored = ok<{ submissions: Submission[] }>(await slow(teacher.socket, 'lab:submissions', { stepId: OCC_STEP.id })).submissions.find((s) => s.participantId === null);
    }
    if (event !== 'reconnected') expect(event).toMatchObject({ ok: true, submission: { id: stored.id } });
    expect(stored).toMatchObject({ participantId: null, labId: 'occlusion', stepId: OCC_STEP.id, computedWhere: 'browser' });
    const result = stored.result as { shards: Array<{ index: number; by: string }>; probabilities: number[]; baseline: number };
    const by = new Map(result.shards.map((s) => [s.index, s.by]));
    for (const [s, list] of shards) for (const shard of list) expect(by.get(shard.shard.index)).toBe(s.participant!.id);
    expect(result.probabilities).toHaveLength(9);
    expect(result.baseline).toBeGreaterThan(0);
    // Finished sweeps are forgotten: nothing left to resume.
    expect(await request(teacher.socket, 'sweep:start', { stepId: OCC_STEP.id, stride: 112 }, 60_000)).toMatchObject({ ok: true });
  }, 300_000);
});
