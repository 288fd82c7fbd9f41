'use client';

import Link from 'next/link';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { howCnnsSeeLesson } from '@convlab/labs';
import { newRequestId, type Assignment, type LabStep } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { FormField } from '../../_components/form-field';
import { api } from '../../_lib/api-client';
import { defaultGrading, formatLocal, instantToLocalInput, localInputToInstant } from '../../_lib/assignment-defaults';

const DAY = 24 * 60 * 60 * 1000;
/** The ready-made lesson's lab steps (ids are the same whichever photos the server has). */
const LAB_STEPS = howCnnsSeeLesson({ hasImage: (id) => id.startsWith('photos/') }).steps.filter((s): s is LabStep => s.kind === 'lab');
const GRADED_LABS = new Set(['occlusion', 'neuron', 'ascent']);

/** The course's assignments (links to their gradebooks) and, for instructors, a form making one from "How CNNs see". */
export function AssignmentsCard({ courseId, editor }: { courseId: string; editor: boolean }) {
  const [assignments, setAssignments] = useState<Assignment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .listAssignments(courseId)
      .then((r) => setAssignments(r.assignments as Assignment[]))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the assignments.'));
  }, [courseId]);

  return (
    <section className="card mt-6 p-5" aria-labelledby="assignments-heading">
      <h2 id="assignments-heading" className="text-lg font-semibold text-slate-900">
        Assignments
      </h2>
      {error ? <Alert>{error}</Alert> : null}
      {assignments?.length === 0 ? <p className="mt-2 text-sm text-slate-600">No assignments yet.</p> : null}
      <ul className="mt-3 divide-y divide-slate-100">
        {assignments?.map((a) => (
          <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
            <Link href={`/courses/${courseId}/assignments/${a.id}`} className="font-medium text-indigo-700 hover:underline">
              {a.title}
            </Link>
            <span className="text-sm text-slate-600">
              due {formatLocal(a.dueAt)} · {a.steps.length} {a.steps.length === 1 ? 'step' : 'steps'} · {a.releasedAt ? 'grades released' : 'grades not released'}
            </span>
          </li>
        ))}
      </ul>
      {editor ? <NewAssignmentForm courseId={courseId} onCreated={(a) => setAssignments((list) => [...(list ?? []), a])} /> : null}
    </section>
  );
}

function NewAssignmentForm({ courseId, onCreated }: { courseId: string; onCreated: (a: Assignment) => void }) {
  const [title, setTitle] = useState('How CNNs see — lab assignment');
  const [opensAt, setOpensAt] = useState(() => instantToLocalInput(new Date()));
  const [dueAt, setDueAt] = useState(() => instantToLocalInput(new Date(Date.now() + 7 * DAY)));
  const [late, setLate] = useState<'refuse' | 'penalty'>('penalty');
  const [chosen, setChosen] = useState<string[]>(() => LAB_STEPS.filter((s) => GRADED_LABS.has(s.labId)).map((s) => s.id));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One id per assignment being made: pressing Create again after a lost answer does not make a second one.
  const requestId = useRef(newRequestId());

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const { assignment } = await api.createAssignment(courseId, {
        title,
        source: { kind: 'builtin', lessonId: 'how-cnns-see' },
        steps: LAB_STEPS.filter((s) => chosen.includes(s.id)).map((s) => ({ stepId: s.id, grading: defaultGrading(s) })),
        opensAt: localInputToInstant(opensAt),
        dueAt: localInputToInstant(dueAt),
        latePolicy: late === 'refuse' ? { kind: 'refuse' } : { kind: 'penalty', percentPerDay: 10, capPercent: 50 },
        requestId: requestId.current,
      });
      requestId.current = newRequestId();
      onCreated(assignment);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not create the assignment.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="mt-4 border-t border-slate-100 pt-4" aria-labelledby="new-assignment-heading" noValidate>
      <h3 id="new-assignment-heading" className="font-semibold text-slate-900">
        New assignment from “How CNNs see”
      </h3>
      {error ? <Alert>{error}</Alert> : null}
      <div className="mt-3 grid gap-3 sm:grid-cols-2">
        <FormField label="Title" name="assignment-title" value={title} onChange={(e) => setTitle(e.target.value)} className="sm:col-span-2" />
        <FormField label="Opens (your time zone)" name="assignment-opens" type="datetime-local" value={opensAt} onChange={(e) => setOpensAt(e.target.value)} />
        <FormField label="Due (your time zone)" name="assignment-due" type="datetime-local" value={dueAt} onChange={(e) => setDueAt(e.target.value)} />
      </div>
      <fieldset className="mt-3">
        <legend className="field-label">Lab steps (each graded by its lab’s rule; 3 attempts, the best counts)</legend>
        <div className="mt-1 grid gap-1 sm:grid-cols-2">
          {LAB_STEPS.map((s) => (
            <label key={s.id} className="flex items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" checked={chosen.includes(s.id)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, s.id] : c.filter((x) => x !== s.id)))} />
              {s.title}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="mt-3 flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="assignment-late" className="field-label">
            Late work
          </label>
          <select id="assignment-late" className="field-input" value={late} onChange={(e) => setLate(e.target.value as 'refuse' | 'penalty')}>
            <option value="penalty">Accepted, −10 % per started day (at most −50 %)</option>
            <option value="refuse">Refused</option>
          </select>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy || chosen.length === 0}>
          Create assignment
        </button>
      </div>
    </form>
  );
}
