/**
 * What a lab panel gets from the page around it: the lab step and its parsed parameters, who is looking (student or
 * instructor), the live connection (requests and server events) and the page's compute client. Student and
 * instructor pages build one LabRuntime; panels never open connections or workers of their own.
 */
import type { LabStep, ParticipantPresence, ParticipantSelf, SessionState, WireMap } from '@convlab/protocol';
import type { ClassroomSocket } from '../_lib/use-classroom-socket';
import type { UseCompute } from '../_lib/compute/use-compute';
import type { Preference } from '../_lib/compute/placement';

export interface LabRuntime {
  role: 'student' | 'instructor';
  session: SessionState;
  step: LabStep;
  /** The step's parameters with the lab's defaults filled in. */
  params: Record<string, unknown>;
  /** Parameters a student may change in this step (none while the student is {@link LabRuntime.blocked}). */
  controls: readonly string[];
  /** True while the instructor has locked student controls (students look, do not change). */
  locked: boolean;
  /**
   * Why a student may not act now (draw, pick, run, submit), or null: the instructor locked the controls, paused the
   * class, or ended the session. Always null for the instructor.
   */
  blocked: LabBlock | null;
  me: ParticipantSelf | null;
  /** Students of the session with their presence (instructor only; empty for students). */
  participants: readonly ParticipantPresence[];
  live: Pick<ClassroomSocket, 'request' | 'subscribe' | 'status'>;
  compute: UseCompute;
  /** Where jobs should run: the student's choice (auto, this browser, the server). */
  prefer: Preference;
  /** Self-paced work (an assignment step), or absent in a live lecture and a preview. */
  selfPaced?: SelfPaced;
}

/**
 * What an assignment's page gives a lab panel: the step's saved draft, read once on mount (see `useDraftState`), and
 * where the panel reports what a draft keeps (masks, picks, parameters); the page saves it after a pause.
 */
export interface SelfPaced {
  /** The step's draft as the panel last reported it (null: none yet). */
  draft: Readonly<Record<string, unknown>> | null;
  /** Some fields of the draft changed (merged into it; saved after a pause). */
  saveDraft: (fields: Record<string, unknown>) => void;
  /** The float32 image (model input space) of the latest gradient-ascent run, stored beside its PNG on submit. */
  setInputImage: (stepId: string, image: WireMap | null) => void;
}

/** Why a student's lab is read-only for now, with the sentence the panels show. */
export interface LabBlock {
  reason: 'locked' | 'paused' | 'ended';
  message: string;
}

/** The block a student is under in this session state (paused first: it hides the screen), or null. */
export function labBlockOf(role: LabRuntime['role'], session: Pick<SessionState, 'locked' | 'paused' | 'status'>): LabBlock | null {
  if (role !== 'student') return null;
  if (session.status === 'ended') return { reason: 'ended', message: 'This session has ended: you can look at your work, not change or submit it.' };
  if (session.paused) return { reason: 'paused', message: 'Paused by your instructor: nothing can be drawn, run or submitted until the lesson resumes.' };
  if (session.locked) return { reason: 'locked', message: 'Your instructor has locked the controls: you can look, not draw, run or submit, until they unlock them.' };
  return null;
}

/** Props of a lab's student panel and of its instructor panel. */
export interface LabPanelProps {
  lab: LabRuntime;
}
