'use client';

/** The pooling quiz's answers: each student's number and the server's verdict (the right value is never shown). */
import { PoolingResultSchema } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { showNumber } from '../kit/number-map';
import { SubmissionGrid } from '../kit/submission-card';

/** One answer: the question, the number and the server's verdict. */
function QuizAnswer({ submission }: { submission: Submission }) {
  const r = PoolingResultSchema.safeParse(submission.result).data;
  if (!r) return <p className="text-sm text-slate-600">This answer cannot be shown.</p>;
  return (
    <div className="space-y-1">
      <p className="text-sm text-slate-600">{r.question}</p>
      <p className={`text-lg font-semibold ${r.correct ? 'text-emerald-700' : 'text-amber-800'}`} data-testid="quiz-answer">
        {showNumber(r.answer)} {r.correct ? '✓ right' : '✗ not it'}
      </p>
    </div>
  );
}

export function QuizAnswers(props: Omit<Parameters<typeof SubmissionGrid>[0], 'render'>) {
  return <SubmissionGrid {...props} minWidth={220} testId="quiz-answers" render={(s) => <QuizAnswer submission={s} />} />;
}
