'use client';

/**
 * The submissions of one lab step as this viewer may see them, kept live: the instructor sees every one as it is
 * stored (`lab:submitted`), a student sees their own and what the instructor shares (`lab:shared`). The list is
 * fetched again after every reconnect, so nothing is missed while the connection was down; after the session ended
 * the instructor still sees everything that was kept.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ClientPayload } from '@convlab/protocol';
import type { Submission } from '@convlab/protocol';
import { api } from '../../_lib/api-client';
import type { LabRuntime } from '../lab-runtime';
import { useServerEvent } from './use-server-event';

export interface UseSubmissions {
  submissions: Submission[];
  /** Why the list could not be loaded (it keeps what it had). */
  error: string | null;
  /** Adds or replaces one (e.g. the ack of the viewer's own lab:submit). */
  upsert: (s: Submission) => void;
  refresh: () => void;
}

const byTime = (a: Submission, b: Submission) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

export function useSubmissions(lab: LabRuntime): UseSubmissions {
  const [submissions, setSubmissions] = useState<Submission[]>([]);
  const [error, setError] = useState<string | null>(null);
  const { request, status } = lab.live;
  const stepId = lab.step.id;
  const mine = lab.me?.id ?? null;

  const upsert = useCallback(
    (s: Submission) => {
      if (s.stepId !== stepId) return;
      setSubmissions((list) => [...list.filter((x) => x.id !== s.id), s].sort(byTime));
    },
    [stepId],
  );

  const ended = lab.session.status === 'ended';
  const sessionId = lab.session.sessionId;
  const refresh = useCallback(() => {
    // An ended session has no live room; its instructor reads what was kept over HTTP.
    const load = ended && lab.role === 'instructor' ? api.listSubmissions(sessionId, stepId) : request('lab:submissions', { stepId });
    load
      .then((res) => {
        setSubmissions([...res.submissions].sort(byTime));
        setError(null);
      })
      .catch((err: Error) => setError(err.message));
  }, [request, stepId, ended, sessionId, lab.role]);

  useEffect(() => {
    if (status === 'live' || ended) refresh();
  }, [status, ended, refresh]);

  useServerEvent(lab, 'lab:submitted', ({ submission }) => upsert(submission));
  useServerEvent(lab, 'sweep:done', (done) => {
    if (done.submission) upsert(done.submission);
  });
  useServerEvent(lab, 'patches:done', (done) => {
    if (done.submission) upsert(done.submission);
  });
  useServerEvent(lab, 'lab:shared', ({ submissionId, shared, submission }) => {
    setSubmissions((list) => {
      const known = list.find((x) => x.id === submissionId);
      if (submission && submission.stepId !== stepId) return list;
      if (shared && submission) return [...list.filter((x) => x.id !== submissionId), submission].sort(byTime);
      if (!known) return list;
      // A student keeps their own work when it is unshared; others' work leaves their screen.
      if (!shared && lab.role === 'student' && known.participantId !== mine) return list.filter((x) => x.id !== submissionId);
      return list.map((x) => (x.id === submissionId ? { ...x, shared } : x));
    });
  });

  return { submissions, error, upsert, refresh };
}

type LabSubmit = ClientPayload<'lab:submit'>;

/** A submission from a lab that computes in plain JavaScript (or by hand): sent, checked by the server, its ack kept. */
export interface UseLabSubmit {
  submit: (params: LabSubmit['params'], result: LabSubmit['result'], backend?: string) => Promise<void>;
  busy: boolean;
  error: string | null;
  /** The viewer's latest stored submission (with the server's values). */
  last: Submission | null;
}

export function useLabSubmit(lab: Pick<LabRuntime, 'live' | 'step'>, upsert: (s: Submission) => void): UseLabSubmit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState<Submission | null>(null);
  const submit = async (params: LabSubmit['params'], result: LabSubmit['result'], backend = 'js') => {
    setBusy(true);
    setError(null);
    try {
      const payload: LabSubmit = { stepId: lab.step.id, params, result, computedWhere: 'browser', backend, ms: 0 };
      const { submission } = await lab.live.request('lab:submit', payload);
      upsert(submission);
      setLast(submission);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error, last };
}
