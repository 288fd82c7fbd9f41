/**
 * Labs over the live connection, end to end: a real server (port 0, no Next.js), real socket.io clients joined as
 * students, a real database (SQLite; PostgreSQL too when CONVLAB_TEST_PG_URL is set). Students submit to each of
 * the three labs (result PNGs as binary attachments), role rules hold (own work only until shared, no sharing, no
 * sweeps, only the controls a step opens), the class occlusion sweep completes although one student leaves halfway
 * (the server's compute service, MobileNet v1 0.25 from ../shared/models, takes over their shards), λ values are
 * dealt, and every submission is still there after a restart on the same data.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { howCnnsSeeLesson } from '@convlab/labs';
import {
  LAB_LIMITS,
  type Ack,
  type JobOutcome,
  type LabStep,
  type ServerPayload,
  type Step,
  type Submission,
} from '@convlab/protocol';
import type { RunningServer } from '../../server/index';
import { startComputeServer } from './helpers/api-server';
import { InstructorClient, StudentClient, api, connect, connected, rawRequest, request, signUpInstructor, waitFor, type ClientSocket } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const SHARED = path.resolve(__dirname, '../../../shared');
const MODELS = path.join(SHARED, 'models');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL));

/** A small class sweep: a 112-pixel window, stride 56 → 3 × 3 positions in 5 shards of 2. */
const SWEEP_STEP: LabStep = {
  kind: 'lab',
  id: 'sweep-small',
  title: 'Occlusion: sweep together',
  markdown: '',
  labId: 'occlusion',
  params: {
    model: MODEL,
    image: { kind: 'sample', id: 'photos/skimage_chelsea.png' },
    classIndex: 285,
    fill: 'grey',
    window: 112,
    stride: 56,
    shardSize: 2,
    // Long enough that only the student who leaves (not a deadline) hands shards to the server.
    shardTimeoutSeconds: 120,
  },
};

const png = (r: number) => sharp({ create: { width: 16, height: 12, channels: 3, background: { r, g: 80, b: 40 } } }).png().toBuffer();

const occlusionResult = (probability: number) => ({
  classIndex: 780,
  baseline: 0.59,
  inputSize: [224, 224],
  masks: [{ mask: { kind: 'rect', x: 80, y: 40, width: 60, height: 90 }, probability }],
});
const neuronResult = {
  pick: { kind: 'neuron', layer: 'fire9_concat', channel: 7, y: 3, x: 4 },
  caption: 'wrinkled grey skin',
  value: 12.5,
  images: [],
};
const ascentResult = { classIndex: 543, score: 14.2, objective: 13.9, scores: [0.1, 5, 14.2] };

/** Everything lab-related one socket received. */
class LabEvents {
  submitted: Submission[] = [];
  shared: ServerPayload<'lab:shared'>[] = [];
  shards: ServerPayload<'sweep:shard'>[] = [];
  progress: ServerPayload<'sweep:progress'>[] = [];
  done: ServerPayload<'sweep:done'>[] = [];
  lambdas: ServerPayload<'ascent:lambda'>[] = [];
  results = new Map<string, JobOutcome>();
  constructor(socket: ClientSocket) {
    socket.on('lab:submitted', ({ submission }) => this.submitted.push(submission));
    socket.on('lab:shared', (e) => this.shared.push(e));
    socket.on('sweep:shard', (e) => this.shards.push(e));
    socket.on('sweep:progress', (e) => this.progress.push(e));
    socket.on('sweep:done', (e) => this.done.push(e));
    socket.on('ascent:lambda', (e) => this.lambdas.push(e));
    socket.on('job:result', (o) => this.results.set(o.jobId, o));
  }
}

describe.skipIf(!HAVE_DATA)('labs over Socket.io', () => {
  describe.each(databaseTargets())('on $kind', (target) => {
    let db: TestDatabase;
    let server: RunningServer;
    let base: string;
    let cookie: string;
    let sessionId: string;
    let code: string;
    let steps: Step[];
    let teacher: InstructorClient;
    let teacherEvents: LabEvents;
    let ada: StudentClient;
    let bo: StudentClient;
    let adaEvents: LabEvents;
    let boEvents: LabEvents;
    const opened: { close(): void }[] = [];
    const track = <T extends { close(): void }>(c: T): T => (opened.push(c), c);
    const lesson = howCnnsSeeLesson();
    const step = (id: string) => lesson.steps.find((s) => s.id === id) as LabStep;
    const occ = step('occlusion-schooner');
    const neuron = step('guided-backprop');
    const ascent = step('gradient-ascent');
    const stored: Record<string, Submission> = {};
    /** Whether Ada answers the shards dealt to her. */
    let adaComputes = true;

    const start = () =>
      // These clients send far faster than people do (the per-socket rate limit has its own test in authority.test.ts).
      startComputeServer(db, MODELS, { limits: { socketBurst: 1000 } });

    // The ack waits for the server's check of the result (the first one also starts the compute workers).
    const submit = (socket: ClientSocket, payload: Record<string, unknown>) => request(socket, 'lab:submit', payload as never, 120_000) as Promise<Ack<unknown>>;
    /** Students act on the class's current step only (NOT_CURRENT_STEP otherwise): the instructor moves there first. */
    const goto = async (stepId: string) => {
      const ack = await request(teacher.socket, 'step:goto', { index: steps.findIndex((s) => s.id === stepId) });
      if (!ack.ok) throw new Error(`step:goto refused: ${ack.error}`);
    };
    const ok = <T,>(ack: Ack<unknown>): T => {
      if (!ack.ok) throw new Error(`refused: ${ack.error} ${ack.message}`);
      return ack.data as T;
    };

    beforeAll(async () => {
      db = await target.create();
      server = await start();
      base = server.url;
      ({ cookie } = await signUpInstructor(base, `labs-${target.kind}@example.org`));
      steps = [...lesson.steps, SWEEP_STEP];
      const created = await api(base, '/api/sessions', { cookie, body: { title: lesson.title, steps } });
      expect(created.status).toBe(201);
      ({ id: sessionId, code } = created.body.session);
      teacher = track(await new InstructorClient(base, cookie, sessionId).watching());
      teacherEvents = new LabEvents(teacher.socket);
      ada = track(new StudentClient(base, code, 'Ada'));
      await ada.joined();
      bo = track(new StudentClient(base, code, 'Bo'));
      await bo.joined();
      adaEvents = new LabEvents(ada.socket);
      boEvents = new LabEvents(bo.socket);
    }, 60_000);

    afterAll(async () => {
      for (const c of opened) c.close();
      await server?.close();
      await db?.cleanup();
    });

    it('takes a submission to each of the three labs, with result PNGs as binary attachments, and tells the instructor', async () => {
      await goto(occ.id);
      const a1 = ok<{ submission: Submission }>(
        await submit(ada.socket, { stepId: occ.id, params: { ...occ.params, fill: 'zero' }, result: occlusionResult(0.05), computedWhere: 'browser', backend: 'webgl', ms: 48.5 }),
      ).submission;
      expect(a1).toMatchObject({ sessionId, participantId: ada.participant!.id, labId: 'occlusion', stepId: occ.id, computedWhere: 'browser', backend: 'webgl', ms: 48.5, shared: false, resultImageHash: null });
      // Defaults filled in by the lab's schema.
      expect(a1.params).toMatchObject({ fill: 'zero', window: 48, brushSize: 24 });

      // The neuron lab's image per method: each stored first (lab:image), then named by hash in the result.
      await goto(neuron.id);
      const image = await png(200);
      const second = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#336699' } }).png().toBuffer();
      const guidedHash = ok<{ hash: string }>(await rawRequest(ada.socket, 'lab:image', { stepId: neuron.id, image })).hash;
      const vanillaHash = ok<{ hash: string }>(await rawRequest(ada.socket, 'lab:image', { stepId: neuron.id, image: second })).hash;
      expect(vanillaHash).not.toBe(guidedHash);
      const images = [{ method: 'guided', sha256: guidedHash }, { method: 'vanilla', sha256: vanillaHash }];
      const a2 = ok<{ submission: Submission }>(
        await submit(ada.socket, { stepId: neuron.id, params: { ...neuron.params, methods: ['guided', 'vanilla'] }, result: { ...neuronResult, images }, computedWhere: 'server', backend: 'wasm', ms: 900, image }),
      ).submission;
      // The class sees the server's own rendering of each method, never the uploaded pictures; the result image is
      // the first method's.
      const served = (a2.result as { images: Array<{ method: string; sha256: string }> }).images;
      expect(served.map((i) => i.method)).toEqual(['guided', 'vanilla']);
      expect(served.map((i) => i.sha256)).not.toContain(guidedHash);
      expect(served.map((i) => i.sha256)).not.toContain(vanillaHash);
      expect(a2.resultImageHash).toBe(served[0]!.sha256);
      for (const { sha256 } of served) {
        const fetched = await fetch(`${base}/api/images/${sha256}`);
        expect((await sharp(Buffer.from(await fetched.arrayBuffer())).metadata()).width).toBeGreaterThan(100);
      }
      for (const [hash, width] of [[guidedHash, 16], [vanillaHash, 20]] as const) {
        const fetched = await fetch(`${base}/api/images/${hash}`);
        expect(fetched.status).toBe(200);
        expect(fetched.headers.get('content-type')).toMatch(/image\/png/);
        expect((await sharp(Buffer.from(await fetched.arrayBuffer())).metadata()).width).toBe(width);
      }

      await goto(ascent.id);
      const b1 = ok<{ submission: Submission }>(
        await submit(bo.socket, { stepId: ascent.id, params: { ...ascent.params, lambda: 0.01, classIndex: 543 }, result: ascentResult, computedWhere: 'browser', backend: 'wasm', ms: 3000, image: await png(10) }),
      ).submission;
      expect(b1).toMatchObject({ participantId: bo.participant!.id, labId: 'ascent', params: { lambda: 0.01 } });
      await goto(occ.id);
      const b2 = ok<{ submission: Submission }>(
        await submit(bo.socket, { stepId: occ.id, params: occ.params, result: occlusionResult(0.3), computedWhere: 'browser', backend: 'webgl', ms: 20 }),
      ).submission;
      Object.assign(stored, { a1, a2, b1, b2 });

      await waitFor(() => teacherEvents.submitted.length >= 4, 'lab:submitted for each');
      expect(teacherEvents.submitted.map((s) => s.id)).toEqual([a1.id, a2.id, b1.id, b2.id]);
      // Students are not told about each other's work.
      expect(adaEvents.submitted).toEqual([]);
      expect(boEvents.submitted).toEqual([]);
    });

    it('refuses controls a student may not change, results that do not fit, and bad or oversized images, storing nothing', async () => {
      const before = (await server.context.store.listSubmissions(sessionId)).length;
      const refused = async (payload: Record<string, unknown>) => {
        const ack = await submit(ada.socket, payload);
        expect(ack.ok).toBe(false);
        return ack as { error: string; message: string };
      };
      const meta = { computedWhere: 'browser', backend: 'webgl', ms: 1 };
      await goto(occ.id);
      expect(await refused({ ...meta, stepId: occ.id, params: { ...occ.params, model: 'squeezenet1.1_nchw' }, result: occlusionResult(0.1) })).toMatchObject({
        error: 'CONTROL_NOT_ALLOWED',
        message: expect.stringMatching(/may not change "model"/),
      });
      expect(await refused({ ...meta, stepId: occ.id, params: { ...occ.params, window: 32 }, result: occlusionResult(0.1) })).toMatchObject({ error: 'CONTROL_NOT_ALLOWED', message: expect.stringMatching(/"window"/) });
      // Another step than the class's current one.
      expect(await refused({ ...meta, stepId: ascent.id, params: ascent.params, result: ascentResult, image: await png(1) })).toMatchObject({ error: 'NOT_CURRENT_STEP' });
      await goto(ascent.id);
      expect(await refused({ ...meta, stepId: ascent.id, params: { ...ascent.params, model: MODEL }, result: ascentResult, image: await png(1) })).toMatchObject({ error: 'CONTROL_NOT_ALLOWED', message: expect.stringMatching(/"model"/) });
      await goto(occ.id);
      expect(await refused({ ...meta, stepId: occ.id, params: occ.params, result: { ...occlusionResult(0.1), masks: [] } })).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/masks/) });
      // Sweep results come from the server only.
      expect(await refused({ ...meta, stepId: occ.id, params: occ.params, result: { classIndex: 1, baseline: 0.5, inputSize: [224, 224], window: 112, stride: 112, rows: 2, cols: 2, probabilities: [0, 0, 0, 0], shards: [] } })).toMatchObject({ error: 'BAD_REQUEST' });
      // Images: required for ascent, refused for occlusion, PNG only, bounded.
      expect(await refused({ ...meta, stepId: occ.id, params: occ.params, result: occlusionResult(0.1), image: await png(3) })).toMatchObject({ message: expect.stringMatching(/no result image/) });
      expect(await rawRequest(ada.socket, 'lab:image', { stepId: occ.id, image: await png(6) })).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/no result images/) });
      await goto(ascent.id);
      expect(await refused({ ...meta, stepId: ascent.id, params: ascent.params, result: ascentResult })).toMatchObject({ message: expect.stringMatching(/result image/) });
      const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).jpeg().toBuffer();
      expect(await refused({ ...meta, stepId: ascent.id, params: ascent.params, result: ascentResult, image: jpeg })).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE' });
      const broken = Buffer.concat([(await png(5)).subarray(0, 40)]);
      expect(await refused({ ...meta, stepId: ascent.id, params: ascent.params, result: ascentResult, image: broken })).toMatchObject({ error: 'BAD_REQUEST' });
      const huge = Buffer.alloc(LAB_LIMITS.resultImageMaxBytes + 1024);
      (await png(9)).copy(huge);
      expect(await refused({ ...meta, stepId: ascent.id, params: ascent.params, result: ascentResult, image: huge })).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
      // The JSON part has its own cap, above the general one.
      await goto(neuron.id);
      expect(await refused({ ...meta, stepId: neuron.id, params: neuron.params, result: { ...neuronResult, caption: 'x'.repeat(30_000) }, image: await png(4) })).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringMatching(/caption/) });
      expect(await refused({ ...meta, stepId: neuron.id, params: neuron.params, result: { ...neuronResult, caption: 'x'.repeat(LAB_LIMITS.submitJsonMaxBytes) } })).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
      // Binary anywhere but lab:submit keeps the general cap.
      expect(await rawRequest(ada.socket, 'lab:submissions', { stepId: Buffer.alloc(20_000) })).toMatchObject({ ok: false, error: 'PAYLOAD_TOO_LARGE' });
      // A step that is not the current one (or not a step at all) is refused before anything else.
      expect(await refused({ ...meta, stepId: 'no-such-step', params: {}, result: {} })).toMatchObject({ error: 'NOT_CURRENT_STEP' });
      expect(await refused({ ...meta, stepId: 'welcome', params: {}, result: {} })).toMatchObject({ error: 'NOT_CURRENT_STEP' });
      // lab:image: PNG only, bounded, for a lab step that takes images.
      expect(await rawRequest(ada.socket, 'lab:image', { stepId: neuron.id, image: jpeg })).toMatchObject({ ok: false, error: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(await rawRequest(ada.socket, 'lab:image', { stepId: neuron.id, image: broken })).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
      expect(await rawRequest(ada.socket, 'lab:image', { stepId: neuron.id, image: huge })).toMatchObject({ ok: false, error: 'PAYLOAD_TOO_LARGE' });
      expect(await rawRequest(ada.socket, 'lab:image', { stepId: 'no-such-step', image: await png(6) })).toMatchObject({ ok: false, error: 'NOT_CURRENT_STEP' });
      expect(ada.socket.connected).toBe(true);
      expect(await server.context.store.listSubmissions(sessionId)).toHaveLength(before);

      const guest = track(connect(server.url));
      await connected(guest);
      expect(await submit(guest, { ...meta, stepId: occ.id, params: occ.params, result: occlusionResult(0.1) })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
      expect(await rawRequest(guest, 'lab:submissions', {})).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
      expect(await rawRequest(guest, 'lab:image', { stepId: neuron.id, image: await png(7) })).toMatchObject({ ok: false, error: 'UNAUTHORIZED' });
    });

    it("shows a student their own work only until the instructor shares someone else's; students cannot share or start sweeps", async () => {
      const ids = (list: Submission[]) => list.map((s) => s.id);
      const { a1, a2, b1, b2 } = stored;
      const listOf = async (socket: ClientSocket, payload = {}) => ok<{ submissions: Submission[] }>(await rawRequest(socket, 'lab:submissions', payload)).submissions;
      expect(ids(await listOf(ada.socket))).toEqual([a1!.id, a2!.id]);
      expect(ids(await listOf(bo.socket))).toEqual([b1!.id, b2!.id]);
      expect(ids(await listOf(teacher.socket))).toEqual([a1!.id, a2!.id, b1!.id, b2!.id]);
      expect(ids(await listOf(teacher.socket, { labId: 'occlusion' }))).toEqual([a1!.id, b2!.id]);
      expect(ids(await listOf(bo.socket, { stepId: occ.id }))).toEqual([b2!.id]);

      // Instructor actions are refused before their payload is even read.
      for (const [event, payload] of [
        ['lab:share', { submissionId: a1!.id, shared: true }],
        ['lab:share', { submissionId: b2!.id, shared: true }],
        ['sweep:start', { stepId: SWEEP_STEP.id }],
        ['ascent:deal-lambdas', { stepId: ascent.id }],
        ['lab:share', 'garbage'],
      ] as const) {
        expect(await rawRequest(ada.socket, event, payload), event).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      }
      expect(ids(await listOf(bo.socket))).toEqual([b1!.id, b2!.id]);
      // Nothing was queued for the refused sweep (the workers may be warming up: the class moved to a lab step).
      expect(server.context.compute.current()?.health().queued ?? 0).toBe(0);

      const shared = ok<{ submission: Submission }>(await rawRequest(teacher.socket, 'lab:share', { submissionId: a1!.id, shared: true })).submission;
      expect(shared).toMatchObject({ id: a1!.id, shared: true });
      await waitFor(() => boEvents.shared.length >= 1, 'lab:shared at Bo');
      expect(boEvents.shared[0]).toMatchObject({ submissionId: a1!.id, shared: true, submission: { id: a1!.id, participantId: ada.participant!.id } });
      expect(ids(await listOf(bo.socket))).toEqual([a1!.id, b1!.id, b2!.id]);
      // Ada's other work stays hers.
      expect(ids(await listOf(bo.socket, { labId: 'neuron' }))).toEqual([]);

      // Unsharing hides it again (the event carries the id only).
      ok(await rawRequest(teacher.socket, 'lab:share', { submissionId: a1!.id, shared: false }));
      await waitFor(() => boEvents.shared.length >= 2, 'the unshare at Bo');
      expect(boEvents.shared[1]).toEqual({ submissionId: a1!.id, shared: false });
      expect(ids(await listOf(bo.socket))).toEqual([b1!.id, b2!.id]);
      ok(await rawRequest(teacher.socket, 'lab:share', { submissionId: a1!.id, shared: true }));
      expect(await rawRequest(teacher.socket, 'lab:share', { submissionId: 'nope', shared: true })).toMatchObject({ ok: false, error: 'NOT_FOUND' });

      // The whole gallery of a step at once (Ada's other submission is alone on its step).
      const step = { stepId: a2!.stepId };
      expect(await rawRequest(bo.socket, 'lab:share-step', { ...step, shared: true })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      expect(ids(await listOf(bo.socket, step))).toEqual([]);
      expect(ok<{ changed: number }>(await rawRequest(teacher.socket, 'lab:share-step', { ...step, shared: true })).changed).toBe(1);
      expect(ids(await listOf(bo.socket, step))).toEqual([a2!.id]);
      expect(ok<{ changed: number }>(await rawRequest(teacher.socket, 'lab:share-step', { ...step, shared: true })).changed).toBe(0);
      expect(ok<{ changed: number }>(await rawRequest(teacher.socket, 'lab:share-step', { ...step, shared: false })).changed).toBe(1);
      expect(ids(await listOf(bo.socket, step))).toEqual([]);
      expect(await rawRequest(teacher.socket, 'lab:share-step', { stepId: 'nope', shared: true })).toMatchObject({ ok: false, error: 'NOT_FOUND' });
    });

    it('deals each online student a λ of the gradient-ascent sweep', async () => {
      const dealt = ok<{ lambdas: number[]; assignments: Array<{ participantId: string; index: number; lambda: number }> }>(
        await rawRequest(teacher.socket, 'ascent:deal-lambdas', { stepId: ascent.id }),
      );
      expect(dealt.lambdas).toHaveLength(6);
      expect(dealt.lambdas[0]).toBe(0.0001);
      expect(dealt.assignments.map((a) => a.participantId).sort()).toEqual([ada.participant!.id, bo.participant!.id].sort());
      expect(new Set(dealt.assignments.map((a) => a.index)).size).toBe(2);
      await waitFor(() => adaEvents.lambdas.length >= 1 && boEvents.lambdas.length >= 1, 'ascent:lambda at both');
      const mine = dealt.assignments.find((a) => a.participantId === ada.participant!.id)!;
      expect(adaEvents.lambdas[0]).toEqual({ stepId: ascent.id, lambda: mine.lambda, index: mine.index, lambdas: dealt.lambdas });
      // Dealing again keeps everyone's λ.
      const again = ok<{ assignments: Array<{ participantId: string; index: number }> }>(await rawRequest(teacher.socket, 'ascent:deal-lambdas', { stepId: ascent.id }));
      expect(again.assignments.find((a) => a.participantId === ada.participant!.id)?.index).toBe(mine.index);
      expect(await rawRequest(teacher.socket, 'ascent:deal-lambdas', { stepId: occ.id })).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
      // A page that opens later asks for its λ, and gets the same one.
      expect(ok<{ assignment: unknown }>(await rawRequest(ada.socket, 'ascent:my-lambda', { stepId: ascent.id })).assignment).toEqual(adaEvents.lambdas[0]);
      expect(ok<{ assignment: unknown }>(await rawRequest(teacher.socket, 'ascent:my-lambda', { stepId: ascent.id })).assignment).toBeNull();
      expect(await rawRequest(ada.socket, 'ascent:my-lambda', { stepId: occ.id })).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
    });

    it('sweeps together: shards to the students, the server takes over from a student who leaves halfway, the map is stored', async () => {
      // Ada computes her shards (on the server, as a browser forced to it would) and answers each.
      const answered = new Map<number, Ack<unknown>>();
      const compute = async (socket: ClientSocket, events: LabEvents, shard: ServerPayload<'sweep:shard'>) => {
        const ack = ok<{ jobId: string }>(await rawRequest(socket, 'job:submit', { spec: shard.job }));
        const outcome = await waitFor(() => events.results.get(ack.jobId), `shard ${shard.shard.index}`, 120_000);
        if (!outcome.ok) throw new Error(outcome.message);
        const data = outcome.data as { probabilities: number[]; baseline: number };
        return { probabilities: data.probabilities, baseline: data.baseline };
      };
      ada.socket.on('sweep:shard', (shard) => {
        if (!adaComputes) return;
        void (async () => {
          const { probabilities, baseline } = await compute(ada.socket, adaEvents, shard);
          // The ack waits for the server's spot check.
          answered.set(shard.shard.index, await request(ada.socket, 'sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, probabilities, baseline }, 120_000));
        })();
      });
      // Bo answers his first shard, then closes the tab.
      let boLeft = false;
      bo.socket.on('sweep:shard', (shard) => {
        if (boLeft || shard !== boEvents.shards[0]) return;
        boLeft = true;
        void (async () => {
          const { probabilities, baseline } = await compute(bo.socket, boEvents, shard);
          const ack = await request(bo.socket, 'sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, probabilities, baseline }, 120_000);
          expect(ack).toEqual({ ok: true, data: { accepted: true } });
          bo.close();
        })();
      });

      const started = ok<{ sweepId: string; rows: number; cols: number; shards: number; dealt: Record<string, number>; classIndex: number }>(
        await rawRequest(teacher.socket, 'sweep:start', { stepId: SWEEP_STEP.id }, ),
      );
      expect(started).toMatchObject({ rows: 3, cols: 3, shards: 5, classIndex: 285 });
      expect(started.dealt).toEqual({ [ada.participant!.id]: 3, [bo.participant!.id]: 2 });
      expect(await rawRequest(teacher.socket, 'sweep:start', { stepId: SWEEP_STEP.id })).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/already running/) });

      await waitFor(() => boEvents.shards.length >= 2 && adaEvents.shards.length >= 3, 'the shards');
      // A student cannot answer a shard dealt to someone else, nor with the wrong number of positions.
      const bosShard = boEvents.shards[1]!;
      expect(await rawRequest(ada.socket, 'sweep:result', { sweepId: started.sweepId, shard: bosShard.shard.index, probabilities: [0.5, 0.5] })).toEqual({
        ok: true,
        data: { accepted: false, reason: 'not-assigned' },
      });
      expect(await rawRequest(ada.socket, 'sweep:result', { sweepId: started.sweepId, shard: adaEvents.shards[0]!.shard.index, probabilities: [0.5] })).toMatchObject({ ok: false, error: 'BAD_REQUEST' });
      expect(await rawRequest(teacher.socket, 'sweep:result', { sweepId: started.sweepId, shard: 0, probabilities: [0.5, 0.5] })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      expect(adaEvents.shards[0]!.job).toMatchObject({ kind: 'occlusion-masks', model: MODEL, params: { classIndex: 285, masks: [{ kind: 'rect', x: 0, y: 0, width: 112, height: 112 }, { kind: 'rect', x: 56, y: 0 }] } });

      const done = await waitFor(() => teacherEvents.done[0], 'sweep:done', 120_000);
      expect(done).toMatchObject({ sweepId: started.sweepId, ok: true, submission: { participantId: null, labId: 'occlusion', stepId: SWEEP_STEP.id, shared: true } });
      const result = done.submission!.result as { probabilities: number[]; shards: Array<{ index: number; by: string }>; baseline: number; rows: number };
      expect(result.rows).toBe(3);
      expect(result.probabilities).toHaveLength(9);
      expect(result.probabilities.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(result.baseline).toBeGreaterThan(0);
      const by = new Map(result.shards.map((s) => [s.index, s.by]));
      for (const s of adaEvents.shards) expect(by.get(s.shard.index)).toBe(ada.participant!.id);
      expect(by.get(boEvents.shards[0]!.shard.index)).toBe(bo.participant!.id);
      expect(by.get(bosShard.shard.index)).toBe('server');
      // Ada's acks travel on her own socket: sweep:done at the instructor may arrive before the last of them.
      const adas = adaEvents.shards.map((s) => s.shard.index);
      await waitFor(() => adas.every((i) => answered.has(i)), "the answers to Ada's shards", 120_000);
      for (const i of adas) expect(answered.get(i), `shard ${i}`).toEqual({ ok: true, data: { accepted: true } });

      // Everyone still in the session saw the grid fill in and the end.
      await waitFor(() => adaEvents.done.length >= 1, 'sweep:done at Ada');
      const last = adaEvents.progress.at(-1)!;
      expect(last.snapshot).toMatchObject({ done: 5, total: 5 });
      expect(last.snapshot.probabilities.every((p) => p !== null)).toBe(true);
      expect(teacherEvents.progress.length).toBeGreaterThanOrEqual(5);
      expect(new Set(teacherEvents.progress.map((p) => p.snapshot.done)).size).toBeGreaterThan(2);
      // Stored, shared with the class.
      const listed = ok<{ submissions: Submission[] }>(await rawRequest(ada.socket, 'lab:submissions', { stepId: SWEEP_STEP.id })).submissions;
      expect(listed.map((s) => s.id)).toEqual([done.submission!.id]);
      expect(server.context.compute.current()!.health()).toMatchObject({ queued: 0 });
    }, 180_000);

    it('takes over the shards of a student who does not answer by the deadline', async () => {
      adaComputes = false;
      const shardsBefore = adaEvents.shards.length;
      const started = ok<{ sweepId: string; shards: number; dealt: Record<string, number> }>(
        await rawRequest(teacher.socket, 'sweep:start', { stepId: SWEEP_STEP.id, stride: 112, shardTimeoutSeconds: 1 }),
      );
      // Bo has gone: Ada alone gets the two shards.
      expect(started).toMatchObject({ shards: 2, dealt: { [ada.participant!.id]: 2 } });
      const done = await waitFor(() => teacherEvents.done.find((d) => d.sweepId === started.sweepId), 'the second sweep', 60_000);
      expect(adaEvents.shards.length - shardsBefore).toBe(2);
      expect(done).toMatchObject({ ok: true, submission: { participantId: null, computedWhere: 'server' } });
      expect((done.submission!.result as { shards: Array<{ by: string }> }).shards.map((s) => s.by)).toEqual(['server', 'server']);
      // Too late now: the sweep is over.
      const late = adaEvents.shards.at(-1)!;
      expect(await rawRequest(ada.socket, 'sweep:result', { sweepId: late.sweepId, shard: late.shard.index, probabilities: [0.5, 0.5] })).toEqual({
        ok: true,
        data: { accepted: false, reason: 'the sweep is over' },
      });
      stored.sweep2 = done.submission!;
    }, 60_000);

    it('keeps every submission across a restart on the same data', async () => {
      const before = ok<{ submissions: Submission[] }>(await rawRequest(teacher.socket, 'lab:submissions', {})).submissions;
      expect(before).toHaveLength(6);
      const adaToken = ada.resumeToken!;
      for (const c of opened) c.close();
      opened.length = 0;
      await server.close();
      server = await start();
      base = server.url;

      const teacher2 = track(await new InstructorClient(base, cookie, sessionId).watching());
      expect(ok<{ submissions: Submission[] }>(await rawRequest(teacher2.socket, 'lab:submissions', {})).submissions).toEqual(before);
      const ada2 = track(new StudentClient(base, code, 'Ada', adaToken));
      await ada2.joined();
      const mine = ok<{ submissions: Submission[] }>(await rawRequest(ada2.socket, 'lab:submissions', {})).submissions;
      // Her own two (one shared) and the two shared sweeps; not Bo's.
      expect(mine.map((s) => s.id).sort()).toEqual([stored.a1!.id, stored.a2!.id, before[4]!.id, before[5]!.id].sort());
      const http = await api(base, `/api/sessions/${sessionId}/submissions`, { cookie });
      expect(http.body.submissions).toEqual(before);
    }, 60_000);
  });
});
