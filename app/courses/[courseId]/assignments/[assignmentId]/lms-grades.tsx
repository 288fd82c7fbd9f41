'use client';

import { useCallback, useEffect, useState } from 'react';
import type { LmsGradesResponse, LtiScoreView } from '@convlab/protocol';
import { api } from '../../../../_lib/api-client';

/** While a grade is on its way, the gradebook asks again this often. */
const POLL_MS = 2_000;

/**
 * The assignment's grade passback to the LMS (LTI), by ConvLab account; refreshed while any grade is pending.
 * `linked` is false when no LMS line item is linked to the assignment (the gradebook then shows no LMS column).
 */
export function useLmsGrades(assignmentId: string, enabled: boolean) {
  const [lms, setLms] = useState<LmsGradesResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(
    () =>
      api.lmsGrades(assignmentId).then(
        (r) => {
          setLms(r);
          setError(null);
        },
        (err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the grades sent to the LMS.'),
      ),
    [assignmentId],
  );
  useEffect(() => {
    if (enabled) void reload();
  }, [enabled, reload]);
  const pending = lms?.grades.some((g) => g.status === 'pending') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [pending, reload]);

  async function sendAgain(grade: LtiScoreView) {
    try {
      setLms(await api.resendLmsGrade(assignmentId, grade.id, grade.updatedAt));
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not send the grade again.');
    }
  }

  const byAccount = new Map((lms?.grades ?? []).filter((g) => g.accountId).map((g) => [g.accountId!, g]));
  return { linked: lms?.linked ?? false, byAccount, error, reload, sendAgain };
}

const STYLE: Record<LtiScoreView['status'], string> = {
  sent: 'bg-emerald-100 text-emerald-800',
  pending: 'bg-amber-100 text-amber-800',
  failed: 'bg-red-100 text-red-800',
};

/** One student's grade in the LMS: "sent", "pending" or "failed: reason", with "Send again". */
export function LmsGradeCell({
  grade,
  released,
  studentName,
  onSendAgain,
}: {
  grade: LtiScoreView | undefined;
  released: boolean;
  studentName: string;
  onSendAgain: (grade: LtiScoreView) => void;
}) {
  // No score: nothing released yet, or a student who is not in the LMS course (joined ConvLab another way).
  if (!grade) return <span className="text-slate-400">{released ? 'not in the LMS course' : 'sent when released'}</span>;
  const retrying = grade.status === 'pending' && grade.lastError;
  return (
    <div className="flex flex-col items-start gap-1">
      <span className={`badge ${STYLE[grade.status]}`}>{grade.label}</span>
      <span className="text-xs text-slate-500">
        {Math.round(grade.scoreGiven * 100) / 100} / {Math.round(grade.scoreMaximum * 100) / 100}
        {retrying ? ` · retrying after: ${grade.lastError}` : ''}
      </span>
      {grade.status === 'pending' && !retrying ? null : (
        <button type="button" className="text-xs font-medium text-indigo-700 hover:underline" onClick={() => onSendAgain(grade)} aria-label={`Send ${studentName}'s grade to the LMS again`}>
          Send again
        </button>
      )}
    </div>
  );
}
