'use client';

/**
 * A student's view of the occlusion step's stored masks: their own submissions and the classmates' masks the
 * instructor shared with the class ("Share with class"). Read-only: shown under the live panel and, after the
 * session ended, as the step's review.
 */
import type { OcclusionParams } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { useClassNames } from '../kit/class-names';
import { imageRefUrl } from '../kit/images';
import { SubmissionCard } from '../kit/submission-card';
import type { LabReviewProps } from '../registry';
import { splitSubmissions } from './shared';
import { OcclusionSubmissionView } from './submission-view';

export function OcclusionWork({ params, me, submissions }: LabReviewProps) {
  const { name } = useClassNames();
  const imageUrl = imageRefUrl((params as OcclusionParams).image);
  const { masks } = splitSubmissions(submissions);
  const mine = masks.filter((m) => m.submission.participantId === me?.id);
  const shared = masks.filter((m) => m.submission.participantId !== me?.id && m.submission.shared);
  const author = (s: Submission) => (s.participantId === me?.id ? 'You' : s.participantId ? 'A classmate' : 'Your instructor');
  const groups = [
    { title: 'Your submissions', list: mine, testId: 'my-work' },
    { title: 'Shared by your instructor', list: shared, testId: 'shared-work' },
  ].filter((g) => g.list.length > 0);
  if (groups.length === 0) return null;
  return (
    <div className="space-y-5 border-t border-slate-200 pt-4">
      {groups.map((g) => (
        <section key={g.title} aria-label={g.title} data-testid={g.testId}>
          <h3 className="mb-2 text-base font-bold text-slate-900">
            {g.title} <span className="font-normal text-slate-500">· {g.list.length}</span>
          </h3>
          <div className="grid gap-3 [grid-template-columns:repeat(auto-fill,minmax(260px,1fr))]">
            {[...g.list].reverse().map(({ submission, result }) => (
              <SubmissionCard key={submission.id} submission={submission} author={author(submission)} viewer="student">
                <OcclusionSubmissionView result={result} imageUrl={imageUrl} targetName={name(result.classIndex)} nameOf={name} />
              </SubmissionCard>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
