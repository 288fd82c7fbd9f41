'use client';

/**
 * The neuron lab for a student: (1) pick a layer, one of its strongest channels and a position on the channel's
 * activation map (or a class instead); (2) see the pixels that excite it, one image per method side by side;
 * (3) submit the pick with a caption. The method images are stored first (lab:image), then named by hash in the
 * submission, whose own result image is the first method's.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useDraftState } from '../kit/use-draft-state';
import { applyStudentParams, LabError, NEURON_METHODS, neuronJobs, type NeuronMethod, type NeuronParams, type NeuronPick } from '@convlab/labs';
import type { ClientPayload, ComputedBy, JobResultData, NeuronField, Submission } from '@convlab/protocol';
import { useClassNames } from '../kit/class-names';
import { ComputedBadge } from '../kit/computed-badge';
import { imageRefUrl } from '../kit/images';
import { JobProgress } from '../kit/job-progress';
import { useJob } from '../kit/use-job';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { ActivationMap, MapThumbnail, type Position } from './activation-map';
import { NeuronGallery } from './gallery';
import { MethodImages } from './method-images';
import { describePick, layerLabel, METHOD_INFO, neuronResult, strongestPosition, type LayerShape } from './neuron-logic';

const CAPTION_MAX = 280;

type LabSubmit = ClientPayload<'lab:submit'>;

/** One layer's activation maps, as the activations job returns them. */
type LayerMaps = JobResultData['activations'];

/** One method's image for one pick. */
interface Pixels {
  png: Uint8Array;
  value: number;
  computedBy: ComputedBy;
  /** The neuron's receptive field (a neuron at a position), for the crops. */
  field?: NeuronField;
}

const pickKey = (p: NeuronPick) => JSON.stringify(p);

export function NeuronStudent({ lab }: LabPanelProps) {
  const params = lab.params as NeuronParams;
  const canPick = lab.controls.includes('pick');
  /** Picking, captioning and submitting stop while the instructor locks or pauses the class. */
  const frozen = lab.blocked !== null;
  const canChooseMethods = lab.controls.includes('methods');
  const { name: className, names: classNames } = useClassNames();
  const mapsJob = useJob(lab);
  const pixelsJob = useJob(lab);
  const { submissions, upsert } = useSubmissions(lab);
  const photoUrl = imageRefUrl(params.image);

  // What a draft keeps (an assignment restores them exactly): the pick (with its position), the methods, the layer, the caption.
  const [pick, setPick] = useDraftState<NeuronPick>(lab, 'pick', params.pick);
  const [methods, setMethods] = useDraftState<NeuronMethod[]>(lab, 'methods', params.methods);
  const [layer, setLayer] = useDraftState<string>(lab, 'layer', params.pick.kind === 'class' ? params.layers.at(-1)! : params.pick.layer);
  const [maps, setMaps] = useState<LayerMaps | null>(null);
  const [shapes, setShapes] = useState<Record<string, LayerShape>>({});
  const [marker, setMarker] = useState<Position>({ y: 0, x: 0 });
  const [predictions, setPredictions] = useState<JobResultData['classify']['predictions'] | null>(null);
  const [pixels, setPixels] = useState<Record<string, Pixels>>({});
  const [caption, setCaption] = useDraftState(lab, 'caption', '');
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<Submission | null>(null);
  const mode = pick.kind === 'class' ? 'class' : 'neuron';

  // ── 1. the layer's activation maps ─────────────────────────────────────────────────────────────
  const runMaps = mapsJob.run;
  /** Maps already computed, by layer (going back to a layer costs nothing). */
  const mapsByLayer = useRef(new Map<string, LayerMaps>());
  useEffect(() => {
    if (mode !== 'neuron') return;
    let live = true;
    const show = (data: LayerMaps) => {
      mapsByLayer.current.set(data.layer, data);
      setMaps(data);
      setShapes((s) => ({ ...s, [data.layer]: { height: data.height, width: data.width, channels: data.ranking.length } }));
      // Start from the strongest channel unless the pick's channel is shown (the step's own pick, or locked).
      setPick((p) => {
        if (p.kind === 'class') return p;
        if (!canPick || (p.layer === data.layer && data.channels.includes(p.channel))) return p;
        return { kind: 'neuron', layer: data.layer, channel: data.channels[0]! };
      });
    };
    const known = mapsByLayer.current.get(layer);
    if (known) {
      show(known);
      return;
    }
    setMaps(null);
    const spec = neuronJobs(params, { kind: 'channel', layer, channel: 0 }).find((s) => s.kind === 'activations')!;
    void runMaps(spec).then((res) => {
      if (live && res) show(res.data);
    });
    return () => {
      live = false;
    };
    // `params` is fixed for the panel's life (it remounts on a new step).
  }, [layer, mode, runMaps, canPick]);

  /** The picked channel's map, if it is among those shown. */
  const channelMap = useMemo(() => {
    if (!maps || pick.kind === 'class' || pick.layer !== maps.layer) return null;
    const i = maps.channels.indexOf(pick.channel);
    if (i < 0) return null;
    const size = maps.height * maps.width;
    return maps.maps.subarray(i * size, (i + 1) * size);
  }, [maps, pick]);
  const strongest = useMemo(() => (channelMap && maps ? strongestPosition(channelMap, maps.width) : null), [channelMap, maps]);

  // The marker follows the pick: its position, or the channel's strongest.
  useEffect(() => {
    if (pick.kind === 'neuron' && pick.y !== undefined && pick.x !== undefined) setMarker({ y: pick.y, x: pick.x });
    else if (strongest) setMarker({ y: strongest.y, x: strongest.x });
  }, [pick, strongest]);

  // ── the top classes, to pick a class ───────────────────────────────────────────────────────────
  useEffect(() => {
    if (mode !== 'class' || predictions) return;
    void runMaps({ kind: 'classify', model: params.model, image: params.image, params: { top: 5 } }).then((res) => {
      if (res) setPredictions(res.data.predictions);
    });
    // `params` is fixed for the panel's life (it remounts on a new step).
  }, [mode, predictions, runMaps]);

  // ── 2. the pixels: one saliency job per method, one after the other ─────────────────────────────
  const key = pickKey(pick);
  const hasPosition = pick.kind === 'neuron' && pick.y !== undefined && pick.x !== undefined;
  // A neuron's images wait for its layer's maps (they give the strongest position where the pick names none).
  const ready = pick.kind === 'class' || hasPosition || (maps?.layer === pick.layer && (strongest !== null || !canPick));
  const runPixels = pixelsJob.run;
  const [running, setRunning] = useState<NeuronMethod | null>(null);
  const pixelsRef = useRef(pixels);
  pixelsRef.current = pixels;
  useEffect(() => {
    if (!ready) return;
    let live = true;
    void (async () => {
      // A pick without a position means the channel's strongest: the job gets it explicitly (it would take (0, 0)).
      const jobPick: NeuronPick = pick.kind === 'neuron' && !hasPosition && strongest ? { ...pick, y: strongest.y, x: strongest.x } : pick;
      const specs = neuronJobs({ ...params, methods }, jobPick).filter((s) => s.kind === 'saliency');
      for (const spec of specs) {
        const method = spec.params.method as NeuronMethod;
        if (pixelsRef.current[`${key}|${method}`]) continue;
        setRunning(method);
        const res = await runPixels(spec);
        if (!live || !res) break;
        const png = res.data.png;
        if (!png) break;
        setPixels((all) => ({ ...all, [`${key}|${method}`]: { png, value: res.data.value, computedBy: res.computedBy, field: res.data.field } }));
      }
      if (live) setRunning(null);
    })();
    return () => {
      live = false;
    };
    // The pick and methods count by value (`key`, the joined names): new objects with the same value must not rerun it.
  }, [key, methods.join(','), ready, runPixels, strongest?.y, strongest?.x]);

  const shown = methods.map((method) => ({ method, result: pixels[`${key}|${method}`] }));
  const allReady = shown.every((s) => s.result);

  // ── changing the pick ──────────────────────────────────────────────────────────────────────────
  const chooseChannel = (channel: number) => {
    setSubmitted(null);
    setPick({ kind: 'neuron', layer, channel });
  };
  const pickPosition = (p: Position) => {
    if (pick.kind === 'class') return;
    setSubmitted(null);
    setMarker(p);
    setPick({ kind: 'neuron', layer: pick.layer, channel: pick.channel, y: p.y, x: p.x });
  };
  const chooseLayer = (next: string) => {
    setSubmitted(null);
    setLayer(next);
  };
  const toNeuronMode = () => {
    setSubmitted(null);
    const channel = maps?.layer === layer ? maps.channels[0]! : params.pick.kind === 'class' ? 0 : params.pick.channel;
    setPick({ kind: 'neuron', layer, channel });
  };
  const toClassMode = (index?: number) => {
    setSubmitted(null);
    setPick({ kind: 'class', index: index ?? predictions?.[0]?.index ?? (params.pick.kind === 'class' ? params.pick.index : 0) });
  };
  // Once the top classes arrive, a class pick made before them starts from the top class.
  useEffect(() => {
    if (predictions && pick.kind === 'class' && canPick && params.pick.kind !== 'class' && pick.index === 0) setPick({ kind: 'class', index: predictions[0]!.index });
    // Only when the predictions arrive, not on every later pick.
  }, [predictions]);

  const toggleMethod = (method: NeuronMethod, on: boolean) => {
    setSubmitted(null);
    setMethods((list) => (on ? NEURON_METHODS.filter((m) => m === method || list.includes(m)) : list.length > 1 ? list.filter((m) => m !== method) : list));
  };

  // ── 3. submit ──────────────────────────────────────────────────────────────────────────────────
  const { request } = lab.live;
  const submit = useCallback(async () => {
    const results = shown.map((s) => s.result).filter((r): r is Pixels => !!r);
    if (results.length !== methods.length || results.length === 0 || frozen) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const changes: Record<string, unknown> = {};
      if (canPick) changes.pick = pick;
      if (canChooseMethods) changes.methods = methods;
      const submitParams = applyStudentParams(lab.step, changes);
      // Each method's image stored first; the server names it by the hash of what it stored.
      const stored = await Promise.all(results.map((r) => request('lab:image', { stepId: lab.step.id, image: r.png })));
      const result = neuronResult({
        pick,
        caption,
        value: results[0]!.value,
        position: strongest,
        images: methods.map((method, i) => ({ method, sha256: stored[i]!.hash })),
      });
      const { submission } = await request('lab:submit', {
        stepId: lab.step.id,
        // Both were checked against the lab's schemas here; the server checks them again.
        params: submitParams as LabSubmit['params'],
        result: result as unknown as LabSubmit['result'],
        computedWhere: results.some((r) => r.computedBy.where === 'server') ? 'server' : 'browser',
        backend: results[0]!.computedBy.backend,
        ms: results.reduce((sum, r) => sum + r.computedBy.ms, 0),
        image: results[0]!.png,
      });
      upsert(submission);
      setSubmitted(submission);
    } catch (err) {
      setSubmitError(err instanceof LabError || err instanceof Error ? err.message : 'The submission failed.');
    } finally {
      setSubmitting(false);
    }
  }, [shown, methods, canPick, canChooseMethods, frozen, pick, caption, strongest, lab.step, request, upsert]);

  // ── layout ─────────────────────────────────────────────────────────────────────────────────────
  const ranking = useMemo(() => new Map(maps?.ranking.map((r) => [r.channel, r.mean]) ?? []), [maps]);
  const channelOptions = maps && pick.kind !== 'class' && !maps.channels.includes(pick.channel) ? [pick.channel, ...maps.channels] : (maps?.channels ?? []);
  const locked = !canPick;
  const lockNote = lab.blocked ? lab.blocked.message : 'This step fixes it.';
  const progressLabel = running ? `${METHOD_INFO[running].name} (${methods.indexOf(running) + 1} of ${methods.length})` : 'Computing';

  return (
    <div className="space-y-6">
      {/* grid-cols-1 (minmax(0,1fr)) and min-w-0: the pick and the method images shrink to a phone's width. */}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,380px)_minmax(0,1fr)]">
        {/* 1 ── the pick */}
        <section aria-labelledby="neuron-pick-heading" className="min-w-0 space-y-3">
          <h2 id="neuron-pick-heading" className="text-lg font-bold text-slate-900">
            1 · Pick a neuron
          </h2>
          <div className="inline-flex rounded-lg border border-slate-300 bg-white p-0.5 text-sm" role="group" aria-label="What to explain">
            <button type="button" className={`rounded-md px-3 py-1 ${mode === 'neuron' ? 'bg-brand-600 text-white' : 'text-slate-700 hover:bg-slate-100'}`} aria-pressed={mode === 'neuron'} disabled={locked} onClick={toNeuronMode}>
              A neuron
            </button>
            <button type="button" className={`rounded-md px-3 py-1 ${mode === 'class' ? 'bg-brand-600 text-white' : 'text-slate-700 hover:bg-slate-100'}`} aria-pressed={mode === 'class'} disabled={locked} onClick={() => toClassMode()}>
              Pick a class instead
            </button>
          </div>
          {locked ? <p className="text-sm text-amber-800">{lockNote}</p> : null}

          {mode === 'neuron' ? (
            <>
              <div className="grid gap-3">
                <label className="block">
                  <span className="field-label">Layer</span>
                  <select className="field-input" value={layer} disabled={locked} onChange={(e) => chooseLayer(e.target.value)}>
                    {params.layers.map((l) => (
                      <option key={l} value={l}>
                        {layerLabel(l, shapes[l])}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="block">
                  <span className="field-label">Channel</span>
                  <select
                    className="field-input"
                    value={pick.kind === 'class' ? '' : String(pick.channel)}
                    disabled={locked || !maps}
                    onChange={(e) => chooseChannel(Number(e.target.value))}
                  >
                    {!maps ? <option value="">loading…</option> : null}
                    {channelOptions.map((c, i) => (
                      <option key={c} value={c}>
                        {`#${c}`}
                        {ranking.has(c) ? ` · mean activation ${ranking.get(c)!.toFixed(1)}${i === 0 ? ' (strongest)' : ''}` : ' (not among the strongest)'}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <JobProgress state={mapsJob.state} label={`Activation maps of ${layerLabel(layer)}`} onCancel={mapsJob.cancel} />
              {maps && channelMap ? (
                <ActivationMap
                  values={channelMap}
                  height={maps.height}
                  width={maps.width}
                  marker={marker}
                  imageUrl={photoUrl}
                  label={`Activation map of channel ${pick.kind === 'class' ? '' : pick.channel} of ${layerLabel(maps.layer, shapes[maps.layer])}`}
                  disabled={locked}
                  onMove={setMarker}
                  onPick={pickPosition}
                />
              ) : maps && pick.kind !== 'class' ? (
                <p className="text-sm text-slate-600">Channel {pick.channel} is not among the {maps.channels.length} strongest channels of this layer, so its map is not shown.</p>
              ) : !mapsJob.state.running && !mapsJob.state.error ? (
                <div className="aspect-square w-full animate-pulse rounded-lg bg-slate-100" aria-hidden="true" />
              ) : null}
              {maps ? (
                <fieldset>
                  <legend className="field-label mb-1">Strongest channels</legend>
                  <div className="grid grid-cols-8 gap-1">
                    {maps.channels.map((c, i) => (
                      <MapThumbnail
                        key={c}
                        values={maps.maps.subarray(i * maps.height * maps.width, (i + 1) * maps.height * maps.width)}
                        height={maps.height}
                        width={maps.width}
                        channel={c}
                        mean={ranking.get(c) ?? 0}
                        selected={pick.kind !== 'class' && pick.channel === c}
                        disabled={locked}
                        onSelect={() => chooseChannel(c)}
                      />
                    ))}
                  </div>
                </fieldset>
              ) : null}
            </>
          ) : (
            <>
              <label className="block">
                <span className="field-label">Class</span>
                <select className="field-input" value={pick.kind === 'class' ? pick.index : ''} disabled={locked} onChange={(e) => toClassMode(Number(e.target.value))}>
                  {predictions ? (
                    <optgroup label="The network's top classes for this photo">
                      {predictions.map((p) => (
                        <option key={`top-${p.index}`} value={p.index}>
                          {p.label ?? className(p.imagenetIndex)} · {(p.probability * 100).toFixed(1)}%
                        </option>
                      ))}
                    </optgroup>
                  ) : null}
                  {classNames.length ? (
                    <optgroup label="All classes">
                      {classNames.map((n, i) => (
                        <option key={i} value={i}>
                          {n}
                        </option>
                      ))}
                    </optgroup>
                  ) : pick.kind === 'class' && !predictions?.some((p) => p.index === pick.index) ? (
                    <option value={pick.index}>{className(pick.index)}</option>
                  ) : null}
                </select>
              </label>
              <JobProgress state={mapsJob.state} label="The network's top classes" onCancel={mapsJob.cancel} />
              <img src={photoUrl} alt="The photo" className="aspect-square w-full rounded-lg border border-slate-200 object-cover" />
            </>
          )}
        </section>

        {/* 2 ── the pixels */}
        <section aria-labelledby="neuron-pixels-heading" className="min-w-0 space-y-3">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="neuron-pixels-heading" className="text-lg font-bold text-slate-900">
              2 · Which pixels excite it
            </h2>
            <p className="text-sm font-semibold text-slate-700" data-testid="neuron-pick">
              {describePick(pick, className, strongest ?? undefined)}
              {shown[0]?.result ? ` · value ${shown[0].result.value.toFixed(2)}` : ''}
            </p>
          </div>
          <MethodImages
            photoUrl={photoUrl}
            field={shown.find((s) => s.result?.field)?.result?.field}
            explain
            testIdPrefix="method-image-"
            images={shown.map(({ method, result }) => ({
              method,
              png: result?.png ?? null,
              footer: result ? (
                <ComputedBadge where={result.computedBy.where} backend={result.computedBy.backend} device={result.computedBy.device} ms={result.computedBy.ms} cached={result.computedBy.cached} />
              ) : running === method ? (
                <span className="text-xs text-slate-500">computing…</span>
              ) : undefined,
            }))}
          />
          <JobProgress state={pixelsJob.state} label={progressLabel} onCancel={pixelsJob.cancel} />
          <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
            <legend className="sr-only">Methods</legend>
            <span className="font-semibold text-slate-700" aria-hidden="true">
              Methods:
            </span>
            {NEURON_METHODS.map((m) => (
              <label key={m} className={`inline-flex items-center gap-1.5 ${canChooseMethods ? '' : 'text-slate-400'}`}>
                <input type="checkbox" checked={methods.includes(m)} disabled={!canChooseMethods || (methods.length === 1 && methods[0] === m)} onChange={(e) => toggleMethod(m, e.target.checked)} />
                {METHOD_INFO[m].name}
              </label>
            ))}
            {!canChooseMethods ? <span className="text-xs text-slate-500">({frozen ? 'not now' : 'fixed by this step'})</span> : null}
          </fieldset>

          {/* 3 ── submit */}
          <form
            className="space-y-2 border-t border-slate-200 pt-4"
            aria-labelledby="neuron-submit-heading"
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <h2 id="neuron-submit-heading" className="text-lg font-bold text-slate-900">
              3 · What does it respond to?
            </h2>
            <label className="block">
              <span className="field-label">Caption</span>
              <input
                className="field-input"
                value={caption}
                disabled={frozen}
                maxLength={CAPTION_MAX}
                placeholder="e.g. eyes, fur texture, round edges"
                aria-describedby="neuron-caption-count"
                onChange={(e) => setCaption(e.target.value)}
              />
            </label>
            <div className="flex flex-wrap items-center gap-3">
              <button type="submit" className="btn btn-primary" disabled={frozen || !allReady || submitting}>
                {submitting ? 'Submitting…' : 'Submit pick'}
              </button>
              <span id="neuron-caption-count" className="text-xs text-slate-500">
                {caption.length}/{CAPTION_MAX} characters
              </span>
              {frozen ? (
                <span className="text-sm text-slate-600" data-testid="submit-blocked">
                  {lab.blocked!.message}
                </span>
              ) : !allReady ? (
                <span className="text-sm text-slate-500">The images are still being computed.</span>
              ) : null}
            </div>
            <div aria-live="polite">
              {submitted ? (
                <p className="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="submitted-notice">
                  Submitted: {describePick(pick, className, strongest ?? undefined)}. Pick another neuron and submit again if you like.
                </p>
              ) : null}
              {submitError ? (
                <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                  Could not submit: {submitError}
                </p>
              ) : null}
            </div>
          </form>
        </section>
      </div>

      {submissions.length ? (
        <section aria-labelledby="neuron-mine-heading" className="space-y-2 border-t border-slate-200 pt-4">
          <h2 id="neuron-mine-heading" className="text-base font-bold text-slate-900">
            Your picks{submissions.some((s) => s.participantId !== lab.me?.id) ? ' and those the instructor shared' : ''}
          </h2>
          <NeuronGallery lab={lab} submissions={submissions} viewer="student" />
        </section>
      ) : null}
    </div>
  );
}
