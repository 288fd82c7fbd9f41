'use client';

/**
 * An instructor's live view of one lab step's submissions, as the convolution, pooling and filters labs share it:
 * a heading with the count, "share all", a button that puts the class view on the projector, and the lab's own
 * rendering of the submissions with share and present per submission.
 */
import { useState, type ReactNode } from 'react';
import type { PresentTarget, Submission } from '@convlab/protocol';
import type { LabRuntime } from '../lab-runtime';
import { ShareGalleryButton } from './share-gallery';
import type { SubmissionActions } from './submission-card';
import { useSubmissions } from './use-submissions';

export function ClassSubmissionsPanel({ lab, title, noun = 'submission', view, viewTitle, empty, emptyTestId, children }: {
  lab: LabRuntime;
  title: string;
  /** What one submission is called in the count ("pick"). */
  noun?: string;
  /** The class view's id (its present target) and its button's name. */
  view: string;
  viewTitle: string;
  empty: string;
  emptyTestId?: string;
  children: (submissions: Submission[], actions: SubmissionActions) => ReactNode;
}) {
  const { submissions, error, upsert } = useSubmissions(lab);
  const [actionError, setActionError] = useState<string | null>(null);
  const { request } = lab.live;
  const presenting = lab.session.presenting;
  const viewTarget: PresentTarget = { kind: 'view', stepId: lab.step.id, view };
  const viewOnScreen = presenting?.kind === 'view' && presenting.stepId === lab.step.id && presenting.view === view;
  const students = new Set(submissions.map((s) => s.participantId)).size;
  const ended = lab.session.status === 'ended';

  const act = (action: Promise<unknown>) => {
    setActionError(null);
    action.catch((err: Error) => setActionError(err.message));
  };
  const present = (target: PresentTarget | null) => act(request('present:set', { target }));
  const actions: SubmissionActions = ended
    ? {}
    : {
        onShare: (s, shared) => act(request('lab:share', { submissionId: s.id, shared }).then(({ submission }) => upsert(submission))),
        onPresent: (s) => present(presenting?.kind === 'submission' && presenting.submissionId === s.id ? null : { kind: 'submission', submissionId: s.id }),
        presentingId: presenting?.kind === 'submission' ? presenting.submissionId : null,
      };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-lg font-bold text-slate-900">
          {title}{' '}
          <span className="font-normal text-slate-500" aria-live="polite">
            · {submissions.length} {noun}
            {submissions.length === 1 ? '' : 's'} from {students} student{students === 1 ? '' : 's'}
          </span>
        </h2>
        <div className="flex flex-wrap items-center gap-2">
          <ShareGalleryButton lab={lab} submissions={submissions} />
          <button type="button" className="btn btn-secondary" aria-pressed={viewOnScreen} disabled={ended} onClick={() => present(viewOnScreen ? null : viewTarget)}>
            {viewOnScreen ? `Stop presenting ${viewTitle}` : `Present ${viewTitle}`}
          </button>
        </div>
      </div>
      {actionError || error ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {actionError ?? `The submissions could not be loaded: ${error}`}
        </p>
      ) : null}
      {submissions.length ? (
        children(submissions, actions)
      ) : (
        <div data-testid={emptyTestId}>
          <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-slate-600">{empty}</p>
        </div>
      )}
    </div>
  );
}
