import { z } from 'zod';
import { JoinCodeSchema } from './join-code';
import {
  DisplayNameSchema,
  LIMITS,
  ParticipantPresenceSchema,
  ParticipantSelfSchema,
  ResumeTokenSchema,
  SessionStateSchema,
} from './dto.schemas';
import type { ErrorCode } from './errors';
import { JobAcceptedSchema, JobCancelPayloadSchema, JobOutcomeSchema, JobProgressSchema, JobSubmitPayloadSchema } from './jobs';

const SessionId = z.string().min(1).max(LIMITS.idMax);
const Empty = z.strictObject({});

/**
 * Every client→server event: its payload schema (validated by the server) and the schema of the
 * `data` in its successful ack. Payload objects are strict: unknown keys are refused. `invalid` is the
 * error code of a payload that does not parse (default BAD_REQUEST).
 */
export const clientEvents = {
  /** Anyone: join a session by code; with a valid `resumeToken` the same participant resumes. */
  'student:join': {
    payload: z
      .strictObject({
        code: JoinCodeSchema,
        displayName: DisplayNameSchema.optional(),
        resumeToken: ResumeTokenSchema.optional(),
      })
      .refine((p) => p.displayName !== undefined || p.resumeToken !== undefined, {
        message: 'a display name (or a resume token) is required',
        path: ['displayName'],
      }),
    result: z.object({ participant: ParticipantSelfSchema, resumeToken: ResumeTokenSchema, state: SessionStateSchema }),
  },
  /** Instructor (by cookie) owning the session: follow it; also used to resubscribe after a reconnect. */
  'instructor:watch': {
    payload: z.strictObject({ sessionId: SessionId }),
    result: z.object({ state: SessionStateSchema, participants: z.array(ParticipantPresenceSchema) }),
  },
  'step:goto': {
    payload: z.strictObject({ index: z.number().int().min(0).max(LIMITS.stepsMax) }),
    result: z.object({ state: SessionStateSchema }),
  },
  'step:next': { payload: Empty, result: z.object({ state: SessionStateSchema }) },
  'step:prev': { payload: Empty, result: z.object({ state: SessionStateSchema }) },
  'controls:lock': {
    payload: z.strictObject({ locked: z.boolean() }),
    result: z.object({ state: SessionStateSchema }),
  },
  'session:pause': {
    payload: z.strictObject({
      paused: z.boolean(),
      message: z.string().trim().max(LIMITS.pauseMessageMax).optional(),
    }),
    result: z.object({ state: SessionStateSchema }),
  },
  'participant:remove': {
    payload: z.strictObject({ participantId: z.string().min(1).max(LIMITS.idMax) }),
    result: z.object({}),
  },
  'session:end': { payload: Empty, result: z.object({ state: SessionStateSchema }) },
  /** Reopens an ended session and watches it (like `instructor:watch`). */
  'session:reopen': {
    payload: z.strictObject({ sessionId: SessionId }),
    result: z.object({ state: SessionStateSchema }),
  },
  /**
   * A joined student or a watching instructor: run a compute job on the server. The ack says the job's id and queue
   * place; `job:progress` and one `job:result` follow (to all of a student's tabs). Refusals before any work:
   * BAD_JOB (does not parse), UNKNOWN_MODEL/LAYER/CLASS/IMAGE, JOB_TOO_LARGE, TOO_MANY_JOBS, SERVER_BUSY
   * (`details.position`).
   */
  'job:submit': {
    payload: JobSubmitPayloadSchema,
    result: JobAcceptedSchema,
    invalid: 'BAD_JOB' satisfies ErrorCode,
  },
  /** Cancel one of your jobs (an instructor: any job of the watched session); false when it had already ended. */
  'job:cancel': {
    payload: JobCancelPayloadSchema,
    result: z.object({ cancelled: z.boolean() }),
  },
} as const;

/** Every server→client event and its payload schema. */
export const serverEvents = {
  /** To everyone in the session's room, after every change. */
  'session:state': SessionStateSchema,
  /** To the instructors watching the session. */
  'presence:update': z.object({ participants: z.array(ParticipantPresenceSchema) }),
  /** To a removed student's sockets, just before the server disconnects them. */
  'participant:removed': z.object({ message: z.string() }),
  /**
   * To the submitter (a student's participant room, an instructor's socket): queue position while waiting, then
   * steps; gradient ascent snapshots carry a PNG (`image`, binary).
   */
  'job:progress': JobProgressSchema,
  /**
   * To the submitter, once per job: the result (typed arrays and PNGs travel as binary attachments — revive them
   * with `reviveJobOutcome`) or the failure.
   */
  'job:result': JobOutcomeSchema,
} as const;

/** The events only a student (or a not-yet-joined tab) sends. */
export const STUDENT_EVENTS = ['student:join'] as const;
/** Events both a joined student and a watching instructor may send (a guest gets UNAUTHORIZED). */
export const SHARED_EVENTS = ['job:submit', 'job:cancel'] as const satisfies readonly (keyof typeof clientEvents)[];
/** Instructor actions (a student gets FORBIDDEN for each). */
export const INSTRUCTOR_EVENTS = [
  'instructor:watch',
  'step:goto',
  'step:next',
  'step:prev',
  'controls:lock',
  'session:pause',
  'participant:remove',
  'session:end',
  'session:reopen',
] as const satisfies readonly (keyof typeof clientEvents)[];
