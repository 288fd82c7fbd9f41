'use client';

import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ASSIGNMENT_API, shownEmail, type AssignmentSubmission, type Gradebook, type LabStep } from '@convlab/protocol';
import { Alert } from '../../../../_components/alert';
import { InstructorHeader } from '../../../../_components/instructor-header';
import { TableHead } from '../../../../_components/table-head';
import { api } from '../../../../_lib/api-client';
import { formatLocal } from '../../../../_lib/assignment-defaults';
import { useAccount } from '../../../../_lib/use-instructor';
import { LmsGradeCell, useLmsGrades } from './lms-grades';

type SortKey = 'name' | 'total';
const points = (n: number) => String(Math.round(n * 100) / 100);

/** An assignment's gradebook for its course's staff: students × steps, sort and filter, release, CSV, grading. */
export default function GradebookPage() {
  const { courseId, assignmentId } = useParams<{ courseId: string; assignmentId: string }>();
  const { account, error: authError } = useAccount();
  const [book, setBook] = useState<Gradebook | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortKey>('name');
  const [open, setOpen] = useState<string | null>(null);
  const lms = useLmsGrades(assignmentId, account !== null);

  const reload = useCallback(
    () =>
      api
        .gradebook(assignmentId)
        .then((r) => setBook(r.gradebook))
        .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the gradebook.')),
    [assignmentId],
  );
  useEffect(() => {
    if (account) void reload();
  }, [account, reload]);

  const rows = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = (book?.rows ?? []).filter((r) => !q || r.name.toLowerCase().includes(q) || r.email.toLowerCase().includes(q));
    return [...list].sort((a, b) => (sort === 'total' ? b.total - a.total : a.name.localeCompare(b.name)));
  }, [book, filter, sort]);

  async function release(released: boolean) {
    try {
      await api.releaseGrades(assignmentId, released);
      await Promise.all([reload(), lms.reload()]);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not change the release.');
    }
  }

  const a = book?.assignment;
  const max = book?.steps.reduce((n, s) => n + s.maxPoints, 0) ?? 0;
  return (
    <>
      <InstructorHeader instructor={account} />
      <main id="main" className="mx-auto max-w-6xl px-4 py-10 sm:px-6">
        <Link href={`/courses/${courseId}`} className="text-sm text-indigo-700 hover:underline">
          ← Course
        </Link>
        {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
        {error ? <Alert>{error}</Alert> : null}
        {lms.error ? <Alert>{lms.error}</Alert> : null}
        {a && book ? (
          <>
            <div className="mt-2 flex flex-wrap items-end justify-between gap-4">
              <div>
                <h1 className="text-3xl font-bold tracking-tight text-slate-900">{a.title}</h1>
                <p className="mt-1 text-slate-600">
                  opens {formatLocal(a.opensAt)} · due {formatLocal(a.dueAt)} ·{' '}
                  {a.latePolicy.kind === 'refuse' ? 'late work refused' : `late: −${a.latePolicy.percentPerDay} % per started day, at most −${a.latePolicy.capPercent} %`}
                </p>
              </div>
              <div className="flex gap-2">
                <a className="btn btn-secondary" href={ASSIGNMENT_API.action(assignmentId, 'gradebook.csv')} download>
                  Export CSV
                </a>
                <button type="button" className={a.releasedAt ? 'btn btn-ghost' : 'btn btn-primary'} onClick={() => release(!a.releasedAt)}>
                  {a.releasedAt ? 'Withdraw grades' : 'Release grades'}
                </button>
              </div>
            </div>
            <p className="mt-2 text-sm text-slate-600" role="status">
              {a.releasedAt ? `Grades released ${formatLocal(a.releasedAt)}: students see them.` : 'Grades not released: students do not see them yet.'}
            </p>
            <div className="mt-6 flex flex-wrap items-end gap-3">
              <div>
                <label htmlFor="gradebook-filter" className="field-label">
                  Filter students
                </label>
                <input id="gradebook-filter" className="field-input" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name or e-mail" />
              </div>
              <div>
                <label htmlFor="gradebook-sort" className="field-label">
                  Sort by
                </label>
                <select id="gradebook-sort" className="field-input" value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
                  <option value="name">Name</option>
                  <option value="total">Total (highest first)</option>
                </select>
              </div>
            </div>
            <div className="card mt-4 overflow-x-auto">
              <table className="w-full text-left text-sm">
                <TableHead caption="Gradebook: students by steps" columns={['Student', ...book.steps.map((s) => `${s.title} (${points(s.maxPoints)})`), `Total (${points(max)})`, ...(lms.linked ? ['In the LMS'] : [])]} cellClass="px-3 py-2" />
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.accountId} className="border-b border-slate-100">
                      <th scope="row" className="px-3 py-2 font-medium text-slate-900">
                        {r.name}
                        <div className="text-xs font-normal text-slate-500">{shownEmail(r.email)}</div>
                      </th>
                      {r.cells.map((c) => (
                        <td key={c.stepId} className="px-3 py-2 align-top">
                          {c.submissionId ? (
                            <button type="button" className="text-left hover:underline" onClick={() => setOpen(c.submissionId)} aria-label={`Open ${r.name}'s submission`}>
                              <span className="font-semibold text-slate-900">{points(c.points)}</span>
                              <span className="block text-xs text-slate-500">
                                auto {c.auto === null ? '—' : points(c.auto)} · hand {c.manual === null ? '—' : points(c.manual)} · {c.attempts} {c.attempts === 1 ? 'attempt' : 'attempts'}
                              </span>
                              {c.late ? <span className="mt-1 inline-block rounded bg-amber-100 px-1.5 text-xs font-semibold text-amber-800">late</span> : null}
                            </button>
                          ) : (
                            <span className="text-slate-400">not submitted</span>
                          )}
                        </td>
                      ))}
                      <td className="px-3 py-2 font-semibold text-slate-900">{points(r.total)}</td>
                      {lms.linked ? (
                        <td className="px-3 py-2 align-top">
                          <LmsGradeCell grade={lms.byAccount.get(r.accountId)} released={a.releasedAt !== null} studentName={r.name} onSendAgain={lms.sendAgain} />
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {open ? <SubmissionPanel id={open} steps={a.steps} onChanged={reload} onClose={() => setOpen(null)} /> : null}
          </>
        ) : null}
      </main>
    </>
  );
}

/** One submission with its images, the rule's verdict, the rubric and an override, and the grade's history. */
function SubmissionPanel({ id, steps, onChanged, onClose }: { id: string; steps: LabStep[]; onChanged: () => void; onClose: () => void }) {
  const [s, setS] = useState<AssignmentSubmission | null>(null);
  const [history, setHistory] = useState<{ kind: string; createdAt: string }[]>([]);
  const [rubric, setRubric] = useState<Record<string, number>>({});
  const [comment, setComment] = useState('');
  const [override, setOverride] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.getAssignmentSubmission(id).then((r) => {
      setS(r.submission);
      setHistory(r.history);
      setRubric(r.submission.manual?.rubric ?? {});
      setComment(r.submission.manual?.comment ?? '');
    }, (err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the submission.'));
  }, [id]);
  const step = steps.find((x) => x.id === s?.stepId);
  const caption = typeof s?.result.caption === 'string' ? s.result.caption : null;
  const images = s ? [s.resultImageHash, ...((s.result.images as { sha256: string }[] | undefined) ?? []).map((i) => i.sha256)].filter((h, i, all): h is string => !!h && all.indexOf(h) === i) : [];

  async function run(action: () => Promise<{ submission: AssignmentSubmission }>) {
    setError(null);
    try {
      setS((await action()).submission);
      setHistory((await api.getAssignmentSubmission(id)).history);
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'That did not work.');
    }
  }

  return (
    <section className="card mt-6 p-5" aria-labelledby="submission-heading">
      <div className="flex items-start justify-between gap-4">
        <h2 id="submission-heading" className="text-lg font-semibold text-slate-900">
          {step?.title ?? 'Submission'} — attempt {s?.attempt}
        </h2>
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? <Alert>{error}</Alert> : null}
      {s ? (
        <div className="mt-3 grid gap-6 lg:grid-cols-2">
          <div>
            <p className="text-sm text-slate-600">
              submitted {formatLocal(s.submittedAt)}
              {s.lateDays ? ` · ${s.lateDays} ${s.lateDays === 1 ? 'day' : 'days'} late (−${s.penaltyPercent} %)` : ' · on time'}
            </p>
            {images.length ? (
              <div className="mt-3 flex flex-wrap gap-2">
                {images.map((h) => (
                  <img key={h} src={`/api/images/${h}`} alt="the submitted result" className="h-40 w-40 rounded border border-slate-200 object-contain" />
                ))}
              </div>
            ) : null}
            {caption !== null ? <p className="mt-3 rounded bg-slate-50 p-3 text-sm text-slate-800">“{caption}”</p> : null}
            <h3 className="mt-4 font-semibold text-slate-900">Rule (recomputed by the server)</h3>
            <p className="text-sm text-slate-700">{s.auto ? `${points(s.auto.points)} points — ${s.auto.detail}` : 'no automatic grade'}</p>
            <h3 className="mt-4 font-semibold text-slate-900">History</h3>
            <ol className="text-sm text-slate-600">
              {history.map((e, i) => (
                <li key={i}>
                  {formatLocal(e.createdAt)} — {e.kind}
                </li>
              ))}
            </ol>
          </div>
          <div>
            <h3 className="font-semibold text-slate-900">Rubric</h3>
            {(step?.grading?.rubric ?? []).map((c) => (
              <label key={c.id} className="mt-2 flex items-center justify-between gap-2 text-sm text-slate-700">
                {c.label} (max {c.points})
                <input type="number" min={0} max={c.points} step={0.5} className="field-input w-24" value={rubric[c.id] ?? ''} onChange={(e) => setRubric({ ...rubric, [c.id]: Number(e.target.value) })} />
              </label>
            ))}
            <label htmlFor="grade-comment" className="field-label mt-3">
              Feedback
            </label>
            <textarea id="grade-comment" className="field-input min-h-20 w-full" value={comment} onChange={(e) => setComment(e.target.value)} />
            <button type="button" className="btn btn-primary mt-2" onClick={() => run(() => api.gradeByHand(id, rubric, comment))}>
              Save grade
            </button>
            <h3 className="mt-5 font-semibold text-slate-900">Override the automatic score</h3>
            <div className="mt-2 flex flex-wrap items-end gap-2">
              <input type="number" min={0} aria-label="Points instead of the rule's" className="field-input w-24" value={override} onChange={(e) => setOverride(e.target.value)} />
              <input aria-label="Reason" placeholder="reason (kept)" className="field-input flex-1" value={reason} onChange={(e) => setReason(e.target.value)} />
              <button type="button" className="btn btn-secondary" onClick={() => run(() => api.overrideGrade(id, override === '' ? null : Number(override), reason))}>
                Override
              </button>
            </div>
            {s.overridePoints !== null ? <p className="mt-2 text-sm text-slate-600">Overridden to {points(s.overridePoints)}: {s.overrideReason}</p> : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
