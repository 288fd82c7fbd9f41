'use client';

import { useState } from 'react';
import type { ServerToClientEvents } from '@convlab/protocol';
import type { LabRuntime } from '../lab-runtime';
import { useServerEvent } from './use-server-event';

type ProgressEvent = 'sweep:progress' | 'patches:progress';
type DoneEvent = 'sweep:done' | 'patches:done';
type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** A class computation of the step as it runs: its latest progress and its outcome. */
export interface LiveRun<P, D> {
  progress: P | null;
  done: D | null;
  /** Progress came, no outcome yet. */
  running: boolean;
}

/**
 * The step's class computation (the occlusion sweep, the max-patch search) as it fills in, from its progress and
 * done events; a new run (another id, `idOf`) starts over.
 */
export function useLiveRun<PE extends ProgressEvent, DE extends DoneEvent>(
  lab: Pick<LabRuntime, 'live' | 'step'>,
  progressEvent: PE,
  doneEvent: DE,
  idOf: (e: Payload<PE> | Payload<DE>) => string,
): LiveRun<Payload<PE>, Payload<DE>> & { reset: () => void } {
  const [state, setState] = useState<LiveRun<Payload<PE>, Payload<DE>>>({ progress: null, done: null, running: false });
  const stepId = lab.step.id;
  useServerEvent(lab, progressEvent, ((p: Payload<PE>) => {
    if (p.stepId !== stepId) return;
    setState((s) => {
      if (s.done && idOf(s.done) === idOf(p)) return s; // a late progress after the outcome
      return { progress: p, done: s.progress && idOf(s.progress) === idOf(p) ? s.done : null, running: true };
    });
  }) as ServerToClientEvents[PE]);
  useServerEvent(lab, doneEvent, ((d: Payload<DE>) => {
    if (d.stepId !== stepId) return;
    setState((s) => ({ ...s, done: d, running: false }));
  }) as ServerToClientEvents[DE]);
  return { ...state, reset: () => setState({ progress: null, done: null, running: false }) };
}
