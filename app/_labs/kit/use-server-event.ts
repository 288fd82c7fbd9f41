'use client';

import { useEffect, useRef } from 'react';
import type { ServerToClientEvents } from '@convlab/protocol';
import type { LabRuntime } from '../lab-runtime';

/** Calls `handler` for each `event` from the server while mounted (the latest handler, without resubscribing). */
export function useServerEvent<E extends keyof ServerToClientEvents>(lab: Pick<LabRuntime, 'live'>, event: E, handler: ServerToClientEvents[E]): void {
  const latest = useRef(handler);
  latest.current = handler;
  const { subscribe } = lab.live;
  useEffect(() => {
    const forward = ((...args: unknown[]) => (latest.current as (...a: unknown[]) => void)(...args)) as ServerToClientEvents[E];
    return subscribe(event, forward);
  }, [subscribe, event]);
}
