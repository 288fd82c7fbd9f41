'use client';

/**
 * The instructor's gradient-ascent panel: hand each student a λ of the step's sweep, watch the class × λ grid
 * fill in as they submit, and the gallery per class with share and present buttons.
 */
import { useMemo, useState } from 'react';
import { lambdaValues, type AscentParams } from '@convlab/labs';
import type { PresentTarget, Submission } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { useClassNames } from '../kit/class-names';
import { storedImageUrl } from '../kit/images';
import { SubmissionCard } from '../kit/submission-card';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps, LabRuntime } from '../lab-runtime';
import { countPerLambda, formatNumber, formatScore, toAscentEntry } from './ascent-logic';
import { ClassGallery, LambdaGrid, type Entry } from './class-views';
import { ShareGalleryButton } from '../kit/share-gallery';

/** Who made a submission, for the instructor. */
export function authorOf(lab: Pick<LabRuntime, 'participants'>, s: Submission): string {
  if (!s.participantId) return 'The class';
  return lab.participants.find((p) => p.id === s.participantId)?.displayName ?? 'A student';
}

interface Deal {
  lambdas: number[];
  counts: number[];
  students: number;
}

export function AscentInstructor({ lab }: LabPanelProps) {
  const { name } = useClassNames();
  const params = lab.params as AscentParams;
  const { submissions, upsert, error: listError } = useSubmissions(lab);
  const entries = useMemo(() => submissions.map(toAscentEntry).filter((e): e is Entry => e !== null), [submissions]);
  const lambdas = useMemo(() => (params.sweep ? lambdaValues(params.sweep) : null), [params.sweep]);
  const [deal, setDeal] = useState<Deal | null>(null);
  const [dealing, setDealing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const presenting = lab.session.presenting;
  const viewOnScreen = (view: string) => presenting?.kind === 'view' && presenting.stepId === lab.step.id && presenting.view === view;
  const presentingId = presenting?.kind === 'submission' ? presenting.submissionId : null;

  const handOut = async () => {
    setDealing(true);
    setActionError(null);
    try {
      const ack = await lab.live.request('ascent:deal-lambdas', { stepId: lab.step.id });
      setDeal({ lambdas: ack.lambdas, counts: countPerLambda(ack.lambdas.length, ack.assignments), students: ack.assignments.length });
    } catch (err) {
      setActionError(`Could not hand out λ: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setDealing(false);
    }
  };

  /** Puts a target on the projector, or takes it off (null) when it is there already. */
  const present = (target: PresentTarget | null) => {
    setActionError(null);
    lab.live
      .request('present:set', { target })
      .catch((err: unknown) => setActionError(`Could not change the projector: ${err instanceof Error ? err.message : String(err)}`));
  };
  // An ended session is an archive: nothing is handed out, shared or put on the projector until it is reopened.
  const ended = lab.session.status === 'ended';
  const viewButton = (view: string, label: string) => (
    <button
      type="button"
      className="btn btn-secondary"
      aria-pressed={viewOnScreen(view)}
      disabled={ended}
      onClick={() => present(viewOnScreen(view) ? null : { kind: 'view', stepId: lab.step.id, view })}
    >
      {viewOnScreen(view) ? `Stop presenting the ${label}` : `Present ${label}`}
    </button>
  );

  const share = (s: Submission, shared: boolean) => {
    setActionError(null);
    lab.live
      .request('lab:share', { submissionId: s.id, shared })
      .then((ack) => upsert(ack.submission))
      .catch((err: unknown) => setActionError(`Could not ${shared ? 'share' : 'unshare'}: ${err instanceof Error ? err.message : String(err)}`));
  };

  const students = new Set(submissions.map((s) => s.participantId).filter(Boolean)).size;

  return (
    <div className="space-y-5">
      <p className="text-sm text-slate-700" aria-live="polite" data-testid="ascent-count">
        {submissions.length} image{submissions.length === 1 ? '' : 's'} from {students} student{students === 1 ? '' : 's'}
      </p>
      {actionError ? <Alert>{actionError}</Alert> : null}
      {listError ? <Alert title="Submissions could not be loaded">{listError}</Alert> : null}

      {params.sweep && lambdas ? (
        <section className="card space-y-4 p-4" aria-labelledby="lambda-sweep-title">
          <div className="flex flex-wrap items-start justify-between gap-3">
            <div>
              <h2 id="lambda-sweep-title" className="text-lg font-semibold text-slate-900">
                λ sweep
              </h2>
              <p className="text-sm text-slate-600">
                {lambdas.length} values of λ from {formatNumber(lambdas[0]!)} to {formatNumber(lambdas[lambdas.length - 1]!)} ({params.sweep.scale} scale). Each online
                student gets one; the grid fills in as they submit.
              </p>
            </div>
            <div className="flex flex-wrap gap-2">
              <button type="button" className="btn btn-primary" disabled={ended || dealing} onClick={() => void handOut()}>
                {dealing ? 'Handing out…' : 'Hand out λ'}
              </button>
              {viewButton('lambda-sweep', 'grid')}
            </div>
          </div>
          {deal ? <DealSummary deal={deal} /> : null}
          <LambdaGrid entries={entries} classes={params.classes} lambdas={lambdas} name={name} />
        </section>
      ) : (
        <p className="text-sm text-slate-600">This step has no λ sweep to hand out (add one in the lesson plan to compare λ across the class).</p>
      )}

      <section className="card space-y-4 p-4" aria-labelledby="ascent-gallery-title">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="ascent-gallery-title" className="text-lg font-semibold text-slate-900">
            Gallery per class
          </h2>
          <div className="flex flex-wrap items-center gap-2">
            <ShareGalleryButton lab={lab} submissions={submissions} />
            {viewButton('gallery-by-class', 'gallery')}
          </div>
        </div>
        <ClassGallery
          entries={entries}
          classes={params.classes}
          name={name}
          empty={<p className="text-sm text-slate-600">No images yet. They appear here as students submit.</p>}
          renderItem={(e) => (
            <SubmissionCard
              submission={e.submission}
              author={authorOf(lab, e.submission)}
              onShare={ended ? undefined : share}
              onPresent={ended ? undefined : (s) => present(presentingId === s.id ? null : { kind: 'submission', submissionId: s.id })}
              presentingId={presentingId}
            >
              {e.submission.resultImageHash ? (
                <img
                  src={storedImageUrl(e.submission.resultImageHash)}
                  alt={`${name(e.result.classIndex)} by ${authorOf(lab, e.submission)}`}
                  className="aspect-square w-full rounded-lg border border-slate-200 object-cover"
                />
              ) : null}
              <p className="text-xs text-slate-700 tabular-nums">
                λ {formatNumber(e.params.lambda)} · score {formatScore(e.result.score)}
              </p>
            </SubmissionCard>
          )}
        />
      </section>
    </div>
  );
}

/** What the last hand-out did: how many students hold each λ. */
function DealSummary({ deal }: { deal: Deal }) {
  if (deal.students === 0) {
    return (
      <Alert tone="warning" title="No student is online">
        Nobody got a λ. Press “Hand out λ” again once students have joined.
      </Alert>
    );
  }
  return (
    <div role="status" className="rounded-lg border border-violet-200 bg-violet-50 px-3 py-2 text-sm text-violet-950" data-testid="lambda-deal">
      <p className="font-semibold">
        {deal.students} student{deal.students === 1 ? ' has' : 's have'} a λ. Press again after more join: earlier students keep theirs.
      </p>
      <ul className="mt-1 flex flex-wrap gap-2">
        {deal.lambdas.map((l, i) => (
          <li key={i} className="badge bg-white text-violet-900 tabular-nums">
            λ {formatNumber(l)}: {deal.counts[i]} student{deal.counts[i] === 1 ? '' : 's'}
          </li>
        ))}
      </ul>
    </div>
  );
}
