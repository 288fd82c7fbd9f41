'use client';

import type { JobState } from './use-job';

/** A running job's progress bar with its cancel button, or the job's error. Announced to screen readers. */
export function JobProgress({ state, label, onCancel }: { state: JobState; label: string; onCancel: () => void }) {
  const p = state.progress;
  if (state.error) {
    return (
      <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="job-error">
        {state.error}
      </p>
    );
  }
  if (!state.running) return null;
  const fraction = p && p.total > 0 ? Math.min(1, p.step / p.total) : null;
  const where = p?.where === 'server' ? 'on the server' : p?.where === 'browser' ? 'in your browser' : '';
  const text =
    p?.position !== undefined && p.position > 0
      ? `Waiting for the server: ${p.position} job${p.position === 1 ? '' : 's'} ahead`
      : fraction !== null
        ? `${label} ${where}: step ${p!.step} of ${p!.total}`
        : `${label}${where ? ` ${where}` : ''}…`;
  return (
    <div className="flex items-center gap-3" data-testid="job-progress">
      <div className="min-w-0 flex-1">
        <p className="mb-1 truncate text-sm text-slate-700" role="status" aria-live="polite">
          {text}
        </p>
        <div
          className="h-2 overflow-hidden rounded-full bg-slate-200"
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          {...(fraction !== null ? { 'aria-valuenow': Math.round(fraction * 100) } : {})}
        >
          <div
            className={`h-2 rounded-full bg-brand-600 transition-[width] ${fraction === null ? 'w-1/3 animate-pulse' : ''}`}
            style={fraction !== null ? { width: `${Math.max(2, fraction * 100)}%` } : undefined}
          />
        </div>
      </div>
      <button type="button" className="btn btn-secondary px-3 py-1 text-sm" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
