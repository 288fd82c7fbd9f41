'use client';

/**
 * The submissions of one lab step as this viewer may see them, kept live: the instructor sees every one as it is
 * stored (`lab:submitted`), a student sees their own and what the instructor shares (`lab:shared`). The list is
 * fetched again after every reconnect, so nothing is missed while the connection was down; after the session ended
 * the instructor still sees everything that was kept.
 */
import { useCallback, useEffect, useState } from 'react';
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
