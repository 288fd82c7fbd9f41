'use client';

import type { LiveSession } from '@convlab/protocol';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../_lib/api-client';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * A session's Duplicate (a new session with its plan and a new join code) and Delete, which first says exactly what
 * goes — the students who joined and their submissions — and asks again.
 */
export function SessionActions({ session, onDeleted, onError }: { session: LiveSession; onDeleted: () => void; onError: (message: string) => void }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fail = (err: unknown) => onError(err instanceof Error ? err.message : 'That did not work.');

  async function askDelete() {
    setBusy(true);
    try {
      const [{ participants }, { submissions }] = await Promise.all([api.getSession(session.id), api.listSubmissions(session.id)]);
      const live = session.status === 'live' ? ' It is live: it ends for everyone at once.' : '';
      setConfirming(`Delete “${session.title}” (code ${session.code}) with ${plural(participants.length, 'student')} and ${plural(submissions.length, 'submission')}? This cannot be undone.${live}`);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (err) {
      fail(err);
      setBusy(false);
    }
  }

  if (confirming) {
    return (
      <div role="alertdialog" aria-label="Delete the session?" className="max-w-sm rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
        <p>{confirming}</p>
        <div className="mt-2 flex gap-2">
          <button type="button" className="btn btn-danger px-3 py-1" autoFocus disabled={busy} onClick={() => run(async () => (await api.deleteSession(session.id), onDeleted()))}>
            Delete for good
          </button>
          <button type="button" className="btn btn-secondary px-3 py-1" onClick={() => setConfirming(null)}>
            Keep it
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="flex gap-1">
      <button type="button" className="btn btn-ghost px-2 py-1" disabled={busy} onClick={() => run(async () => router.push(`/teach/${(await api.duplicateSession(session.id)).session.id}`))}>
        Duplicate
      </button>
      <button type="button" className="btn btn-ghost px-2 py-1 text-red-700 hover:bg-red-50" disabled={busy} onClick={askDelete} aria-label={`Delete session “${session.title}”`}>
        Delete…
      </button>
    </div>
  );
}
