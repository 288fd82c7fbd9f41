'use client';

import { useEffect, useState } from 'react';
import type { ConnectionStatus } from '../_lib/use-classroom-socket';
import { WifiOffIcon } from './icons';

/**
 * A bar across the top while the socket is down (socket.io keeps retrying underneath). A first
 * connection that takes more than a moment gets a quieter "connecting" bar, so a stalled start is visible.
 */
export function ConnectionBanner({ status }: { status: ConnectionStatus }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (status !== 'connecting') return;
    const t = setTimeout(() => setSlow(true), 1500);
    return () => clearTimeout(t);
  }, [status]);

  if (status === 'connecting' && slow) {
    return (
      <div role="status" className="sticky top-0 z-40 bg-slate-200 px-4 py-1.5 text-center text-sm font-medium text-slate-700">
        Connecting to the live session…
      </div>
    );
  }
  if (status !== 'reconnecting') return null;
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="reconnecting-banner"
      className="sticky top-0 z-40 flex items-center justify-center gap-2 bg-amber-400 px-4 py-2 text-sm font-semibold text-amber-950 shadow"
    >
      <WifiOffIcon />
      <span>Connection lost — reconnecting…</span>
      <span className="size-2 animate-pulse rounded-full bg-amber-950" aria-hidden="true" />
    </div>
  );
}
