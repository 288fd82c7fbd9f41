/** Out-of-memory batches are retried in halves, later batches stay smaller, and other errors pass through. */
import { describe, expect, it } from 'vitest';
import { OomFallback, isOutOfMemory } from './oom-fallback';

const rows = (r: number) => r;

/** A batch runner that fails with an out-of-memory error above `limit` rows, recording the batches it saw. */
function device(limit: number) {
  const seen: number[][] = [];
  const run = async (batch: number[]) => {
    seen.push(batch);
    if (batch.reduce((a, b) => a + b, 0) > limit) throw new Error('GPU out of memory: Failed to allocate buffer');
    return batch.map((r) => r * 10);
  };
  return { seen, run };
}

describe('OomFallback', () => {
  it('splits a batch that runs out of memory and returns every result in order', async () => {
    const oom = new OomFallback();
    const d = device(8);
    expect(await oom.run([4, 4, 4, 4], rows, d.run)).toEqual([40, 40, 40, 40]);
    expect(d.seen).toEqual([[4, 4, 4, 4], [4, 4], [4, 4]]);
    expect(oom.failures).toBe(1);
    expect(oom.maxRows).toBe(8);
  });

  it('keeps later batches under the size that failed', async () => {
    const oom = new OomFallback();
    const d = device(8);
    await oom.run([4, 4, 4, 4], rows, d.run);
    d.seen.length = 0;
    expect(await oom.run([2, 2, 2, 2, 2, 2], rows, d.run)).toEqual([20, 20, 20, 20, 20, 20]);
    expect(d.seen).toEqual([[2, 2, 2, 2], [2, 2]]);
  });

  it('fails one request that alone runs out of memory, with a message', async () => {
    const oom = new OomFallback();
    await expect(oom.run([16], rows, device(8).run)).rejects.toThrow(/ran out of memory for one request of 16 rows/);
  });

  it('passes other errors through untouched, without splitting', async () => {
    const oom = new OomFallback();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('class index 2000 is outside 0..999');
    };
    await expect(oom.run([1, 1], rows, failing)).rejects.toThrow(/class index/);
    expect(calls).toBe(1);
    expect(oom.failures).toBe(0);
  });

  it('knows the errors GPUs give', () => {
    expect(isOutOfMemory(new Error('GPU out of memory: x'))).toBe(true);
    expect(isOutOfMemory(new Error('Failed to allocate a buffer of 1 GiB'))).toBe(true);
    expect(isOutOfMemory(new Error('device was lost'))).toBe(true);
    expect(isOutOfMemory(new Error('unknown layer'))).toBe(false);
  });
});
