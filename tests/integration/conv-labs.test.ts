/**
 * The convolution, pooling and first-layer filters labs against a real server (port 0, no Next.js), real socket.io
 * clients, SQLite (and PostgreSQL with CONVLAB_TEST_PG_URL): the challenge's hidden kernel and the quiz's answers stay
 * on the server, the server computes a submitted kernel's output and checks it, forged checks never get stored, and
 * bad kernels are refused with a clear message.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONV_PRESETS, checkChallenge, convolutionInput, convolutionOutput, convPresetKernel, parseLabParams, type ConvolutionParams, type ConvolutionResult, type PoolingResult } from '@convlab/labs';
import type { Ack, FirstConv, LabStep, LabTask, Submission } from '@convlab/protocol';
import { featureMap, poolBreakdown } from '@convlab/vis';
import { startServer, type RunningServer } from '../../server/index';
import { InstructorClient, StudentClient, api, rawRequest, request, signUpInstructor } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const HAVE_MODELS = existsSync(path.join(MODELS, 'squeezenet1.1_nchw'));

const CONV: LabStep = { kind: 'lab', id: 'conv', title: 'Make this output', markdown: '', labId: 'convolution', params: { challenge: true, size: 32 } };
const POOL: LabStep = { kind: 'lab', id: 'pool', title: 'Pooling', markdown: '', labId: 'pooling', params: { op: 'avg' } };
const steps = [CONV, POOL];

const ok = <T,>(ack: Ack<unknown>): T => {
  if (!ack.ok) throw new Error(`refused: ${ack.error} ${ack.message}`);
  return ack.data as T;
};
const toMap = (m: { height: number; width: number; channels: number; data: number[] }) => featureMap(m.height, m.width, m.channels, m.data);

describe.each(databaseTargets())('convolution and pooling labs on $kind', (target) => {
  let db: TestDatabase;
  let server: RunningServer;
  let teacher: InstructorClient;
  let ada: StudentClient;
  let bo: StudentClient;

  const submit = async (who: StudentClient, step: LabStep, params: unknown, result: unknown) =>
    request(who.socket, 'lab:submit', { stepId: step.id, params, result, computedWhere: 'browser', backend: 'js', ms: 1 } as never, 60_000);
  const task = async (who: StudentClient | InstructorClient, step: LabStep) => ok<{ task: LabTask }>(await rawRequest(who.socket, 'lab:task', { stepId: step.id })).task;

  beforeAll(async () => {
    db = await target.create();
    server = await startServer({
      env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_COMPUTE_WORKERS: '1', CONVLAB_COMPUTE_BACKEND: 'wasm' },
      log: false,
      compute: { slotsPerWorker: 1, modelsDir: MODELS },
    });
    const { cookie } = await signUpInstructor(server.url, `conv-${target.kind}@example.org`);
    const created = await api(server.url, '/api/sessions', { cookie, body: { title: 'Conv', steps } });
    const { id: sessionId, code } = created.body.session;
    teacher = await new InstructorClient(server.url, cookie, sessionId).watching();
    ada = await new StudentClient(server.url, code, 'Ada').joined();
    bo = await new StudentClient(server.url, code, 'Bo').joined();
  }, 60_000);

  afterAll(async () => {
    for (const c of [teacher, ada, bo]) c?.close();
    await server?.close();
    await db?.cleanup();
  });

  it('hands out the photo and the target, never the hidden kernel; the server checks kernels and stores its own output', async () => {
    const given = await task(ada, CONV);
    if (given.kind !== 'convolution' || !given.photo || !given.target) throw new Error('no challenge');
    expect([given.photo.height, given.photo.width, given.photo.channels]).toEqual([32, 32, 3]);
    expect(JSON.stringify(given)).not.toMatch(/kernel/);
    // Every student sees the same target.
    expect(await task(bo, CONV)).toEqual(given);

    // A student finds the kernel the way a class would: trying presets (and flipped edge filters) on the target.
    const params = parseLabParams('convolution', CONV.params) as ConvolutionParams;
    const grey = convolutionInput(params, toMap(given.photo));
    const candidates = CONV_PRESETS.flatMap((p) => [convPresetKernel(p), convPresetKernel(p).map((r) => r.map((v) => -v || 0))]);
    const found = candidates.find((kernel) => checkChallenge(toMap(given.target!), convolutionOutput(grey, { ...params, kernel })).passed);
    expect(found).toBeDefined();

    // A wrong kernel with a forged "passed" is stored as the server found it.
    const forged = { challenge: { passed: true, maxError: 0, tolerance: 1, message: 'made it' } };
    const wrong = ok<{ submission: Submission }>(await submit(ada, CONV, { ...CONV.params, kernel: convPresetKernel('identity') }, forged)).submission;
    const wrongResult = wrong.result as ConvolutionResult;
    expect(wrongResult.challenge?.passed).toBe(false);
    expect(wrongResult.output).toMatchObject({ height: 30, width: 30 });
    expect(wrong.resultImageHash).toMatch(/^[0-9a-f]{64}$/);

    const right = ok<{ submission: Submission }>(await submit(bo, CONV, { ...CONV.params, kernel: found }, {})).submission;
    expect((right.result as ConvolutionResult).challenge).toMatchObject({ passed: true });
    // The instructor lists both with the server's output images.
    const listed = ok<{ submissions: Submission[] }>(await rawRequest(teacher.socket, 'lab:submissions', { stepId: CONV.id })).submissions;
    expect(listed.map((s) => s.resultImageHash)).toEqual([wrong.resultImageHash, right.resultImageHash]);
  }, 120_000);

  it('refuses NaN/∞ kernel entries and an output of size ≤ 0 with a clear message, storing nothing', async () => {
    const nan = await submit(ada, CONV, { ...CONV.params, kernel: [[1, 0, 0], [0, null, 0], [0, 0, 1]] }, {});
    expect(nan).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
    expect(!nan.ok && nan.message).toMatch(/each kernel entry must be a finite number \(not NaN or ∞\)/);
    // A lesson step whose grid is too small for its kernel is refused when the session is created.
    const grid = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    const { cookie } = await signUpInstructor(server.url, `conv-small-${target.kind}@example.org`);
    const small: LabStep = { ...CONV, params: { source: 'grid', grid, kernel: convPresetKernel('box-blur', 5) } };
    const refused = await api(server.url, '/api/sessions', { cookie, body: { title: 'Too small', steps: [small] } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/output height would be -1 ≤ 0: \(W − K \+ 2P\) \/ S \+ 1 with W = 3, K = 5, P = 0, S = 1/);
    const listed = ok<{ submissions: Submission[] }>(await rawRequest(teacher.socket, 'lab:submissions', { stepId: CONV.id })).submissions;
    expect(listed).toHaveLength(2);
  }, 60_000);

  it('gives each student their own quiz, checks the hand-computed value, and never sends or stores the answer', async () => {
    const goto = ok(await request(teacher.socket, 'step:goto', { index: 1 }));
    expect(goto).toBeDefined();
    const mine = await task(ada, POOL);
    const theirs = await task(bo, POOL);
    if (mine.kind !== 'pooling' || !mine.quiz || theirs.kind !== 'pooling' || !theirs.quiz) throw new Error('no quiz');
    expect(mine.quiz.grid).not.toEqual(theirs.quiz.grid);
    expect(mine.quiz.op).toBe('avg');
    const q = mine.quiz;
    const value = poolBreakdown(featureMap(4, 4, 1, q.grid.flat()), { kind: q.op, size: q.size, stride: q.stride }, q.outY, q.outX).output;
    // The quiz carries only the question (the answer may coincide with a size or an index, so check the fields).
    expect(Object.keys(q).sort()).toEqual(['grid', 'op', 'outX', 'outY', 'question', 'size', 'stride']);

    const right = ok<{ submission: Submission }>(await submit(ada, POOL, POOL.params, { answer: value, correct: false })).submission.result as PoolingResult;
    expect(right).toEqual({ answer: value, correct: true, question: q.question });
    // Ada's answer is not Bo's (his grid differs), unless the digits happen to agree.
    const wrong = ok<{ submission: Submission }>(await submit(ada, POOL, POOL.params, { answer: value + 1, correct: true })).submission.result as PoolingResult;
    expect(wrong.correct).toBe(false);
  }, 60_000);

  it.runIf(HAVE_MODELS)('serves a model’s first convolution with its shape and stride', async () => {
    const res = await api(server.url, '/api/models/squeezenet1.1_nchw/first-conv', {});
    expect(res.status).toBe(200);
    const conv = res.body as FirstConv;
    expect(conv.shape).toEqual([3, 3, 3, 64]);
    expect(conv.stride).toEqual([2, 2]);
    expect(conv.weights).toHaveLength(3 * 3 * 3 * 64);
    expect((await api(server.url, '/api/models/nope/first-conv', {})).status).toBe(404);
  }, 120_000);
});
