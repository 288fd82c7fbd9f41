'use client';

import Link from 'next/link';
import { useParams, useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ASSIGNMENT_API, type Assignment, type AssignmentSubmission, type LabStep, type SessionState, type StudentAssignment, type WireMap } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { SiteHeader } from '../../_components/site-header';
import { StepView } from '../../_components/step-view';
import { LabStage } from '../../_labs/lab-stage';
import type { SelfPaced } from '../../_labs/lab-runtime';
import { api } from '../../_lib/api-client';
import { assignmentConnection } from '../../_lib/assignment-connection';
import { formatLocal } from '../../_lib/assignment-defaults';
import { useInFrame } from '../../_lib/use-in-frame';
import { useAccount } from '../../_lib/use-instructor';
import { useAssignmentSocket, type AssignmentSocket } from './use-assignment-socket';
import { useStepDraft, type DraftStatus } from './use-step-draft';
import { latePolicyInWords, pointsText, SubmissionGrade, WindowBanner } from './assignment-parts';

/** A student's assignment: its steps with points and attempts, the server's verdict on timing, and each lab step to work on. */
export default function StudentAssignmentPage() {
  // useSearchParams (the open step) needs a Suspense boundary.
  return (
    <Suspense>
      <AssignmentView />
    </Suspense>
  );
}

function AssignmentView() {
  const { assignmentId } = useParams<{ assignmentId: string }>();
  const router = useRouter();
  const search = useSearchParams();
  const { account, error: authError } = useAccount();
  const [got, setGot] = useState<Assignment | StudentAssignment | null>(null);
  const [mine, setMine] = useState<AssignmentSubmission[]>([]);
  const [error, setError] = useState<string | null>(null);
  // One connection for the page (server compute), kept while the student moves between steps.
  const socket = useAssignmentSocket(assignmentId);
  const inFrame = useInFrame();

  const reload = useCallback(async () => {
    try {
      const [res, subs] = await Promise.all([api.getAssignment(assignmentId), api.assignmentSubmissions(assignmentId)]);
      setGot(res.assignment);
      setMine(subs.submissions);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not load the assignment.');
    }
  }, [assignmentId]);
  useEffect(() => {
    if (account) void reload();
  }, [account, reload]);

  // Staff have their own view of an assignment: its gradebook.
  useEffect(() => {
    if (got && !('myDueAt' in got)) router.replace(`/courses/${got.courseId}/assignments/${got.id}`);
  }, [got, router]);
  const a = got && 'myDueAt' in got ? got : null;

  const steps = a?.steps ?? [];
  const stepId = search.get('step') ?? steps[0]?.id ?? null;
  const step = steps.find((s) => s.id === stepId) ?? steps[0] ?? null;
  // Other settings of the address (?compute=server) stay as they are.
  const choose = (id: string) => {
    const next = new URLSearchParams(search.toString());
    next.set('step', id);
    router.replace(`/assignments/${assignmentId}?${next.toString()}`, { scroll: false });
  };
  const maxPoints = a?.status.reduce((n, s) => n + s.maxPoints, 0) ?? 0;
  const extended = a && a.myDueAt !== a.dueAt;

  return (
    <>
      <SiteHeader wide>
        {inFrame ? null : (
          <Link href="/home" className="btn btn-ghost">
            My courses
          </Link>
        )}
        <a className="btn btn-secondary" href={ASSIGNMENT_API.action(assignmentId, 'my-submissions.json')} download>
          Download my work
        </a>
      </SiteHeader>
      <main id="main" className="mx-auto max-w-[1600px] px-4 py-8 sm:px-6">
        {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
        {error ? <Alert title="This assignment cannot be shown">{error}</Alert> : null}
        {a ? (
          <>
            <header className="flex flex-wrap items-end justify-between gap-4">
              <div>
                <h1 className="text-3xl font-bold tracking-tight text-slate-900">{a.title}</h1>
                <p className="mt-1 text-slate-700" data-testid="due">
                  Due <strong>{formatLocal(a.myDueAt)}</strong>
                  {extended ? <span className="text-slate-600"> — your extension (the class's is {formatLocal(a.dueAt)})</span> : null} · opened {formatLocal(a.opensAt)}
                </p>
                <p className="text-sm text-slate-600">
                  {latePolicyInWords(a.latePolicy)} · {pointsText(maxPoints)} in all · {a.releasedAt ? 'grades released' : 'grades not released yet'}
                </p>
              </div>
            </header>
            <WindowBanner a={a} />
            <div className="mt-6 grid gap-6 lg:grid-cols-[17rem_minmax(0,1fr)]">
              <nav aria-label="Steps of the assignment">
                <ol className="space-y-2" data-testid="assignment-steps">
                  {steps.map((s, i) => {
                    const st = a.status.find((x) => x.stepId === s.id);
                    const counted = mine.find((m) => m.id === st?.countedId);
                    const current = s.id === step?.id;
                    return (
                      <li key={s.id}>
                        <button
                          type="button"
                          onClick={() => choose(s.id)}
                          aria-current={current ? 'step' : undefined}
                          className={`w-full rounded-xl border p-3 text-left ${current ? 'border-brand-500 bg-brand-50' : 'border-slate-200 bg-white hover:border-slate-300'}`}
                        >
                          <span className="block text-xs font-semibold uppercase tracking-wide text-slate-500">Step {i + 1}</span>
                          <span className="block font-semibold text-slate-900">{s.title}</span>
                          {st ? (
                            <span className="mt-1 block text-sm text-slate-600" data-testid={`attempts-${s.id}`}>
                              {pointsText(st.maxPoints)} · {st.attemptsUsed} of {st.attempts} {st.attempts === 1 ? 'attempt' : 'attempts'} used ({st.attemptsLeft} left) · the {st.counts} counts
                            </span>
                          ) : null}
                          {counted ? <span className="mt-1 block text-sm font-semibold text-emerald-800">Grade: {pointsText(counted.points)} of {st!.maxPoints}</span> : null}
                        </button>
                      </li>
                    );
                  })}
                </ol>
              </nav>
              {step ? <AssignmentStep key={step.id} a={a} step={step} socket={socket} mine={mine} accountName={account?.name ?? 'You'} accountId={account?.id ?? 'me'} onChanged={reload} /> : null}
            </div>
          </>
        ) : null}
      </main>
    </>
  );
}

function draftText(s: DraftStatus): string {
  if (s.state === 'loading') return 'Loading your draft…';
  if (s.state === 'error') return `Draft not saved: ${s.message}`;
  if (s.state === 'saving') return 'Saving your draft…';
  if (s.state === 'unsaved') return 'Unsaved changes…';
  return s.savedAt ? `Draft saved at ${s.savedAt.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}` : 'Your draft is kept as you work.';
}

/** One lab step of the assignment: its instructions, the lab (with its draft restored), and the student's attempts. */
function AssignmentStep({ a, step, socket, mine, accountName, accountId, onChanged }: { a: StudentAssignment; step: LabStep; socket: AssignmentSocket; mine: AssignmentSubmission[]; accountName: string; accountId: string; onChanged: () => void }) {
  const draft = useStepDraft(a.id, step.id);
  const inputImages = useRef(new Map<string, WireMap>());
  const st = a.status.find((x) => x.stepId === step.id);
  const state = useMemo<SessionState>(
    () => ({ sessionId: a.id, code: 'ASSIGN', title: a.title, steps: [step], currentStep: 0, locked: false, paused: false, pauseMessage: null, status: 'live', presenting: null, joiningClosed: false }),
    [a.id, a.title, step],
  );
  const live = useMemo(
    () =>
      assignmentConnection({
        assignmentId: a.id,
        steps: a.steps,
        me: { id: accountId, sessionId: a.id, displayName: accountName, joinedAt: a.createdAt },
        // Refused by the server (a closed assignment): no server compute, but the routes still answer.
        socket: socket.refused ? null : socket.socket,
        status: socket.refused ? 'live' : socket.status,
        inputImage: (id) => inputImages.current.get(id) ?? null,
        onSubmitted: () => onChanged(),
      }),
    [a.id, a.steps, a.createdAt, accountId, accountName, socket.socket, socket.status, socket.refused, onChanged],
  );
  const { loaded, save } = draft;
  const selfPaced = useMemo<SelfPaced | null>(
    () =>
      loaded === undefined
        ? null
        : {
            draft: loaded,
            saveDraft: save,
            setInputImage: (id, image) => (image ? inputImages.current.set(id, image) : inputImages.current.delete(id)),
          },
    [loaded, save],
  );
  const attempts = mine.filter((m) => m.stepId === step.id).sort((x, y) => y.attempt - x.attempt);

  return (
    <section className="min-w-0 space-y-6" aria-label={`Step: ${step.title}`}>
      <StepView step={step} />
      {st ? (
        <div className="card flex flex-wrap gap-x-6 gap-y-1 p-4 text-sm text-slate-700" data-testid="step-grading">
          <span>
            <strong>{pointsText(st.maxPoints)}</strong>
            {st.autoGraded ? ' — checked by the server' : ''}
            {st.rubric.length ? `${st.autoGraded ? ',' : ' —'} graded by hand: ${st.rubric.map((c) => `${c.label} (${pointsText(c.points)})`).join('; ')}` : ''}
          </span>
          <span>
            {st.attemptsLeft} of {st.attempts} {st.attempts === 1 ? 'attempt' : 'attempts'} left; your {st.counts} attempt counts
          </span>
        </div>
      ) : null}
      <p className="text-sm text-slate-600" role="status" data-testid="draft-status" data-state={draft.status.state}>
        {draftText(draft.status)}
        {socket.refused ? ` · The class server does not compute for you: ${socket.refused} This browser computes instead.` : ''}
      </p>
      {selfPaced ? <LabStage role="student" step={step} state={state} live={live} selfPaced={selfPaced} /> : <p className="text-slate-600">Opening the lab…</p>}
      <div className="card p-4" data-testid="my-attempts">
        <h2 className="text-lg font-semibold text-slate-900">Your attempts at this step</h2>
        {attempts.length === 0 ? <p className="mt-1 text-sm text-slate-600">Nothing submitted yet.</p> : null}
        <ol className="mt-2 space-y-3">
          {attempts.map((s) => (
            <li key={s.id} className="rounded-lg border border-slate-200 p-3">
              <SubmissionGrade s={s} released={a.releasedAt !== null} counted={st?.countedId === s.id} rubric={st?.rubric ?? []} />
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
