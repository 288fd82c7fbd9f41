'use client';

import type { ReactNode } from 'react';
import type { Submission } from '@convlab/protocol';
import type { LabRuntime } from '../lab-runtime';
import { ComputedBadge } from './computed-badge';

/** Who made a submission, as the viewer sees it. */
export function authorOf(lab: Pick<LabRuntime, 'participants' | 'me'>, submission: Submission): string {
  if (submission.participantId === null) return 'Instructor';
  if (lab.me && submission.participantId === lab.me.id) return 'You';
  return lab.participants.find((p) => p.id === submission.participantId)?.displayName ?? 'A student';
}

/** Submissions as a grid of cards, each with the lab's own picture of it (`render`). */
export function SubmissionGrid({ lab, submissions, viewer, render, minWidth = 240, testId, ...actions }: {
  lab: Pick<LabRuntime, 'participants' | 'me'>;
  submissions: readonly Submission[];
  viewer: 'instructor' | 'student';
  render: (submission: Submission) => ReactNode;
  /** Narrowest card, in pixels. */
  minWidth?: number;
  testId?: string;
} & SubmissionActions) {
  return (
    <div className="grid gap-3" style={{ gridTemplateColumns: `repeat(auto-fill, minmax(${minWidth}px, 1fr))` }} data-testid={testId}>
      {submissions.map((s) => (
        <SubmissionCard key={s.id} submission={s} author={authorOf(lab, s)} viewer={viewer} {...actions}>
          {render(s)}
        </SubmissionCard>
      ))}
    </div>
  );
}

export interface SubmissionActions {
  /** Instructor: show it to the class, or stop. */
  onShare?: (submission: Submission, shared: boolean) => void;
  /** Instructor: put it on the projector's "present" view. */
  onPresent?: (submission: Submission) => void;
  /** The submission on the present view now, if any. */
  presentingId?: string | null;
}

/**
 * One submission in a list or a gallery: the lab's own picture of it (children), who made it, where it was
 * computed, and the instructor's share and present buttons.
 */
export function SubmissionCard({ submission, author, children, caption, onShare, onPresent, presentingId, viewer = 'instructor' }: {
  submission: Submission;
  author: string;
  children: ReactNode;
  caption?: ReactNode;
  viewer?: 'instructor' | 'student';
} & SubmissionActions) {
  const presenting = presentingId === submission.id;
  return (
    <article
      className={`card flex flex-col gap-2 p-3 ${presenting ? 'ring-2 ring-amber-400' : ''}`}
      data-testid="submission-card"
      data-submission-id={submission.id}
      aria-label={`Submission by ${author}`}
    >
      <div className="flex items-center justify-between gap-2">
        <p className="truncate text-sm font-semibold text-slate-900" data-testid="submission-author">
          {author}
        </p>
        {submission.shared ? <span className="badge bg-violet-100 text-violet-800">Shared</span> : null}
      </div>
      {children}
      {caption ? <div className="text-sm text-slate-700">{caption}</div> : null}
      <div className="flex flex-wrap items-center gap-2">
        <ComputedBadge where={submission.computedWhere} backend={submission.backend} ms={submission.ms} whose={viewer === 'student' ? 'your' : 'their'} />
        <time className="text-xs text-slate-500" dateTime={submission.createdAt}>
          {new Date(submission.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        </time>
      </div>
      {onShare || onPresent ? (
        <div className="flex flex-wrap gap-2 border-t border-slate-100 pt-2">
          {onShare ? (
            <button type="button" className="btn btn-secondary px-2.5 py-1 text-sm" aria-pressed={submission.shared} onClick={() => onShare(submission, !submission.shared)}>
              {submission.shared ? 'Unshare' : 'Share with class'}
            </button>
          ) : null}
          {onPresent ? (
            <button type="button" className="btn btn-secondary px-2.5 py-1 text-sm" aria-pressed={presenting} onClick={() => onPresent(submission)}>
              {presenting ? 'On the projector' : 'Present'}
            </button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
