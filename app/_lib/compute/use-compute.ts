'use client';

/**
 * React access to the page's compute client: `useCompute()` gives the browser's capability (backend, measured
 * forward time) as state and `run(spec, { prefer })`, which resolves with a result envelope saying where it ran.
 * One client (one Web Worker, one loaded model) per page, whatever the number of components using it.
 */
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type { JobSpec, JobSpecInput } from '@convlab/protocol';
import { ComputeClient, type ClientSnapshot, type ComputeRunResult, type RunOptions, type ServerJobTransport } from './compute-client';
import type { BrowserBackend } from './worker-messages';

/** The lesson's forward model ('How CNNs see'): what the probe measures unless a page says otherwise. */
export const DEFAULT_PROBE_MODEL = 'mobilenet_v1_0.75_224';

let shared: ComputeClient | null = null;

/**
 * The page's compute client (created on first call; the worker starts on first use). `backends` (diagnostics:
 * force an order, e.g. ['wasm']) counts only for the call that creates it.
 */
export function getComputeClient(probeModel: string = DEFAULT_PROBE_MODEL, backends?: BrowserBackend[]): ComputeClient {
  shared ??= new ComputeClient({ probeModel, setup: { labelsUrl: '/api/labels/imagenet1k.tsv', ...(backends?.length ? { backends } : {}) } });
  return shared;
}

const SERVER_SNAPSHOT: ClientSnapshot = { capability: { state: 'unknown' }, info: null, attempts: [], probe: null, probing: false, fallback: null };

export interface UseCompute {
  snapshot: ClientSnapshot;
  run: (spec: JobSpecInput | JobSpec, opts?: RunOptions) => Promise<ComputeRunResult>;
  /** Re-measures nothing; starts the worker and the probe if they have not run (e.g. on a "check" button). */
  probe: () => Promise<void>;
  client: ComputeClient;
}

/**
 * The compute client as React state. `server` (optional) is the way to the compute server, e.g. from
 * {@link createSocketJobTransport}; `autoProbe` starts the worker and measures the model on mount.
 */
export function useCompute(options: { server?: ServerJobTransport | null; autoProbe?: boolean; backends?: BrowserBackend[] } = {}): UseCompute {
  const client = getComputeClient(DEFAULT_PROBE_MODEL, options.backends);
  const snapshot = useSyncExternalStore(client.subscribe, client.getSnapshot, () => SERVER_SNAPSHOT);
  const { server = null, autoProbe = false } = options;

  useEffect(() => {
    client.setServer(server);
  }, [client, server]);

  useEffect(() => {
    if (autoProbe) void client.probe();
  }, [client, autoProbe]);

  const run = useCallback((spec: JobSpecInput | JobSpec, opts?: RunOptions) => client.run(spec, opts), [client]);
  const probe = useCallback(() => client.probe(), [client]);
  return { snapshot, run, probe, client };
}
