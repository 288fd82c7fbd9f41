'use client';

import type { SessionState } from '@convlab/protocol';

/**
 * The instructor's "close joining" switch: while closed, new students are refused and joined ones still come back.
 * Removal goes by browser, not by address: a lecture hall shares one address behind its NAT, so none is banned.
 */
export function JoiningSwitch({ state, busy, onChange }: { state: SessionState; busy: boolean; onChange: (open: boolean) => void }) {
  const closed = state.joiningClosed;
  return (
    <div className="mt-4 space-y-2 border-t border-slate-100 pt-4">
      <label className="flex items-center gap-2 text-sm font-semibold text-slate-900">
        <input type="checkbox" className="size-4" checked={closed} disabled={busy} onChange={(e) => onChange(!e.target.checked)} data-testid="close-joining" />
        Close joining
      </label>
      <p className="text-xs text-slate-500" data-testid="joining-state">
        {closed ? 'New students are turned away; students already in may reconnect.' : 'Anyone with the code may join.'} Removing a student
        blocks their browser, not their network address: a lecture hall usually shares one address, so it cannot be banned.
      </p>
    </div>
  );
}
