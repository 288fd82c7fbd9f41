'use client';

import { useEffect, useRef } from 'react';
import { PauseIcon } from '../icons';

/** Full-screen "eyes to the front" overlay; the page under it is made inert by the caller. */
export function PauseOverlay({ message }: { message: string | null }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="alertdialog"
      aria-modal="true"
      aria-labelledby="pause-title"
      aria-describedby={message ? 'pause-message' : undefined}
      data-testid="pause-overlay"
      className="fixed inset-0 z-50 flex flex-col items-center justify-center gap-6 bg-slate-900/95 p-8 text-center text-white outline-none"
    >
      <span className="flex size-20 items-center justify-center rounded-full bg-white/10">
        <PauseIcon className="size-10" />
      </span>
      <h2 id="pause-title" className="text-4xl font-bold tracking-tight sm:text-5xl">
        Paused by your instructor
      </h2>
      {message ? (
        <p id="pause-message" className="max-w-3xl text-2xl text-slate-100 sm:text-3xl" data-testid="pause-message">
          {message}
        </p>
      ) : (
        <p className="text-xl text-slate-300">Look to the front of the room. Your screen comes back when the lesson resumes.</p>
      )}
    </div>
  );
}
