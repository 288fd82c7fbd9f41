'use client';

import { useId, useState, type FormEvent } from 'react';
import type { SessionState } from '@convlab/protocol';
import { LockIcon, PauseIcon } from '../icons';

const PAUSE_MESSAGE_MAX = 200;

/** Lock/unlock, pause with a message/resume, end and reopen. Every action is a request the server acks. */
export function SessionControls({
  state,
  busy,
  onLock,
  onPause,
  onEnd,
  onReopen,
}: {
  state: SessionState;
  busy: boolean;
  onLock: (locked: boolean) => void;
  onPause: (paused: boolean, message?: string) => void;
  onEnd: () => void;
  onReopen: () => void;
}) {
  const messageId = useId();
  const [message, setMessage] = useState('');
  const [confirmEnd, setConfirmEnd] = useState(false);
  const ended = state.status === 'ended';

  function submitPause(e: FormEvent) {
    e.preventDefault();
    onPause(true, message.trim() || undefined);
  }

  if (ended) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-slate-600">This session has ended. Students see an “ended” screen. Reopen it to continue where you left off.</p>
        <button type="button" className="btn btn-primary w-full" onClick={onReopen} disabled={busy}>
          Reopen session
        </button>
      </div>
    );
  }

  return (
    <div className="space-y-5">
      <div className="space-y-2">
        <p className="flex items-center gap-2 font-semibold text-slate-900">
          <LockIcon open={!state.locked} className="size-4 shrink-0" /> Student controls
        </p>
        <p className="text-sm text-slate-600" data-testid="lock-state">
          {state.locked ? 'Locked — students cannot change anything on their screens.' : 'Unlocked — students may interact.'}
        </p>
        <button
          type="button"
          className={`btn w-full ${state.locked ? 'btn-primary' : 'btn-secondary'}`}
          onClick={() => onLock(!state.locked)}
          disabled={busy}
        >
          <LockIcon open={state.locked} className="size-4 shrink-0" />
          {state.locked ? 'Unlock students' : 'Lock students'}
        </button>
      </div>

      <div className="border-t border-slate-100 pt-4">
        {state.paused ? (
          <div className="space-y-2">
            <p className="flex items-center gap-2 font-semibold text-amber-800">
              <PauseIcon /> Screens paused
            </p>
            {state.pauseMessage ? <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">“{state.pauseMessage}”</p> : null}
            <button type="button" className="btn btn-primary w-full" onClick={() => onPause(false)} disabled={busy}>
              Resume
            </button>
          </div>
        ) : (
          <form onSubmit={submitPause} className="space-y-2">
            <label htmlFor={messageId} className="field-label">
              Pause message <span className="font-normal text-slate-500">(optional)</span>
            </label>
            <input
              id={messageId}
              className="field-input"
              value={message}
              maxLength={PAUSE_MESSAGE_MAX}
              onChange={(e) => setMessage(e.target.value)}
              placeholder="Eyes on the front, please"
            />
            <button type="submit" className="btn btn-secondary w-full" disabled={busy}>
              <PauseIcon /> Pause all screens
            </button>
          </form>
        )}
      </div>

      <div className="border-t border-slate-100 pt-4">
        {confirmEnd ? (
          <div className="space-y-2" role="group" aria-label="Confirm ending the session">
            <p className="text-sm font-semibold text-red-800">End the session for everyone?</p>
            <div className="flex gap-2">
              <button type="button" className="btn btn-danger flex-1" onClick={() => (setConfirmEnd(false), onEnd())} disabled={busy}>
                End session
              </button>
              <button type="button" className="btn btn-secondary flex-1" onClick={() => setConfirmEnd(false)}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <button type="button" className="btn btn-ghost w-full text-red-700 hover:bg-red-50" onClick={() => setConfirmEnd(true)} disabled={busy}>
            End session…
          </button>
        )}
      </div>
    </div>
  );
}
