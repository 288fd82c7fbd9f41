'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import { LabStage } from '../../_labs/lab-stage';
import { api, ApiError } from '../../_lib/api-client';
import { toSessionState, type LiveSession, type ParticipantRecord, type SessionState } from '@convlab/protocol';
import { useClassroomSocket } from '../../_lib/use-classroom-socket';
import { useInstructor } from '../../_lib/use-instructor';
import { Alert } from '../alert';
import { ConnectionBanner } from '../connection-banner';
import { LockIcon, PauseIcon } from '../icons';
import { InstructorHeader } from '../instructor-header';
import { PresenceList, type PresenceRow } from '../presence-list';
import { JoiningSwitch } from './joining-switch';
import { StatusBadge } from '../status-badge';
import { StepView } from '../step-view';
import { JoinPanel } from './join-panel';
import { SessionControls } from './session-controls';
import { StepOutline, StepPager } from './step-navigator';
import { useStepKeys } from './use-step-keys';

type SessionRecord = { session: LiveSession; participants: ParticipantRecord[] };


/**
 * The instructor's live view: join code and QR, what students see now, step navigation (also with
 * ←/→ and a presenter clicker's PageUp/PageDown), session controls and presence. An ended session
 * stays readable: the steps can be browsed locally and the list shows who joined.
 */
export function TeachView({ sessionId }: { sessionId: string }) {
  const { instructor, error: authError } = useInstructor();
  const [record, setRecord] = useState<SessionRecord | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [browseIndex, setBrowseIndex] = useState<number | null>(null);
  const live = useClassroomSocket(instructor ? { role: 'instructor', sessionId } : null);

  const status = live.state?.status;
  const connected = live.status === 'live';
  const [notFound, setNotFound] = useState(false);
  useEffect(() => {
    if (!instructor) return;
    // While the socket is down the HTTP API is down too: wait, and refresh once we are back.
    if (record && !connected) return;
    let cancelled = false;
    // Reload the stored record on (re)connect and when the status flips, so an ended session lists everyone who joined.
    api
      .getSession(sessionId)
      .then((res) => {
        if (cancelled) return;
        setRecord(res);
        setLoadError(null);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
          setNotFound(true);
          setLoadError('This session does not exist, or it belongs to another instructor.');
        } else setLoadError(err instanceof Error ? err.message : 'Could not load the session.');
      });
    return () => {
      cancelled = true;
    };
    // `record` is deliberately not a dependency: it gates the first load only.
  }, [instructor, sessionId, status, connected]);

  useEffect(() => {
    if (!actionError) return;
    const t = setTimeout(() => setActionError(null), 8000);
    return () => clearTimeout(t);
  }, [actionError]);

  const state: SessionState | null = live.state ?? (record ? toSessionState(record.session) : null);
  const ended = state?.status === 'ended';
  const title = state?.title;
  useEffect(() => {
    if (title) document.title = `${title} (teaching) · ConvLab`;
  }, [title]);

  // Removals and undos made here since the record loaded (the live list leaves removed students out).
  const [removals, setRemovals] = useState<Map<string, PresenceRow | 'restored'>>(new Map());
  const rows: PresenceRow[] = useMemo(() => {
    const byId = new Map<string, PresenceRow>();
    for (const p of record?.participants ?? [])
      byId.set(p.id, { id: p.id, displayName: p.displayName, joinedAt: p.joinedAt, presence: p.removedAt ? 'removed' : 'offline' });
    for (const p of live.participants) byId.set(p.id, { ...p });
    for (const [id, change] of removals) {
      const row = byId.get(id);
      if (change !== 'restored') byId.set(id, { ...(row ?? change), presence: 'removed' });
      else if (row?.presence === 'removed') byId.set(id, { ...row, presence: 'offline' });
    }
    return [...byId.values()];
  }, [record, live.participants, removals]);
  const markRemoved = useCallback((id: string, change: PresenceRow | 'restored') => setRemovals((m) => new Map(m).set(id, change)), []);

  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : 'That did not work. Try again.');
    } finally {
      setBusy(false);
    }
  }, []);

  const { request } = live;
  const next = useCallback(() => run(() => request('step:next', {})), [run, request]);
  const prev = useCallback(() => run(() => request('step:prev', {})), [run, request]);

  useStepKeys(!!state && !ended, next, prev);

  // Without any state there is nothing to show; with live state a failed HTTP load is only a warning.
  const fatal =
    authError ??
    (notFound ? loadError : null) ??
    (!state ? (loadError ?? (live.joinError && live.joinError.code !== 'SESSION_ENDED' ? live.joinError.message : null)) : null);
  const shownIndex = ended && browseIndex !== null ? browseIndex : (state?.currentStep ?? 0);
  const shownStep = state?.steps[shownIndex];

  return (
    <>
      <InstructorHeader instructor={instructor} wide />
      <ConnectionBanner status={live.status} />
      <main id="main" className="mx-auto max-w-[1600px] px-4 py-6 sm:px-6">
        {fatal ? (
          <div className="mx-auto max-w-xl">
            <Alert title="Can't open this session">{fatal}</Alert>
          </div>
        ) : !state ? (
          <p className="text-slate-500" role="status">
            Loading session…
          </p>
        ) : (
          <>
            <div className="mb-6 flex flex-wrap items-center gap-3">
              <h1 className="mr-2 text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">{state.title}</h1>
              <StatusBadge status={state.status} />
              {state.paused && !ended ? (
                <span className="badge bg-amber-100 text-amber-900">
                  <PauseIcon className="size-3" /> Paused
                </span>
              ) : null}
              {state.locked && !ended ? (
                <span className="badge bg-slate-800 text-white">
                  <LockIcon className="size-3" /> Controls locked
                </span>
              ) : null}
              {live.joinError && live.joinError.code !== 'SESSION_ENDED' ? (
                <span className="text-sm text-red-700" role="alert">
                  {live.joinError.message}
                </span>
              ) : null}
              {/* The projector's window: what the instructor pins (state.presenting), else the current step. */}
              <div className="ml-auto flex flex-wrap items-center gap-2">
                {state.presenting && !ended ? (
                  <button type="button" className="btn btn-secondary" disabled={busy || !connected} onClick={() => run(() => request('present:set', { target: null }))}>
                    Stop presenting
                  </button>
                ) : null}
                <a href={`/teach/${sessionId}/present`} target="_blank" rel="noopener" className="btn btn-secondary" data-testid="open-present-view">
                  Open present view<span className="sr-only"> (opens in a new window)</span>
                </a>
              </div>
            </div>

            {loadError && !fatal ? (
              <div className="mb-4">
                <Alert tone="warning" title="Some session details could not be loaded">
                  {loadError} They will load again once the connection is back.
                </Alert>
              </div>
            ) : null}
            {actionError ? (
              <div className="mb-4">
                <Alert title="That didn't work">{actionError}</Alert>
              </div>
            ) : null}

            <div className="grid gap-6 lg:grid-cols-[300px_minmax(0,1fr)] xl:grid-cols-[320px_minmax(0,1fr)_300px] 2xl:grid-cols-[400px_minmax(0,1fr)_340px]">
              <div className="flex flex-col gap-6 xl:contents">
                <div className="xl:order-1">
                  <JoinPanel
                    code={state.code}
                    title={state.title}
                    joinUrl={record?.session.joinUrl}
                    joinNote={record?.session.joinNote}
                    joinAlternatives={record?.session.joinAlternatives}
                    closed={ended}
                  />
                </div>
                <div className="flex flex-col gap-6 xl:order-3">
                  <section aria-labelledby="controls-title" className="card p-5">
                    <h2 id="controls-title" className="mb-4 text-sm font-bold uppercase tracking-wide text-slate-500">
                      Session controls
                    </h2>
                    <SessionControls
                      state={state}
                      busy={busy || !connected}
                      onLock={(locked) => run(() => request('controls:lock', { locked }))}
                      onPause={(paused, message) => run(() => request('session:pause', message ? { paused, message } : { paused }))}
                      onEnd={() => run(() => request('session:end', {}))}
                      onReopen={() =>
                        run(async () => {
                          await request('session:reopen', { sessionId });
                          setBrowseIndex(null);
                          // The watch was refused while the session was ended; ask again now it is live.
                          live.retry();
                        })
                      }
                    />
                  </section>
                  <section aria-labelledby="presence-title" className="card p-5">
                    <h2 id="presence-title" className="mb-2 text-sm font-bold uppercase tracking-wide text-slate-500">
                      {ended ? `Who joined (${rows.length})` : 'Students'}
                    </h2>
                    <PresenceList
                      rows={rows}
                      canRemove={!ended && connected}
                      onRemove={(participantId) =>
                        run(async () => {
                          await request('participant:remove', { participantId });
                          const row = rows.find((r) => r.id === participantId);
                          if (row) markRemoved(participantId, row);
                        })
                      }
                      onRestore={(participantId) =>
                        run(async () => {
                          await request('participant:restore', { participantId });
                          markRemoved(participantId, 'restored');
                        })
                      }
                    />
                    {!ended ? <JoiningSwitch state={state} busy={busy || !connected} onChange={(open) => run(() => request('session:joining', { open }))} /> : null}
                  </section>
                </div>
              </div>

              <section aria-labelledby="preview-title" className="flex min-w-0 flex-col gap-4 xl:order-2">
                <div className="card p-3">
                  <StepPager
                    count={state.steps.length}
                    current={shownIndex}
                    disabled={ended ? false : busy || !connected}
                    onPrev={() => (ended ? setBrowseIndex(Math.max(0, shownIndex - 1)) : prev())}
                    onNext={() => (ended ? setBrowseIndex(Math.min(state.steps.length - 1, shownIndex + 1)) : next())}
                  />
                </div>
                <div className="card overflow-hidden">
                  <div className="flex items-center justify-between border-b border-slate-200 bg-slate-50 px-5 py-2">
                    <h2 id="preview-title" className="text-sm font-bold uppercase tracking-wide text-slate-500">
                      {ended ? 'Lesson steps' : 'Students see now'}
                    </h2>
                    <span className="text-sm font-semibold text-slate-600" data-testid="preview-step-counter">
                      Step {shownIndex + 1} / {state.steps.length}
                    </span>
                  </div>
                  {/* Scrolls on its own so the pager above stays in view on a 720p projector. */}
                  <div className="max-h-[calc(100dvh-19rem)] min-h-64 overflow-y-auto p-6 sm:p-8" data-testid="instructor-preview" tabIndex={0} aria-labelledby="preview-title">
                    {shownStep ? <StepView step={shownStep} size="large" /> : <p className="text-slate-500">This plan has no steps.</p>}
                  </div>
                </div>
                {shownStep?.kind === 'lab' ? (
                  <div className="card p-4 sm:p-5" data-testid="instructor-lab">
                    <LabStage role="instructor" step={shownStep} state={state} live={live} />
                  </div>
                ) : null}
                <div className="card p-4">
                  <StepOutline
                    steps={state.steps}
                    current={shownIndex}
                    disabled={ended ? false : busy || !connected}
                    onGoto={(index) => (ended ? setBrowseIndex(index) : run(() => request('step:goto', { index })))}
                  />
                  {!ended ? (
                    <p className="mt-3 text-xs text-slate-500">
                      Tip: <kbd className="rounded border border-slate-300 px-1">←</kbd> <kbd className="rounded border border-slate-300 px-1">→</kbd>{' '}
                      or a presenter clicker change the step.
                    </p>
                  ) : null}
                </div>
              </section>
            </div>
          </>
        )}
      </main>
    </>
  );
}
