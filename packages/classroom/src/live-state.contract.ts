/**
 * The LiveStateStore contract: one suite every implementation must pass (memory, SQLite, PostgreSQL).
 * Only for tests: it imports vitest. Exported through `@convlab/classroom/testing`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveStateStore, RunningSweepDTO } from './live-state';

export interface LiveStateStoreHarness {
  store: LiveStateStore;
  /** A session id the store accepts (a real session where the store checks references). */
  sessionId: string;
  dispose(): Promise<void>;
}

export function describeLiveStateStoreContract(name: string, open: () => Promise<LiveStateStoreHarness>): void {
  describe(`LiveStateStore contract: ${name}`, () => {
    let h: LiveStateStoreHarness;
    let store: LiveStateStore;
    beforeEach(async () => {
      h = await open();
      store = h.store;
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('keeps λ assignments per step; dealing again updates some and keeps the others', async () => {
      expect(await store.listLambdaDeals(h.sessionId, 'asc')).toEqual(new Map());
      await store.saveLambdaDeals(h.sessionId, 'asc', new Map([['p1', 0], ['p2', 3]]));
      await store.saveLambdaDeals(h.sessionId, 'asc', new Map([['p3', 1], ['p2', 2]]));
      await store.saveLambdaDeals(h.sessionId, 'other', new Map([['p1', 5]]));
      expect(await store.listLambdaDeals(h.sessionId, 'asc')).toEqual(new Map([['p1', 0], ['p2', 2], ['p3', 1]]));
      expect(await store.listLambdaDeals(h.sessionId, 'other')).toEqual(new Map([['p1', 5]]));
      await store.saveLambdaDeals(h.sessionId, 'asc', new Map());
      expect((await store.listLambdaDeals(h.sessionId, 'asc')).size).toBe(3);
      await expect(store.saveLambdaDeals(h.sessionId, 'asc', new Map([['p1', -1]]))).rejects.toThrow(TypeError);
    });

    it('stores running sweeps as JSON, replaces them by id, forgets them', async () => {
      const sweep: RunningSweepDTO = {
        id: 'sweep-1',
        sessionId: h.sessionId,
        stepId: 'occ',
        state: { baseline: null, grid: [0.25, null, 1], states: [{ status: 'assigned', to: 'p1', deadline: 1_733_000_000_000 }], untrusted: [] },
      };
      await store.saveRunningSweep(sweep);
      await store.saveRunningSweep({ ...sweep, id: 'sweep-2', stepId: 'occ2' });
      const updated = { ...sweep, state: { ...sweep.state, baseline: 0.75 } };
      await store.saveRunningSweep(updated);
      const listed = (await store.listRunningSweeps()).sort((a, b) => a.id.localeCompare(b.id));
      expect(listed).toEqual([updated, { ...sweep, id: 'sweep-2', stepId: 'occ2' }]);
      // Copies: changing what came back changes nothing stored.
      (listed[0]!.state as { baseline: number }).baseline = 0;
      expect((await store.listRunningSweeps()).find((s) => s.id === 'sweep-1')!.state.baseline).toBe(0.75);
      await store.removeRunningSweep('sweep-1');
      await store.removeRunningSweep('nope');
      expect((await store.listRunningSweeps()).map((s) => s.id)).toEqual(['sweep-2']);
      await expect(store.saveRunningSweep({ ...sweep, state: [] as never })).rejects.toThrow(TypeError);
    });
  });
}
