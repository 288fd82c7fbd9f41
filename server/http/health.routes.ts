/**
 * `GET /api/health`: version, database kind and migration status, and the compute service (backend and pool once
 * started; before the first job, the backend that will serve) — for probes and the README's checks.
 */
import { API, type HealthResponse } from '@convlab/protocol';
import type { RedisHealth } from '../scale/redis';
import type { Router } from './router';

function scaleHealth({ node, status, downSince }: RedisHealth): NonNullable<HealthResponse['scale']> {
  return { node, redis: status, ...(downSince ? { downSince } : {}) };
}

/** Registers the health route. */
export function registerHealthRoutes(router: Router): void {
  router.add('GET', API.health, async (_req, ctx) => {
    const m = await ctx.migrationStatus();
    const body: HealthResponse = {
      version: ctx.version,
      database: ctx.dbKind,
      migrations: { current: m.current, applied: m.applied, pending: m.pending },
      compute: ctx.compute.health(),
      ...(ctx.scale ? { scale: scaleHealth(ctx.scale.health()) } : {}),
    };
    return { status: m.current ? 200 : 503, body };
  });
}
