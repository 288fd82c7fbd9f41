'use client';

/**
 * What the present view shows for a pinned target: the lab's own `Present` rendering of one submission or of one class
 * view, with the step's submissions kept live. A submission is looked up among the session's submissions to find its
 * step; a target whose submission or step is gone says so instead of drawing nothing.
 */
import { Component, useEffect, useState, type ReactNode } from 'react';
import type { LabStep, PresentTarget, SessionState, Submission } from '@convlab/protocol';
import { useLabRuntime } from '../../_labs/lab-stage';
import { useSubmissions } from '../../_labs/kit/use-submissions';
import type { ClassroomSocket } from '../../_lib/use-classroom-socket';

/** A large, plain message in the middle of the projector. */
export function PresentMessage({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-4 text-center" role="status">
      <p className="text-4xl font-bold text-slate-900">{title}</p>
      {children ? <p className="max-w-3xl text-2xl text-slate-700">{children}</p> : null}
    </div>
  );
}

/** Keeps a failing lab panel from taking the whole projector page down with it. */
class PresentErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (this.state.error) return <PresentMessage title="This view could not be drawn">{this.state.error.message}</PresentMessage>;
    return this.props.children;
  }
}

/** The submission behind a `submission` target (fetched from the session's list), or why there is none. */
export function usePinnedSubmission(live: ClassroomSocket, submissionId: string | null): { submission: Submission | null; error: string | null } {
  const [found, setFound] = useState<{ id: string; submission: Submission | null; error: string | null } | null>(null);
  const { request, status } = live;
  useEffect(() => {
    if (!submissionId || status !== 'live') return;
    let cancelled = false;
    request('lab:submissions', {})
      .then(({ submissions }) => {
        if (cancelled) return;
        const submission = submissions.find((s) => s.id === submissionId) ?? null;
        setFound({ id: submissionId, submission, error: submission ? null : 'This submission is no longer in the session.' });
      })
      .catch((err: Error) => !cancelled && setFound({ id: submissionId, submission: null, error: err.message }));
    return () => {
      cancelled = true;
    };
  }, [request, status, submissionId]);
  if (!submissionId || found?.id !== submissionId) return { submission: null, error: null };
  return { submission: found.submission, error: found.error };
}

/** Who a submission is from, as the room should read it. */
export function authorOf(submission: Submission, live: ClassroomSocket): string {
  if (submission.participantId === null) return 'the class';
  return live.participants.find((p) => p.id === submission.participantId)?.displayName ?? 'a student';
}

function LabPresentation({ step, target, state, live }: { step: LabStep; target: PresentTarget; state: SessionState; live: ClassroomSocket }) {
  const runtime = useLabRuntime({ role: 'instructor', step, state, live });
  if (!runtime.ok) return <PresentMessage title="This lab cannot be shown">{runtime.message}</PresentMessage>;
  return <LabPresentPanel runtime={runtime} target={target} />;
}

/** Split out so `useSubmissions` only runs with a working runtime. */
function LabPresentPanel({ runtime, target }: { runtime: Extract<ReturnType<typeof useLabRuntime>, { ok: true }>; target: PresentTarget }) {
  const { submissions } = useSubmissions(runtime.lab);
  const { Present } = runtime.panels;
  return (
    <PresentErrorBoundary>
      <Present lab={runtime.lab} target={target} submissions={submissions} />
    </PresentErrorBoundary>
  );
}

/** Heading line of a pinned target: what it is and whose. */
export function describeTarget(target: PresentTarget, state: SessionState, submission: Submission | null, live: ClassroomSocket): string {
  if (target.kind === 'view') {
    const step = state.steps.find((s) => s.id === target.stepId);
    return `${step?.title ?? target.stepId} · class view`;
  }
  if (!submission) return 'A submission';
  const step = state.steps.find((s) => s.id === submission.stepId);
  return `${step?.title ?? submission.stepId} · ${authorOf(submission, live)}`;
}

export function PresentTargetView({
  target,
  pinned: { submission, error },
  state,
  live,
}: {
  target: PresentTarget;
  /** `usePinnedSubmission` for a submission target. */
  pinned: { submission: Submission | null; error: string | null };
  state: SessionState;
  live: ClassroomSocket;
}) {
  const stepId = target.kind === 'view' ? target.stepId : submission?.stepId;
  if (target.kind === 'submission' && !submission) {
    return error ? <PresentMessage title="Nothing to show">{error}</PresentMessage> : <PresentMessage title="Loading…" />;
  }
  const step = state.steps.find((s) => s.id === stepId);
  if (step?.kind !== 'lab') return <PresentMessage title="Nothing to show">The pinned lab step is no longer in the lesson plan.</PresentMessage>;
  // A new step gets a fresh runtime and submission list.
  return <LabPresentation key={step.id} step={step} target={target} state={state} live={live} />;
}
