/**
 * Tiny JSON client for ConvLab's HTTP API (served by the custom server under /api, paths from
 * `@convlab/protocol`). Every failure becomes an `ApiError` with the server's code and a message fit
 * to show a person.
 */
import {
  API,
  LTI_PATHS,
  type LtiPlatform,
  type LtiPlatformsResponse,
  type LtiToolConfig,
  type RegisterPlatformBody,
  type CreateSessionBody,
  type ImageResponse,
  type InstructorResponse,
  type JoinInfoResponse,
  type LessonsResponse,
  type MyWorkResponse,
  type ModelsResponse,
  type SamplesResponse,
  type SessionDetailResponse,
  type SessionListResponse,
  type SessionResponse,
  type SigninBody,
  type SignedInSessionListResponse,
  type SignupBody,
  type Submission,
} from '@convlab/protocol';
import { describeError, humanizeError } from './error-messages';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Calls a JSON endpoint; resolves with the parsed body, rejects with an `ApiError`. A `Blob` body is sent as it is
 * (an image upload, typed by the file); anything else as JSON.
 */
export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const raw = typeof Blob !== 'undefined' && init.body instanceof Blob ? init.body : null;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (raw) headers['content-type'] = raw.type || 'application/octet-stream';
  else if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', describeError('NETWORK'));
  }
  if (res.status === 204) return undefined as T;
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // A non-JSON body (proxy error page, empty 500): fall through to a generic message.
  }
  if (!res.ok) {
    const err = (body ?? {}) as { error?: unknown; message?: unknown };
    const code = typeof err.error === 'string' ? err.error : `HTTP_${res.status}`;
    throw new ApiError(res.status, code, humanizeError(code, typeof err.message === 'string' ? err.message : '', res.status));
  }
  return body as T;
}

/** The typed endpoints of docs/protocol.md. */
export const api = {
  signUp: (body: SignupBody) => apiFetch<InstructorResponse>(API.signup, { method: 'POST', body }),
  signIn: (body: SigninBody) => apiFetch<InstructorResponse>(API.signin, { method: 'POST', body }),
  signOut: () => apiFetch<void>(API.signout, { method: 'POST' }),
  me: () => apiFetch<InstructorResponse>(API.me),
  /** LTI: registered LMS platforms and the values an LMS admin enters (ConvLab's admin only). */
  ltiPlatforms: () => apiFetch<LtiPlatformsResponse>(LTI_PATHS.platforms),
  registerLtiPlatform: (body: RegisterPlatformBody) => apiFetch<{ platform: LtiPlatform; tool: LtiToolConfig }>(LTI_PATHS.platforms, { method: 'POST', body }),
  /** The instructor's signed-in sessions (browsers), newest first. */
  listSignedInSessions: () => apiFetch<SignedInSessionListResponse>(API.authSessions),
  /** Ends one of them on the server. */
  revokeSignedInSession: (id: string) => apiFetch<void>(API.revokeAuthSession(id), { method: 'POST' }),
  listSessions: () => apiFetch<SessionListResponse>(API.sessions),
  createSession: (body: CreateSessionBody) => apiFetch<SessionResponse>(API.sessions, { method: 'POST', body }),
  getSession: (id: string) => apiFetch<SessionDetailResponse>(API.session(id)),
  lookupJoinCode: (code: string) => apiFetch<JoinInfoResponse>(API.join(code)),
  /** A student's own work in a session (and what was shared), by the resume token saved on joining; also after the end. */
  myWork: (code: string, resumeToken: string) => apiFetch<MyWorkResponse>(API.myWork(code), { method: 'POST', body: { resumeToken } }),
  listLessons: () => apiFetch<LessonsResponse>(API.lessons),
  listModels: () => apiFetch<ModelsResponse>(API.models),
  listSamples: () => apiFetch<SamplesResponse>(API.samples),
  /** Uploads an image file as the raw request body (`POST /api/images`); a refusal says why in the server's words. */
  uploadImage: (file: Blob) => apiFetch<ImageResponse>(API.images, { method: 'POST', body: file }),
  /** Every stored submission of a session (also after it ended), optionally of one step. */
  listSubmissions: (sessionId: string, stepId?: string) =>
    apiFetch<{ submissions: Submission[] }>(`${API.session(sessionId)}/submissions${stepId ? `?stepId=${encodeURIComponent(stepId)}` : ''}`),
};
