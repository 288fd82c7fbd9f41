'use client';

/**
 * A step's draft on the assignment page: read from the server before the lab mounts (the panels restore from it),
 * then every change the panels report is merged in and saved after a pause — and at once when the student leaves
 * the step or the page, so nothing typed a moment ago is lost.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ASSIGNMENT_API } from '@convlab/protocol';
import { apiFetch } from '../../_lib/api-client';

const SAVE_AFTER_MS = 800;

export type DraftStatus = { state: 'loading' } | { state: 'idle' | 'unsaved' | 'saving'; savedAt: Date | null } | { state: 'error'; message: string; savedAt: Date | null };

export interface StepDraft {
  /** The draft as loaded (null: none), or undefined while loading: mount the lab once it is known. */
  loaded: Record<string, unknown> | null | undefined;
  status: DraftStatus;
  save: (fields: Record<string, unknown>) => void;
}

export function useStepDraft(assignmentId: string, stepId: string): StepDraft {
  const [loaded, setLoaded] = useState<Record<string, unknown> | null | undefined>(undefined);
  const [status, setStatus] = useState<DraftStatus>({ state: 'loading' });
  const draft = useRef<Record<string, unknown>>({});
  const dirty = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const savedAt = useRef<Date | null>(null);
  const url = ASSIGNMENT_API.draft(assignmentId, stepId);

  const flush = useCallback(
    (leaving = false) => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      if (!dirty.current) return;
      dirty.current = false;
      const body = { draft: draft.current };
      if (leaving) {
        // The page is going away: a keepalive request outlives it.
        void fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), keepalive: true, credentials: 'same-origin' }).catch(() => undefined);
        return;
      }
      setStatus({ state: 'saving', savedAt: savedAt.current });
      apiFetch(url, { method: 'POST', body }).then(
        () => {
          savedAt.current = new Date();
          setStatus((s) => (s.state === 'saving' ? { state: 'idle', savedAt: savedAt.current } : s));
        },
        (err: unknown) => {
          dirty.current = true;
          setStatus({ state: 'error', message: err instanceof Error ? err.message : 'The draft could not be saved.', savedAt: savedAt.current });
        },
      );
    },
    [url],
  );

  useEffect(() => {
    let alive = true;
    setLoaded(undefined);
    setStatus({ state: 'loading' });
    apiFetch<{ draft: Record<string, unknown> | null }>(url).then(
      (r) => {
        if (!alive) return;
        draft.current = r.draft && typeof r.draft === 'object' ? r.draft : {};
        setLoaded(r.draft ?? null);
        setStatus({ state: 'idle', savedAt: null });
      },
      (err: unknown) => {
        if (!alive) return;
        // The lab still opens (from the step's settings); saving will say whether the server is back.
        draft.current = {};
        setLoaded(null);
        setStatus({ state: 'error', message: err instanceof Error ? err.message : 'The draft could not be loaded.', savedAt: null });
      },
    );
    const leave = () => flush(true);
    window.addEventListener('pagehide', leave);
    return () => {
      alive = false;
      window.removeEventListener('pagehide', leave);
      flush(true);
    };
  }, [url, flush]);

  const save = useCallback(
    (fields: Record<string, unknown>) => {
      draft.current = { ...draft.current, ...fields };
      dirty.current = true;
      setStatus({ state: 'unsaved', savedAt: savedAt.current });
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => flush(), SAVE_AFTER_MS);
    },
    [flush],
  );

  return { loaded, status, save };
}
