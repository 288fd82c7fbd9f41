'use client';

/**
 * The instructor's occlusion dashboard: the class map of the students' masks and "sweep together" side by side
 * (each with a Present button), then every submission as it arrives, with who made it and where it was computed.
 */
import { useEffect, useMemo, useState } from 'react';
import type { OcclusionParams } from '@convlab/labs';
import type { PresentTarget, Submission } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { useClassNames } from '../kit/class-names';
import { imageRefUrl } from '../kit/images';
import { SubmissionCard } from '../kit/submission-card';
import { useJob } from '../kit/use-job';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { ClassMapView, classMapTarget } from './class-map-view';
import { OcclusionSubmissionView } from './submission-view';
import { splitSubmissions } from './shared';
import { SweepView, gridOfProgress, gridOfResult, useLiveSweep } from './sweep-view';
import { ShareGalleryButton } from '../kit/share-gallery';

export function OcclusionInstructor({ lab }: LabPanelProps) {
  const params = lab.params as OcclusionParams;
  const imageUrl = imageRefUrl(params.image);
  const { name } = useClassNames();
  const { submissions, error, upsert } = useSubmissions(lab);
  const { masks, sweeps } = useMemo(() => splitSubmissions(submissions), [submissions]);
  // An ended session is an archive: nothing is swept, shared or put on the projector until it is reopened.
  const ended = lab.session.status === 'ended';
  const authorOf = (s: Submission) => (s.participantId === null ? 'You (instructor)' : (lab.participants.find((p) => p.id === s.participantId)?.displayName ?? 'A student who left'));

  // The sweep needs a target class: the step's, else the model's top class for the photo.
  const { run: runClassify } = useJob(lab);
  const [topClass, setTopClass] = useState<number | null>(null);
  useEffect(() => {
    if (params.classIndex !== undefined) return;
    void runClassify({ kind: 'classify', model: params.model, image: params.image, params: { top: 1 } }).then((r) => r && setTopClass(r.data.predictions[0]?.index ?? null));
  }, [params.classIndex, params.model, params.image, runClassify]);
  const mapClass = classMapTarget(params.classIndex, masks) ?? topClass;

  const [message, setMessage] = useState<{ tone: 'error' | 'info'; text: string } | null>(null);
  const [presenting, setPresenting] = useState<string | null>(null);
  const present = async (target: PresentTarget, key: string) => {
    try {
      await lab.live.request('present:set', { target });
      setPresenting(key);
      setMessage({ tone: 'info', text: 'On the projector now.' });
    } catch (err) {
      setMessage({ tone: 'error', text: `Could not present it: ${err instanceof Error ? err.message : String(err)}` });
    }
  };
  const share = async (s: Submission, shared: boolean) => {
    try {
      upsert((await lab.live.request('lab:share', { submissionId: s.id, shared })).submission);
    } catch (err) {
      setMessage({ tone: 'error', text: `Could not ${shared ? 'share' : 'unshare'} it: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  // Sweep together.
  const sweep = useLiveSweep(lab);
  const [starting, setStarting] = useState(false);
  const [dealt, setDealt] = useState<number | null>(null);
  const startSweep = async () => {
    setStarting(true);
    setMessage(null);
    try {
      const classIndex = params.classIndex ?? topClass ?? undefined;
      const ack = await lab.live.request('sweep:start', { stepId: lab.step.id, ...(params.classIndex === undefined && classIndex !== undefined ? { classIndex } : {}) });
      setDealt(Object.keys(ack.dealt).length);
    } catch (err) {
      setMessage({ tone: 'error', text: `The sweep did not start: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setStarting(false);
    }
  };
  const lastStored = sweeps.at(-1);
  // The live sweep while (and just after) it runs; otherwise the last one stored.
  const grid = sweep.progress ? gridOfProgress(sweep.progress) : lastStored ? gridOfResult(lastStored.result) : null;
  const byWhom = useMemo(() => {
    const shards = sweep.progress?.snapshot.shards ?? lastStored?.result.shards.map((s) => ({ index: s.index, status: 'done' as const, holder: s.by })) ?? [];
    const counts = new Map<string, number>();
    for (const s of shards) if (s.status === 'done' && s.holder) counts.set(s.holder, (counts.get(s.holder) ?? 0) + 1);
    return [...counts].map(([who, n]) => `${who === 'server' ? 'server' : (lab.participants.find((p) => p.id === who)?.displayName ?? 'a student')}: ${n}`);
  }, [sweep.progress, lastStored, lab.participants]);

  const sectionTitle = 'text-lg font-semibold text-slate-900';
  const targetName = mapClass === null ? '…' : name(mapClass);
  return (
    <div className="@container space-y-6">
      {message ? (
        <Alert tone={message.tone} title={message.tone === 'error' ? 'Something did not work' : undefined}>
          {message.text}
        </Alert>
      ) : null}
      {error ? <Alert title="The submissions could not be loaded">{error}</Alert> : null}

      <div className="grid gap-6 @3xl:grid-cols-2">
        <section className="card space-y-3 p-4" aria-labelledby="class-map-heading">
          <div className="flex items-center justify-between gap-2">
            <h3 id="class-map-heading" className={sectionTitle}>
              Class map · {targetName}
            </h3>
            <button type="button" className="btn btn-secondary px-3 py-1 text-sm" aria-pressed={presenting === 'class-map'} disabled={ended} onClick={() => void present({ kind: 'view', stepId: lab.step.id, view: 'class-map' }, 'class-map')}>
              {presenting === 'class-map' ? 'On the projector' : 'Present'}
            </button>
          </div>
          <div className="mx-auto max-w-sm">
            <ClassMapView entries={masks} classIndex={mapClass} className={targetName} imageUrl={imageUrl} />
          </div>
        </section>

        <section className="card space-y-3 p-4" aria-labelledby="sweep-heading">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 id="sweep-heading" className={sectionTitle}>
              Sweep together
            </h3>
            <div className="flex gap-2">
              <button type="button" className="btn btn-primary px-3 py-1 text-sm" onClick={() => void startSweep()} disabled={ended || starting || sweep.running} data-testid="start-sweep">
                {sweep.running ? 'Sweeping…' : starting ? 'Starting…' : 'Sweep together'}
              </button>
              <button type="button" className="btn btn-secondary px-3 py-1 text-sm" aria-pressed={presenting === 'sweep'} disabled={ended || !grid} onClick={() => void present({ kind: 'view', stepId: lab.step.id, view: 'sweep' }, 'sweep')}>
                {presenting === 'sweep' ? 'On the projector' : 'Present'}
              </button>
            </div>
          </div>
          <p className="text-sm text-slate-600" role="status" aria-live="polite">
            {sweep.progress
              ? `${sweep.progress.snapshot.done} of ${sweep.progress.snapshot.total} shards · by students ${sweep.progress.byStudents} · by the server ${sweep.progress.byServer}`
              : lastStored
                ? `Last sweep: ${new Date(lastStored.submission.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
                : `A ${params.window}-pixel square slides over the photo (stride ${params.stride}); the positions are split into shards of ${params.shardSize} among the students' laptops, and the server takes over late ones.`}
            {dealt !== null && sweep.running ? ` · dealt to ${dealt} student${dealt === 1 ? '' : 's'}` : ''}
            {sweep.done ? (sweep.done.ok ? ' · Sweep complete' : ` · The sweep failed: ${sweep.done.message ?? 'unknown error'}`) : ''}
          </p>
          {grid ? (
            <div className="mx-auto max-w-sm">
              <SweepView grid={grid} imageUrl={imageUrl} targetName={name(grid.classIndex)} />
            </div>
          ) : null}
          {byWhom.length ? <p className="text-xs text-slate-600">Shards computed by — {byWhom.join(' · ')}</p> : null}
        </section>
      </div>

      <section aria-labelledby="submissions-heading" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h3 id="submissions-heading" className={sectionTitle}>
            Submissions <span className="text-base font-normal text-slate-600">({masks.length})</span>
          </h3>
          <ShareGalleryButton lab={lab} submissions={masks.map((m) => m.submission)} />
        </div>
        {masks.length === 0 ? <p className="text-sm text-slate-600">Students' masks appear here as they submit them.</p> : null}
        <div className="grid gap-4 @md:grid-cols-2 @3xl:grid-cols-3 @6xl:grid-cols-4">
          {[...masks].reverse().map(({ submission, result }) => (
            <SubmissionCard
              key={submission.id}
              submission={submission}
              author={authorOf(submission)}
              onShare={ended ? undefined : (s, shared) => void share(s, shared)}
              onPresent={ended ? undefined : (s) => void present({ kind: 'submission', submissionId: s.id }, s.id)}
              presentingId={presenting}
            >
              <OcclusionSubmissionView result={result} imageUrl={imageUrl} targetName={name(result.classIndex)} nameOf={name} />
            </SubmissionCard>
          ))}
        </div>
      </section>
    </div>
  );
}
