'use client';

/**
 * The student's occlusion lab: the photo as the model sees it, masks drawn on it (rectangles, brush strokes, or
 * a box moved with the keyboard), the target class's probability without and with the masks side by side, each
 * mask's own probability, and "Submit masks". While the instructor runs "sweep together", this page computes the
 * shards dealt to it and shows the class heatmap filling in.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useDraftState } from '../kit/use-draft-state';
import { FillSchema, LabError, applyStudentParams, type Fill, type OcclusionParams, type OcclusionResult } from '@convlab/labs';
import type { ClientPayload, Mask } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import type { ComputeRunResult } from '../../_lib/compute/compute-client';
import { useClassNames } from '../kit/class-names';
import { ComputedBadge } from '../kit/computed-badge';
import { imageRefUrl } from '../kit/images';
import { JobProgress } from '../kit/job-progress';
import { useJob } from '../kit/use-job';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { coveragePercent, masksForJob } from './geometry';
import { MaskCanvas, type Tool } from './mask-canvas';
import { dropText, inputSizeOf, maskColor, pct, splitSubmissions } from './shared';
import { SweepShards } from './sweep-shards';
import { OcclusionWork } from './work-gallery';

const FILL_LABELS: Record<Fill, string> = { grey: 'Grey', zero: 'Black', blur: 'Blur', noise: 'Noise' };

/** The probabilities of the masks drawn now (stale once the masks change). */
interface MaskOutcome {
  masks: readonly Mask[];
  classIndex: number;
  fill: Fill;
  baseline: number;
  /** With all masks at once: the target's probability and the top class. */
  combined: number;
  combinedTop: { index: number; probability: number };
  perMask: Array<{ probability: number; topClass: number; topProbability: number }>;
  computed: ComputeRunResult<'occlusion-masks'>['computedBy'];
}

function LockedNote({ blocked }: { blocked: boolean }) {
  return <p className="mt-1 text-xs text-slate-500">{blocked ? 'Not now: see the note above.' : 'Set by the instructor for this step.'}</p>;
}

export function OcclusionStudent({ lab }: LabPanelProps) {
  const params = lab.params as OcclusionParams;
  const { name, names } = useClassNames();
  const inputSize = useMemo(() => inputSizeOf(params.model, lab.compute.snapshot.probe), [params.model, lab.compute.snapshot.probe]);
  const [h, w] = inputSize;
  const imageUrl = imageRefUrl(params.image);
  const may = (p: string) => lab.controls.includes(p);
  /** Drawing, removing and submitting masks stop while the instructor locks or pauses the class. */
  const frozen = lab.blocked !== null;

  // Student choices (only where the step lets them change the parameter).
  // What a draft keeps (an assignment restores them exactly); the rest is this visit's.
  const [fill, setFill] = useDraftState<Fill>(lab, 'fill', params.fill);
  const [brushSize, setBrushSize] = useDraftState(lab, 'brushSize', params.brushSize);
  const [chosenClass, setChosenClass] = useDraftState<number | null>(lab, 'classIndex', null);
  const [tool, setTool] = useDraftState<Tool>(lab, 'tool', 'rect');
  const [masks, setMasks] = useDraftState<Mask[]>(lab, 'masks', []);
  const [history, setHistory] = useState<Mask[][]>([]);

  // Without a mask: the top classes, and the target's probability.
  const classify = useJob(lab);
  const { run: runClassifyJob } = classify;
  const [top, setTop] = useState<ComputeRunResult<'classify'> | null>(null);
  const runClassify = useCallback(async () => {
    const res = await runClassifyJob({ kind: 'classify', model: params.model, image: params.image, params: { top: 5 } });
    if (res) setTop(res);
  }, [runClassifyJob, params.model, params.image]);
  useEffect(() => {
    void runClassify();
  }, [runClassify]);

  const target = chosenClass ?? params.classIndex ?? top?.data.predictions[0]?.index ?? null;
  const classLabel = (i: number) => {
    const p = top?.data.predictions.find((x) => x.index === i);
    return names.length ? name(p?.imagenetIndex ?? i) : (p?.label?.split(',')[0] ?? name(i));
  };

  // With the masks: one job, the union first (when several) then each mask, debounced while drawing.
  const masksJob = useJob(lab);
  const { run: runMasksJob } = masksJob;
  const [outcome, setOutcome] = useState<MaskOutcome | null>(null);
  // The target's probability when it is not among the top 5 (from a job with a 1-pixel mask: its baseline).
  const [baselineProbe, setBaselineProbe] = useState<{ classIndex: number; baseline: number } | null>(null);
  const fromTop = target === null ? undefined : top?.data.predictions.find((p) => p.index === target)?.probability;
  const baseline = fromTop ?? (outcome && outcome.classIndex === target ? outcome.baseline : undefined) ?? (baselineProbe?.classIndex === target ? baselineProbe.baseline : undefined);

  useEffect(() => {
    if (target === null || !top || masks.length === 0) return;
    const timer = setTimeout(async () => {
      const job = masksForJob(masks, w, h);
      const res = await runMasksJob({ kind: 'occlusion-masks', model: params.model, image: params.image, params: { masks: job.masks, fill, classIndex: target } });
      if (!res) return;
      const d = res.data;
      const off = job.combined ? 1 : 0;
      setOutcome({
        masks,
        classIndex: target,
        fill,
        baseline: d.baseline,
        combined: d.probabilities[0]!,
        combinedTop: { index: d.topClass[0]!, probability: d.topProbability[0]! },
        perMask: masks.map((_, i) => ({ probability: d.probabilities[i + off]!, topClass: d.topClass[i + off]!, topProbability: d.topProbability[i + off]! })),
        computed: res.computedBy,
      });
    }, 300);
    return () => clearTimeout(timer);
  }, [masks, fill, target, top, w, h, params.model, params.image, runMasksJob]);

  const { run: runProbe } = useJob(lab);
  const probedClass = baselineProbe?.classIndex;
  useEffect(() => {
    if (target === null || !top || fromTop !== undefined || probedClass === target) return;
    void runProbe({ kind: 'occlusion-masks', model: params.model, image: params.image, params: { masks: [{ kind: 'rect', x: 0, y: 0, width: 1, height: 1 }], classIndex: target } })
      .then((res) => res && setBaselineProbe({ classIndex: target, baseline: res.data.baseline }));
  }, [target, top, fromTop, probedClass, runProbe, params.model, params.image]);

  const current = outcome && outcome.masks === masks && outcome.classIndex === target && outcome.fill === fill ? outcome : null;

  const changeMasks = (next: Mask[]) => {
    if (frozen) return;
    setHistory((hst) => [...hst.slice(-30), masks]);
    setMasks(next);
    setSubmitted(null);
  };
  const undo = () => {
    if (frozen) return;
    setMasks(history.at(-1) ?? []);
    setHistory((hst) => hst.slice(0, -1));
    setSubmitted(null);
  };
  const full = masks.length >= params.maxMasks;

  // Submitting.
  const { submissions, upsert } = useSubmissions(lab);
  const mine = splitSubmissions(submissions).masks.filter((s) => s.submission.participantId === lab.me?.id);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<string | null>(null);
  const submit = async () => {
    if (!current || target === null || frozen) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const changes: Record<string, unknown> = {};
      if (fill !== params.fill) changes.fill = fill;
      if (brushSize !== params.brushSize) changes.brushSize = brushSize;
      if (chosenClass !== null && chosenClass !== params.classIndex) changes.classIndex = chosenClass;
      const usedParams = applyStudentParams(lab.step, changes);
      const result: OcclusionResult = {
        classIndex: target,
        baseline: current.baseline,
        inputSize: [h, w],
        masks: masks.map((mask, i) => ({ mask, ...current.perMask[i]! })),
      };
      const { submission } = await lab.live.request('lab:submit', {
        stepId: lab.step.id,
        // Parsed parameters and results are plain JSON (zod output of JSON-shaped schemas).
        params: usedParams as ClientPayload<'lab:submit'>['params'],
        result: result as unknown as ClientPayload<'lab:submit'>['result'],
        computedWhere: current.computed.where,
        backend: current.computed.backend,
        ms: current.computed.ms,
      });
      upsert(submission);
      setSubmitted(submission.id);
    } catch (err) {
      setSubmitError(err instanceof LabError || err instanceof Error ? err.message : 'The submission failed.');
    } finally {
      setSubmitting(false);
    }
  };

  const big = 'text-4xl font-bold tabular-nums sm:text-5xl';
  const targetName = target === null ? '…' : classLabel(target);
  const classChoices = useMemo(() => {
    const list = (top?.data.predictions ?? []).map((p) => p.index);
    if (params.classIndex !== undefined && !list.includes(params.classIndex)) list.unshift(params.classIndex);
    if (chosenClass !== null && !list.includes(chosenClass)) list.push(chosenClass);
    return list;
  }, [top, params.classIndex, chosenClass]);
  const [classSearch, setClassSearch] = useState('');

  return (
    <div className="@container space-y-6">
      {/* grid-cols-1 (minmax(0,1fr)) and min-w-0: a long mask row wraps or truncates instead of widening a phone's page. */}
      <div className="grid grid-cols-1 gap-6 @3xl:grid-cols-[minmax(0,448px)_minmax(0,1fr)]">
        {/* Left: the tools and the photo. */}
        <div className="min-w-0 space-y-3">
          <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Mask tools">
            <div className="inline-flex rounded-lg border border-slate-300 bg-white p-0.5" role="group" aria-label="Tool">
              {(['rect', 'brush'] as const).map((t) => (
                <button
                  key={t}
                  type="button"
                  aria-pressed={tool === t}
                  disabled={frozen}
                  onClick={() => setTool(t)}
                  className={`rounded-md px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-50 ${tool === t ? 'bg-brand-600 text-white' : 'text-slate-700 enabled:hover:bg-slate-100'}`}
                >
                  {t === 'rect' ? 'Rectangle' : 'Brush'}
                </button>
              ))}
            </div>
            <button type="button" className="btn btn-secondary px-3 py-1.5" onClick={undo} disabled={frozen || history.length === 0}>
              Undo
            </button>
            <button type="button" className="btn btn-secondary px-3 py-1.5" onClick={() => changeMasks([])} disabled={frozen || masks.length === 0}>
              Clear
            </button>
            <span className="ml-auto text-sm text-slate-600" aria-live="polite">
              {masks.length} of {params.maxMasks} masks
            </span>
          </div>
          <MaskCanvas
            imageUrl={imageUrl}
            inputSize={inputSize}
            masks={masks}
            tool={tool}
            brushSize={brushSize}
            full={full}
            disabled={frozen}
            onAdd={(m) => changeMasks([...masks, m])}
            alt={`The photo as the model sees it (${w}×${h} pixels)`}
          />
          <p className="text-xs text-slate-500">
            {frozen
              ? lab.blocked!.message
              : full
              ? `That is the most masks for this step (${params.maxMasks}). Undo or clear to draw another.`
              : tool === 'rect'
                ? 'Drag over the photo to hide a part of it. Keyboard: focus the photo, move the dashed box with the arrow keys (Shift+arrows resize), Enter adds it.'
                : `Paint over the photo; each stroke is one mask (brush ${brushSize} px of the ${w}-pixel input).`}
          </p>
          <div className="grid gap-3 sm:grid-cols-2">
            <div>
              <label className="field-label" htmlFor="occlusion-brush">
                Brush size: {brushSize} px
              </label>
              <input id="occlusion-brush" type="range" min={4} max={96} step={2} value={brushSize} disabled={!may('brushSize')} onChange={(e) => setBrushSize(Number(e.target.value))} className="mt-2 w-full" />
              {!may('brushSize') ? <LockedNote blocked={frozen} /> : null}
            </div>
            <div>
              <label className="field-label" htmlFor="occlusion-fill">
                Fill hidden parts with
              </label>
              <select id="occlusion-fill" className="field-input py-1.5" value={fill} disabled={!may('fill')} onChange={(e) => setFill(FillSchema.parse(e.target.value))}>
                {FillSchema.options.map((f) => (
                  <option key={f} value={f}>
                    {FILL_LABELS[f]}
                  </option>
                ))}
              </select>
              {!may('fill') ? <LockedNote blocked={frozen} /> : null}
            </div>
          </div>
        </div>

        {/* Right: the probabilities. */}
        <div className="min-w-0 space-y-4">
          {classify.state.running ? <JobProgress state={classify.state} label="Classifying the photo" onCancel={classify.cancel} /> : null}
          {classify.state.error ? (
            <Alert title="The photo could not be classified">
              {classify.state.error}{' '}
              <button type="button" className="underline" onClick={() => void runClassify()}>
                Try again
              </button>
            </Alert>
          ) : null}

          <div className="grid grid-cols-2 gap-3" aria-live="polite">
            <div className="card p-4">
              <p className="text-sm font-semibold text-slate-600">Without a mask</p>
              <p className={`${big} text-slate-900`} data-testid="prob-without-mask">
                {baseline !== undefined ? pct(baseline) : '…'}
              </p>
              <p className="truncate text-sm text-slate-700" title={targetName}>
                {targetName}
              </p>
            </div>
            <div className={`card p-4 ${current ? (current.combined < current.baseline ? 'border-red-300 bg-red-50' : 'border-emerald-300 bg-emerald-50') : ''}`}>
              <p className="text-sm font-semibold text-slate-600">With your mask{masks.length === 1 ? '' : 's'}</p>
              <p className={`${big} ${current ? 'text-slate-900' : 'text-slate-400'}`} data-testid="prob-with-mask">
                {current ? pct(current.combined) : masks.length === 0 ? '—' : '…'}
              </p>
              <p className="text-sm text-slate-700">
                {current ? dropText(current.baseline, current.combined) : masks.length === 0 ? 'Draw a mask on the photo' : 'Computing…'}
              </p>
            </div>
          </div>
          {masksJob.state.running ? <JobProgress state={masksJob.state} label="Hiding the masked parts" onCancel={masksJob.cancel} /> : null}
          {masksJob.state.error ? <Alert title="The masks could not be computed">{masksJob.state.error}</Alert> : null}
          {current ? (
            <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
              <span>
                With {masks.length === 1 ? 'the mask' : 'all masks'}, the model's top class is{' '}
                <strong className="text-slate-900">
                  {classLabel(current.combinedTop.index)} ({pct(current.combinedTop.probability)})
                </strong>
              </span>
              <ComputedBadge where={current.computed.where} backend={current.computed.backend} ms={current.computed.ms} cached={current.computed.cached} />
            </p>
          ) : null}

          {masks.length > 0 ? (
            <ol className="space-y-1" aria-label="Your masks">
              {masks.map((m, i) => {
                const r = current?.perMask[i];
                return (
                  <li key={i} className="flex items-center gap-3 rounded-lg border border-slate-200 bg-white px-3 py-1.5 text-sm" data-testid="mask-row">
                    <span className="inline-flex h-6 w-6 shrink-0 items-center justify-center rounded text-xs font-bold text-white" style={{ background: maskColor(i) }}>
                      {i + 1}
                    </span>
                    <span className="w-20 shrink-0 text-slate-600 sm:w-28">
                      {m.kind === 'rect' ? 'Rectangle' : 'Brush'} · {coveragePercent(m, w, h)}%
                    </span>
                    <span className="min-w-0 flex-1 truncate">
                      {r ? (
                        <>
                          <strong className="tabular-nums">{pct(r.probability)}</strong> <span className="text-slate-500">({dropText(current!.baseline, r.probability)})</span>
                          {r.topClass !== target ? <span className="text-slate-500"> · model sees {classLabel(r.topClass)}</span> : null}
                        </>
                      ) : (
                        <span className="text-slate-400">…</span>
                      )}
                    </span>
                    <button type="button" className="btn btn-ghost px-2 py-0.5 text-xs" aria-label={`Remove mask ${i + 1}`} disabled={frozen} onClick={() => changeMasks(masks.filter((_, k) => k !== i))}>
                      Remove
                    </button>
                  </li>
                );
              })}
            </ol>
          ) : null}

          <div className="flex flex-wrap items-center gap-3">
            <button type="button" className="btn btn-primary" onClick={() => void submit()} disabled={frozen || !current || submitting || masksJob.state.running}>
              {submitting ? 'Submitting…' : `Submit masks${masks.length ? ` (${masks.length})` : ''}`}
            </button>
            {submitted ? (
              <p className="text-sm font-semibold text-emerald-800" role="status" data-testid="submitted-notice">
                Submitted — your instructor sees it. Change the masks to submit again.
              </p>
            ) : mine.length ? (
              <p className="text-sm text-slate-600">You submitted {mine.length} time{mine.length === 1 ? '' : 's'}.</p>
            ) : null}
          </div>
          {submitError ? <Alert title="Not submitted">{submitError}</Alert> : null}

          <details className="card p-3" open>
            <summary className="cursor-pointer text-sm font-semibold text-slate-800">Top 5 classes without a mask</summary>
            {top ? (
              <ol className="mt-2 space-y-1 text-sm">
                {top.data.predictions.map((p) => (
                  <li key={p.index} className="flex items-center gap-2">
                    <span className="w-40 truncate" title={classLabel(p.index)}>
                      {classLabel(p.index)}
                    </span>
                    <span className="h-2 flex-1 overflow-hidden rounded bg-slate-200" aria-hidden="true">
                      <span className={`block h-2 ${p.index === target ? 'bg-brand-600' : 'bg-slate-400'}`} style={{ width: `${p.probability * 100}%` }} />
                    </span>
                    <span className="w-14 text-right tabular-nums">{pct(p.probability)}</span>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="mt-2 text-sm text-slate-500">…</p>
            )}
            {top ? (
              <p className="mt-2">
                <ComputedBadge where={top.computedBy.where} backend={top.computedBy.backend} device={top.computedBy.device} ms={top.computedBy.ms} cached={top.computedBy.cached} />
              </p>
            ) : null}
          </details>

          <div>
            <label className="field-label" htmlFor="occlusion-class">
              Target class
            </label>
            <div className="flex flex-wrap gap-2">
              <select
                id="occlusion-class"
                className="field-input w-auto flex-1 py-1.5"
                value={target ?? ''}
                disabled={!may('classIndex') || target === null}
                onChange={(e) => setChosenClass(Number(e.target.value))}
              >
                {classChoices.map((i) => (
                  <option key={i} value={i}>
                    {classLabel(i)}
                  </option>
                ))}
              </select>
              {may('classIndex') && names.length ? (
                <>
                  <label className="sr-only" htmlFor="occlusion-class-search">
                    Find another class
                  </label>
                  <input
                    id="occlusion-class-search"
                    className="field-input mt-1 w-44 py-1.5"
                    list="occlusion-class-names"
                    placeholder="Find a class…"
                    value={classSearch}
                    onChange={(e) => {
                      setClassSearch(e.target.value);
                      const i = names.indexOf(e.target.value);
                      if (i >= 0) {
                        setChosenClass(i);
                        setClassSearch('');
                      }
                    }}
                  />
                  <datalist id="occlusion-class-names">
                    {names.map((n, i) => (
                      <option key={i} value={n} />
                    ))}
                  </datalist>
                </>
              ) : null}
            </div>
            {!may('classIndex') ? <LockedNote blocked={frozen} /> : null}
          </div>
        </div>
      </div>

      <OcclusionWork step={lab.step} params={lab.params} me={lab.me} submissions={submissions} />

      <SweepShards lab={lab} imageUrl={imageUrl} targetName={classLabel} stored={splitSubmissions(submissions).sweeps.at(-1)?.result ?? null} />
    </div>
  );
}
