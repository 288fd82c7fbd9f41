/**
 * The connection a lab step of an assignment gets instead of a live session's: the panels' requests become the
 * assignment's HTTP routes — a submission (with a requestId, so a retry never stores it twice), the student's own
 * submissions, a result image, a convolution or pooling task — and what belongs to a live lecture only (shares,
 * class sweeps, handed-out λ) is refused in words. Jobs the server computes go over the page's socket (see
 * `useAssignmentSocket`); the panels cannot tell the difference.
 */
import {
  ASSIGNMENT_API,
  newRequestId,
  type AssignmentSubmission,
  type ClientEventName,
  type ClientPayload,
  type ClientResult,
  type LabStep,
  type ParticipantSelf,
  type Submission,
  type WireMap,
} from '@convlab/protocol';
import { ApiError, apiFetch } from './api-client';
import { ClassroomRequestError, type ClassroomSocket } from './use-classroom-socket';

const LIVE_ONLY = 'That belongs to a live lecture; in an assignment you work on your own.';

/** A stored attempt as the lab panels list submissions (the student's own; nothing is shared in an assignment). */
export function asLabSubmission(s: AssignmentSubmission, labId: string, submittedWith?: Pick<ClientPayload<'lab:submit'>, 'computedWhere' | 'backend' | 'ms'>): Submission {
  return {
    id: s.id,
    sessionId: s.assignmentId,
    participantId: s.accountId,
    labId,
    stepId: s.stepId,
    params: s.params as Submission['params'],
    result: s.result as Submission['result'],
    resultImageHash: s.resultImageHash,
    computedWhere: submittedWith?.computedWhere ?? 'browser',
    backend: submittedWith?.backend ?? 'browser',
    ms: submittedWith?.ms ?? 0,
    shared: false,
    createdAt: s.submittedAt,
  };
}

/** A float32 image as the submission carries it: little-endian bytes in base64. */
function tensorUpload(image: WireMap): { shape: [number, number, 3]; base64: string } {
  const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { shape: [image.height, image.width, 3], base64: btoa(text) };
}

/** Calls a route; a lost answer is asked again (the same requestId inside `body` makes that safe). */
async function withRetry<T>(call: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NETWORK' && i < tries) {
        await new Promise((r) => setTimeout(r, 500 * i));
        continue;
      }
      if (err instanceof ApiError) throw new ClassroomRequestError(err.code, err.message);
      throw err;
    }
  }
}

export interface AssignmentConnectionOptions {
  assignmentId: string;
  steps: readonly LabStep[];
  me: ParticipantSelf;
  /** The page's socket for server compute (null: this browser computes everything). */
  socket: ClassroomSocket['socket'];
  status: ClassroomSocket['status'];
  /** The float32 input image of a step's latest gradient-ascent run, stored beside its PNG (LabRuntime.selfPaced). */
  inputImage: (stepId: string) => WireMap | null;
  /** A submission was stored (the page updates attempts and the list). */
  onSubmitted: (s: AssignmentSubmission, attemptsLeft: number) => void;
}

/** The ClassroomSocket-shaped connection of an assignment's lab steps. */
export function assignmentConnection(o: AssignmentConnectionOptions): ClassroomSocket {
  const labOf = (stepId: string) => o.steps.find((s) => s.id === stepId)?.labId ?? 'unknown';
  const uploadImage = (stepId: string, png: Uint8Array | ArrayBuffer) =>
    withRetry(() => apiFetch<{ hash: string }>(ASSIGNMENT_API.images(o.assignmentId, stepId), { method: 'POST', body: new Blob([png as BlobPart], { type: 'image/png' }) }));

  const handlers: { [E in ClientEventName]?: (payload: ClientPayload<E>) => Promise<ClientResult<E>> } = {
    'lab:submit': async (p) => {
      const resultImageHash = p.image ? (await uploadImage(p.stepId, p.image as Uint8Array)).hash : undefined;
      const tensor = labOf(p.stepId) === 'ascent' ? o.inputImage(p.stepId) : null;
      const body = { requestId: newRequestId(), stepId: p.stepId, params: p.params, result: p.result, ...(resultImageHash ? { resultImageHash } : {}), ...(tensor ? { tensor: tensorUpload(tensor) } : {}) };
      const out = await withRetry(() => apiFetch<{ submission: AssignmentSubmission; attemptsLeft: number }>(ASSIGNMENT_API.action(o.assignmentId, 'submissions'), { method: 'POST', body }));
      o.onSubmitted(out.submission, out.attemptsLeft);
      return { submission: asLabSubmission(out.submission, labOf(p.stepId), p) };
    },
    'lab:submissions': async (p) => {
      const { submissions } = await withRetry(() => apiFetch<{ submissions: AssignmentSubmission[] }>(ASSIGNMENT_API.action(o.assignmentId, 'submissions')));
      return { submissions: submissions.filter((s) => !p.stepId || s.stepId === p.stepId).map((s) => asLabSubmission(s, labOf(s.stepId))) };
    },
    'lab:image': async (p) => uploadImage(p.stepId, p.image as Uint8Array),
    'lab:task': async (p) => withRetry(() => apiFetch<ClientResult<'lab:task'>>(ASSIGNMENT_API.task(o.assignmentId, p.stepId))),
    // Nobody hands out λ values in an assignment: the step's own setting stands.
    'ascent:my-lambda': async () => ({ assignment: null }),
  };

  const request = async <E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<ClientResult<E>> => {
    const handle = handlers[event] as ((p: ClientPayload<E>) => Promise<ClientResult<E>>) | undefined;
    if (!handle) throw new ClassroomRequestError('LIVE_ONLY', LIVE_ONLY);
    return handle(payload);
  };
  return {
    status: o.status,
    state: null,
    participants: [],
    me: o.me,
    joinError: null,
    removedMessage: null,
    request,
    retry: () => undefined,
    subscribe: () => () => undefined,
    socket: o.socket,
  };
}
