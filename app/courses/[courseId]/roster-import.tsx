'use client';

import { useState } from 'react';
import { Alert } from '../../_components/alert';
import { TableHead } from '../../_components/table-head';
import { ApiError, api } from '../../_lib/api-client';
import type { RosterImportResponse, RosterProblem } from '@convlab/protocol';

type Outcome = Extract<RosterImportResponse, { ok: true }>;

/** Problems of a refused import, when the error carries them (422 `{ ok: false, problems }`). */
function problemsOf(err: unknown): RosterProblem[] | null {
  if (!(err instanceof ApiError) || err.status !== 422) return null;
  const body = err.body as { problems?: RosterProblem[] } | null;
  return body?.problems ?? null;
}

/**
 * Roster CSV import: pick a file (or paste), check it (a dry run lists every problem by line), then import. The
 * server takes all rows or none.
 */
export function RosterImport({ courseId, onImported }: { courseId: string; onImported: () => void }) {
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [problems, setProblems] = useState<RosterProblem[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(dryRun: boolean) {
    setBusy(true);
    setProblems(null);
    setOutcome(null);
    setError(null);
    try {
      const result = await api.importRoster(courseId, csv, dryRun);
      if (result.ok) {
        setOutcome(result);
        if (!dryRun) onImported();
      }
    } catch (err) {
      const listed = problemsOf(err);
      if (listed) setProblems(listed);
      else setError(err instanceof Error ? err.message : 'The import failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card p-5" aria-labelledby="roster-heading">
      <h2 id="roster-heading" className="text-lg font-semibold text-slate-900">
        Import a roster
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        A CSV file (UTF-8) with the columns <code>name</code>, <code>email</code> and optionally <code>student_id</code>. Students without an
        account get one; give them a set-password link below. A file with any problem is not imported at all.
      </p>
      <div className="mt-4 flex flex-wrap items-center gap-3">
        <label className="btn btn-secondary cursor-pointer">
          Choose CSV file
          <input
            type="file"
            accept=".csv,text/csv"
            className="sr-only"
            aria-label="Roster CSV file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              setFileName(file.name);
              setCsv(await file.text());
              setProblems(null);
              setOutcome(null);
            }}
          />
        </label>
        <span className="text-sm text-slate-600">{fileName ?? 'or paste it below'}</span>
      </div>
      <label htmlFor="roster-text" className="field-label mt-4">
        Roster
      </label>
      <textarea
        id="roster-text"
        className="field-input h-32 font-mono text-xs"
        value={csv}
        onChange={(e) => setCsv(e.target.value)}
        placeholder={'name,email,student_id\nAda Lovelace,ada@school.edu,S1001'}
        spellCheck={false}
      />
      <div className="mt-3 flex gap-2">
        <button type="button" className="btn btn-secondary" disabled={busy || !csv.trim()} onClick={() => run(true)}>
          Check
        </button>
        <button type="button" className="btn btn-primary" disabled={busy || !csv.trim()} onClick={() => run(false)}>
          {busy ? 'Working…' : 'Import'}
        </button>
      </div>
      <div className="mt-4 space-y-3" aria-live="polite">
        {error ? <Alert>{error}</Alert> : null}
        {outcome ? (
          <Alert tone="success" title={outcome.dryRun ? 'The roster is fine' : 'Roster imported'}>
            {outcome.rows} rows: {outcome.created} new {outcome.created === 1 ? 'account' : 'accounts'}, {outcome.enrolled} enrolled, {outcome.unchanged}{' '}
            already in the course{outcome.dryRun ? ' — nothing was changed yet.' : '.'}
          </Alert>
        ) : null}
        {problems ? (
          <div>
            <Alert title="Nothing was imported">Fix these lines and import the file again.</Alert>
            <table className="mt-3 w-full text-left text-sm" data-testid="roster-problems">
              <TableHead caption="Problems in the roster, by line" columns={['Line', 'Problem', 'Details']} cellClass="px-3 py-2" />
              <tbody className="divide-y divide-slate-100">
                {problems.map((p, i) => (
                  <tr key={i}>
                    <td className="px-3 py-2 font-mono">{p.line || '—'}</td>
                    <td className="px-3 py-2 font-mono text-xs">{p.code}</td>
                    <td className="px-3 py-2">{p.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </div>
    </section>
  );
}
