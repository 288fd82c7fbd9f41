'use client';

/**
 * One compute job at a time for a panel: runs it where the page's compute client places it (this browser or the
 * server, as the student chose), tracks its progress, cancels it, and turns failures into a sentence. Starting a
 * new job cancels the one still running, so dragging a control never queues stale work.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobResultData, JobSpecInput } from '@convlab/protocol';
import { ComputeJobError, type ComputeRunResult, type RunProgress } from '../../_lib/compute/compute-client';
import type { LabRuntime } from '../lab-runtime';

export interface JobState {
  running: boolean;
  progress: RunProgress | null;
  error: string | null;
}

export interface UseJob {
  state: JobState;
  /** Runs a job; resolves with its result, or null when it was cancelled or failed (the error is in `state`). */
  run: <K extends keyof JobResultData>(spec: JobSpecInput & { kind: K }, onProgress?: (p: RunProgress) => void) => Promise<ComputeRunResult<K> | null>;
  cancel: () => void;
}

/** A failure in words a student can act on. */
export function describeJobError(err: unknown): string {
  if (err instanceof ComputeJobError) {
    switch (err.code) {
      case 'SERVER_BUSY':
        return `The class's compute server is busy: ${err.message}. Try again in a moment.`;
      case 'TOO_MANY_JOBS':
        return 'You already have jobs waiting on the server. Wait for them to finish.';
      case 'JOB_TIMEOUT':
        return 'The job took too long and was stopped. Try fewer steps or a smaller setting.';
      case 'NO_SERVER':
        return 'This browser cannot compute it and the server is not reachable right now. Check your connection.';
      default:
        return `${err.where === 'browser' ? 'In your browser' : 'On the server'}: ${err.message}`;
    }
  }
  return err instanceof Error ? err.message : 'The computation failed.';
}

export function useJob(lab: Pick<LabRuntime, 'compute' | 'prefer'>): UseJob {
  const [state, setState] = useState<JobState>({ running: false, progress: null, error: null });
  const current = useRef<AbortController | null>(null);
  // compute.run is stable (one client per page), so `run` keeps its identity and effects may depend on it.
  const { run: computeRun } = lab.compute;
  const { prefer } = lab;

  const cancel = useCallback(() => {
    current.current?.abort();
    current.current = null;
    setState((s) => ({ ...s, running: false, progress: null }));
  }, []);

  useEffect(() => () => current.current?.abort(), []);

  const run = useCallback(
    async <K extends keyof JobResultData>(spec: JobSpecInput & { kind: K }, onProgress?: (p: RunProgress) => void) => {
      current.current?.abort();
      const abort = new AbortController();
      current.current = abort;
      setState({ running: true, progress: null, error: null });
      try {
        const result = (await computeRun(spec, {
          prefer,
          signal: abort.signal,
          onProgress: (p) => {
            if (abort.signal.aborted) return;
            setState((s) => ({ ...s, progress: p }));
            onProgress?.(p);
          },
        })) as ComputeRunResult<K>;
        if (abort.signal.aborted) return null;
        setState({ running: false, progress: null, error: null });
        return result;
      } catch (err) {
        if (abort.signal.aborted || (err instanceof ComputeJobError && err.code === 'JOB_CANCELLED')) return null;
        setState({ running: false, progress: null, error: describeJobError(err) });
        return null;
      } finally {
        if (current.current === abort) current.current = null;
      }
    },
    [computeRun, prefer],
  ) as UseJob['run'];

  return { state, run, cancel };
}
