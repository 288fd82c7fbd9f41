/**
 * The result cache's database layer across a restart: a service with real worker threads (wasm, MobileNet v1 0.25)
 * over a real store (SQLite; PostgreSQL too with CONVLAB_TEST_PG_URL) computes an occlusion once, is closed with its
 * pool and store, and a fresh store, pool and service answer the same JobSpec from the database — the workers of the
 * second run execute nothing — with the same numbers. A result stored in an older shape of its kind is never served.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JobSpecSchema, canonicalJson, sha256Hex, type JobOutcome, type JobSpecInput } from '@convlab/protocol';
import { openStore } from '../../server/db';
import { TEST_PG_URL, freshPostgres, freshSqlite, type TestDatabase } from '../../server/db/test-databases';
import { WorkerPool } from '../../server/compute/pool';
import { ComputeService } from '../../server/compute/service';
import { encodeResult } from '../../server/compute/result-codec';

const MODELS = path.resolve(__dirname, '../../../shared/models');
const HAVE_DATA = existsSync(path.join(MODELS, 'mobilenet_v1_0.25_224'));

const OCCLUSION: JobSpecInput = {
  kind: 'occlusion',
  model: 'mobilenet_v1_0.25_224',
  image: { kind: 'sample', id: 'photos/skimage_chelsea.png' },
  params: { window: 112, stride: 56, seed: 7 },
};
/** A neuron's vanilla gradient: its result carries the neuron's receptive field (`field`) since saliency's version 2. */
const NEURON: JobSpecInput = {
  kind: 'saliency',
  model: 'mobilenet_v1_0.25_224',
  image: { kind: 'sample', id: 'photos/skimage_chelsea.png' },
  params: { method: 'vanilla', target: { kind: 'neuron', layer: 'conv_pw_13_relu', channel: 5, y: 2, x: 3 } },
};
const CLASSIFY: JobSpecInput = { kind: 'classify', model: 'mobilenet_v1_0.25_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' } };

/** A "server": store, pool and service; counts the jobs its workers execute. */
async function boot(db: TestDatabase, policy: { minComputeMs: number; kinds?: ('occlusion' | 'classify' | 'saliency')[] }) {
  const opened = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  const pool = await WorkerPool.start({ size: 1, slotsPerWorker: 2, backend: 'wasm', modelsDir: MODELS, maxBatch: 8, maxWaitMs: 2 });
  let executed = 0;
  const run = pool.run.bind(pool);
  pool.run = (task, onProgress, opts) => {
    if (task.type === 'run') executed++;
    return run(task, onProgress, opts);
  };
  const service = await ComputeService.start({ pool, results: { store: opened.jobResults, policy } });
  const compute = (spec: JobSpecInput) =>
    new Promise<JobOutcome>((resolve, reject) => {
      service.submit(spec, { ownerId: 'ada', role: 'student' }, { result: resolve }).catch(reject);
    });
  return {
    opened,
    service,
    compute,
    executed: () => executed,
    async stop() {
      await service.close();
      await pool.close();
      await opened.close();
    },
  };
}

for (const kind of ['sqlite', 'postgresql'] as const) {
  describe.skipIf(!HAVE_DATA || (kind === 'postgresql' && !TEST_PG_URL))(`compute results across a restart (${kind})`, () => {
    it('serves an identical JobSpec from the database after a restart without computing it again', { timeout: 120_000 }, async () => {
      const db = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
      try {
        // Classifications are below the keeping threshold: they are recomputed, not stored.
        const first = await boot(db, { minComputeMs: 0, kinds: ['occlusion'] });
        const computed = await first.compute(OCCLUSION);
        const classified = await first.compute(CLASSIFY);
        expect(computed.ok && !computed.computedBy.cached).toBe(true);
        expect(classified.ok).toBe(true);
        expect(first.executed()).toBe(2);
        await first.stop(); // waits for the database write

        const second = await boot(db, { minComputeMs: 0, kinds: ['occlusion'] });
        try {
          expect(await second.opened.jobResults.jobResultStats()).toMatchObject({ entries: 1 });
          const served = await second.compute(OCCLUSION);
          expect(second.executed()).toBe(0);
          expect(served.ok).toBe(true);
          if (!served.ok || !computed.ok) throw new Error('unreachable');
          expect(served.computedBy.cached).toBe(true);
          expect(served.specHash).toBe(computed.specHash);
          const a = computed.data as { probabilities: Float32Array; topClass: Int32Array; baseline: number };
          const b = served.data as typeof a;
          expect(b.probabilities).toBeInstanceOf(Float32Array);
          expect(b.topClass).toBeInstanceOf(Int32Array);
          expect(Array.from(b.probabilities)).toEqual(Array.from(a.probabilities));
          expect(Array.from(b.topClass)).toEqual(Array.from(a.topClass));
          expect(b.baseline).toBe(a.baseline);
          // The next one comes from memory; the classification, not stored, runs again.
          expect((await second.compute(OCCLUSION)).ok).toBe(true);
          expect(second.service.health().cache.stored).toMatchObject({ hits: 1 });
          expect((await second.compute(CLASSIFY)).ok).toBe(true);
          expect(second.executed()).toBe(1);
        } finally {
          await second.stop();
        }
      } finally {
        await db.drop();
      }
    });

    it('never serves a result stored in an older shape of its kind (a saliency without its receptive field)', { timeout: 120_000 }, async () => {
      const db = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
      try {
        // What a server stored before saliency results had `field`: keyed by the spec alone.
        const oldKey = sha256Hex(new TextEncoder().encode(canonicalJson(JobSpecSchema.parse(NEURON))));
        const oldShape = { specHash: oldKey, kind: 'saliency', computedBy: { where: 'server', backend: 'wasm', ms: 900, cached: false, batched: false }, data: { method: 'vanilla', value: 1, map: { height: 1, width: 1, channels: 1, data: new Float32Array(1) } } };
        const before = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
        await before.jobResults.saveJobResult({ specHash: oldKey, kind: 'saliency', modelId: 'mobilenet_v1_0.25_224', payload: encodeResult(oldShape), computeMs: 900 });
        await before.close();

        const server = await boot(db, { minComputeMs: 0, kinds: ['saliency'] });
        try {
          const out = await server.compute(NEURON);
          expect(server.executed()).toBe(1);
          if (!out.ok) throw new Error(out.message);
          expect(out.computedBy.cached).toBe(false);
          expect(out.specHash).not.toBe(oldKey);
          const field = (out.data as { field?: { box: number[]; inputSize: number[] } }).field;
          expect(field?.inputSize).toEqual([224, 224]);
          expect(field?.box).toHaveLength(4);
        } finally {
          await server.stop();
        }
      } finally {
        await db.drop();
      }
    });
  });
}
