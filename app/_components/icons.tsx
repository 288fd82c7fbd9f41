/** Small inline icons (no icon font, no emoji: headless/projector machines may lack emoji fonts). Decorative. */
export function LockIcon({ open = false, className = 'size-4 shrink-0' }: { open?: boolean; className?: string }) {
  return (
    <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" className={className} aria-hidden="true">
      <rect x="4" y="9" width="12" height="9" rx="2" />
      <path d={open ? 'M7 9V6a3 3 0 0 1 5.8-1' : 'M7 9V6a3 3 0 0 1 6 0v3'} strokeLinecap="round" />
    </svg>
  );
}

export function PauseIcon({ className = 'size-4 shrink-0' }: { className?: string }) {
  return (
    <svg viewBox="0 0 20 20" fill="currentColor" className={className} aria-hidden="true">
      <rect x="5" y="4" width="3.5" height="12" rx="1" />
      <rect x="11.5" y="4" width="3.5" height="12" rx="1" />
    </svg>
  );
}

export function WifiOffIcon({ className = 'size-4 shrink-0' }: { className?: string }) {
  return (
    <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" className={className} aria-hidden="true">
      <path d="M3 3l14 14M2 7.5a12 12 0 0 1 4-2.3M18 7.5a12 12 0 0 0-7.5-2.9M5 10.6a7.5 7.5 0 0 1 2.6-1.6M15 10.6a7.5 7.5 0 0 0-1.6-1.1M8 13.6a3 3 0 0 1 4 0" />
    </svg>
  );
}
