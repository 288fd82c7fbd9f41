'use client';

/**
 * Puts a lab step's panel on the page: builds the LabRuntime (parsed parameters, the controls a student may change,
 * the live connection, the page's compute client with the server as fallback) and renders the lab's student or
 * instructor panel. A step whose parameters do not fit its lab shows why instead of a broken panel.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { LabError, checkLabStep, getLab } from '@convlab/labs';
import type { LabStep, SessionState } from '@convlab/protocol';
import { Alert } from '../_components/alert';
import { LockIcon, PauseIcon } from '../_components/icons';
import { isSoftwareRenderer, type Preference } from '../_lib/compute/placement';
import { createSocketJobTransport } from '../_lib/compute/socket-transport';
import { useCompute } from '../_lib/compute/use-compute';
import { BACKEND_ORDER, type BrowserBackend } from '../_lib/compute/worker-messages';
import { safe } from '../_lib/student-storage';
import type { ClassroomSocket } from '../_lib/use-classroom-socket';
import { ComputeChoice } from './kit/compute-choice';
import { labBlockOf, type LabRuntime, type SelfPaced } from './lab-runtime';
import { LAB_PANELS, type LabPanels } from './registry';

const PREFERENCE_KEY = 'convlab:compute-preference';
const PREFERENCES: readonly Preference[] = ['auto', 'browser', 'server'];

/**
 * The student's choice of where to compute: `?compute=server|browser|auto` in the address (a lab machine's bookmark,
 * the end-to-end tests) wins over the choice this browser remembers. `known` turns true once it was read (after the
 * first render), so no job starts under the default before the student's own choice is known.
 */
function useComputePreference(): { prefer: Preference; choose: (p: Preference) => void; known: boolean } {
  const [state, setState] = useState<{ prefer: Preference; known: boolean }>({ prefer: 'auto', known: false });
  useEffect(() => {
    const fromUrl = new URLSearchParams(location.search).get('compute') as Preference | null;
    // A third-party frame (the LMS's) may have no storage: then the choice lasts for the page only.
    const stored = safe(() => localStorage.getItem(PREFERENCE_KEY) as Preference | null, null);
    const chosen = [fromUrl, stored].find((p): p is Preference => !!p && PREFERENCES.includes(p));
    setState({ prefer: chosen ?? 'auto', known: true });
  }, []);
  const choose = (p: Preference) => {
    setState({ prefer: p, known: true });
    safe(() => localStorage.setItem(PREFERENCE_KEY, p), undefined);
  };
  return { ...state, choose };
}

/** `?backend=wasm` forces the browser backend (diagnostics, as on the lab check page). */
function forcedBackends(): BrowserBackend[] | undefined {
  if (typeof location === 'undefined') return undefined;
  const b = new URLSearchParams(location.search).get('backend') as BrowserBackend | null;
  return b && (BACKEND_ORDER as readonly string[]).includes(b) ? [b] : undefined;
}

/** What the compute choice says about this browser: its backend, or why the class server computes instead. */
function computeStatus(lab: LabRuntime): string {
  const { capability, probing, fallback } = lab.compute.snapshot;
  if (lab.prefer === 'server') return 'Everything runs on the class server.';
  if (capability.state === 'unavailable') return 'This browser cannot compute; the class server does it.';
  const auto = lab.prefer === 'auto';
  if (auto && capability.stalled) return `The class server computes for you: ${capability.stalled}.`;
  if (capability.state === 'unknown' || probing) return 'Checking this browser…';
  if (auto && capability.backend === 'webgl' && isSoftwareRenderer(capability.renderer)) {
    return 'The class server computes for you: WebGL here is drawn in software (no graphics card), slower than the server.';
  }
  const ms = capability.forwardMs !== undefined ? ` · ${Math.round(capability.forwardMs)} ms per pass` : '';
  const last = fallback ? ` · last job: ${fallback}` : '';
  return `This browser: ${capability.backend ?? '?'}${ms}${last}`;
}

/** What `useLabRuntime` gives: the runtime and the lab's panels, or why the step cannot run. */
export type LabRuntimeResult =
  | { ok: true; lab: LabRuntime; panels: LabPanels; setPrefer: (p: Preference) => void; preferenceKnown: boolean }
  | { ok: false; message: string };

/**
 * Builds the LabRuntime of a lab step for this page (the stage here, the instructor's present view): parsed
 * parameters, the controls a student may change, the live connection and the page's compute client.
 */
export function useLabRuntime({ role, step, state, live, selfPaced }: { role: LabRuntime['role']; step: LabStep; state: SessionState; live: ClassroomSocket; selfPaced?: SelfPaced }): LabRuntimeResult {
  const { prefer, choose: setPrefer, known: preferenceKnown } = useComputePreference();
  const statusRef = useRef(live.status);
  statusRef.current = live.status;
  const transport = useMemo(() => (live.socket ? createSocketJobTransport(live.socket, () => statusRef.current === 'live') : null), [live.socket]);
  const compute = useCompute({ server: transport, autoProbe: role === 'student', backends: forcedBackends() });

  const checked = useMemo(() => {
    try {
      return { ok: true as const, ...checkLabStep(step) };
    } catch (err) {
      return { ok: false as const, message: err instanceof LabError ? err.message : String(err) };
    }
  }, [step]);

  const panels = LAB_PANELS[step.labId];
  if (!checked.ok) return { ok: false, message: checked.message };
  if (!panels) return { ok: false, message: `ConvLab has no panels for the lab "${step.labId}" (known: ${Object.keys(LAB_PANELS).join(', ')}).` };
  const blocked = labBlockOf(role, state);
  const lab: LabRuntime = {
    role,
    session: state,
    step,
    params: checked.params,
    controls: blocked ? [] : checked.studentControls,
    locked: state.locked,
    blocked,
    me: live.me,
    participants: live.participants,
    live,
    compute,
    prefer,
    ...(selfPaced ? { selfPaced } : {}),
  };
  return { ok: true, lab, panels, setPrefer, preferenceKnown };
}

export function LabStage({ role, step, state, live, selfPaced }: { role: LabRuntime['role']; step: LabStep; state: SessionState; live: ClassroomSocket; selfPaced?: SelfPaced }) {
  const runtime = useLabRuntime({ role, step, state, live, selfPaced });
  if (!runtime.ok) return <Alert title="This lab cannot start">{runtime.message}</Alert>;
  const { lab, panels, setPrefer, preferenceKnown } = runtime;
  const Panel = role === 'student' ? panels.Student : panels.Instructor;
  return (
    <section className="space-y-4" aria-label={`${getLab(step.labId)?.title ?? step.labId} lab`} data-testid={`lab-${step.labId}`} data-role={role}>
      {state.status === 'ended' ? (
        <p className="rounded-lg border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-700" data-testid="lab-archive-note">
          This session has ended: below is what the class submitted, as it was kept. Reopen the session to run the lab again.
        </p>
      ) : role === 'student' ? (
        <ComputeChoice value={lab.prefer} onChange={setPrefer} status={computeStatus(lab)} />
      ) : null}
      {lab.blocked && lab.blocked.reason !== 'ended' ? (
        <p className="flex items-center gap-2 rounded-lg border border-slate-300 bg-slate-800 px-4 py-2 text-sm font-semibold text-white" role="status" data-testid="lab-blocked" data-reason={lab.blocked.reason}>
          {lab.blocked.reason === 'locked' ? <LockIcon className="size-4 shrink-0" /> : <PauseIcon className="size-4 shrink-0" />}
          {lab.blocked.message}
        </p>
      ) : null}
      {/* Remount on a new step so no state leaks from one lab step into the next; start once the compute choice is known. */}
      {preferenceKnown ? <Panel key={step.id} lab={lab} /> : null}
    </section>
  );
}
