import type { SessionStatus } from '@convlab/protocol';

/** "Live" / "Ended" pill. */
export function StatusBadge({ status }: { status: SessionStatus }) {
  return status === 'live' ? (
    <span className="badge bg-emerald-100 text-emerald-800">
      <span className="size-2 rounded-full bg-emerald-600" aria-hidden="true" />
      Live
    </span>
  ) : (
    <span className="badge bg-slate-200 text-slate-700">Ended</span>
  );
}
