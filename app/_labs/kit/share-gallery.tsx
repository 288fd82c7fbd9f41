'use client';

import { useState } from 'react';
import type { Submission } from '@convlab/protocol';
import type { LabRuntime } from '../lab-runtime';

/**
 * The instructor's "open the gallery to the class": shares every submission of the step at once (or takes them all
 * back). Students then see the whole gallery in their own panel.
 */
export function ShareGalleryButton({ lab, submissions }: { lab: LabRuntime; submissions: readonly Submission[] }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (lab.role !== 'instructor' || submissions.length === 0 || lab.session.status === 'ended') return null;
  const unshared = submissions.filter((s) => !s.shared).length;
  const share = unshared > 0;
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await lab.live.request('lab:share-step', { stepId: lab.step.id, shared: share });
    } catch (err) {
      setError(err instanceof Error ? err.message : 'That did not work.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button type="button" className="btn btn-secondary px-3 py-1 text-sm" onClick={() => void run()} disabled={busy} data-testid="share-gallery">
        {share ? `Share all with the class (${unshared} not yet)` : 'Unshare all'}
      </button>
      {error ? (
        <span role="alert" className="text-sm text-red-700">
          {error}
        </span>
      ) : null}
    </span>
  );
}
