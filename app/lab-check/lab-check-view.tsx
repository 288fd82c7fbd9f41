'use client';

/**
 * The lab check: what this browser computes with (backend, forward time of the lesson's model) and a test
 * classification of a sample photo, in the browser or on the server, with where and how long it took.
 */
import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { API } from '@convlab/protocol';
import type { ComputeRunResult } from '../_lib/compute/compute-client';
import { DEFAULT_LIMITS, isSoftwareRenderer, type BrowserCapability, type Preference } from '../_lib/compute/placement';
import { DEFAULT_PROBE_MODEL, useCompute } from '../_lib/compute/use-compute';
import { useComputeServer } from '../_lib/compute/use-compute-server';
import type { BrowserBackend } from '../_lib/compute/worker-messages';

const SAMPLES = [
  { id: 'photos/skimage_chelsea.png', name: 'Cat' },
  { id: 'photos/skimage_coffee.png', name: 'Coffee' },
  { id: 'photos/skimage_rocket.jpg', name: 'Rocket' },
] as const;

const CHOICES: Array<{ value: Preference; label: string; hint: string }> = [
  { value: 'auto', label: 'Automatic', hint: 'ConvLab decides' },
  { value: 'browser', label: 'This browser', hint: 'always local' },
  { value: 'server', label: 'Server', hint: 'always remote' },
];

type Verdict = { tone: 'good' | 'ok' | 'bad' | 'pending'; title: string; text: string; detail?: string };

function verdictOf({ state, forwardMs, reason, stalled, backend, renderer }: BrowserCapability, probing: boolean): Verdict {
  if (state === 'unavailable') {
    return { tone: 'bad', title: 'This browser cannot compute the labs', text: 'Every lab will run on the class’s compute server instead; this browser just shows the results.', detail: reason };
  }
  if (stalled) return { tone: 'bad', title: 'This browser did not answer in time', text: `In Automatic, labs run on the class’s compute server: ${stalled}.` };
  if (forwardMs === undefined) return { tone: 'pending', title: probing ? 'Measuring…' : 'Starting…', text: 'Loading the lesson’s model and timing one pass through it.' };
  if (backend === 'webgl' && isSoftwareRenderer(renderer)) {
    return { tone: 'ok', title: 'Yes, but without a graphics card', text: 'WebGL here is drawn in software, so in Automatic the labs run on the class’s compute server; choose “This browser” to compute here anyway.', detail: renderer };
  }
  if (forwardMs <= 300) return { tone: 'good', title: 'Yes — this device runs the labs itself', text: 'Labs compute right here; only very heavy jobs are sent to the server.' };
  if (forwardMs <= DEFAULT_LIMITS.maxForwardMs) return { tone: 'ok', title: 'Yes, a little slowly', text: 'Quick labs run here; longer ones (occlusion sweeps, gradient ascent) go to the server.' };
  return { tone: 'bad', title: 'Too slow to compute here', text: 'Labs will run on the class’s compute server; this browser just shows the results.' };
}

const TONES: Record<Verdict['tone'], { box: string; dot: string }> = {
  good: { box: 'border-emerald-200 bg-emerald-50 text-emerald-950', dot: 'bg-emerald-600' },
  ok: { box: 'border-amber-200 bg-amber-50 text-amber-950', dot: 'bg-amber-500' },
  bad: { box: 'border-red-200 bg-red-50 text-red-950', dot: 'bg-red-600' },
  pending: { box: 'border-slate-200 bg-white text-slate-800', dot: 'bg-slate-400 animate-pulse' },
};

function ms(v: number | undefined): string {
  if (v === undefined) return '—';
  return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

/** The page body; `code` is a session this browser may have joined (enables the server). */
export function LabCheckView({ code, backend = null }: { code: string | null; backend?: BrowserBackend | null }) {
  const server = useComputeServer(code);
  const { snapshot, run } = useCompute({ server: server.transport, autoProbe: true, backends: backend ? [backend] : undefined });
  const { capability, probe, info, attempts, probing } = snapshot;
  const verdict = verdictOf(capability, probing);
  const tone = TONES[verdict.tone];
  const failed = capability.state === 'unavailable';

  const [sample, setSample] = useState<string>(SAMPLES[0].id);
  const [prefer, setPrefer] = useState<Preference>('auto');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [result, setResult] = useState<ComputeRunResult<'classify'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const serverReady = server.status === 'ready';

  // A forced choice that is no longer possible (the server went away) falls back to automatic.
  useEffect(() => {
    if (prefer === 'server' && !serverReady && server.status !== 'connecting') setPrefer('auto');
  }, [prefer, serverReady, server.status]);

  const classify = useCallback(async () => {
    setBusy(true);
    setError(null);
    setProgress(null);
    try {
      const r = await run(
        { kind: 'classify', model: DEFAULT_PROBE_MODEL, image: { kind: 'sample', id: sample }, params: { top: 5 } },
        {
          prefer,
          onProgress: (p) => setProgress(p.position !== undefined && p.step === 0 ? `Waiting on the server, position ${p.position + 1}` : p.where === 'server' ? 'Computing on the server…' : 'Computing in this browser…'),
        },
      );
      setResult(r as ComputeRunResult<'classify'>);
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }, [run, sample, prefer]);

  return (
    <div className="space-y-8">
      <section>
        <p className="text-sm font-semibold uppercase tracking-wide text-brand-600">Lab check</p>
        <h1 className="mt-1 text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">Will this device work?</h1>
        <p className="mt-3 max-w-2xl text-lg text-slate-600">
          ConvLab’s labs run the network in your browser when it is fast enough, and on the class’s compute server when it is not. This page checks which it will
          be — nothing is installed and no data leaves this page except the test image request.
        </p>
      </section>

      <section aria-labelledby="verdict-title" data-testid="verdict" data-tone={verdict.tone} className={`rounded-2xl border p-5 sm:p-6 ${tone.box}`}>
        <div className="flex items-start gap-3">
          <span className={`mt-2 size-3 shrink-0 rounded-full ${tone.dot}`} aria-hidden="true" />
          <div>
            <h2 id="verdict-title" className="text-xl font-bold">
              {verdict.title}
            </h2>
            <p className="mt-1">{verdict.text}</p>
            {verdict.detail ? (
              <p className="mt-2 break-words font-mono text-xs opacity-80" data-testid="verdict-detail">
                {verdict.detail}
              </p>
            ) : null}
          </div>
        </div>
      </section>

      <section aria-label="This browser" className="grid gap-4 sm:grid-cols-3">
        <Stat
          label={backend ? 'Compute backend (forced)' : 'Compute backend'}
          testId="backend"
          value={capability.backend ?? (capability.state === 'unavailable' ? 'none' : '…')}
          detail={info ?? (backend ? `Trying ${backend} only` : 'Picking the fastest that starts')}
        />
        <Stat label="Model download" value={probe ? ms(probe.loadMs) : failed ? 'failed' : '…'} detail={`${DEFAULT_PROBE_MODEL}, cached for next time`} />
        <Stat
          label="One forward pass"
          testId="forward-ms"
          value={failed ? '—' : ms(capability.forwardMs)}
          detail={capability.forwardMs !== undefined ? `224×224 image · limit ${ms(DEFAULT_LIMITS.maxForwardMs)} for computing here` : failed ? 'Not measured' : 'After a warm-up pass'}
          bar={capability.forwardMs !== undefined ? Math.min(1, capability.forwardMs / DEFAULT_LIMITS.maxForwardMs) : undefined}
        />
      </section>

      {attempts.length > 0 ? (
        <details className="card px-5 py-4 text-sm text-slate-700">
          <summary className="cursor-pointer font-semibold text-slate-900">Backends tried, in order</summary>
          <ul className="mt-3 space-y-1.5">
            {attempts.map((a) => (
              <li key={a.backend} className="flex gap-2">
                <span className={a.ok ? 'text-emerald-700' : 'text-slate-400'} aria-hidden="true">
                  {a.ok ? '✓' : '✗'}
                </span>
                <span className="font-mono font-semibold">{a.backend}</span>
                <span className="text-slate-500">{a.ok ? 'in use' : a.error}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      <section aria-labelledby="try-title" className="card overflow-hidden">
        <div className="border-b border-slate-200 px-5 py-4 sm:px-6">
          <h2 id="try-title" className="text-lg font-bold text-slate-900">
            Try a classification
          </h2>
          <p className="text-sm text-slate-600">The same job the labs send, computed where you choose.</p>
        </div>
        <div className="grid gap-6 p-5 sm:p-6 md:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)]">
          <div className="space-y-5">
            <fieldset>
              <legend className="field-label">Photo</legend>
              <div className="mt-2 grid grid-cols-3 gap-3">
                {SAMPLES.map((s) => (
                  <label key={s.id} className={`group relative cursor-pointer overflow-hidden rounded-xl border-2 ${sample === s.id ? 'border-brand-600 ring-2 ring-brand-200' : 'border-transparent hover:border-slate-300'}`}>
                    <input type="radio" name="sample" value={s.id} checked={sample === s.id} onChange={() => setSample(s.id)} className="sr-only" />
                    {/* A server-provided sample, shown as is (not through next/image). */}
                    <img src={API.sample(s.id)} alt={s.name} className="aspect-square w-full object-cover" />
                    <span className="absolute inset-x-0 bottom-0 bg-gradient-to-t from-black/70 to-transparent px-2 pb-1.5 pt-4 text-xs font-semibold text-white">{s.name}</span>
                  </label>
                ))}
              </div>
            </fieldset>

            <fieldset>
              <legend className="field-label">Compute on</legend>
              <div className="mt-2 grid grid-cols-3 rounded-xl bg-slate-100 p-1" role="radiogroup" aria-label="Compute on">
                {CHOICES.map((c) => {
                  const disabled = c.value === 'server' && !serverReady;
                  const checked = prefer === c.value;
                  return (
                    <label
                      key={c.value}
                      className={`rounded-lg px-2 py-2 text-center text-sm ${checked ? 'bg-white font-semibold text-slate-900 shadow-sm' : 'text-slate-600'} ${disabled ? 'cursor-not-allowed opacity-50' : 'cursor-pointer hover:text-slate-900'}`}
                    >
                      <input type="radio" name="prefer" value={c.value} checked={checked} disabled={disabled} onChange={() => setPrefer(c.value)} className="sr-only" />
                      <span className="block">{c.label}</span>
                      <span className="block text-xs font-normal text-slate-500">{c.hint}</span>
                    </label>
                  );
                })}
              </div>
              <ServerNote code={code} status={server.status} message={server.message} />
            </fieldset>

            <button type="button" className="btn btn-primary btn-lg w-full" onClick={classify} disabled={busy || (capability.state === 'unknown' && prefer !== 'server')}>
              {busy ? (progress ?? 'Starting…') : 'Classify this photo'}
            </button>
          </div>

          <div aria-live="polite" className="min-h-48">
            {error ? (
              <div role="alert" data-testid="job-error" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
                <p className="font-semibold">The job failed</p>
                <p className="mt-1">{error}</p>
              </div>
            ) : result ? (
              <ResultView result={result} />
            ) : (
              <div className="flex h-full min-h-48 items-center justify-center rounded-xl border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
                The top five classes and where they were computed appear here.
              </div>
            )}
          </div>
        </div>
      </section>

      <p className="text-sm text-slate-500">
        Instructors: send students to <span className="font-mono text-slate-700">/lab-check</span> before the lecture. Students in a session can add{' '}
        <span className="font-mono text-slate-700">?code=</span> and their join code to compare with the server. <Link href="/" className="font-semibold text-brand-600 underline">Back to ConvLab</Link>
      </p>
    </div>
  );
}

function Stat({ label, value, detail, testId, bar }: { label: string; value: string; detail: string; testId?: string; bar?: number }) {
  return (
    <div className="card p-5">
      <p className="text-sm font-medium text-slate-500">{label}</p>
      <p className="mt-1 font-mono text-3xl font-bold tracking-tight text-slate-900" data-testid={testId}>
        {value}
      </p>
      {bar !== undefined ? (
        <div className="mt-3 h-1.5 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
          <div className={`h-full rounded-full ${bar < 0.2 ? 'bg-emerald-500' : bar < 1 ? 'bg-amber-500' : 'bg-red-500'}`} style={{ width: `${Math.max(4, bar * 100)}%` }} />
        </div>
      ) : null}
      <p className="mt-2 text-xs text-slate-500">{detail}</p>
    </div>
  );
}

function ServerNote({ code, status, message }: { code: string | null; status: string; message: string | null }) {
  let text: string;
  if (!code) text = 'Server comparison: open this page from a session (add ?code=YOURCODE).';
  else if (status === 'ready') text = `Connected to session ${code}: the server is available.`;
  else if (status === 'connecting') text = `Connecting to session ${code}…`;
  else text = message ?? `The server for session ${code} is not available.`;
  return (
    <p className="mt-2 text-xs text-slate-500" data-testid="server-status" data-status={status}>
      {text}
    </p>
  );
}

function ResultView({ result }: { result: ComputeRunResult<'classify'> }) {
  const { computedBy, placement, data } = result;
  const top = data.predictions[0]?.probability ?? 1;
  return (
    <div data-testid="result" data-job-id={result.jobId} data-where={computedBy.where} data-backend={computedBy.backend} data-predictions={JSON.stringify(data.predictions.map((p) => [p.index, p.probability]))}>
      <div className="flex flex-wrap items-center gap-2">
        <span className={`badge ${computedBy.where === 'browser' ? 'bg-brand-100 text-brand-900' : 'bg-violet-100 text-violet-900'}`} data-testid="result-where">
          {computedBy.where === 'browser' ? 'Computed in this browser' : 'Computed on the server'}
        </span>
        <span className="badge bg-slate-100 font-mono text-slate-700">{computedBy.backend}</span>
        {computedBy.device ? <span className="badge bg-slate-100 font-mono text-slate-700">{computedBy.device}</span> : null}
        <span className="badge bg-slate-100 font-mono text-slate-700">{ms(computedBy.ms)}</span>
        {computedBy.queuedMs !== undefined && computedBy.queuedMs >= 100 ? <span className="badge bg-slate-100 text-slate-700">waited {ms(computedBy.queuedMs)}</span> : null}
        {computedBy.cached ? <span className="badge bg-slate-100 text-slate-700">from the server’s cache</span> : null}
      </div>
      <p className="mt-2 text-xs text-slate-500" data-testid="placement-reason">
        {placement.fallbackFrom ? `This browser failed (${placement.fallbackFrom.message}), so the server computed it.` : `Why here: ${placement.message}.`}
      </p>
      <ol className="mt-4 space-y-3">
        {data.predictions.map((p, i) => (
          <li key={p.index} data-testid="prediction">
            <div className="flex items-baseline justify-between gap-3 text-sm">
              <span className={`truncate ${i === 0 ? 'font-bold text-slate-900' : 'text-slate-700'}`}>{p.label ?? (p.imagenetIndex >= 0 ? `ImageNet class ${p.imagenetIndex}` : 'background')}</span>
              <span className="font-mono tabular-nums text-slate-600">{(p.probability * 100).toFixed(1)}%</span>
            </div>
            <div className="mt-1 h-2 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
              <div className={`h-full rounded-full ${i === 0 ? 'bg-brand-600' : 'bg-brand-200'}`} style={{ width: `${Math.max(1, (p.probability / top) * 100)}%` }} />
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
