import type { AssignmentSubmission, LatePolicy, StudentAssignment, StudentStepStatus } from '@convlab/protocol';
import { formatLocal } from '../../_lib/assignment-defaults';

/** Points as people write them (at most two decimals). */
export const pointsText = (n: number) => `${Math.round(n * 100) / 100} ${n === 1 ? 'point' : 'points'}`;

/** The late policy in words. */
export function latePolicyInWords(p: LatePolicy): string {
  if (p.kind === 'refuse') return 'Late work is not accepted';
  if (p.percentPerDay === 0) return 'Late work is accepted without a penalty';
  return `Late work loses ${p.percentPerDay} % per started day after the due time, at most ${p.capPercent} %`;
}

/** What the server would decide of a submission now: on time, late with its penalty, refused, or not open yet. */
export function WindowBanner({ a }: { a: StudentAssignment }) {
  const w = a.window;
  const [tone, text] =
    w.status === 'on-time'
      ? ['border-emerald-300 bg-emerald-50 text-emerald-950', `Open: what you submit now is on time (due ${formatLocal(a.myDueAt)}).`]
      : w.status === 'late'
        ? ['border-amber-300 bg-amber-50 text-amber-950', `Past the due time: what you submit now counts as ${w.lateDays} ${w.lateDays === 1 ? 'day' : 'days'} late and loses ${w.penaltyPercent} % of its points.`]
        : w.status === 'not-open'
          ? ['border-slate-300 bg-slate-50 text-slate-800', `Not open yet: it opens ${formatLocal(a.opensAt)}. You can look at the labs; submitting waits until then.`]
          : ['border-rose-300 bg-rose-50 text-rose-950', `Closed: it was due ${formatLocal(a.myDueAt)} and late work is not accepted. You can look at your work, not submit more.`];
  return (
    <p className={`mt-4 rounded-lg border px-4 py-2 text-sm font-medium ${tone}`} role="status" data-testid="submit-window" data-status={w.status}>
      {text}
    </p>
  );
}

/** One of the student's attempts: when, on time or late, and — once released — its grade with the feedback. */
export function SubmissionGrade({ s, released, counted, rubric }: { s: AssignmentSubmission; released: boolean; counted: boolean; rubric: StudentStepStatus['rubric'] }) {
  const auto = s.overridePoints ?? s.auto?.points ?? null;
  return (
    <div className="text-sm text-slate-700" data-testid="attempt">
      <p>
        <strong className="text-slate-900">Attempt {s.attempt}</strong> · {formatLocal(s.submittedAt)} ·{' '}
        {s.lateDays ? (
          <span className="font-semibold text-amber-800">
            {s.lateDays} {s.lateDays === 1 ? 'day' : 'days'} late (−{s.penaltyPercent} %)
          </span>
        ) : (
          <span className="text-emerald-800">on time</span>
        )}
        {counted ? <span className="badge ml-2 bg-emerald-100 text-emerald-800">counts</span> : null}
      </p>
      {released ? (
        <div className="mt-2 space-y-1" data-testid="attempt-grade">
          <p className="font-semibold text-slate-900">{pointsText(s.points)}</p>
          {auto !== null ? (
            <p>
              Checked by the server: {pointsText(auto)}
              {s.overridePoints !== null ? ` (set by your instructor: ${s.overrideReason})` : s.auto ? ` — ${s.auto.detail}` : ''}
            </p>
          ) : null}
          {s.manual ? (
            <>
              <ul className="list-inside list-disc">
                {rubric.map((c) => (
                  <li key={c.id}>
                    {c.label}: {s.manual!.rubric[c.id] ?? 0} of {c.points}
                  </li>
                ))}
              </ul>
              {s.manual.comment ? <p className="rounded bg-slate-50 p-2 text-slate-800">Feedback: “{s.manual.comment}”</p> : null}
            </>
          ) : null}
          {s.penaltyPercent ? <p className="text-amber-800">Late penalty: −{s.penaltyPercent} %</p> : null}
        </div>
      ) : (
        <p className="mt-1 text-slate-500">Grades appear here once your instructor releases them.</p>
      )}
    </div>
  );
}
