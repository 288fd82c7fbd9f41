/**
 * `GET /api/health`: version, database kind and migration status, and the compute service (backend and pool once
 * started; before the first job, the backend that will serve) — for probes and the README's checks.
 */
import { API, type HealthResponse } from '@convlab/protocol';
import type { Router } from './router';

/** Registers the health route. */
export function registerHealthRoutes(router: Router): void {
  router.add('GET', API.health, async (_req, ctx) => {
    const m = await ctx.migrationStatus();
    const body: HealthResponse = {
      version: ctx.version,
      database: ctx.dbKind,
      migrations: { current: m.current, applied: m.applied, pending: m.pending },
      compute: ctx.compute.health(),
    };
    return { status: m.current ? 200 : 503, body };
  });
}
