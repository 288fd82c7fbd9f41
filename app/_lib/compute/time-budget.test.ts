import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from '@convlab/protocol';
import { DEFAULT_LIMITS } from './placement';
import { budgetText, jobBudgetMs, withinBudget, type BudgetClock } from './time-budget';

/** A clock that moves only when the test says so. */
class ManualClock implements BudgetClock {
  now = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  setTimeout(fn: () => void, ms: number): number {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward, firing the timers that fall due, in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
  get pending(): number {
    return this.timers.size;
  }
}

/** A promise settled by hand (the work whose answer is late, or never comes). */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets settled promises run their callbacks. */
const flush = () => new Promise((r) => setImmediate(r));

const classify = JobSpecSchema.parse({ kind: 'classify', model: 'mobilenet_v1_0.75_224', image: { kind: 'sample', id: 'photos/skimage_chelsea.png' } });
const ascent = JobSpecSchema.parse({ kind: 'ascent', model: 'squeezenet1.1_nchw', params: { target: { kind: 'class', index: 1 }, steps: 200, learningRate: 1 } });

describe('withinBudget', () => {
  it('gives the value of work that answers in time and stops its timer', async () => {
    const clock = new ManualClock();
    const work = deferred<string>();
    const raced = withinBudget(work.promise, 10_000, clock);
    clock.advance(9_999);
    work.resolve('probed');
    await expect(raced).resolves.toEqual({ ok: true, value: 'probed' });
    expect(clock.pending).toBe(0);
  });

  it('gives up on work that hangs once the budget has passed, not before', async () => {
    const clock = new ManualClock();
    const hung = deferred<string>();
    let settled: unknown = null;
    void withinBudget(hung.promise, 10_000, clock).then((r) => (settled = r));
    clock.advance(9_999);
    await flush();
    expect(settled).toBeNull();
    clock.advance(1);
    await flush();
    expect(settled).toEqual({ ok: false, budgetMs: 10_000 });
    // A late answer changes nothing.
    hung.resolve('too late');
    await flush();
    expect(settled).toEqual({ ok: false, budgetMs: 10_000 });
  });

  it('passes an error of the work through', async () => {
    const clock = new ManualClock();
    const work = deferred<string>();
    const raced = withinBudget(work.promise, 1_000, clock);
    work.reject(new Error('worker crashed'));
    await expect(raced).rejects.toThrow('worker crashed');
    expect(clock.pending).toBe(0);
  });
});

describe('jobBudgetMs', () => {
  it('is a multiple of the measured cost with a floor', () => {
    // One 50 ms pass: 4 × 50 ms is far under the 15 s floor.
    expect(jobBudgetMs(classify, { forwardMs: 50 }, DEFAULT_LIMITS)).toBe(15_000);
    // 200 steps × 3 passes × 50 ms = 30 s of work: 4 × that.
    expect(jobBudgetMs(ascent, { forwardMs: 50 }, DEFAULT_LIMITS)).toBe(120_000);
    expect(jobBudgetMs(ascent, { forwardMs: 50 }, { ...DEFAULT_LIMITS, jobBudgetFactor: 2, jobBudgetFloorMs: 1_000 })).toBe(60_000);
  });

  it('without a measurement assumes the largest job Automatic runs here', () => {
    expect(jobBudgetMs(classify, {}, DEFAULT_LIMITS)).toBe(DEFAULT_LIMITS.jobBudgetFactor * DEFAULT_LIMITS.maxJobMs);
  });

  it('says a budget in words', () => {
    expect(budgetText(10_000)).toBe('10 s');
    expect(budgetText(1_500)).toBe('1.5 s');
    expect(budgetText(240_000)).toBe('4 min');
  });
});
