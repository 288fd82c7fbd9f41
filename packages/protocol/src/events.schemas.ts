import { z } from 'zod';
import { JoinCodeSchema } from './join-code';
import {
  DisplayNameSchema,
  LIMITS,
  ParticipantPresenceSchema,
  ParticipantSelfSchema,
  ResumeTokenSchema,
  SessionStateSchema,
  PresentTargetSchema,
  LAB_LIMITS,
  AscentLambdaEventSchema,
  DealLambdasPayloadSchema,
  LabTaskPayloadSchema,
  LabTaskSchema,
  LabSharePayloadSchema,
  LabShareStepPayloadSchema,
  LabSharedEventSchema,
  LabSubmissionsPayloadSchema,
  LabSubmitPayloadSchema,
  LabImagePayloadSchema,
  Sha256HexSchema,
  SubmissionSchema,
  SweepDoneEventSchema,
  PatchesStartPayloadSchema,
  PatchesStartedSchema,
  PatchesResultPayloadSchema,
  PatchesShardEventSchema,
  PatchesProgressEventSchema,
  PatchesDoneEventSchema,
  SweepProgressEventSchema,
  SweepResultPayloadSchema,
  SweepShardEventSchema,
  SweepStartPayloadSchema,
  SweepStartedSchema,
} from './dto.schemas';
import type { ErrorCode } from './errors';
import { DeviceTokenSchema } from './request-id';
import { JobAcceptedSchema, JobCancelPayloadSchema, JobOutcomeSchema, JobProgressSchema, JobSubmitPayloadSchema } from './jobs';

const SessionId = z.string().min(1).max(LIMITS.idMax);
const Empty = z.strictObject({});

/**
 * Who may send an event, checked by the server before the payload is parsed:
 * - `anyone`: any connected tab (`student:join`);
 * - `student`: a joined student (an instructor gets FORBIDDEN);
 * - `member`: a joined student or an instructor watching the session (a guest gets UNAUTHORIZED);
 * - `instructor`: the signed-in instructor watching the session (a student gets FORBIDDEN, a guest UNAUTHORIZED);
 * - `signed-in`: any signed-in instructor (ownership of the named session is checked by the classroom).
 */
export type EventSender = 'anyone' | 'student' | 'member' | 'instructor' | 'signed-in';

/**
 * Every client→server event: who may send it (`by`), its payload schema (validated by the server) and the schema
 * of the `data` in its successful ack. Payload objects are strict: unknown keys are refused. `invalid` is the
 * error code of a payload that does not parse (default BAD_REQUEST). `requestId: true` marks a mutating event: its
 * payload also carries a `requestId` (RequestIdSchema), and a retry with the same id returns the first result.
 */
export const clientEvents = {
  /** Anyone: join a session by code; with a valid `resumeToken` the same participant resumes. */
  'student:join': {
    by: 'anyone',
    requestId: true,
    payload: z
      .strictObject({
        code: JoinCodeSchema,
        displayName: DisplayNameSchema.optional(),
        resumeToken: ResumeTokenSchema.optional(),
        deviceToken: DeviceTokenSchema.optional(),
      })
      .refine((p) => p.displayName !== undefined || p.resumeToken !== undefined, {
        message: 'a display name (or a resume token) is required',
        path: ['displayName'],
      }),
    result: z.object({ participant: ParticipantSelfSchema, resumeToken: ResumeTokenSchema, state: SessionStateSchema }),
  },
  /** Instructor (by cookie) owning the session: follow it; also used to resubscribe after a reconnect. */
  'instructor:watch': {
    by: 'signed-in',
    payload: z.strictObject({ sessionId: SessionId }),
    result: z.object({ state: SessionStateSchema, participants: z.array(ParticipantPresenceSchema) }),
  },
  'step:goto': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({ index: z.number().int().min(0).max(LIMITS.stepsMax) }),
    result: z.object({ state: SessionStateSchema }),
  },
  'step:next': {
    by: 'instructor',
    requestId: true, payload: Empty, result: z.object({ state: SessionStateSchema }) },
  'step:prev': {
    by: 'instructor',
    requestId: true, payload: Empty, result: z.object({ state: SessionStateSchema }) },
  'controls:lock': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({ locked: z.boolean() }),
    result: z.object({ state: SessionStateSchema }),
  },
  'session:pause': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({
      paused: z.boolean(),
      message: z.string().trim().max(LIMITS.pauseMessageMax).optional(),
    }),
    result: z.object({ state: SessionStateSchema }),
  },
  'participant:remove': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({ participantId: z.string().min(1).max(LIMITS.idMax) }),
    result: z.object({}),
  },
  /** Undoes a removal: the participant (and their browser) may join again; their seat and submissions are kept. */
  'participant:restore': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({ participantId: z.string().min(1).max(LIMITS.idMax) }),
    result: z.object({}),
  },
  /** Closes (or reopens) joining: new students are refused with JOINING_CLOSED; joined students still resume. */
  'session:joining': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({ open: z.boolean() }),
    result: z.object({ state: SessionStateSchema }),
  },
  'session:end': {
    by: 'instructor',
    requestId: true, payload: Empty, result: z.object({ state: SessionStateSchema }) },
  /** Pins a submission or a class view of the session to the present view (the projector); null unpins it. */
  'present:set': {
    by: 'instructor',
    requestId: true,
    payload: z.strictObject({ target: PresentTargetSchema.nullable() }),
    result: z.object({ state: SessionStateSchema }),
  },
  /** Reopens an ended session and watches it (like `instructor:watch`). */
  'session:reopen': {
    by: 'signed-in',
    requestId: true,
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
    by: 'member',
    requestId: true,
    payload: JobSubmitPayloadSchema,
    result: JobAcceptedSchema,
    invalid: 'BAD_JOB' satisfies ErrorCode,
  },
  /** Cancel one of your jobs (an instructor: any job of the watched session); false when it had already ended. */
  'job:cancel': {
    by: 'member',
    requestId: true,
    payload: JobCancelPayloadSchema,
    result: z.object({ cancelled: z.boolean() }),
  },
  /**
   * A joined student (or a watching instructor): submit a result for a lab step of the session. The result PNG, if
   * any, is a binary attachment (`image`); this event alone may carry up to `LAB_LIMITS.resultImageMaxBytes` of
   * binary and `LAB_LIMITS.submitJsonMaxBytes` of JSON (PAYLOAD_TOO_LARGE beyond). The lab's schemas and the
   * step's student controls are checked (BAD_REQUEST naming the field); the ack is the stored submission.
   */
  'lab:submit': {
    by: 'member',
    requestId: true,
    payload: LabSubmitPayloadSchema,
    result: z.object({ submission: SubmissionSchema }),
    maxBytes: LAB_LIMITS.submitJsonMaxBytes,
    maxBinaryBytes: LAB_LIMITS.resultImageMaxBytes,
  },
  /**
   * A joined student (or a watching instructor): store one more result PNG for a lab step, before `lab:submit`
   * names it by hash in its result (the neuron lab's image per method). PNG only, at most
   * `LAB_LIMITS.resultImageMaxBytes` and `LAB_LIMITS.resultImageMaxSide` per side; the ack is its content hash.
   */
  'lab:image': {
    by: 'member',
    requestId: true,
    payload: LabImagePayloadSchema,
    result: z.object({ hash: Sha256HexSchema }),
    maxBytes: 1024,
    maxBinaryBytes: LAB_LIMITS.resultImageMaxBytes,
  },
  /** List submissions: a student gets their own and the shared ones; the instructor every one of the session. */
  'lab:submissions': {
    by: 'member',
    payload: LabSubmissionsPayloadSchema,
    result: z.object({ submissions: z.array(SubmissionSchema) }),
  },
  /** Instructor: share (or unshare) a submission with the class; students get `lab:shared`. */
  'lab:share': {
    by: 'instructor',
    requestId: true,
    payload: LabSharePayloadSchema,
    result: z.object({ submission: SubmissionSchema }),
  },
  /** Instructor: share (or unshare) every submission of a lab step at once (`lab:shared` for each that changed). */
  'lab:share-step': {
    by: 'instructor',
    requestId: true,
    payload: LabShareStepPayloadSchema,
    result: z.object({ changed: z.number().int().min(0) }),
  },
  /**
   * Instructor: start the class occlusion sweep of a lab step. Shards go to the online students (`sweep:shard`);
   * late shards and those of students who leave are computed by the server; everyone gets `sweep:progress` and
   * `sweep:done`.
   */
  'sweep:start': {
    by: 'instructor',
    requestId: true,
    payload: SweepStartPayloadSchema,
    result: SweepStartedSchema,
  },
  /** A student: the result of a shard dealt to them (`accepted: false` for a duplicate or a shard not theirs). */
  'sweep:result': {
    by: 'student',
    requestId: true,
    payload: SweepResultPayloadSchema,
    result: z.object({ accepted: z.boolean(), reason: z.string().optional() }),
  },
  /**
   * Instructor: start the class search of maximally activating patches of a max-patches step. Shards of images go
   * to the online students (`patches:shard`); late shards and those of students who leave are computed by the
   * server; everyone gets `patches:progress` and `patches:done`.
   */
  'patches:start': {
    by: 'instructor',
    requestId: true,
    payload: PatchesStartPayloadSchema,
    result: PatchesStartedSchema,
  },
  /** A student: the winners of a shard dealt to them, answered once the server has checked them. */
  'patches:result': {
    by: 'student',
    requestId: true,
    payload: PatchesResultPayloadSchema,
    result: z.object({ accepted: z.boolean(), reason: z.string().optional() }),
  },
  /**
   * A joined student (or a watching instructor): the task of a convolution or pooling step — the photo the lab
   * convolves, the challenge's target, the student's own quiz question. The server keeps what checks them.
   */
  'lab:task': {
    by: 'member',
    payload: LabTaskPayloadSchema,
    result: z.object({ task: LabTaskSchema }),
  },
  /**
   * A signed-in student of the course (by their account cookie): compute on the server for an open assignment. The
   * socket may then send `job:submit` and `job:cancel` as a joined student does (same fairness, caps and limits);
   * NOT_FOUND outside the course, NOT_OPEN or PAST_DUE when the assignment takes no work now.
   */
  'assignment:open': {
    by: 'anyone',
    payload: z.strictObject({ assignmentId: z.string().min(1).max(LIMITS.idMax) }),
    result: z.object({ assignmentId: z.string() }),
  },
  /** Instructor: hand each online student one λ of the gradient-ascent step's sweep (`ascent:lambda` to each). */
  /** A student: the λ the instructor handed them for this step, if any (a page that opens late or reloads asks). */
  'ascent:my-lambda': {
    by: 'member',
    payload: DealLambdasPayloadSchema,
    result: z.object({ assignment: AscentLambdaEventSchema.nullable() }),
  },
  'ascent:deal-lambdas': {
    by: 'instructor',
    requestId: true,
    payload: DealLambdasPayloadSchema,
    result: z.object({
      lambdas: z.array(z.number()),
      assignments: z.array(z.object({ participantId: z.string(), index: z.number().int(), lambda: z.number() })),
    }),
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
  /** To every socket of an instructor whose approval an admin withdrew, just before the server disconnects them. */
  'instructor:approval-withdrawn': z.object({ message: z.string() }),
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
  /** To the session's instructors: a submission was stored (live dashboard). */
  'lab:submitted': z.object({ submission: SubmissionSchema }),
  /** To everyone in the session: a submission was shared (with it) or unshared (id only). */
  'lab:shared': LabSharedEventSchema,
  /** To one student (their participant room): a shard of a class sweep to compute. */
  'sweep:shard': SweepShardEventSchema,
  /** To everyone in the session: the sweep's grid so far. */
  'sweep:progress': SweepProgressEventSchema,
  /** To everyone in the session: the sweep finished (stored) or failed. */
  'sweep:done': SweepDoneEventSchema,
  /** To one student (their participant room): a shard of a class max-patch search to compute. */
  'patches:shard': PatchesShardEventSchema,
  /** To everyone in the session: each channel's top 9 so far. */
  'patches:progress': PatchesProgressEventSchema,
  /** To everyone in the session: the search finished (stored) or failed. */
  'patches:done': PatchesDoneEventSchema,
  /** To one student: their λ for the gradient-ascent step. */
  'ascent:lambda': AscentLambdaEventSchema,
} as const;

type ClientEventKey = keyof typeof clientEvents;

function eventsBy(...senders: EventSender[]): ClientEventKey[] {
  return (Object.keys(clientEvents) as ClientEventKey[]).filter((e) => senders.includes(clientEvents[e].by as EventSender));
}

/** The events a student (or a not-yet-joined tab) sends and an instructor does not (`by: anyone | student`). */
export const STUDENT_EVENTS: readonly ClientEventKey[] = eventsBy('anyone', 'student');
/** Events both a joined student and a watching instructor may send (a guest gets UNAUTHORIZED). */
export const SHARED_EVENTS: readonly ClientEventKey[] = eventsBy('member');
/** Instructor actions (a student gets FORBIDDEN for each). */
export const INSTRUCTOR_EVENTS: readonly ClientEventKey[] = eventsBy('instructor', 'signed-in');
/** The mutating events: their payloads carry a `requestId`. */
export const MUTATING_EVENTS: readonly ClientEventKey[] = (Object.keys(clientEvents) as ClientEventKey[]).filter(
  (e) => 'requestId' in clientEvents[e] && clientEvents[e].requestId === true,
);
