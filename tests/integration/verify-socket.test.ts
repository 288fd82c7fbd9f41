/**
 * What the class sees is computed or checked by the server, end to end: a real server (port 0, no Next.js), real
 * socket.io clients, real models from ../shared/models, SQLite (and PostgreSQL with CONVLAB_TEST_PG_URL). Forged
 * occlusion probabilities, a forged ascent score, uploaded "method images" and forged sweep shards and baselines
 * never reach what the class sees: the server's own values do.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClassMap, classMapMean, galleryByLayer, howCnnsSeeLesson, latestPerStudent, type NeuronResult, type OcclusionResult } from '@convlab/labs';
import type { Ack, JobOutcome, LabStep, ServerPayload, Submission } from '@convlab/protocol';
import type { RunningServer } from '../../server/index';
import { startComputeServer } from './helpers/api-server';
import { InstructorClient, StudentClient, api, rawRequest, request, signUpInstructor, waitFor, type ClientSocket } from './helpers/clients';
import { databaseTargets, type TestDatabase } from './helpers/databases';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE_DATA = existsSync(path.join(MODELS, MODEL)) && existsSync(path.join(MODELS, 'squeezenet1.1_nchw'));
const IMAGE = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;

/** Occlusion on the small MobileNet: free-drawn masks, and a 3 × 3 class sweep in 5 shards of 2. */
const OCC_STEP: LabStep = {
  kind: 'lab',
  id: 'occ-check',
  title: 'Occlusion',
  markdown: '',
  labId: 'occlusion',
  params: { model: MODEL, image: IMAGE, classIndex: 285, fill: 'grey', window: 112, stride: 56, shardSize: 2, shardTimeoutSeconds: 120 },
};

/** A request whose ack waits for the server's check (the first one also starts the compute workers). */
const slow = (socket: ClientSocket, event: 'lab:submit' | 'sweep:result', payload: unknown): Promise<Ack<unknown>> => request(socket, event, payload as never, 120_000);

const ok = <T,>(ack: Ack<unknown>): T => {
  if (!ack.ok) throw new Error(`refused: ${ack.error} ${ack.message}`);
  return ack.data as T;
};

describe.skipIf(!HAVE_DATA)('the server checks what the class sees', () => {
  describe.each(databaseTargets())('on $kind', (target) => {
    let db: TestDatabase;
    let server: RunningServer;
    let teacher: InstructorClient;
    let ada: StudentClient;
    let bo: StudentClient;
    const results = new Map<string, JobOutcome>();
    const done: ServerPayload<'sweep:done'>[] = [];
    const shards = new Map<string, ServerPayload<'sweep:shard'>[]>();
    const lesson = howCnnsSeeLesson();
    const neuron = lesson.steps.find((s) => s.id === 'guided-backprop') as LabStep;
    const ascent = lesson.steps.find((s) => s.id === 'gradient-ascent') as LabStep;

    const steps = [OCC_STEP, neuron, ascent];
    /** Students act on the class's current step only (NOT_CURRENT_STEP otherwise): the instructor moves there first. */
    const goto = async (step: LabStep) => {
      const ack = await request(teacher.socket, 'step:goto', { index: steps.indexOf(step) });
      if (!ack.ok) throw new Error(`step:goto refused: ${ack.error} ${ack.message}`);
    };

    /** Runs a job on the server as `socket` and returns its data. */
    async function compute(socket: ClientSocket, spec: unknown): Promise<any> {
      const { jobId } = ok<{ jobId: string }>(await rawRequest(socket, 'job:submit', { spec }));
      const outcome = await waitFor(() => results.get(jobId), `job ${jobId}`, 120_000);
      if (!outcome.ok) throw new Error(outcome.message);
      return outcome.data;
    }

    beforeAll(async () => {
      db = await target.create();
      server = await startComputeServer(db, MODELS);
      const { cookie } = await signUpInstructor(server.url, `verify-${target.kind}@example.org`);
      const created = await api(server.url, '/api/sessions', { cookie, body: { title: 'Checks', steps } });
      const { id: sessionId, code } = created.body.session;
      teacher = await new InstructorClient(server.url, cookie, sessionId).watching();
      teacher.socket.on('sweep:done', (e) => done.push(e));
      // One after the other: a sweep deals its shards in join order (Ada 3, Bo 2).
      ada = await new StudentClient(server.url, code, 'Ada').joined();
      bo = await new StudentClient(server.url, code, 'Bo').joined();
      for (const s of [ada, bo, teacher]) s.socket.on('job:result', (o) => results.set(o.jobId, o));
      for (const s of [ada, bo]) s.socket.on('sweep:shard', (e) => shards.set(s.participant!.id, [...(shards.get(s.participant!.id) ?? []), e]));
    }, 60_000);

    afterAll(async () => {
      for (const c of [teacher, ada, bo]) c?.close();
      await server?.close();
      await db?.cleanup();
    });

    it('stores the server’s occlusion probabilities, not forged ones, so they never reach the class map', async () => {
      const masks = [
        { kind: 'rect', x: 60, y: 40, width: 100, height: 110 },
        { kind: 'rect', x: 0, y: 0, width: 30, height: 30 },
      ];
      const forged = { classIndex: 285, baseline: 0.99, inputSize: [224, 224], masks: masks.map((mask) => ({ mask, probability: 0, topClass: 1, topProbability: 1 })) };
      const stored = ok<{ submission: Submission }>(
        await slow(ada.socket, 'lab:submit', { stepId: OCC_STEP.id, params: OCC_STEP.params, result: forged, computedWhere: 'browser', backend: 'webgl', ms: 5 }),
      ).submission;
      const truth = await compute(ada.socket, { kind: 'occlusion-masks', model: MODEL, image: IMAGE, params: { masks, fill: 'grey', classIndex: 285 } });
      const result = stored.result as OcclusionResult;
      expect(result.baseline).toBeCloseTo(truth.baseline, 6);
      expect(result.baseline).not.toBeCloseTo(0.99, 2);
      result.masks.forEach((m, i) => {
        expect(m.probability).toBeCloseTo(truth.probabilities[i], 6);
        expect(m.topClass).toBe(truth.topClass[i]);
      });
      // The instructor's list (what the class map is built from) holds the server's numbers.
      const listed = ok<{ submissions: Submission[] }>(await rawRequest(teacher.socket, 'lab:submissions', { stepId: OCC_STEP.id })).submissions;
      const map = classMapMean(buildClassMap(listed.map((s) => s.result as OcclusionResult), 285, 224, 224));
      expect(map[100 * 224 + 100]).toBeCloseTo(truth.baseline - truth.probabilities[0], 5);
    }, 120_000);

    it('replaces a forged gradient-ascent score with the score of the submitted image', async () => {
      const image = await sharp({ create: { width: 227, height: 227, channels: 3, background: { r: 200, g: 180, b: 40 } } }).png().toBuffer();
      await goto(ascent);
      const forged = { classIndex: 951, score: 1e6, objective: 1e6 - 3, scores: [1, 1e6] };
      const stored = ok<{ submission: Submission }>(
        await slow(bo.socket, 'lab:submit', { stepId: ascent.id, params: { ...ascent.params, classIndex: 951 }, result: forged, computedWhere: 'browser', backend: 'webgl', ms: 5, image }),
      ).submission;
      const truth = await compute(bo.socket, {
        kind: 'saliency',
        model: (ascent.params as { model: string }).model,
        image: { kind: 'upload', sha256: stored.resultImageHash },
        params: { method: 'vanilla', target: { kind: 'class', index: 951 } },
      });
      const result = stored.result as { score: number; objective: number };
      expect(result.score).toBeCloseTo(truth.value, 4);
      expect(result.score).toBeLessThan(1000);
      expect(result.objective).toBeCloseTo(truth.value - 3, 4);
    }, 120_000);

    it('shows the server’s rendering of neuron method images, never an uploaded picture', async () => {
      await goto(neuron);
      const picture = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ff00ff' } }).png().toBuffer();
      const hash = ok<{ hash: string }>(await rawRequest(ada.socket, 'lab:image', { stepId: neuron.id, image: picture })).hash;
      const pick = { kind: 'neuron', layer: 'fire9_concat', channel: 7, y: 3, x: 4 };
      const stored = ok<{ submission: Submission }>(
        await slow(ada.socket, 'lab:submit', {
          stepId: neuron.id,
          params: { ...neuron.params, pick, methods: ['guided'] },
          result: { pick, caption: 'not what the network sees', value: 1e5, images: [{ method: 'guided', sha256: hash }], field: { box: [0, 0, 1, 1], inputSize: [2, 2], cropFraction: 1 } },
          computedWhere: 'browser',
          backend: 'webgl',
          ms: 5,
          image: picture,
        }),
      ).submission;
      const result = stored.result as { images: Array<{ method: string; sha256: string }>; value: number };
      expect(result.images).toHaveLength(1);
      expect(result.images[0]!.sha256).not.toBe(hash);
      expect(stored.resultImageHash).toBe(result.images[0]!.sha256);
      const truth = await compute(ada.socket, { kind: 'saliency', model: (neuron.params as { model: string }).model, image: (neuron.params as { image: unknown }).image, params: { method: 'guided', target: pick } });
      expect(result.value).toBeCloseTo(truth.value, 4);
      // The receptive field the crops show is the server's, not the one sent.
      expect((stored.result as { field: unknown }).field).toEqual(truth.field);
      expect(truth.field.box[2] - truth.field.box[0]).toBeGreaterThan(50);
      const served = Buffer.from(await (await fetch(`${server.url}/api/images/${stored.resultImageHash}`)).arrayBuffer());
      const { data } = await sharp(served).raw().toBuffer({ resolveWithObject: true });
      // Not the magenta square: the server's guided-backprop picture of the photo.
      expect(data.subarray(0, 3).equals(Buffer.from([255, 0, 255]))).toBe(false);
    }, 180_000);

    it('counts a student who resubmits once, with their latest work; every submission stays stored', async () => {
      await goto(OCC_STEP);
      const mask = { kind: 'rect', x: 0, y: 0, width: 224, height: 224 };
      const again = ok<{ submission: Submission }>(
        await slow(ada.socket, 'lab:submit', { stepId: OCC_STEP.id, params: OCC_STEP.params, result: { classIndex: 285, baseline: 0.5, inputSize: [224, 224], masks: [{ mask, probability: 0.5 }] }, computedWhere: 'browser', backend: 'webgl', ms: 5 }),
      ).submission;
      const occlusion = ok<{ submissions: Submission[] }>(await rawRequest(teacher.socket, 'lab:submissions', { stepId: OCC_STEP.id })).submissions;
      const adas = occlusion.filter((s) => s.participantId === ada.participant!.id);
      expect(adas).toHaveLength(2);
      const latest = latestPerStudent(occlusion);
      expect(latest.filter((s) => s.participantId === ada.participant!.id).map((s) => s.id)).toEqual([again.id]);
      const map = buildClassMap(latest.filter((s) => 'masks' in (s.result as object)).map((s) => s.result as OcclusionResult), 285, 224, 224);
      expect(map).toMatchObject({ submissions: 1, masks: 1 });
      // The gallery too: one card per student.
      const pick = { kind: 'neuron', layer: 'fire9_concat', channel: 7, y: 3, x: 4 };
      await goto(neuron);
      ok(await slow(ada.socket, 'lab:submit', { stepId: neuron.id, params: { ...neuron.params, pick, methods: ['guided'] }, result: { pick, caption: 'again', value: 0, images: [] }, computedWhere: 'browser', backend: 'webgl', ms: 5, image: await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer() }));
      const picks = ok<{ submissions: Submission[] }>(await rawRequest(teacher.socket, 'lab:submissions', { stepId: neuron.id })).submissions;
      expect(picks).toHaveLength(2);
      const cards = galleryByLayer(latestPerStudent(picks).map((s) => ({ ...s, result: s.result as NeuronResult })));
      expect(cards.flatMap((g) => g.items).map((s) => s.result.caption)).toEqual(['again']);
    }, 120_000);

    it('rejects a forged shard and a forged baseline; the server recomputes every shard of that student', async () => {
      const adaId = ada.participant!.id;
      const boId = bo.participant!.id;
      const answers = new Map<string, Ack<unknown>[]>();
      const answer = async (who: StudentClient, shard: ServerPayload<'sweep:shard'>, forge: (d: { probabilities: number[]; baseline: number }) => { probabilities: number[]; baseline?: number }) => {
        const data = await compute(who.socket, shard.job);
        const ack = await slow(who.socket, 'sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, ...forge(data) });
        answers.set(who.participant!.id, [...(answers.get(who.participant!.id) ?? []), ack]);
        return ack;
      };
      const started = ok<{ sweepId: string; dealt: Record<string, number> }>(await rawRequest(teacher.socket, 'sweep:start', { stepId: OCC_STEP.id }));
      expect(started.dealt).toEqual({ [adaId]: 3, [boId]: 2 });
      await waitFor(() => (shards.get(adaId)?.length ?? 0) >= 3 && (shards.get(boId)?.length ?? 0) >= 2, 'the shards');
      const [a0, a1] = shards.get(adaId)!;
      const [b0, b1] = shards.get(boId)!;
      // Ada is honest (with a browser's rounding) but claims a baseline of 0.99 on her second shard.
      expect(await answer(ada, a0!, (d) => ({ probabilities: d.probabilities.map((p) => Math.min(1, p + 0.001)), baseline: d.baseline }))).toEqual({ ok: true, data: { accepted: true } });
      // Bo makes up his first shard.
      expect(await answer(bo, b0!, () => ({ probabilities: [0.5, 0.5] }))).toEqual({ ok: true, data: { accepted: false, reason: 'failed-check' } });
      // Now nothing of Bo's counts, however right.
      expect(await answer(bo, b1!, (d) => ({ probabilities: d.probabilities }))).toEqual({ ok: true, data: { accepted: false, reason: 'untrusted' } });
      expect(await answer(ada, a1!, (d) => ({ probabilities: d.probabilities, baseline: 0.99 }))).toEqual({ ok: true, data: { accepted: false, reason: 'failed-check' } });

      const finished = await waitFor(() => done.find((d) => d.sweepId === started.sweepId), 'sweep:done', 120_000);
      expect(finished.ok).toBe(true);
      const result = finished.submission!.result as { baseline: number; probabilities: number[]; shards: Array<{ index: number; by: string }> };
      // Ada's first shard was accepted before she was caught; then all of hers went to the server too.
      expect(result.shards.map((s) => s.by)).toEqual(['server', 'server', 'server', 'server', 'server']);
      const windows = Array.from({ length: 9 }, (_, i) => ({ kind: 'rect', x: (i % 3) * 56, y: Math.floor(i / 3) * 56, width: 112, height: 112 }));
      const truth = await compute(teacher.socket, { kind: 'occlusion-masks', model: MODEL, image: IMAGE, params: { masks: windows, fill: 'grey', classIndex: 285 } });
      expect(result.baseline).toBeCloseTo(truth.baseline, 4);
      result.probabilities.forEach((p, i) => expect(Math.abs(p - truth.probabilities[i])).toBeLessThan(2e-3));
    }, 240_000);
  });
});
