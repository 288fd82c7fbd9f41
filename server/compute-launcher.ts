/**
 * Starts the compute service on first use. Starting its worker threads costs seconds (each loads its own
 * TensorFlow.js runtime), so a server that never computes — and every test that does not — never pays for it.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ComputeError, type ComputeHealthInfo } from '@convlab/protocol';
import { ComputeService, type ComputeServiceOptions } from './compute/service';
import type { Config } from './config';

/** The server's handle on its compute service. */
export interface ComputeLauncher {
  /** The running service; the first call starts it (concurrent callers share the start). */
  get(): Promise<ComputeService>;
  /** The service if it has started, without starting it. */
  current(): ComputeService | undefined;
  /** Health figures: the pool's once started, else the backend that will serve. */
  health(): ComputeHealthInfo;
  /** Stops the service (waiting for a start in progress); later `get()` calls are refused. */
  close(): Promise<void>;
}

/** Optional native packages the workers prefer under 'auto' (see server/compute/worker.ts), in order. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** The backend a pool would pick before it runs: 'auto' resolves to tensorflow when a native package is installed. */
export function expectedBackend(preference: Config['compute']['backend']): string {
  if (preference === 'wasm' || preference === 'cpu') return preference;
  const require = createRequire(import.meta.url);
  for (const pkg of NATIVE_PACKAGES) {
    try {
      require.resolve(pkg);
      return 'tensorflow';
    } catch {
      // not installed
    }
  }
  // 'tensorflow' without a native package fails at start; say so rather than pretend.
  return preference === 'tensorflow' ? 'tensorflow (not installed)' : 'wasm';
}

/** A launcher for `config`; `overrides` tune the service (tests: slots, batching, models dir). */
export function createComputeLauncher(
  config: Config,
  overrides: Partial<ComputeServiceOptions> = {},
  log: (line: string) => void = () => undefined,
): ComputeLauncher {
  let starting: Promise<ComputeService> | undefined;
  let service: ComputeService | undefined;
  let closed = false;
  const options: ComputeServiceOptions = {
    size: config.compute.workers,
    backend: config.compute.backend,
    // Uploaded images live where the image service stores them: `<data dir>/images/<sha256>`.
    uploadsDir: join(config.dataDir, 'images'),
    ...overrides,
  };

  return {
    get() {
      if (closed) return Promise.reject(new ComputeError('SERVER_BUSY', 'the compute server is shutting down'));
      starting ??= ComputeService.start(options).then(
        (s) => {
          service = s;
          const h = s.health();
          log(`compute: ${h.workers} ${h.backend}${h.backendPackage ? ` (${h.backendPackage})` : ''} workers started`);
          return s;
        },
        (err: unknown) => {
          // Let a later job try again (a worker may have failed for a passing reason).
          starting = undefined;
          console.error('[compute] the compute service failed to start:', err);
          throw new ComputeError('JOB_FAILED', 'the compute server could not start; compute in your browser or try again');
        },
      );
      return starting;
    },
    current: () => service,
    health() {
      if (service) return { started: true, ...service.health() };
      return { started: false, backend: expectedBackend(config.compute.backend), configured: config.compute.backend, workers: options.size ?? config.compute.workers };
    },
    async close() {
      closed = true;
      const pending = starting;
      if (!pending) return;
      const s = await pending.catch(() => undefined);
      await s?.close();
    },
  };
}
