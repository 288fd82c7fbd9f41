/**
 * What a lab panel gets from the page around it: the lab step and its parsed parameters, who is looking (student or
 * instructor), the live connection (requests and server events) and the page's compute client. Student and
 * instructor pages build one LabRuntime; panels never open connections or workers of their own.
 */
import type { LabStep, ParticipantPresence, ParticipantSelf, SessionState } from '@convlab/protocol';
import type { ClassroomSocket } from '../_lib/use-classroom-socket';
import type { UseCompute } from '../_lib/compute/use-compute';
import type { Preference } from '../_lib/compute/placement';

export interface LabRuntime {
  role: 'student' | 'instructor';
  session: SessionState;
  step: LabStep;
  /** The step's parameters with the lab's defaults filled in. */
  params: Record<string, unknown>;
  /** Parameters a student may change in this step (none while the instructor locks controls). */
  controls: readonly string[];
  /** True while the instructor has locked student controls (students look, do not change). */
  locked: boolean;
  me: ParticipantSelf | null;
  /** Students of the session with their presence (instructor only; empty for students). */
  participants: readonly ParticipantPresence[];
  live: Pick<ClassroomSocket, 'request' | 'subscribe' | 'status'>;
  compute: UseCompute;
  /** Where jobs should run: the student's choice (auto, this browser, the server). */
  prefer: Preference;
}

/** Props of a lab's student panel and of its instructor panel. */
export interface LabPanelProps {
  lab: LabRuntime;
}
