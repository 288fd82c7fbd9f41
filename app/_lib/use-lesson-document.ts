/**
 * A lesson from the library as an editable document: loads it, autosaves every change shortly after it is made
 * (and at once when the page is hidden), keeps an unsaved copy in this browser so that a failed save or a closed
 * tab loses nothing, and warns before leaving the page while a save is outstanding.
 */
import type { Lesson } from '@convlab/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api-client';
import type { Step } from './lesson-plan';

export type SaveState = 'loading' | 'saved' | 'unsaved' | 'saving' | 'failed' | 'conflict';

interface Draft {
  title: string;
  steps: Step[];
}

const AUTOSAVE_DELAY_MS = 800;
const localKey = (id: string) => `convlab:lesson-draft:${id}`;

/** The unsaved draft this browser kept for a lesson at `revision`, if any. */
function readLocal(id: string, revision: number): Draft | null {
  try {
    const kept = JSON.parse(localStorage.getItem(localKey(id)) ?? 'null') as (Draft & { revision: number }) | null;
    return kept && kept.revision === revision ? { title: kept.title, steps: kept.steps } : null;
  } catch {
    return null;
  }
}

export function useLessonDocument(id: string) {
  const [lesson, setLesson] = useState<Lesson | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [state, setState] = useState<SaveState>('loading');
  const [error, setError] = useState<string | null>(null);
  const [restoredLocal, setRestoredLocal] = useState(false);
  const revision = useRef(0);
  const pending = useRef<Draft | null>(null);
  const inFlight = useRef<Promise<void> | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .getLesson(id)
      .then(({ lesson: loaded }) => {
        if (cancelled) return;
        revision.current = loaded.revision;
        setLesson(loaded);
        const local = readLocal(id, loaded.revision);
        const differs = local && JSON.stringify(local) !== JSON.stringify({ title: loaded.title, steps: loaded.steps });
        if (differs) {
          // Edits that never reached the server (closed tab, lost connection): keep them and save them now.
          setDraft(local);
          pending.current = local;
          setRestoredLocal(true);
          setState('unsaved');
        } else {
          setDraft({ title: loaded.title, steps: loaded.steps as Step[] });
          setState('saved');
        }
      })
      .catch((err: unknown) => !cancelled && (setError(err instanceof Error ? err.message : 'Could not load the lesson.'), setState('failed')));
    return () => {
      cancelled = true;
    };
  }, [id]);

  /** Sends the latest unsaved draft (one save at a time; changes made meanwhile follow in the next). */
  const flush = useCallback(async (): Promise<void> => {
    if (timer.current) (clearTimeout(timer.current), (timer.current = null));
    if (inFlight.current) await inFlight.current;
    const next = pending.current;
    if (!next) return;
    pending.current = null;
    setState('saving');
    inFlight.current = (async () => {
      try {
        const { lesson: saved } = await api.saveLesson(id, { ...next, revision: revision.current });
        revision.current = saved.revision;
        setLesson(saved);
        localStorage.removeItem(localKey(id));
        setError(null);
        setState(pending.current ? 'unsaved' : 'saved');
      } catch (err) {
        pending.current ??= next;
        setError(err instanceof Error ? err.message : 'Could not save.');
        setState(err instanceof ApiError && err.code === 'CONFLICT' ? 'conflict' : 'failed');
      } finally {
        inFlight.current = null;
      }
    })();
    await inFlight.current;
  }, [id]);

  const change = useCallback(
    (next: Draft) => {
      setDraft(next);
      pending.current = next;
      setState('unsaved');
      try {
        localStorage.setItem(localKey(id), JSON.stringify({ ...next, revision: revision.current }));
      } catch {
        // Storage full or disabled: the autosave below still runs.
      }
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), AUTOSAVE_DELAY_MS);
    },
    [id, flush],
  );

  const dirty = state === 'unsaved' || state === 'saving' || state === 'failed' || state === 'conflict';
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (!dirty) return;
      void flush();
      e.preventDefault();
    };
    const hidden = () => document.visibilityState === 'hidden' && void flush();
    window.addEventListener('beforeunload', warn);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      window.removeEventListener('beforeunload', warn);
      document.removeEventListener('visibilitychange', hidden);
    };
  }, [dirty, flush]);

  return { lesson, draft, state, error, dirty, restoredLocal, change, flush };
}
