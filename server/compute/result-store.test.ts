import { describe, expect, it } from 'vitest';
import { MemoryJobResultStore } from '@convlab/classroom';
import type { JobResult } from '@convlab/protocol';
import { decodeResult, encodeResult } from './result-codec';
import { PersistentResults, worthKeeping, DEFAULT_PERSIST_POLICY } from './result-store';

const HASH = 'a'.repeat(64);

function occlusion(ms: number, n = 4): JobResult {
  return {
    jobId: 'job-1',
    specHash: HASH,
    kind: 'occlusion',
    computedBy: { where: 'server', backend: 'wasm', ms, cached: false, batched: true, worker: 3 },
    data: { classIndex: 281, baseline: 0.5, rows: 2, cols: 2, window: 112, stride: 112, probabilities: new Float32Array(n).fill(0.25), topClass: new Int32Array(n).fill(-7), topProbability: new Float32Array(n) },
  } as JobResult;
}

describe('result codec', () => {
  it('round-trips typed arrays, ArrayBuffers (PNGs) and JSON, storing arrays as raw bytes', () => {
    const map = new Float32Array(224 * 224).map((_, i) => Math.sin(i));
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const value = { method: 'saliency', value: -1.5, map: { height: 224, width: 224, channels: 1, data: map }, png, buf: png.buffer.slice(1, 4), list: [1, 'x', null], sub: new Int32Array([1, -2, 3]).subarray(1) };
    const bytes = encodeResult(value);
    expect(bytes.byteLength).toBeLessThan(map.byteLength + 512); // not a JSON number array (≈ 4 MB)
    const back = decodeResult<typeof value>(bytes);
    expect(back.map.data).toBeInstanceOf(Float32Array);
    expect(back.map.data).toEqual(map);
    expect(back.png).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.png)).toEqual(Array.from(png));
    expect(back.buf).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(back.buf))).toEqual([0x50, 0x4e, 0x47]);
    expect(Array.from(back.sub)).toEqual([-2, 3]);
    expect(back.list).toEqual([1, 'x', null]);
    expect(back.value).toBe(-1.5);
  });

  it('refuses bytes that are not an encoded result', () => {
    expect(() => decodeResult(new Uint8Array(20))).toThrow(/not an encoded/);
    const bytes = encodeResult({ a: new Float32Array(8) });
    expect(() => decodeResult(bytes.subarray(0, bytes.byteLength - 16))).toThrow(/corrupt/);
  });
});

describe('PersistentResults', () => {
  it('keeps results that were costly, computed here and not too large; skips the others', () => {
    const p = { ...DEFAULT_PERSIST_POLICY, minComputeMs: 250, maxResultBytes: 1000 };
    expect(worthKeeping(occlusion(300), 100, p)).toBe(true);
    expect(worthKeeping(occlusion(100), 100, p)).toBe(false);
    expect(worthKeeping(occlusion(300), 2000, p)).toBe(false);
    const cached = occlusion(300);
    cached.computedBy.cached = true;
    expect(worthKeeping(cached, 100, p)).toBe(false);
    expect(worthKeeping(occlusion(300), 100, { ...p, kinds: ['saliency'] })).toBe(false);
  });

  it('stores what is worth keeping, loads it back marked used, and prunes by size', async () => {
    const store = new MemoryJobResultStore();
    let now = Date.UTC(2026, 0, 1);
    const persisted = new PersistentResults(store, { minComputeMs: 250, pruneEvery: 1, maxBytes: 10_000 }, () => now);
    expect(persisted.offer(occlusion(100), 'm')).toBe(false);
    expect(persisted.offer(occlusion(400), 'm')).toBe(true);
    await persisted.settle();
    expect(await store.jobResultStats()).toMatchObject({ entries: 1 });
    now += 1000;
    const back = await persisted.load(HASH);
    expect(back?.data).toEqual(occlusion(400).data);
    expect(back && 'jobId' in back).toBe(false);
    expect((await store.findJobResult(HASH))!.lastUsedAt).toBe(new Date(now).toISOString());
    expect(await persisted.load('b'.repeat(64))).toBeNull();
    // A big result beyond the table's byte bound is evicted by the prune after its save (pruneEvery 1).
    const big = { ...occlusion(400, 4000), specHash: 'c'.repeat(64) };
    now += 1000;
    expect(persisted.offer(big, 'm')).toBe(true);
    await persisted.settle();
    const stats = await store.jobResultStats();
    expect(stats.bytes).toBeLessThanOrEqual(10_000);
    expect(await store.findJobResult(HASH)).toBeNull(); // the older one went first
    expect(persisted.stats()).toMatchObject({ hits: 1, misses: 1, saved: 2, skipped: 1, errors: 0 });
  });

  it('prunes results unused for longer than maxAgeMs when it starts', async () => {
    const store = new MemoryJobResultStore();
    await store.saveJobResult({ specHash: HASH, kind: 'occlusion', modelId: 'm', payload: encodeResult({ ...occlusion(400), jobId: undefined }), computeMs: 400 }, new Date(0));
    const persisted = new PersistentResults(store, { maxAgeMs: 1000 }, () => 5000);
    await persisted.settle();
    expect(await store.jobResultStats()).toEqual({ entries: 0, bytes: 0 });
  });

  it('treats a failing database as a miss', async () => {
    const store = new MemoryJobResultStore();
    store.findJobResult = () => Promise.reject(new Error('db down'));
    const persisted = new PersistentResults(store);
    const err = console.error;
    console.error = () => undefined;
    try {
      expect(await persisted.load(HASH)).toBeNull();
    } finally {
      console.error = err;
    }
    expect(persisted.stats().errors).toBe(1);
  });
});
