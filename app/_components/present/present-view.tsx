'use client';

/**
 * The instructor's present view, made for the projector: a slim bar (session title, the join code large with a small
 * QR code, the step counter) over one large, high-contrast area that shows what the instructor pinned
 * (`state.presenting`: a submission or a lab's class view, drawn by the lab's `Present` panel) or, when nothing is
 * pinned, the current step. It follows the session live; ←/→ and PageUp/PageDown (a presenter clicker) change the
 * step, Escape or "Back" returns to the live view, "Clear" unpins. Students' names are hidden unless the instructor
 * shows them (remembered per session in this browser): the room reads "a student", as students do.
 */
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState, type CSSProperties } from 'react';
import { api } from '../../_lib/api-client';
import { useClassroomSocket } from '../../_lib/use-classroom-socket';
import { useInstructor } from '../../_lib/use-instructor';
import { ConnectionBanner } from '../connection-banner';
import { QrCode } from '../qr-code';
import { StepView } from '../step-view';
import { useStepKeys } from '../teach/use-step-keys';
import { PresentMessage, PresentTargetView, describeTarget, usePinnedSubmission } from './present-target-view';
import { useProjectorScale } from './use-projector-scale';

/** "ABC DEF": a code the room can read aloud. */
function spaced(code: string) {
  return code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}

/** The join URL students open: the server's (it honours CONVLAB_PUBLIC_URL), else this page's origin. */
function useJoinUrl(sessionId: string, code: string | undefined, enabled: boolean): string | null {
  const [origin, setOrigin] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    api
      .getSession(sessionId)
      .then((res) => !cancelled && setOrigin(new URL(res.session.joinUrl).origin))
      .catch(() => !cancelled && setOrigin(window.location.origin));
    return () => {
      cancelled = true;
    };
  }, [sessionId, enabled]);
  return origin && code ? `${origin}/join/${code}` : null;
}

const namesKey = (sessionId: string) => `convlab:present-names:${sessionId}`;

/** Whether the projector shows students' names: off unless the instructor turned it on for this session here. */
function useShowNames(sessionId: string): [boolean, (show: boolean) => void] {
  const [show, setShow] = useState(false);
  useEffect(() => {
    try {
      setShow(localStorage.getItem(namesKey(sessionId)) === 'shown');
    } catch {
      // No storage (private mode): names stay hidden.
    }
  }, [sessionId]);
  const choose = (next: boolean) => {
    setShow(next);
    try {
      if (next) localStorage.setItem(namesKey(sessionId), 'shown');
      else localStorage.removeItem(namesKey(sessionId));
    } catch {
      // Not remembered; the choice holds for this page.
    }
  };
  return [show, choose];
}

export function PresentView({ sessionId }: { sessionId: string }) {
  const scale = useProjectorScale();
  const zoom = { zoom: scale };
  const router = useRouter();
  const { instructor, error: authError } = useInstructor();
  const live = useClassroomSocket(instructor ? { role: 'instructor', sessionId } : null);
  const { state, request } = live;
  const [showNames, setShowNames] = useShowNames(sessionId);
  // Anonymous by default: without the participant list every lab's Present panel says "a student".
  const shown = useMemo(() => (showNames ? live : { ...live, participants: [] }), [live, showNames]);
  const joinUrl = useJoinUrl(sessionId, state?.code, !!instructor);
  const target = state?.presenting ?? null;
  const pinned = usePinnedSubmission(live, target?.kind === 'submission' ? target.submissionId : null);
  const [actionError, setActionError] = useState<string | null>(null);
  const back = `/teach/${sessionId}`;

  useEffect(() => {
    if (state?.title) document.title = `${state.title} (present) · ConvLab`;
  }, [state?.title]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A lab panel's own dialog or field handles Escape first.
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      router.push(back);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [router, back]);

  const clear = useCallback(() => {
    setActionError(null);
    request('present:set', { target: null }).catch((err: Error) => setActionError(`Could not unpin: ${err.message}`));
  }, [request]);
  const step = useCallback(
    (event: 'step:next' | 'step:prev') => {
      setActionError(null);
      request(event, {}).catch((err: Error) => setActionError(`Could not change the step: ${err.message}`));
    },
    [request],
  );
  const next = useCallback(() => step('step:next'), [step]);
  const prev = useCallback(() => step('step:prev'), [step]);

  const fatal = authError ?? (!state && live.joinError ? live.joinError.message : null);
  const current = state ? state.steps[state.currentStep] : undefined;
  const ended = state?.status === 'ended';
  useStepKeys(!!state && !ended && live.status === 'live', next, prev);

  return (
    <div className="flex h-dvh flex-col overflow-hidden bg-white text-slate-950" data-testid="present-view">
      <ConnectionBanner status={live.status} />
      <header className="flex shrink-0 items-center gap-6 border-b-4 border-slate-900 bg-white px-6 py-2" style={zoom}>
        <h1 className="min-w-0 flex-1 truncate text-2xl font-bold tracking-tight" data-testid="present-title">
          {state?.title ?? 'ConvLab'}
        </h1>
        {state && !ended ? (
          <div className="flex shrink-0 items-center gap-4" data-testid="present-join">
            <p className="text-right text-lg leading-tight font-semibold text-slate-700">
              Join at
              <br />
              <span className="text-brand-700">{joinUrl ? new URL(joinUrl).host : '…'}</span>
            </p>
            <p className="font-mono text-5xl leading-none font-extrabold tracking-[0.08em] whitespace-nowrap" aria-label={`Join code ${state.code.split('').join(' ')}`} data-testid="join-code">
              {spaced(state.code)}
            </p>
            {joinUrl ? (
              <div className="w-16 shrink-0">
                <QrCode value={joinUrl} label={`QR code for ${joinUrl}`} />
              </div>
            ) : null}
          </div>
        ) : ended ? (
          <p className="shrink-0 text-xl font-semibold text-slate-600">Session ended</p>
        ) : null}
        {state ? (
          <p className="shrink-0 rounded-lg bg-slate-900 px-3 py-1 text-xl font-bold whitespace-nowrap text-white" data-testid="present-step-counter">
            Step {state.currentStep + 1} / {state.steps.length}
          </p>
        ) : null}
        <nav aria-label="Present view" className="flex shrink-0 items-center gap-2">
          <button
            type="button"
            className="btn btn-ghost"
            aria-pressed={showNames}
            onClick={() => setShowNames(!showNames)}
            data-testid="present-names"
            title={showNames ? "Students' names are on the projector" : 'The projector says "a student" instead of names'}
          >
            {showNames ? 'Hide names' : 'Show names'}
          </button>
          {target ? (
            <button type="button" className="btn btn-secondary" onClick={clear} disabled={live.status !== 'live'}>
              Clear
            </button>
          ) : null}
          <Link href={back} className="btn btn-ghost" title="Back to the live view (Esc)">
            Back
          </Link>
        </nav>
      </header>

      {target && state ? (
        <div className="flex shrink-0 items-center gap-3 bg-slate-900 px-6 py-1.5 text-lg font-semibold text-white" data-testid="present-caption" style={zoom}>
          <span className="badge bg-amber-300 text-base text-slate-950">Pinned</span>
          <span className="truncate">{describeTarget(target, state, pinned.submission, shown)}</span>
        </div>
      ) : null}
      {actionError ? (
        <p role="alert" className="shrink-0 bg-red-700 px-6 py-2 text-lg font-semibold text-white" style={zoom}>
          {actionError}
        </p>
      ) : null}

      {/* A lab's Present panel gets this area at the screen's own scale; it may fill it (h-full) or scroll. */}
      <main id="main" className="min-h-0 flex-1 overflow-auto p-8" aria-live="polite" data-testid="present-main">
        {fatal ? (
          <PresentMessage title="Can't present this session">{fatal}</PresentMessage>
        ) : !state ? (
          <PresentMessage title="Connecting…" />
        ) : target ? (
          <PresentTargetView key={JSON.stringify(target)} target={target} pinned={pinned} state={state} live={shown} />
        ) : current ? (
          // `zoom` magnifies viewport units too: the step's image keeps to 42% of the real screen height.
          <div className="mx-auto max-w-6xl [&_img]:max-h-[calc(42vh/var(--present-zoom))]" style={{ ...zoom, '--present-zoom': scale } as CSSProperties}>
            <StepView step={current} size="large" headingLevel={2} />
          </div>
        ) : (
          <PresentMessage title="This plan has no steps" />
        )}
      </main>
    </div>
  );
}
