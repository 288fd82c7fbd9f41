'use client';

/**
 * The pooling lab for a student: max or average pooling (size, stride) on the small grid and on a real feature map
 * (the strongest channel of a layer, computed by the activations job); the input shifted by one pixel and what that
 * does to each pooling; the receptive field of stacked poolings; and the quiz — a pooled value computed by hand,
 * checked by the server.
 */
import { useEffect, useMemo, useState } from 'react';
import { useDraftState } from '../kit/use-draft-state';
import { PoolingParamsSchema, PoolingResultSchema, describeIssue, mapRange, shiftByOneDemo, shiftMap, stackedReceptiveField, type PoolOp, type PoolingParams } from '@convlab/labs';
import type { JobResultData } from '@convlab/protocol';
import { featureMap, type FeatureMap } from '@convlab/vis';
import { JobProgress } from '../kit/job-progress';
import { MapCanvas, NumberTable, showNumber, useLabTask } from '../kit/number-map';
import { useJob } from '../kit/use-job';
import { useLabSubmit, useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { QuizAnswers } from './answers';

const OPS: Record<PoolOp, string> = { max: 'Max pooling', avg: 'Average pooling' };

export function PoolingStudent({ lab }: LabPanelProps) {
  const step = lab.params as PoolingParams;
  const can = (control: string) => lab.controls.includes(control) && lab.blocked === null;
  // The settings and the quiz's answer are what a draft keeps (an assignment restores them exactly).
  const [op, setOp] = useDraftState(lab, 'op', step.op);
  const [size, setSize] = useDraftState(lab, 'size', step.size);
  const [stride, setStride] = useDraftState(lab, 'stride', step.stride);
  const parsed = PoolingParamsSchema.safeParse({ ...lab.params, op, size, stride });
  const grid = useMemo(() => featureMap(step.grid.length, step.grid[0]!.length, 1, step.grid.flat()), [step.grid]);

  // The real feature map: the layer's strongest channel.
  const mapJob = useJob(lab);
  const runMap = mapJob.run;
  const [real, setReal] = useState<{ map: FeatureMap; channel: number } | null>(null);
  useEffect(() => {
    let live = true;
    void runMap({ kind: 'activations', model: step.model, image: step.image, params: { layer: step.layer, channels: 1 } }).then((res) => {
      if (!live || !res) return;
      const data: JobResultData['activations'] = res.data;
      setReal({ map: featureMap(data.height, data.width, 1, data.maps.subarray(0, data.height * data.width)), channel: data.channels[0]! });
    });
    return () => {
      live = false;
    };
    // The step's parameters are fixed for the panel's life (it remounts on a new step).
  }, [runMap]);

  return (
    <div className="space-y-6">
      <section className="card flex flex-wrap items-end gap-4 p-4" aria-label="Pooling">
        <label className="text-sm text-slate-700">
          Pooling
          <select className="field-input w-auto" value={op} disabled={!can('op')} onChange={(e) => setOp(e.target.value as PoolOp)}>
            <option value="max">Max</option>
            <option value="avg">Average</option>
          </select>
        </label>
        <label className="text-sm text-slate-700">
          Window size
          <select className="field-input w-auto" value={size} disabled={!can('size')} onChange={(e) => setSize(Number(e.target.value))}>
            {[2, 3, 4].map((s) => (
              <option key={s} value={s}>
                {s}×{s}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm text-slate-700">
          Stride
          <select className="field-input w-auto" value={stride} disabled={!can('stride')} onChange={(e) => setStride(Number(e.target.value))}>
            {[1, 2, 3, 4].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <ReceptiveField size={size} stride={stride} />
      </section>
      {!parsed.success ? (
        <p role="alert" className="text-sm text-red-700">
          {describeIssue(parsed.error)}
        </p>
      ) : (
        <>
          <ShiftDemo title="A small grid: a line on the left, a fine checkerboard on the right" input={grid} size={size} stride={stride} op={op} numbers />
          {real ? (
            <ShiftDemo title={`A real feature map: ${step.layer}, channel ${real.channel} (${step.model})`} input={real.map} size={size} stride={stride} op={op} />
          ) : (
            <div className="card p-4">
              <p className="text-sm text-slate-600">Computing the feature map of {step.layer}…</p>
              <JobProgress state={mapJob.state} label={`The feature map of ${step.layer}`} onCancel={mapJob.cancel} />
              {mapJob.state.error ? <p role="alert" className="text-sm text-red-700">{mapJob.state.error}</p> : null}
            </div>
          )}
        </>
      )}
      {step.quiz ? <Quiz lab={lab} /> : null}
    </div>
  );
}

/** How many input pixels one value sees after 1, 2 and 3 stacked poolings. */
function ReceptiveField({ size, stride }: { size: number; stride: number }) {
  return (
    <p className="text-sm text-slate-700" data-testid="receptive-field">
      Receptive field after 1, 2, 3 poolings:{' '}
      <strong>
        {[1, 2, 3].map((n) => {
          const f = stackedReceptiveField(size, stride, n);
          return `${f}×${f}`;
        }).join(', ')}
      </strong>{' '}
      input pixels (1 + Σ (k − 1)·stride so far)
    </p>
  );
}

/** One input before and after a shift by one pixel, pooled by max and by average. */
function ShiftDemo({ title, input, size, stride, op, numbers = false }: { title: string; input: FeatureMap; size: number; stride: number; op: PoolOp; numbers?: boolean }) {
  const shown: PoolOp[] = op === 'max' ? ['max', 'avg'] : ['avg', 'max'];
  const demos = shown.map((o) => ({ op: o, demo: shiftByOneDemo(input, o, size, stride) }));
  const shifted = shiftByOneDemo(input, op, size, stride);
  const show = (map: FeatureMap, label: string, lo?: number, hi?: number) =>
    numbers ? <NumberTable map={map} label={label} /> : <MapCanvas map={map} lo={lo} hi={hi} label={label} className="w-40" />;
  const range = mapRange(input);
  return (
    <section className="card space-y-3 p-4" aria-label={title} data-testid={numbers ? 'pool-grid-demo' : 'pool-real-demo'}>
      <h2 className="text-lg font-bold text-slate-900">{title}</h2>
      <div className="flex flex-wrap items-start gap-6">
        <figure className="space-y-1">
          <figcaption className="text-sm font-semibold text-slate-700">Input ({input.height}×{input.width})</figcaption>
          {show(input, 'Input', range.min, range.max)}
        </figure>
        <figure className="space-y-1">
          <figcaption className="text-sm font-semibold text-slate-700">Shifted right by one pixel</figcaption>
          {show(shiftMap(input, 1), 'Input shifted by one pixel', range.min, range.max)}
        </figure>
      </div>
      <div className="grid gap-4 md:grid-cols-2">
        {demos.map(({ op: o, demo }) => (
          <div key={o} className={`space-y-2 rounded-lg border p-3 ${o === op ? 'border-sky-400' : 'border-slate-200'}`}>
            <h3 className="font-semibold text-slate-900">
              {OPS[o]} {size}×{size}, stride {stride}
            </h3>
            <div className="flex flex-wrap items-start gap-4">
              <figure className="space-y-1">
                <figcaption className="text-xs text-slate-600">before</figcaption>
                {show(demo.before, `${OPS[o]} before the shift`, range.min, range.max)}
              </figure>
              <figure className="space-y-1">
                <figcaption className="text-xs text-slate-600">after the shift</figcaption>
                {show(demo.after, `${OPS[o]} after the shift`, range.min, range.max)}
              </figure>
            </div>
            <p className="text-sm text-slate-700" data-testid={`shift-change-${o}`}>
              {demo.changedCells} of {demo.before.data.length} outputs changed; total change {showNumber(demo.change)}.
            </p>
          </div>
        ))}
      </div>
      <p className="text-sm text-slate-600">
        {op === 'max'
          ? `A one-pixel shift moves max-pooled values from one output cell to the next (${shifted.changedCells} changed): the output jumps, while average pooling smears fine detail (the checkerboard turns flat grey).`
          : `Average pooling blurs: fine detail such as the checkerboard becomes flat grey, and a shift changes values gradually (${shifted.changedCells} changed); max pooling keeps the strongest value but jumps when the input moves.`}
      </p>
    </section>
  );
}


/** The quiz: the student's own grid from the server, one pooled value by hand, checked by the server. */
function Quiz({ lab }: LabPanelProps) {
  const { task, error } = useLabTask(lab);
  const { submissions, upsert } = useSubmissions(lab);
  const [answer, setAnswer] = useDraftState(lab, 'answer', '');
  const { submit, busy: submitting, error: submitError, last: latest } = useLabSubmit(lab, upsert);
  const quiz = task?.kind === 'pooling' ? task.quiz : null;
  const value = Number(answer.replace(',', '.'));
  const checked = latest ? PoolingResultSchema.safeParse(latest.result).data : undefined;
  if (error) return <p role="alert" className="text-sm text-red-700">The quiz could not be loaded: {error}</p>;
  if (!quiz) return null;
  const inWindow = (y: number, x: number) =>
    y >= quiz.outY * quiz.stride && y < quiz.outY * quiz.stride + quiz.size && x >= quiz.outX * quiz.stride && x < quiz.outX * quiz.stride + quiz.size ? 'bg-sky-100' : null;
  return (
    <section className="card space-y-3 p-4" aria-label="Quiz" data-testid="pool-quiz">
      <h2 className="text-lg font-bold text-slate-900">Quiz: compute it by hand</h2>
      <p className="text-slate-800">
        Your own grid. What is <strong>{quiz.question}</strong>? (Average: to 2 decimals.)
      </p>
      <NumberTable map={featureMap(quiz.grid.length, quiz.grid[0]!.length, 1, quiz.grid.flat())} label="Your quiz grid" highlight={inWindow} testId="quiz-grid" />
      <form
        className="flex flex-wrap items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(lab.step.params, { answer: value }, 'by hand');
        }}
      >
        <input className="field-input mt-0 inline-block w-32" aria-label="Your answer" inputMode="decimal" value={answer} onChange={(e) => setAnswer(e.target.value)} disabled={lab.blocked !== null} />
        <button type="submit" className="btn btn-primary" disabled={submitting || answer.trim() === '' || !Number.isFinite(value) || lab.blocked !== null}>
          {submitting ? 'Checking…' : 'Check with the server'}
        </button>
        {answer.trim() !== '' && !Number.isFinite(value) ? <span className="text-sm text-red-700">Type a number.</span> : null}
      </form>
      {submitError ? (
        <p role="alert" className="text-sm text-red-700">
          {submitError}
        </p>
      ) : null}
      {checked?.correct !== undefined ? (
        <p role="status" data-testid="quiz-check" className={`rounded-lg px-3 py-2 font-semibold ${checked.correct ? 'bg-emerald-50 text-emerald-800' : 'bg-amber-50 text-amber-900'}`}>
          {checked.correct ? `Right: ${showNumber(checked.answer)} is the pooled value.` : `Not quite: ${showNumber(checked.answer)} is not it. Look at the highlighted window again.`}
        </p>
      ) : null}
      {submissions.length ? <QuizAnswers lab={lab} submissions={submissions} viewer="student" /> : null}
    </section>
  );
}
