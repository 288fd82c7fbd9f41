/**
 * The JobResultStore contract: one suite every implementation must pass (memory, SQLite, PostgreSQL).
 * Only for tests: it imports vitest. Exported through `@convlab/classroom/testing`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobResultStore, NewJobResult } from './job-results';

export interface JobResultStoreHarness {
  store: JobResultStore;
  dispose(): Promise<void>;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const hash = (n: number) => n.toString(16).padStart(64, '0');
const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s));

function result(n: number, size = 16, computeMs = 500): NewJobResult {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + n) & 0xff;
  return { specHash: hash(n), kind: 'occlusion', modelId: 'mobilenet_v1_0.25_224', payload, computeMs };
}

export function describeJobResultStoreContract(name: string, open: () => Promise<JobResultStoreHarness>): void {
  describe(`JobResultStore contract: ${name}`, () => {
    let h: JobResultStoreHarness;
    let store: JobResultStore;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('stores bytes exactly (every byte value, not a JSON number array) and finds them by hash', async () => {
      const payload = new Uint8Array(256);
      for (let i = 0; i < 256; i++) payload[i] = i;
      const saved = await store.saveJobResult({ ...result(1), payload, computeMs: 812.5 }, at(0));
      expect(saved).toMatchObject({ specHash: hash(1), kind: 'occlusion', modelId: 'mobilenet_v1_0.25_224', size: 256, computeMs: 812.5 });
      expect(saved.createdAt).toMatch(ISO);
      expect(saved.lastUsedAt).toBe(at(0).toISOString());
      const found = await store.findJobResult(hash(1));
      expect(found).not.toBeNull();
      expect(found!.payload).toBeInstanceOf(Uint8Array);
      expect(Array.from(found!.payload)).toEqual(Array.from(payload));
      expect(found!.size).toBe(256);
      expect(await store.findJobResult(hash(2))).toBeNull();
    });

    it('a find with touchAt marks the result used; a plain find does not', async () => {
      await store.saveJobResult(result(1), at(0));
      expect((await store.findJobResult(hash(1)))!.lastUsedAt).toBe(at(0).toISOString());
      expect((await store.findJobResult(hash(1), at(5)))!.lastUsedAt).toBe(at(5).toISOString());
      expect((await store.findJobResult(hash(1)))!.lastUsedAt).toBe(at(5).toISOString());
      expect(await store.findJobResult(hash(9), at(5))).toBeNull();
    });

    it('saving the same hash again replaces the payload and keeps createdAt', async () => {
      const first = await store.saveJobResult(result(1, 8), at(0));
      const second = await store.saveJobResult({ ...result(1, 24), computeMs: 100 }, at(3));
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.lastUsedAt).toBe(at(3).toISOString());
      expect(second.size).toBe(24);
      expect((await store.findJobResult(hash(1)))!.payload.byteLength).toBe(24);
      expect(await store.jobResultStats()).toEqual({ entries: 1, bytes: 24 });
    });

    it('refuses malformed results', async () => {
      await expect(store.saveJobResult({ ...result(1), specHash: 'nope' })).rejects.toThrow(TypeError);
      await expect(store.saveJobResult({ ...result(1), computeMs: -1 })).rejects.toThrow(TypeError);
      await expect(store.saveJobResult({ ...result(1), payload: [1, 2] as unknown as Uint8Array })).rejects.toThrow(TypeError);
      expect(await store.jobResultStats()).toEqual({ entries: 0, bytes: 0 });
    });

    it('prunes by age, then the least recently used beyond the count and byte bounds', async () => {
      for (let i = 1; i <= 5; i++) await store.saveJobResult(result(i, 100), at(i));
      await store.findJobResult(hash(1), at(10)); // 1 becomes the most recently used
      expect(await store.jobResultStats()).toEqual({ entries: 5, bytes: 500 });
      // age: 2 (used at 2 s) goes
      expect(await store.pruneJobResults({ usedBefore: at(3) })).toBe(1);
      expect(await store.findJobResult(hash(2))).toBeNull();
      // count: keep 3 of 1,3,4,5 by recency (1,5,4) → 3 goes
      expect(await store.pruneJobResults({ maxEntries: 3 })).toBe(1);
      expect(await store.findJobResult(hash(3))).toBeNull();
      // bytes: keep 250 → only 1 and 5 fit
      expect(await store.pruneJobResults({ maxBytes: 250 })).toBe(1);
      expect(await store.findJobResult(hash(4))).toBeNull();
      expect(await store.findJobResult(hash(1))).not.toBeNull();
      expect(await store.findJobResult(hash(5))).not.toBeNull();
      expect(await store.pruneJobResults({ maxBytes: 250, maxEntries: 10 })).toBe(0);
      expect(await store.jobResultStats()).toEqual({ entries: 2, bytes: 200 });
      expect((await store.listJobResultHashes()).sort()).toEqual([hash(1), hash(5)]);
    });
  });
}
