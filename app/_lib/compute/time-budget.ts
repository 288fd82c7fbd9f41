/**
 * Time budgets of the browser's compute, so "Automatic" never waits forever: how long the browser's check (backend,
 * model load, one measured pass) and each local job may take, and a race of some work against its budget on an
 * injectable clock (tests drive the clock; the page uses the real timers).
 */
import type { JobSpec } from '@convlab/protocol';
import { estimateForwardPasses, type BrowserCapability, type PlacementLimits } from './placement';

/** The timers a budget uses (the page's own by default). */
export interface BudgetClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The browser's timers. */
export const realClock: BudgetClock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The outcome of {@link withinBudget}: the work's value, or that the budget ran out first. */
export type Budgeted<T> = { ok: true; value: T } | { ok: false; budgetMs: number };

/**
 * Resolves with the work's value, or with `{ ok: false }` once `budgetMs` passed first (the work is not stopped:
 * the caller decides what to do with it). A rejection of the work rejects the result.
 */
export function withinBudget<T>(work: Promise<T>, budgetMs: number, clock: BudgetClock = realClock): Promise<Budgeted<T>> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve({ ok: false, budgetMs }), budgetMs);
    work.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (err: unknown) => {
        clock.clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * How long one job may run in this browser: `jobBudgetFactor` times its estimate (measured forward pass × its
 * forward passes), never under `jobBudgetFloorMs` (a job's first use of a model also downloads it). Without a
 * measurement the estimate is the largest job Automatic would run here (`maxJobMs`).
 */
export function jobBudgetMs(spec: JobSpec, capability: Pick<BrowserCapability, 'forwardMs'>, limits: PlacementLimits, inputSize?: [number, number]): number {
  const estimate = capability.forwardMs !== undefined ? capability.forwardMs * estimateForwardPasses(spec, inputSize) : limits.maxJobMs;
  return Math.max(limits.jobBudgetFloorMs, Math.ceil(limits.jobBudgetFactor * estimate));
}

/** A duration in words for the panel: "10 s", "1.5 s", "2 min". */
export function budgetText(ms: number): string {
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
