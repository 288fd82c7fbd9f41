/**
 * Starts the compute service on first use. Starting its worker threads costs seconds (each loads its own
 * TensorFlow.js runtime), so a server that never computes — and every test that does not — never pays for it.
 */
import { join } from 'node:path';
import { ComputeError, type ComputeHealthInfo } from '@convlab/protocol';
import { chooseBackend, installedNativePackage, type BackendChoice } from './compute/backend-select';
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

/**
 * The backend a pool would pick before it runs, without probing for a GPU: 'auto' resolves to tensorflow when a
 * native package is installed, else stays 'auto' (WebGPU or wasm, decided when the service starts).
 */
export function expectedBackend(preference: Config['compute']['backend']): string {
  if (preference === 'wasm' || preference === 'cpu' || preference === 'webgpu') return preference;
  if (installedNativePackage()) return 'tensorflow';
  // 'tensorflow' without a native package fails at start; say so rather than pretend.
  return preference === 'tensorflow' ? 'tensorflow (not installed)' : 'auto';
}

/**
 * Decided at server start-up where the configuration demands a GPU: CONVLAB_COMPUTE_BACKEND=webgpu without an
 * adapter stops the server (BackendUnavailableError, a ConfigError) instead of failing the first student's job.
 * Other preferences are decided when the compute service starts (undefined here).
 */
export async function decideBackendAtStart(config: Config): Promise<BackendChoice | undefined> {
  return config.compute.backend === 'webgpu' ? chooseBackend('webgpu') : undefined;
}

/** A launcher for `config`; `overrides` tune the service (tests: slots, batching, models dir; `choice`, decided at start). */
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
    // Uploaded models live where the model store keeps them: `<data dir>/models/<id>/`.
    uploadedModelsDir: join(config.dataDir, 'models'),
    ...overrides,
  };

  return {
    get() {
      if (closed) return Promise.reject(new ComputeError('SERVER_BUSY', 'the compute server is shutting down'));
      starting ??= ComputeService.start(options).then(
        (s) => {
          service = s;
          const h = s.health();
          if (h.queue) {
            log(`compute: jobs go to the shared queue; ${h.queue.processes.length} worker process${h.queue.processes.length === 1 ? '' : 'es'} live${h.queue.processes.length ? ` (${h.backend})` : ': start them with npm run worker'}`);
            return s;
          }
          const gpu = s.pool.info().workers.filter((w) => w.gpu).length;
          if (h.adapter) {
            const kind = h.adapter.software ? 'software adapter: correct, slower than wasm' : `${h.adapter.vendor} ${h.adapter.architecture}`.trim();
            log(`compute: ${gpu} webgpu worker on ${h.adapter.name} (${kind}) and ${h.workers - gpu} wasm workers started`);
          } else log(`compute: ${h.workers} ${h.backend}${h.backendPackage ? ` (${h.backendPackage})` : ''} workers started`);
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
      const adapter = options.choice?.backend === 'webgpu' ? options.choice.adapter : undefined;
      return {
        started: false,
        backend: options.choice?.backend ?? expectedBackend(config.compute.backend),
        configured: config.compute.backend,
        workers: options.size ?? config.compute.workers,
        ...(adapter ? { adapter } : {}),
      };
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
