/**
 * The session's rules, enforced by the server: what the instructor's lock, pause, current step and a lab step's
 * student controls forbid a student to do. Handlers call `checkSessionRules(ctx, socket, action)` at entry; it
 * refuses with SESSION_ENDED, PAUSED, LOCKED, NOT_CURRENT_STEP or CONTROL_NOT_ALLOWED (in that order) and
 * lets instructors through (their own handlers check what applies to them).
 */
import type { LiveSessionDTO } from '@convlab/classroom';
import { LabError, changedParams, studentControlsOf } from '@convlab/labs';
import { ProtocolError, type LabStep } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { joinedStudent } from './authorization';
import type { IoSocket } from './types';

/** One rule of the session. */
export type SessionRule = 'ended' | 'paused' | 'locked' | 'current-step' | 'controls';

/** Which rules each student action obeys (one table, so every handler refuses alike). */
export const STUDENT_ACTION_RULES = {
  /** Submitting a result: everything the lock, pause and step forbid. */
  'lab:submit': ['ended', 'paused', 'locked', 'current-step', 'controls'],
  /** Storing a result image for a submission to come. */
  'lab:image': ['ended', 'paused', 'locked', 'current-step'],
  /** Computing on the server (a locked student's screen still shows results; a sweep shard may fall back here). */
  'job:submit': ['ended', 'paused'],
  /** A sweep shard the instructor handed out. */
  'sweep:result': ['ended'],
  /** A max-patch search shard the instructor handed out. */
  'patches:result': ['ended'],
} as const satisfies Record<string, readonly SessionRule[]>;

export type StudentAction = keyof typeof STUDENT_ACTION_RULES;

/** What the action is about: the lab step and the parameters it was computed with, where it has them. */
export interface ActionTarget {
  stepId?: string;
  params?: unknown;
}

/** The first rule `session` breaks for `action` (null: none). Pure, for tests and other transports. */
export function brokenRule(session: LiveSessionDTO, action: StudentAction, target: ActionTarget = {}): ProtocolError | null {
  const rules: readonly SessionRule[] = STUDENT_ACTION_RULES[action];
  const current = session.steps[session.currentStep];
  if (rules.includes('ended') && session.status === 'ended') return new ProtocolError('SESSION_ENDED', 'this session has ended');
  if (rules.includes('paused') && session.paused) return new ProtocolError('PAUSED', 'the instructor paused the session');
  if (rules.includes('locked') && session.locked) return new ProtocolError('LOCKED', 'the instructor locked the controls');
  if (rules.includes('current-step') && target.stepId !== undefined && current?.id !== target.stepId) {
    return new ProtocolError('NOT_CURRENT_STEP', `step "${target.stepId}" is not the class's current step`);
  }
  if (rules.includes('controls') && target.params !== undefined && current?.kind === 'lab' && current.id === target.stepId) {
    const forbidden = forbiddenChanges(current as LabStep, target.params);
    if (forbidden.length) {
      return new ProtocolError('CONTROL_NOT_ALLOWED', `students may not change ${forbidden.map((k) => `"${k}"`).join(', ')} in this step`);
    }
  }
  return null;
}

/** Parameters that differ from the step's presets but are not student controls (malformed ones are the lab's to refuse). */
function forbiddenChanges(step: LabStep, params: unknown): string[] {
  try {
    const controls = studentControlsOf(step);
    return changedParams(step.labId, step.params, params).filter((k) => !controls.includes(k));
  } catch (err) {
    if (err instanceof LabError) return [];
    throw err;
  }
}

/** Refuses a student's `action` that the session's rules forbid right now (throws a ProtocolError). */
export async function checkSessionRules(ctx: ServerContext, socket: IoSocket, action: StudentAction, target: ActionTarget = {}): Promise<void> {
  const student = joinedStudent(socket);
  if (!student) return;
  const session = await ctx.store.findSessionById(student.sessionId);
  if (!session) throw new ProtocolError('NOT_FOUND', 'no such session');
  const broken = brokenRule(session, action, target);
  if (broken) throw broken;
}
