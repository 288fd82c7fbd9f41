'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { LabStage } from '../../_labs/lab-stage';
import { normalizeJoinCode } from '../../_lib/join-code';
import { useClassroomSocket } from '../../_lib/use-classroom-socket';
import { Alert } from '../alert';
import { ConnectionBanner } from '../connection-banner';
import { LockIcon } from '../icons';
import { SiteHeader } from '../site-header';
import { StepView } from '../step-view';
import { MyWork } from './my-work';
import { PauseOverlay } from './pause-overlay';

/**
 * The student's screen: follows the instructor's step as soon as it changes, freezes under a pause,
 * shows when controls are locked, and explains removal, an ended session and a dropped connection.
 */
export function StudentView({ rawCode }: { rawCode: string }) {
  const router = useRouter();
  const code = normalizeJoinCode(decodeURIComponent(rawCode));
  const live = useClassroomSocket({ role: 'student', code });
  const { state, me, joinError, removedMessage } = live;
  const [announcement, setAnnouncement] = useState('');
  const lastStep = useRef<string | null>(null);

  useEffect(() => {
    if (joinError?.code === 'NEEDS_NAME') router.replace(`/join/${code}`);
  }, [joinError, code, router]);

  const title = state?.title;
  useEffect(() => {
    if (title) document.title = `${title} · ConvLab`;
  }, [title]);

  const step = state ? state.steps[state.currentStep] : undefined;
  const stepKey = state && step ? `${state.currentStep}:${step.id}` : null;
  useEffect(() => {
    if (!stepKey || !state || !step) return;
    if (lastStep.current !== null && lastStep.current !== stepKey) {
      // A new step: start at its top and tell screen-reader users what changed.
      window.scrollTo({ top: 0 });
      setAnnouncement(`Now on step ${state.currentStep + 1} of ${state.steps.length}: ${step.title}`);
    }
    lastStep.current = stepKey;
  }, [stepKey, state, step]);

  if (removedMessage) {
    return (
      <Notice title="You were removed from this session" testId="removed-notice">
        <p>{removedMessage}</p>
        <Link href="/" className="btn btn-secondary mt-4">
          Back to ConvLab
        </Link>
      </Notice>
    );
  }
  if (state?.status === 'ended' || joinError?.code === 'SESSION_ENDED') {
    return (
      <>
        <Notice title="This session has ended" testId="ended-notice" banner={<ConnectionBanner status={live.status} />}>
          <p>Thanks for taking part{state ? ` in “${state.title}”` : ''}. Your work is below. If your instructor reopens the session, this page picks it up again.</p>
          <button type="button" className="btn btn-secondary mt-4" onClick={live.retry}>
            Check again
          </button>
        </Notice>
        <div className="mx-auto max-w-5xl px-4 pb-16">
          <MyWork code={code} />
        </div>
      </>
    );
  }
  if (joinError && joinError.code !== 'NEEDS_NAME') {
    return (
      <Notice title="Couldn't join the session" testId="join-error">
        <Alert>{joinError.message}</Alert>
        <div className="mt-4 flex flex-wrap gap-2">
          <button type="button" className="btn btn-primary" onClick={live.retry}>
            Try again
          </button>
          <Link href="/join" className="btn btn-secondary">
            Enter another code
          </Link>
        </div>
      </Notice>
    );
  }
  if (!state || !step) {
    return (
      <>
        <ConnectionBanner status={live.status} />
        <Notice title="Joining…">
          <p role="status">Connecting to session {code}.</p>
        </Notice>
      </>
    );
  }

  return (
    <div data-testid="student-view" data-participant-id={me?.id ?? ''}>
      <ConnectionBanner status={live.status} />
      <div inert={state.paused} className="min-h-dvh">
        <header className="border-b border-slate-200 bg-white">
          <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3 sm:px-6">
            <div className="min-w-0">
              <p className="truncate text-sm font-semibold text-slate-900">{state.title}</p>
              <p className="text-xs text-slate-500">
                {me ? (
                  <>
                    You are <span className="font-semibold text-slate-700" data-testid="me-name">{me.displayName}</span>
                  </>
                ) : null}
              </p>
            </div>
            <div className="flex items-center gap-2">
              {state.locked ? (
                <span className="badge bg-slate-800 px-3 py-1 text-sm text-white" data-testid="locked-indicator" title="Your instructor has locked student controls">
                  <LockIcon className="size-3.5" /> Controls locked
                </span>
              ) : null}
              <span className="badge bg-brand-50 px-3 py-1 text-sm text-brand-700" data-testid="student-step-counter">
                Step {state.currentStep + 1} of {state.steps.length}
              </span>
            </div>
          </div>
          <div className="h-1 bg-slate-100" aria-hidden="true">
            <div className="h-1 bg-brand-500 transition-[width]" style={{ width: `${((state.currentStep + 1) / state.steps.length) * 100}%` }} />
          </div>
        </header>
        <main id="main" className={`mx-auto px-4 py-6 sm:px-6 ${step.kind === 'lab' ? 'max-w-7xl sm:py-6' : 'max-w-5xl sm:py-10'}`} data-testid="student-step">
          {step.kind === 'lab' ? (
            <div className="space-y-4">
              <div className="card p-5 sm:p-6">
                <StepView step={step} headingLevel={1} />
              </div>
              <div className="card p-4 sm:p-6">
                <LabStage role="student" step={step} state={state} live={live} />
              </div>
            </div>
          ) : (
            <div className="card min-h-[50vh] p-6 sm:p-10">
              <StepView step={step} size="large" headingLevel={1} />
            </div>
          )}
        </main>
      </div>
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
        {state.locked ? ' Controls are locked.' : ''}
      </p>
      {state.paused ? <PauseOverlay message={state.pauseMessage} /> : null}
    </div>
  );
}

function Notice({ title, children, testId, banner }: { title: string; children: ReactNode; testId?: string; banner?: ReactNode }) {
  return (
    <>
      {banner}
      <SiteHeader />
      <main id="main" className="mx-auto max-w-lg px-4 py-16" data-testid={testId}>
        <div className="card p-6 sm:p-8">
          <h1 className="text-2xl font-bold text-slate-900">{title}</h1>
          <div className="mt-3 text-slate-700">{children}</div>
        </div>
      </main>
    </>
  );
}
