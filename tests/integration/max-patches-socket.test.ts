/**
 * The class search of maximally activating patches, end to end: a real server (port 0, no Next.js), real socket.io
 * clients computing their shards with the server's compute service (as a browser falling back to it would), real
 * MobileNet v1 0.25 and ImageNet samples from ../shared, SQLite (and PostgreSQL with CONVLAB_TEST_PG_URL). A student
 * leaving mid-way leaves the search complete and equal to one machine's `patches` job over the same images; forged
 * shard answers are refused and recomputed.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardPatches, type MaxPatchResult } from '@convlab/labs';
import type { Ack, JobOutcome, LabStep, ServerPayload } from '@convlab/protocol';
import { useApiServer } from './helpers/api-server';
import { InstructorClient, StudentClient, api, rawRequest, request, signUpInstructor, waitFor, type ClientSocket } from './helpers/clients';
import { databaseTargets } from './helpers/databases';

const SHARED = path.resolve(__dirname, '../../../shared');
const MODELS = path.join(SHARED, 'models');
const MODEL = 'mobilenet_v1_0.25_224';
const SAMPLES = path.join(SHARED, 'images/imagenet-samples');
const HAVE_DATA = existsSync(path.join(MODELS, MODEL)) && existsSync(SAMPLES);
const LAYER = 'conv_pw_3_relu';
const CHANNELS = [5, 11];

/** 20 images in 4 shards of 5: Ada gets shards 0 and 2, Bo 1 and 3 (dealt in join order). */
const STEP: LabStep = {
  kind: 'lab',
  id: 'patches',
  title: 'Maximally activating patches',
  markdown: '',
  labId: 'max-patches',
  params: { model: MODEL, layers: [LAYER, 'conv_pw_5_relu'], layer: LAYER, channels: CHANNELS, images: 'imagenet-samples', imageCount: 20, shardSize: 5, shardTimeoutSeconds: 120 },
};

const ok = <T,>(ack: Ack<unknown>): T => {
  if (!ack.ok) throw new Error(`refused: ${ack.error} ${ack.message}`);
  return ack.data as T;
};

type Entries = Array<{ channel: number; index: number; value: number; y: number; x: number; box: number[] }>;

describe.skipIf(!HAVE_DATA)('the class max-patch search', () => {
  describe.each(databaseTargets())('on $kind', (target) => {
    const api_ = useApiServer(target, { env: { CONVLAB_COMPUTE_WORKERS: '1', CONVLAB_COMPUTE_BACKEND: 'wasm', CONVLAB_IMAGES_DIR: path.join(SHARED, 'images') }, compute: { slotsPerWorker: 2, modelsDir: MODELS } });
    let teacher: InstructorClient;
    let code: string;
    const students: StudentClient[] = [];
    const results = new Map<string, JobOutcome>();
    const done: ServerPayload<'patches:done'>[] = [];
    const progress: ServerPayload<'patches:progress'>[] = [];
    const shards = new Map<string, ServerPayload<'patches:shard'>[]>();
    // The search's images: the first 20 ImageNet samples by file name, as the server lists them.
    const images = readdirSync(SAMPLES).sort().slice(0, 20).map((f) => ({ kind: 'sample' as const, id: `imagenet-samples/${f}` }));

    async function join(name: string): Promise<StudentClient> {
      const s = await new StudentClient(api_.base, code, name).joined();
      s.socket.on('job:result', (o) => results.set(o.jobId, o));
      s.socket.on('patches:shard', (e) => shards.set(s.participant!.id, [...(shards.get(s.participant!.id) ?? []), e]));
      students.push(s);
      return s;
    }

    /** Runs a job on the server as `socket` and returns its data. */
    async function compute(socket: ClientSocket, spec: unknown): Promise<{ entries: Entries }> {
      const { jobId } = ok<{ jobId: string }>(await rawRequest(socket, 'job:submit', { spec }));
      const outcome = await waitFor(() => results.get(jobId), `job ${jobId}`, 120_000);
      if (!outcome.ok) throw new Error(outcome.message);
      return outcome.data as { entries: Entries };
    }

    const answer = (who: StudentClient, shard: ServerPayload<'patches:shard'>, entries: Entries) =>
      request(who.socket, 'patches:result', { searchId: shard.searchId, shard: shard.shard.index, entries: shardPatches({ entries: entries as never }) }, 120_000);

    /** One machine's search: one `patches` job over all 20 images. */
    async function single(): Promise<Entries> {
      return (await compute(teacher.socket, { kind: 'patches', model: MODEL, params: { layer: LAYER, channels: CHANNELS, k: 9, images, crops: false } })).entries;
    }

    function expectEqualToSingle(result: MaxPatchResult, truth: Entries): void {
      for (const [j, channel] of CHANNELS.entries()) {
        const mine = result.channels[j]!;
        expect(mine.channel).toBe(channel);
        expect(mine.top.map((e) => [e.index, e.image, e.value, e.y, e.x, e.box])).toEqual(
          truth.filter((e) => e.channel === channel).map((e) => [e.index, images[e.index], e.value, e.y, e.x, e.box]),
        );
      }
    }

    beforeAll(async () => {
      const { cookie } = await signUpInstructor(api_.base, `patches-${target.kind}@example.org`);
      const created = await api(api_.base, '/api/sessions', { cookie, body: { title: 'Patches', steps: [STEP] } });
      code = created.body.session.code;
      teacher = await new InstructorClient(api_.base, cookie, created.body.session.id).watching();
      teacher.socket.on('patches:done', (e) => done.push(e));
      teacher.socket.on('patches:progress', (e) => progress.push(e));
      teacher.socket.on('job:result', (o) => results.set(o.jobId, o));
    }, 60_000);

    afterAll(() => {
      for (const c of [teacher, ...students]) c?.close();
    });

    it('completes with a student leaving mid-way and equals one machine’s search', async () => {
      const ada = await join('Ada');
      const bo = await join('Bo');
      const [adaId, boId] = [ada.participant!.id, bo.participant!.id];
      // A student cannot start a search.
      expect(await rawRequest(ada.socket, 'patches:start', { stepId: STEP.id })).toMatchObject({ ok: false, error: 'FORBIDDEN' });
      const started = ok<ServerPayload<'patches:shard'> & { dealt: Record<string, number>; images: number; shards: number }>(
        await request(teacher.socket, 'patches:start', { stepId: STEP.id }, 60_000),
      );
      expect(started).toMatchObject({ images: 20, shards: 4, dealt: { [adaId]: 2, [boId]: 2 } });
      await waitFor(() => (shards.get(adaId)?.length ?? 0) >= 2 && (shards.get(boId)?.length ?? 0) >= 2, 'the shards');
      const [a0, a2] = shards.get(adaId)!;
      const [b1] = shards.get(boId)!;
      // Bo answers his first shard, then closes his laptop: the server takes his second over at once.
      expect(await answer(bo, b1!, (await compute(bo.socket, b1!.job)).entries)).toEqual({ ok: true, data: { accepted: true } });
      bo.close();
      for (const s of [a0!, a2!]) expect(await answer(ada, s, (await compute(ada.socket, s.job)).entries)).toEqual({ ok: true, data: { accepted: true } });
      const finished = await waitFor(() => done.find((d) => d.searchId === (started as unknown as { searchId: string }).searchId), 'patches:done', 120_000);
      expect(finished.ok).toBe(true);
      const result = finished.submission!.result as MaxPatchResult;
      expect(result.shards.map((s) => s.by)).toEqual([adaId, boId, adaId, 'server']);
      expectEqualToSingle(result, await single());
      // The grid filled in live: the progress events grew to the final top 9.
      const last = progress.filter((p) => p.searchId === finished.searchId).at(-1)!;
      expect(last.done).toBe(4);
      expect(last.channels.map((c) => c.top.length)).toEqual([9, 9]);
      // Kept: the class's search is a shared submission of the step.
      const listed = ok<{ submissions: Array<{ id: string; shared: boolean }> }>(await rawRequest(ada.socket, 'lab:submissions', { stepId: STEP.id })).submissions;
      expect(listed.find((s) => s.id === finished.submission!.id)?.shared).toBe(true);
    }, 240_000);

    it('refuses forged answers (a raised value, a wrong shape, a shard not theirs, a submitted result) and recomputes them', async () => {
      const cy = await join('Cy');
      const di = await join('Di');
      const [cyId, diId] = [cy.participant!.id, di.participant!.id];
      const started = ok<{ searchId: string; dealt: Record<string, number> }>(await request(teacher.socket, 'patches:start', { stepId: STEP.id }, 60_000));
      // Ada is still online (joined in the first test): three students.
      expect(Object.keys(started.dealt).sort()).toEqual([students[0]!.participant!.id, cyId, diId].sort());
      await waitFor(() => shards.get(cyId)?.some((s) => s.searchId === started.searchId) && shards.get(diId)?.some((s) => s.searchId === started.searchId), 'the shards');
      const cyShard = shards.get(cyId)!.find((s) => s.searchId === started.searchId)!;
      const diShard = shards.get(diId)!.find((s) => s.searchId === started.searchId)!;
      const honest = (await compute(cy.socket, cyShard.job)).entries;
      // Malformed: one channel's patches missing.
      expect(await answer(cy, cyShard, honest.filter((e) => e.channel === CHANNELS[0]))).toMatchObject({ ok: false, error: 'BAD_REQUEST', message: expect.stringMatching(/needs 5 patches/) });
      // Not hers: Cy answers Di's shard.
      expect(await answer(cy, diShard, honest)).toEqual({ ok: true, data: { accepted: false, reason: 'not-assigned' } });
      // A raised value: refused after the server's check, and everything of Cy's goes to the server.
      const raised = honest.map((e, i) => (i === 0 ? { ...e, value: e.value + 1 } : e));
      expect(await answer(cy, cyShard, raised)).toEqual({ ok: true, data: { accepted: false, reason: 'failed-check' } });
      // A student cannot store a search result of their own either.
      const forged = { model: MODEL, layer: LAYER, inputSize: [224, 224], images: 20, channels: [{ channel: 5, top: [] }], shards: [] };
      expect(await request(cy.socket, 'lab:submit', { stepId: STEP.id, params: STEP.params, result: forged, computedWhere: 'browser', backend: 'webgl', ms: 1 } as never, 60_000)).toMatchObject({
        ok: false,
        error: 'BAD_REQUEST',
      });
      // The others leave: the server finishes alone, with its own values.
      for (const s of students) s.close();
      const finished = await waitFor(() => done.find((d) => d.searchId === started.searchId), 'patches:done', 180_000);
      const result = finished.submission!.result as MaxPatchResult;
      expect(result.shards.every((s) => s.by !== cyId)).toBe(true);
      expectEqualToSingle(result, await single());
    }, 300_000);
  });
});
