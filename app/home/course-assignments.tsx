'use client';

/**
 * A course's assignments on a student's home page: due dates in the viewer's time zone (with their extension), the
 * server's word on submitting now, attempts, and — once released — their grade per step with the feedback (rubric,
 * comment, late penalty). Each opens the assignment page; their own submissions download as a file.
 */
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { ASSIGNMENT_API, type AssignmentSubmission, type StudentAssignment } from '@convlab/protocol';
import { api } from '../_lib/api-client';
import { formatLocal } from '../_lib/assignment-defaults';
import { pointsText } from '../assignments/[assignmentId]/assignment-parts';

type Row = { a: StudentAssignment; mine: AssignmentSubmission[] };

const WINDOW_WORDS: Record<StudentAssignment['window']['status'], [string, string]> = {
  'on-time': ['open', 'bg-emerald-100 text-emerald-800'],
  late: ['past due: late', 'bg-amber-100 text-amber-800'],
  refused: ['closed', 'bg-slate-200 text-slate-700'],
  'not-open': ['not open yet', 'bg-slate-100 text-slate-700'],
};

export function CourseAssignments({ courseId }: { courseId: string }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    (async () => {
      const { assignments } = await api.listAssignments(courseId);
      const mine = assignments.filter((a): a is StudentAssignment => 'myDueAt' in a);
      // Grades only exist for the student once released: fetch their work for those alone.
      const withWork = await Promise.all(mine.map(async (a) => ({ a, mine: a.releasedAt ? (await api.assignmentSubmissions(a.id)).submissions : [] })));
      if (alive) setRows(withWork.sort((x, y) => x.a.myDueAt.localeCompare(y.a.myDueAt)));
    })().catch((err: unknown) => alive && setError(err instanceof Error ? err.message : 'Could not load the assignments.'));
    return () => {
      alive = false;
    };
  }, [courseId]);

  if (error) return <p className="mt-3 text-sm text-red-700" role="alert">{error}</p>;
  if (!rows) return <p className="mt-3 text-sm text-slate-500">Loading assignments…</p>;
  if (rows.length === 0) return <p className="mt-3 text-sm text-slate-600">No assignments yet.</p>;
  return (
    <ul className="mt-4 divide-y divide-slate-100" data-testid="course-assignments">
      {rows.map(({ a, mine }) => {
        const max = a.status.reduce((n, s) => n + s.maxPoints, 0);
        const counted = a.status.map((s) => ({ s, sub: mine.find((m) => m.id === s.countedId) ?? null, title: a.steps.find((x) => x.id === s.stepId)?.title ?? s.stepId }));
        const total = counted.reduce((n, c) => n + (c.sub?.points ?? 0), 0);
        const used = a.status.reduce((n, s) => n + s.attemptsUsed, 0);
        const [word, tone] = WINDOW_WORDS[a.window.status];
        return (
          <li key={a.id} className="py-3" data-testid="home-assignment">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <div>
                <Link href={`/assignments/${a.id}`} className="font-semibold text-brand-700 hover:underline">
                  {a.title}
                </Link>
                <span className={`badge ml-2 ${tone}`}>{word}</span>
                <p className="text-sm text-slate-600">
                  due {formatLocal(a.myDueAt)}
                  {a.myDueAt !== a.dueAt ? ' (your extension)' : ''} · {a.steps.length} {a.steps.length === 1 ? 'step' : 'steps'} · {used ? `${used} ${used === 1 ? 'submission' : 'submissions'}` : 'nothing submitted yet'}
                </p>
              </div>
              <div className="flex items-center gap-3 text-sm">
                {a.releasedAt ? (
                  <span className="font-semibold text-slate-900" data-testid="home-grade">
                    {pointsText(total)} of {max}
                  </span>
                ) : (
                  <span className="text-slate-500">grade not released</span>
                )}
                {used ? (
                  <a href={ASSIGNMENT_API.action(a.id, 'my-submissions.json')} download className="text-brand-700 hover:underline">
                    Download my work
                  </a>
                ) : null}
              </div>
            </div>
            {a.releasedAt ? (
              <ul className="mt-2 space-y-1 text-sm text-slate-700" data-testid="home-feedback">
                {counted.map(({ s, sub, title }) => (
                  <li key={s.stepId}>
                    <strong>{title}</strong>: {sub ? `${pointsText(sub.points)} of ${s.maxPoints}` : 'not submitted'}
                    {sub?.penaltyPercent ? ` (late: −${sub.penaltyPercent} %)` : ''}
                    {sub?.manual
                      ? ` · ${s.rubric.map((c) => `${c.label}: ${sub.manual!.rubric[c.id] ?? 0}/${c.points}`).join(' · ')}${sub.manual.comment ? ` · “${sub.manual.comment}”` : ''}`
                      : ''}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
