'use client';

import { useEffect, useRef, useState } from 'react';
import { useCopy } from '../../_lib/use-copy';
import { QrCode } from '../qr-code';

/** Splits a code into two halves ("ABC DEF") so a room can read it aloud. */
function spaced(code: string) {
  return code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

/**
 * The join code, join URL and QR code, large enough to read from the back of a lecture hall, with a
 * "present" mode that fills the screen (a native <dialog>: Esc closes it and focus stays inside).
 */
export function JoinPanel({
  code,
  title,
  joinUrl,
  joinNote,
  joinAlternatives = [],
  closed = false,
}: {
  code: string;
  title: string;
  joinUrl?: string;
  /** Why the join address is not this page's (opened at localhost), from the server. */
  joinNote?: string;
  /** The join link at this machine's other network addresses. */
  joinAlternatives?: string[];
  closed?: boolean;
}) {
  const [origin, setOrigin] = useState('');
  const dialogRef = useRef<HTMLDialogElement>(null);
  // The server's joinUrl honours CONVLAB_PUBLIC_URL (e.g. the LAN address when the instructor browses via localhost).
  useEffect(() => setOrigin(joinUrl ? new URL(joinUrl).origin : window.location.origin), [joinUrl]);
  const url = `${origin}/join/${code}`;
  const shortUrl = url.replace(/^https?:\/\//, '');

  const { state: copied, copy } = useCopy(url);

  if (closed) {
    return (
      <section aria-labelledby="join-panel-title" className="card p-5">
        <h2 id="join-panel-title" className="text-sm font-bold uppercase tracking-wide text-slate-500">
          Joining is closed
        </h2>
        <p className="mt-2 font-mono text-2xl font-bold tracking-[0.12em] text-slate-400" data-testid="join-code">
          {spaced(code)}
        </p>
        <p className="mt-2 text-sm text-slate-600">The session has ended. Reopen it and students can join again with the same code.</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="join-panel-title" className="card p-5">
      <h2 id="join-panel-title" className="text-sm font-bold uppercase tracking-wide text-slate-500">
        Students join with
      </h2>
      <p
        className="mt-2 text-center font-mono text-5xl font-extrabold tracking-[0.12em] whitespace-nowrap text-slate-900 2xl:text-6xl"
        data-testid="join-code"
        aria-label={`Join code ${code.split('').join(' ')}`}
      >
        {spaced(code)}
      </p>
      <p className="mt-3 text-center text-base font-semibold break-all text-brand-700 2xl:text-lg" data-testid="join-url">
        {origin ? shortUrl : `/join/${code}`}
      </p>
      {joinNote ? (
        <div className="mt-2 rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="join-note">
          <p>{joinNote}</p>
          {joinAlternatives.length > 0 ? (
            <p className="mt-1">
              If students cannot open it, try: <span className="font-mono break-all">{joinAlternatives.map((u) => u.replace(/^https?:\/\//, '')).join(', ')}</span>
            </p>
          ) : null}
        </div>
      ) : null}
      {origin ? (
        <div className="mx-auto mt-4 w-full max-w-[260px] 2xl:max-w-[320px]">
          <QrCode value={url} label={`QR code for ${url}`} />
        </div>
      ) : null}
      <div className="mt-4 flex flex-wrap justify-center gap-2">
        <button type="button" className="btn btn-primary" onClick={() => dialogRef.current?.showModal()} disabled={!origin}>
          Present join screen
        </button>
        <button type="button" className="btn btn-secondary" onClick={copy} disabled={!origin}>
          {copied === 'copied' ? 'Copied!' : copied === 'refused' ? 'Copy it from above' : 'Copy link'}
        </button>
      </div>

      <dialog
        ref={dialogRef}
        aria-label="Join screen"
        className="m-0 h-dvh max-h-none w-dvw max-w-none bg-white p-0 backdrop:bg-slate-900/60"
        onClick={(e) => e.target === dialogRef.current && dialogRef.current?.close()}
      >
        <div className="flex h-full flex-col items-center justify-center gap-[3vh] p-8 text-center">
          <p className="text-[3vh] font-semibold text-slate-600">{title}</p>
          <p className="text-[3.5vh] text-slate-700">
            Go to <span className="font-bold text-brand-700">{shortUrl.replace(/\/join\/.*$/, '')}</span> and enter
          </p>
          <p className="font-mono text-[17vh] leading-none font-extrabold tracking-[0.1em] text-slate-900">{spaced(code)}</p>
          {origin ? (
            <div className="w-[36vh]">
              <QrCode value={url} label={`QR code for ${url}`} />
            </div>
          ) : null}
          <p className="text-[2.6vh] font-semibold break-all text-brand-700">{shortUrl}</p>
          <button type="button" className="btn btn-secondary btn-lg" onClick={() => dialogRef.current?.close()} autoFocus>
            Close (Esc)
          </button>
        </div>
      </dialog>
    </section>
  );
}
