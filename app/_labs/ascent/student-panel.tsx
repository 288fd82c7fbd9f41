'use client';

/**
 * The student's gradient-ascent panel: pick a class, tune λ, the learning rate, steps, blur and jitter (or a
 * preset), run, watch the image and its class score evolve, and submit the final image. A λ the instructor hands
 * out for the class sweep replaces the student's own and stays for this step.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useDraftState } from '../kit/use-draft-state';
import { LabError, applyStudentParams, ascentJob, ascentLab, type AscentParams, type AscentResult } from '@convlab/labs';
import type { ComputedBy, Submission } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { useClassNames } from '../kit/class-names';
import { ComputedBadge } from '../kit/computed-badge';
import { usePngUrl } from '../kit/images';
import { JobProgress } from '../kit/job-progress';
import { useJob } from '../kit/use-job';
import { useServerEvent } from '../kit/use-server-event';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps, LabRuntime } from '../lab-runtime';
import type { LabReviewProps } from '../registry';
import { formatNumber, formatScore, matchingPreset, presetValues, snapshotEveryFor, studentChanges, type AscentControl } from './ascent-logic';
import { AscentImage, AscentThumb } from './ascent-image';
import { LambdaField, NumberField } from './fields';
import { Sparkline } from './sparkline';

const EDITABLE: readonly AscentControl[] = ['classIndex', 'lambda', 'learningRate', 'steps', 'blurEvery', 'blurWidth', 'jitter', 'decay', 'seed'];

/** The λ the instructor handed this student for the step's sweep. */
interface AssignedLambda {
  lambda: number;
  index: number;
  lambdas: number[];
}

/** A finished run: what it used and what it made. */
interface FinishedRun {
  params: AscentParams;
  score: number;
  objective: number;
  scores: number[];
  png: Uint8Array;
  computedBy: ComputedBy;
}

/**
 * The λ the instructor handed this student for the step: pushed by `ascent:lambda`, and asked for again whenever
 * the connection is (re)established, so a page that opened late or reloaded still knows it.
 */
function useAssignedLambda(lab: LabRuntime): [AssignedLambda | null, (a: AssignedLambda) => void] {
  const [assigned, setAssigned] = useState<AssignedLambda | null>(null);
  const { request, status } = lab.live;
  const stepId = lab.step.id;
  useEffect(() => {
    if (status !== 'live' || lab.role !== 'student') return;
    let current = true;
    request('ascent:my-lambda', { stepId })
      .then(({ assignment }) => {
        if (current && assignment) setAssigned({ lambda: assignment.lambda, index: assignment.index, lambdas: assignment.lambdas });
      })
      // Not knowing it is not an error: the instructor can hand it out again.
      .catch(() => {});
    return () => {
      current = false;
    };
  }, [request, status, stepId, lab.role]);
  return [assigned, setAssigned];
}

export function AscentStudent({ lab }: LabPanelProps) {
  const { name } = useClassNames();
  const stepParams = lab.params as AscentParams;
  // The settings are what a draft keeps (an assignment restores them exactly).
  const [values, setValues] = useDraftState<Record<string, unknown>>(lab, 'values', () => ({ ...stepParams }));
  const [assigned, assign] = useAssignedLambda(lab);
  const [presetNote, setPresetNote] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [snapshot, setSnapshot] = useState<Uint8Array | null>(null);
  const [liveScores, setLiveScores] = useState<number[]>([]);
  const [finished, setFinished] = useState<FinishedRun | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<Submission | null>(null);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const lastStep = useRef(-1);
  const job = useJob(lab);
  const { submissions, upsert } = useSubmissions(lab);
  const classId = useId();

  const lambdaAssigned = !!assigned && lab.controls.includes('lambda');
  /** Running and submitting stop while the instructor locks or pauses the class. */
  const frozen = lab.blocked !== null;
  /** What a field shows and a run uses: the student's value, the step's for a locked control, the assigned λ. */
  const valueOf = (key: AscentControl): number => {
    if (key === 'lambda' && lambdaAssigned) return assigned.lambda;
    return (lab.controls.includes(key) ? values[key] : stepParams[key]) as number;
  };
  const whyLocked = (key: AscentControl): string | null => {
    if (key === 'lambda' && lambdaAssigned) return 'Assigned by your instructor for the class sweep.';
    if (lab.controls.includes(key)) return null;
    return frozen ? 'Not now: see the note above.' : 'Set by your instructor for this step.';
  };
  const set = (key: AscentControl) => (v: number) => setValues((old) => ({ ...old, [key]: v }));

  useServerEvent(lab, 'ascent:lambda', (e) => {
    if (e.stepId !== lab.step.id) return;
    assign({ lambda: e.lambda, index: e.index, lambdas: e.lambdas });
    setValues((old) => ({ ...old, lambda: e.lambda }));
  });

  const current = Object.fromEntries(EDITABLE.map((k) => [k, valueOf(k)]));
  const activePreset = matchingPreset(current);

  const choosePreset = (id: string) => {
    const { values: next, skipped } = presetValues(current, id, lab.controls, lambdaAssigned);
    setValues((old) => ({ ...old, ...next }));
    const kept = skipped.map((k) => (k === 'lambda' ? 'λ' : k));
    setPresetNote(kept.length ? `Kept your instructor’s ${kept.join(', ')}.` : null);
  };

  const run = async () => {
    if (frozen) return;
    setFormError(null);
    let params: AscentParams;
    try {
      const changes = studentChanges(stepParams, current, lab.controls.filter((k) => (EDITABLE as readonly string[]).includes(k)));
      params = applyStudentParams(lab.step, changes) as AscentParams;
    } catch (err) {
      setFormError(err instanceof LabError ? err.message : String(err));
      return;
    }
    setSnapshot(null);
    setLiveScores([]);
    setFinished(null);
    setSubmitted(null);
    setSubmitError(null);
    lastStep.current = -1;
    let lastImage: Uint8Array | null = null;
    const result = await job.run(ascentJob(params, snapshotEveryFor(params.steps)), (p) => {
      if (p.image) {
        lastImage = p.image;
        setSnapshot(p.image);
      }
      if (p.score !== undefined && p.step !== lastStep.current) {
        lastStep.current = p.step;
        setLiveScores((s) => [...s, p.score!]);
      }
    });
    if (!result) return;
    const png = result.data.png ?? lastImage;
    if (!png) {
      setFormError('The run finished but sent no image back. Run it again.');
      return;
    }
    setFinished({ params, score: result.data.score, objective: result.data.objective, scores: result.data.scores, png, computedBy: result.computedBy });
    // An assignment grades the float32 image itself (the PNG is quantized): it goes with the submission.
    lab.selfPaced?.setInputImage(lab.step.id, result.data.image);
  };

  const submit = async () => {
    if (!finished || frozen) return;
    setSubmitting(true);
    setSubmitError(null);
    const result: AscentResult = { classIndex: finished.params.classIndex, score: finished.score, objective: finished.objective, scores: finished.scores.slice(0, 1001) };
    try {
      const ack = await lab.live.request('lab:submit', {
        stepId: lab.step.id,
        params: finished.params as never,
        result: result as never,
        computedWhere: finished.computedBy.where,
        backend: finished.computedBy.backend,
        ms: finished.computedBy.ms,
        image: finished.png,
      });
      upsert(ack.submission);
      setSubmitted(ack.submission);
    } catch (err) {
      setSubmitError(err instanceof Error ? err.message : 'The submission failed.');
    } finally {
      setSubmitting(false);
    }
  };

  const shownPng = finished?.png ?? snapshot;
  const scores = finished?.scores ?? liveScores;
  const score = finished?.score ?? liveScores[liveScores.length - 1];
  const runClass = finished?.params.classIndex ?? valueOf('classIndex');
  const mine = submissions.filter((s) => s.participantId === lab.me?.id);
  const shared = submissions.filter((s) => s.participantId !== lab.me?.id && s.shared);

  return (
    <div className="space-y-4">
      {assigned ? (
        <div role="status" className="rounded-lg border border-violet-300 bg-violet-50 px-4 py-2 text-sm text-violet-950" data-testid="assigned-lambda">
          <strong>
            Your λ for the class sweep: {formatNumber(assigned.lambda)} (column {assigned.index + 1} of {assigned.lambdas.length})
          </strong>
          {lab.controls.includes('lambda') ? ' — keep it; change anything else you like.' : ' — but λ is fixed in this step.'}
        </div>
      ) : null}

      <div className="grid items-start gap-5 lg:grid-cols-[minmax(0,1.4fr)_minmax(0,1fr)]">
        <form
          className="card space-y-3 p-4"
          aria-label="Gradient-ascent settings"
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <div>
            <label htmlFor={classId} className="field-label">
              Class
            </label>
            <select
              id={classId}
              className="field-input py-1.5 disabled:bg-slate-100 disabled:text-slate-500"
              value={valueOf('classIndex')}
              disabled={!!whyLocked('classIndex')}
              aria-describedby={`${classId}-hint`}
              onChange={(e) => set('classIndex')(Number(e.target.value))}
            >
              {stepParams.classes.map((c) => (
                <option key={c} value={c}>
                  {name(c)}
                </option>
              ))}
            </select>
            <p id={`${classId}-hint`} className="mt-0.5 text-xs text-slate-500">
              {whyLocked('classIndex') ?? 'The class whose score the image should raise.'}
            </p>
          </div>

          <fieldset>
            <legend className="field-label">Presets</legend>
            <ul className="mt-1 grid gap-2 sm:grid-cols-3">
              {Object.entries(ascentLab.presets).map(([id, preset]) => (
                <li key={id}>
                  <button
                    type="button"
                    className={`h-full w-full rounded-lg border px-2.5 py-1.5 text-left text-sm transition-colors disabled:opacity-50 ${activePreset === id ? 'border-brand-600 bg-brand-50' : 'border-slate-300 bg-white hover:bg-slate-50'}`}
                    aria-pressed={activePreset === id}
                    disabled={lab.controls.length === 0}
                    onClick={() => choosePreset(id)}
                  >
                    <span className="font-semibold text-slate-900">{preset.title}</span>
                    {preset.description ? <span className="block text-xs text-slate-600">{preset.description}</span> : null}
                  </button>
                </li>
              ))}
            </ul>
            {presetNote ? <p className="mt-1 text-xs text-slate-600">{presetNote}</p> : null}
          </fieldset>

          <LambdaField value={valueOf('lambda')} onChange={set('lambda')} disabledReason={whyLocked('lambda')} />
          <div className="grid gap-x-4 gap-y-2 sm:grid-cols-3">
            <NumberField label="Learning rate" value={valueOf('learningRate')} onChange={set('learningRate')} min={1e-6} max={1e4} hint="Size of each step." disabledReason={whyLocked('learningRate')} />
            <NumberField label="Steps" value={valueOf('steps')} onChange={set('steps')} min={1} max={1000} integer hint="More takes longer." disabledReason={whyLocked('steps')} />
            <NumberField label="Jitter" value={valueOf('jitter')} onChange={set('jitter')} min={0} max={32} integer hint="Random shift, ± pixels." disabledReason={whyLocked('jitter')} />
            <NumberField label="Blur every" value={valueOf('blurEvery')} onChange={set('blurEvery')} min={0} max={1000} integer hint="Every n-th step; 0 = never." disabledReason={whyLocked('blurEvery')} />
            <NumberField label="Blur width" value={valueOf('blurWidth')} onChange={set('blurWidth')} min={0} max={10} hint="Gaussian σ in pixels." disabledReason={whyLocked('blurWidth')} />
            <NumberField label="Decay" value={valueOf('decay')} onChange={set('decay')} min={0} max={1} maxExclusive hint="Shrink per step (0–1)." disabledReason={whyLocked('decay')} />
            <NumberField label="Seed" value={valueOf('seed')} onChange={set('seed')} min={0} max={2 ** 31 - 1} integer hint="Same seed, same jitter." disabledReason={whyLocked('seed')} />
          </div>

          {formError ? <Alert title="Cannot run">{formError}</Alert> : null}
          <div className="flex items-center gap-3">
            <button type="submit" className="btn btn-primary btn-lg" disabled={frozen || job.state.running}>
              Run
            </button>
            <span className="text-sm text-slate-600">{frozen ? lab.blocked!.message : job.state.running ? 'Running…' : `${valueOf('steps')} steps for “${name(valueOf('classIndex'))}”`}</span>
          </div>
        </form>

        <section className="card space-y-3 p-4 lg:sticky lg:top-4" aria-label="Your image and its score">
          <AscentImage png={shownPng} alt={`Gradient-ascent image for “${name(runClass)}”${finished ? '' : ' (in progress)'}`} placeholder={job.state.running ? 'Starting…' : 'Press Run: the image starts grey and changes to raise the class score.'} />
          <div className="flex flex-wrap items-end justify-between gap-3">
            <div>
              <p className="text-sm text-slate-600">Score of “{name(runClass)}”</p>
              {score !== undefined ? (
                <p className="text-3xl font-bold tabular-nums text-slate-900" data-testid="ascent-score" aria-live="polite">
                  {formatScore(score)}
                </p>
              ) : (
                <p className="text-3xl font-bold text-slate-300">—</p>
              )}
            </div>
            <Sparkline scores={scores} className="text-brand-600" />
          </div>
          <JobProgress state={job.state} label="Gradient ascent" onCancel={job.cancel} />
          {finished ? (
            <div className="space-y-3 border-t border-slate-100 pt-3" data-testid="ascent-final">
              <dl className="grid grid-cols-2 gap-2 text-sm">
                <div>
                  <dt className="text-slate-600">Class score S_c(I*)</dt>
                  <dd className="font-semibold tabular-nums">{formatScore(finished.score)}</dd>
                </div>
                <div>
                  <dt className="text-slate-600">Objective S_c − λ‖I‖²</dt>
                  <dd className="font-semibold tabular-nums">{formatScore(finished.objective)}</dd>
                </div>
              </dl>
              <div className="flex flex-wrap items-center gap-3">
                <ComputedBadge where={finished.computedBy.where} backend={finished.computedBy.backend} device={finished.computedBy.device} ms={finished.computedBy.ms} cached={finished.computedBy.cached} />
                <span className="text-xs text-slate-600">
                  λ {formatNumber(finished.params.lambda)} · lr {formatNumber(finished.params.learningRate)} · {finished.params.steps} steps
                </span>
              </div>
              <button type="button" className="btn btn-primary" disabled={frozen || submitting} onClick={() => void submit()}>
                {submitting ? 'Submitting…' : 'Submit image'}
              </button>
              {submitted ? (
                <Alert tone="success">
                  <span data-testid="submitted-notice">Submitted — your instructor sees it. Change something, run again and submit another if you like.</span>
                </Alert>
              ) : null}
              {submitError ? <Alert title="Not submitted">{submitError}</Alert> : null}
            </div>
          ) : null}
        </section>
      </div>

      {mine.length || shared.length ? <SubmittedImages lab={lab} mine={mine} shared={shared} /> : null}
    </div>
  );
}

/** A student's images and the shared ones, read-only (the step's review after the session ended). */
export function AscentReview({ me, submissions }: LabReviewProps) {
  const mine = submissions.filter((s) => s.participantId === me?.id);
  const shared = submissions.filter((s) => s.participantId !== me?.id && s.shared);
  return mine.length || shared.length ? <SubmittedImages lab={{ me }} mine={mine} shared={shared} /> : null;
}

/** The student's own submitted images and the ones the instructor shares. */
function SubmittedImages({ lab, mine, shared }: { lab: Pick<LabRuntime, 'me'>; mine: Submission[]; shared: Submission[] }) {
  // Your own images need no name; shared ones say they are a classmate's.
  const author = (s: Submission) => (s.participantId === lab.me?.id ? undefined : s.participantId ? 'A classmate' : 'The class');
  return (
    <div className="grid gap-4 md:grid-cols-2">
      {[
        { title: 'Your submitted images', list: mine },
        { title: 'Shared by your instructor', list: shared },
      ]
        .filter((g) => g.list.length > 0)
        .map((g) => (
          <section key={g.title} aria-label={g.title}>
            <h3 className="mb-2 text-sm font-semibold text-slate-800">{g.title}</h3>
            <ul className="flex flex-wrap gap-3">
              {g.list.map((s) => (
                <li key={s.id}>
                  <AscentThumb submission={s} author={author(s)} />
                </li>
              ))}
            </ul>
          </section>
        ))}
    </div>
  );
}
