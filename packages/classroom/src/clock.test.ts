import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { KeyedQueue } from './keyed-queue';

describe('ManualClock', () => {
  it('fires due timers in order and moves time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    const a = clock.setTimeout(() => fired.push('a'), 100);
    clock.setTimeout(() => fired.push('c'), 300);
    clock.clearTimeout(a);
    clock.setTimeout(() => {
      fired.push(`nested@${clock.now().getTime()}`);
      clock.setTimeout(() => fired.push('inner'), 10);
    }, 150);
    clock.advance(250);
    expect(fired).toEqual(['nested@150', 'inner', 'b']);
    expect(clock.now().getTime()).toBe(250);
    expect(clock.pending).toBe(1);
  });
});

describe('KeyedQueue', () => {
  it('serializes tasks per key and survives failures', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const slow = (tag: string, ms: number) => async () => {
      log.push(`start ${tag}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${tag}`);
      return tag;
    };
    const p1 = q.run('k', slow('1', 20));
    const p2 = q.run('k', async () => {
      throw new Error('boom');
    });
    const p3 = q.run('k', slow('3', 1));
    const other = q.run('j', slow('j', 1));
    await expect(p1).resolves.toBe('1');
    await expect(p2).rejects.toThrow('boom');
    await expect(p3).resolves.toBe('3');
    await other;
    expect(log.indexOf('end 1')).toBeLessThan(log.indexOf('start 3'));
    expect(log.indexOf('start j')).toBeLessThan(log.indexOf('end 1'));
    await q.settled();
  });
});
