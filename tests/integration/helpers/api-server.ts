/**
 * One real ConvLab server per suite (API and Socket.io, no Next.js) on a fresh database of `target`, started before
 * the suite's tests and closed after them; `restart()` stops it and starts another on the same database and data.
 */
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer, type StartOptions } from '../../../server/index';
import type { DatabaseTarget, TestDatabase } from './databases';

/**
 * A server on `db` that computes with the real models in `modelsDir` on one wasm worker thread (two jobs at once):
 * the suites that grade, check or compute through the server. `extra` tunes limits.
 */
export function startComputeServer(db: TestDatabase, modelsDir: string, extra: Pick<StartOptions, 'limits'> = {}): Promise<RunningServer> {
  return startServer({
    env: { ...db.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', CONVLAB_COMPUTE_WORKERS: '1', CONVLAB_COMPUTE_BACKEND: 'wasm' },
    log: false,
    compute: { slotsPerWorker: 2, modelsDir },
    ...extra,
  });
}

/**
 * Registers the suite's server; read `base` (its URL) and `server` inside tests. `options` adds environment variables,
 * compute settings (real models: `compute.modelsDir`) and tuned limits.
 */
export function useApiServer(
  target: DatabaseTarget,
  options: { env?: Record<string, string>; compute?: StartOptions['compute'] } & Pick<StartOptions, 'limits'> = {},
): { readonly base: string; readonly server: RunningServer; restart(): Promise<RunningServer> } {
  let db: TestDatabase | undefined;
  let server: RunningServer | undefined;
  const start = async () => {
    const { env, ...rest } = options;
    server = await startServer({ env: { ...db!.env, PORT: '0', HOST: '127.0.0.1', CONVLAB_NO_NEXT: '1', ...env }, log: false, ...rest });
    return server;
  };
  beforeAll(async () => {
    db = await target.create();
    await start();
  });
  afterAll(async () => {
    await server?.close();
    await db?.cleanup();
  });
  return {
    get base() {
      return server!.url;
    },
    get server() {
      return server!;
    },
    /** A new server on the same database and data directory (its `base` changes). */
    async restart() {
      await server?.close();
      return start();
    },
  };
}
