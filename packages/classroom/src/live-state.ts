/**
 * The storage contract of a lecture's live state that must survive a restart: the λ values handed to students
 * (gradient ascent's "hand out λ") and the class sweeps in progress. `server/db` implements it with Prisma (models
 * LambdaDeal and RunningSweep); the memory implementation below serves unit tests and the memory store. One
 * contract suite (`live-state.contract.ts`) runs against all of them.
 */
import type { JsonValue } from './store';

/** A class sweep in progress: its id, where it belongs, and its state as JSON (a SweepRecord of @convlab/labs). */
export interface RunningSweepDTO {
  id: string;
  sessionId: string;
  stepId: string;
  state: { [key: string]: JsonValue };
}

export interface LiveStateStore {
  /**
   * Records λ assignments of a gradient-ascent step (participant id → index into the step's λ values); a
   * participant dealt again gets the new index, others keep theirs.
   */
  saveLambdaDeals(sessionId: string, stepId: string, deals: ReadonlyMap<string, number>): Promise<void>;
  /** The λ assignments of a step (empty when none were dealt). */
  listLambdaDeals(sessionId: string, stepId: string): Promise<Map<string, number>>;
  /** Stores a running sweep's state, replacing what was stored under its id. */
  saveRunningSweep(sweep: RunningSweepDTO): Promise<void>;
  /** Forgets a sweep (finished or failed); unknown ids are ignored. */
  removeRunningSweep(id: string): Promise<void>;
  /** Every sweep in progress (a restarted server resumes them). */
  listRunningSweeps(): Promise<RunningSweepDTO[]>;
}

/** Checks a sweep record before any store writes it (every implementation calls it, so they refuse alike). */
export function checkRunningSweep(sweep: RunningSweepDTO): void {
  if (!sweep.id || !sweep.sessionId || !sweep.stepId) throw new TypeError('a running sweep needs an id, a session and a step');
  if (sweep.state === null || typeof sweep.state !== 'object' || Array.isArray(sweep.state)) throw new TypeError('a running sweep’s state must be a JSON object');
}

/** Checks λ assignments before any store writes them. */
export function checkLambdaDeals(deals: ReadonlyMap<string, number>): void {
  for (const [participantId, index] of deals) {
    if (!participantId) throw new TypeError('a λ assignment needs a participant');
    if (!Number.isInteger(index) || index < 0 || index > 2 ** 31 - 1) throw new TypeError('a λ index is a non-negative integer');
  }
}

/** LiveStateStore in process memory (copies in and out, like a database). */
export class MemoryLiveStateStore implements LiveStateStore {
  private readonly deals = new Map<string, Map<string, number>>();
  private readonly sweeps = new Map<string, RunningSweepDTO>();

  async saveLambdaDeals(sessionId: string, stepId: string, deals: ReadonlyMap<string, number>): Promise<void> {
    checkLambdaDeals(deals);
    const key = `${sessionId} ${stepId}`;
    this.deals.set(key, new Map([...(this.deals.get(key) ?? []), ...deals]));
  }

  async listLambdaDeals(sessionId: string, stepId: string): Promise<Map<string, number>> {
    return new Map(this.deals.get(`${sessionId} ${stepId}`) ?? []);
  }

  async saveRunningSweep(sweep: RunningSweepDTO): Promise<void> {
    checkRunningSweep(sweep);
    this.sweeps.set(sweep.id, structuredClone(sweep));
  }

  async removeRunningSweep(id: string): Promise<void> {
    this.sweeps.delete(id);
  }

  async listRunningSweeps(): Promise<RunningSweepDTO[]> {
    return [...this.sweeps.values()].map((s) => structuredClone(s));
  }

  /** Drops a deleted session's λ deals and sweeps. */
  async forgetSession(sessionId: string): Promise<void> {
    for (const key of this.deals.keys()) if (key.startsWith(`${sessionId} `)) this.deals.delete(key);
    for (const [id, sweep] of this.sweeps) if (sweep.sessionId === sessionId) this.sweeps.delete(id);
  }
}
