'use client';

/**
 * The neuron lab for the instructor: every pick as it arrives, grouped by layer in network order (class picks last),
 * with share and present per pick, and the whole gallery to the projector.
 */
import { useState } from 'react';
import type { PresentTarget, Submission } from '@convlab/protocol';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { NeuronGallery, neuronSubmissions } from './gallery';
import { ShareGalleryButton } from '../kit/share-gallery';

export const GALLERY_VIEW = 'gallery-by-layer';

export function NeuronInstructor({ lab }: LabPanelProps) {
  const { submissions, error, upsert } = useSubmissions(lab);
  const [actionError, setActionError] = useState<string | null>(null);
  const { request } = lab.live;
  const presenting = lab.session.presenting;
  const galleryTarget: PresentTarget = { kind: 'view', stepId: lab.step.id, view: GALLERY_VIEW };
  const galleryOnScreen = presenting?.kind === 'view' && presenting.stepId === lab.step.id && presenting.view === GALLERY_VIEW;
  const picks = neuronSubmissions(submissions);
  const students = new Set(picks.map((p) => p.submission.participantId)).size;

  const act = (action: Promise<unknown>) => {
    setActionError(null);
    action.catch((err: Error) => setActionError(err.message));
  };
  const share = (s: Submission, shared: boolean) => act(request('lab:share', { submissionId: s.id, shared }).then(({ submission }) => upsert(submission)));
  const present = (target: PresentTarget | null) => act(request('present:set', { target }));
  // An ended session is an archive: nothing is shared or put on the projector until it is reopened.
  const ended = lab.session.status === 'ended';

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-lg font-bold text-slate-900">
          Gallery by layer{' '}
          <span className="font-normal text-slate-500" aria-live="polite">
            · {picks.length} pick{picks.length === 1 ? '' : 's'} from {students} student{students === 1 ? '' : 's'}
          </span>
        </h2>
        <div className="flex flex-wrap items-center gap-2">
          <ShareGalleryButton lab={lab} submissions={picks.map((p) => p.submission)} />
          <button type="button" className="btn btn-secondary" aria-pressed={galleryOnScreen} disabled={ended} onClick={() => present(galleryOnScreen ? null : galleryTarget)}>
            {galleryOnScreen ? 'Stop presenting the gallery' : 'Present the gallery'}
          </button>
        </div>
      </div>
      {actionError || error ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {actionError ?? `The submissions could not be loaded: ${error}`}
        </p>
      ) : null}
      {picks.length ? (
        <NeuronGallery
          lab={lab}
          submissions={submissions}
          viewer="instructor"
          onShare={ended ? undefined : share}
          onPresent={ended ? undefined : (s) => present(presenting?.kind === 'submission' && presenting.submissionId === s.id ? null : { kind: 'submission', submissionId: s.id })}
          presentingId={presenting?.kind === 'submission' ? presenting.submissionId : null}
        />
      ) : (
        <div data-testid="gallery-by-layer">
          <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-slate-600">No picks yet. They appear here, grouped by layer, as students submit.</p>
        </div>
      )}
    </div>
  );
}
