'use client';

/**
 * A student's own work in a session, step by step, read-only: what they submitted in each lab step and what the
 * instructor shared, drawn by each lab's Review panel. Loaded over HTTP with the resume token this browser saved on
 * joining, so it stays readable after the session ended (when the live connection refuses the student).
 */
import { useEffect, useState } from 'react';
import { checkLabStep } from '@convlab/labs';
import type { LabStep, MyWorkResponse } from '@convlab/protocol';
import { LAB_PANELS } from '../../_labs/registry';
import { api } from '../../_lib/api-client';
import { readResumeToken } from '../../_lib/student-storage';
import { Alert } from '../alert';

/** The lab steps with work in them, each with its parsed parameters. */
function stepsWithWork(work: MyWorkResponse): Array<{ step: LabStep; params: Record<string, unknown> }> {
  const out: Array<{ step: LabStep; params: Record<string, unknown> }> = [];
  for (const step of work.state.steps) {
    if (step.kind !== 'lab' || !work.submissions.some((s) => s.stepId === step.id)) continue;
    try {
      out.push({ step, params: checkLabStep(step).params });
    } catch {
      // A step whose parameters no longer fit its lab cannot be drawn; its work stays in the instructor's records.
    }
  }
  return out;
}

export function MyWork({ code }: { code: string }) {
  const [work, setWork] = useState<MyWorkResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const token = readResumeToken(code);
    if (!token) {
      setError('This browser did not join the session, so it has no work of yours to show.');
      return;
    }
    let live = true;
    api
      .myWork(code, token)
      .then((w) => live && setWork(w))
      .catch((err: Error) => live && setError(err.message));
    return () => {
      live = false;
    };
  }, [code]);

  if (error) return <Alert tone="warning" title="Your work could not be loaded">{error}</Alert>;
  if (!work) return <p className="text-sm text-slate-500" role="status">Loading your work…</p>;
  const steps = stepsWithWork(work);
  return (
    <section aria-labelledby="my-work-title" className="space-y-6" data-testid="my-work-review">
      <h2 id="my-work-title" className="text-xl font-bold text-slate-900">
        Your work in “{work.state.title}”
      </h2>
      {steps.length === 0 ? <p className="text-slate-700">You did not submit anything in this session.</p> : null}
      {steps.map(({ step, params }) => {
        const Review = LAB_PANELS[step.labId]?.Review;
        if (!Review) return null;
        return (
          <section key={step.id} className="card space-y-3 p-4 sm:p-6" aria-label={step.title} data-testid={`review-${step.labId}`}>
            <h3 className="text-lg font-bold text-slate-900">{step.title}</h3>
            <Review step={step} params={params} me={work.participant} submissions={work.submissions.filter((s) => s.stepId === step.id)} />
          </section>
        );
      })}
    </section>
  );
}
