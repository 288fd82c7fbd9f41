'use client';

/** The pooling quiz's answers: each student's number and the server's verdict (the right value is never shown). */
import { PoolingResultSchema } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { showNumber } from '../kit/number-map';
import { SubmissionCard, type SubmissionActions } from '../kit/submission-card';
import type { LabRuntime } from '../lab-runtime';
import { authorOf } from '../neuron/gallery';

export function QuizAnswers({ lab, submissions, viewer, ...actions }: {
  lab: Pick<LabRuntime, 'participants' | 'me'>;
  submissions: readonly Submission[];
  viewer: 'instructor' | 'student';
} & SubmissionActions) {
  return (
    <div className="grid gap-3 [grid-template-columns:repeat(auto-fill,minmax(220px,1fr))]" data-testid="quiz-answers">
      {submissions.map((s) => {
        const r = PoolingResultSchema.safeParse(s.result).data;
        return (
          <SubmissionCard key={s.id} submission={s} author={authorOf(lab, s)} viewer={viewer} {...actions}>
            {r ? (
              <div className="space-y-1">
                <p className="text-sm text-slate-600">{r.question}</p>
                <p className={`text-lg font-semibold ${r.correct ? 'text-emerald-700' : 'text-amber-800'}`} data-testid="quiz-answer">
                  {showNumber(r.answer)} {r.correct ? '✓ right' : '✗ not it'}
                </p>
              </div>
            ) : (
              <p className="text-sm text-slate-600">This answer cannot be shown.</p>
            )}
          </SubmissionCard>
        );
      })}
    </div>
  );
}
