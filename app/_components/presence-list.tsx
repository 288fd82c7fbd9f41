'use client';

import { useState } from 'react';
import type { Presence } from '@convlab/protocol';

export interface PresenceRow {
  id: string;
  displayName: string;
  presence: Presence | 'removed';
  joinedAt: string;
}

const LABEL: Record<PresenceRow['presence'], string> = {
  online: 'Online',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  removed: 'Removed',
};
const DOT: Record<PresenceRow['presence'], string> = {
  online: 'bg-emerald-500',
  reconnecting: 'bg-amber-500 animate-pulse',
  offline: 'bg-slate-400',
  removed: 'bg-red-400',
};
const ORDER: Record<PresenceRow['presence'], number> = { online: 0, reconnecting: 1, offline: 2, removed: 3 };

/**
 * Who is in the session, with state shown as text as well as colour. Removing someone takes two
 * clicks (Remove → Confirm) so a stray click in front of a class does no harm.
 */
export function PresenceList({
  rows,
  onRemove,
  onRestore,
  canRemove,
}: {
  rows: PresenceRow[];
  onRemove?: (id: string) => Promise<void>;
  /** Undoes a removal (the student and their browser may join again). */
  onRestore?: (id: string) => Promise<void>;
  canRemove: boolean;
}) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const counts = rows.reduce<Record<string, number>>((acc, r) => ((acc[r.presence] = (acc[r.presence] ?? 0) + 1), acc), {});
  const sorted = [...rows].sort((a, b) => ORDER[a.presence] - ORDER[b.presence] || a.displayName.localeCompare(b.displayName));

  async function restore(id: string) {
    if (!onRestore) return;
    setBusy(id);
    try {
      await onRestore(id);
    } finally {
      setBusy(null);
    }
  }

  async function remove(id: string) {
    if (!onRemove) return;
    setBusy(id);
    try {
      await onRemove(id);
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  }

  return (
    <div>
      <p className="text-sm text-slate-600" aria-live="polite" data-testid="presence-summary">
        <span className="font-semibold text-slate-900">{counts.online ?? 0} online</span>
        {counts.reconnecting ? ` · ${counts.reconnecting} reconnecting` : ''}
        {counts.offline ? ` · ${counts.offline} offline` : ''}
        {counts.removed ? ` · ${counts.removed} removed` : ''}
      </p>
      {rows.length === 0 ? (
        <p className="mt-3 text-sm text-slate-500">Nobody has joined yet.</p>
      ) : (
        <ul className="mt-3 max-h-[50vh] divide-y divide-slate-100 overflow-y-auto" aria-label="Participants">
          {sorted.map((row) => (
            <li key={row.id} className="flex items-center gap-3 py-2" data-testid="presence-row" data-presence={row.presence}>
              <span className={`size-2.5 shrink-0 rounded-full ${DOT[row.presence]}`} aria-hidden="true" />
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium text-slate-900" title={row.displayName}>
                  {row.displayName}
                </span>
                <span className="block text-xs text-slate-500">{LABEL[row.presence]}</span>
              </span>
              {canRemove && onRestore && row.presence === 'removed' ? (
                <button
                  type="button"
                  className="btn btn-ghost px-2 py-1 text-xs"
                  onClick={() => restore(row.id)}
                  disabled={busy === row.id}
                  aria-label={`Undo removing ${row.displayName}`}
                >
                  {busy === row.id ? 'Restoring…' : 'Undo'}
                </button>
              ) : null}
              {canRemove && onRemove && row.presence !== 'removed' ? (
                confirming === row.id ? (
                  <span className="flex gap-1">
                    <button
                      type="button"
                      className="btn btn-danger px-2 py-1 text-xs"
                      onClick={() => remove(row.id)}
                      disabled={busy === row.id}
                      aria-label={`Confirm removing ${row.displayName}`}
                    >
                      {busy === row.id ? 'Removing…' : 'Confirm'}
                    </button>
                    <button type="button" className="btn btn-ghost px-2 py-1 text-xs" onClick={() => setConfirming(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className="btn btn-ghost px-2 py-1 text-xs text-red-700 hover:bg-red-50"
                    onClick={() => setConfirming(row.id)}
                    aria-label={`Remove ${row.displayName}`}
                  >
                    Remove
                  </button>
                )
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
