/**
 * The server side of the compute client: `job:submit` over a Socket.io connection that has joined a session (the
 * server computes only for a joined student or a watching instructor), then `job:progress` and one `job:result`
 * for that job id. Results arrive with binary attachments and are revived into typed arrays.
 *
 * A connection that drops while the job runs does not lose it: the job goes on on the server (scaled out: on a
 * worker process, whichever node dies). Once the tab is seated again, a connection the server recovered (same
 * socket, missed events replayed) keeps waiting for the same job; a new connection asks for the job again, and the
 * server joins the identical computation still in flight, or answers from its results — it never computes it twice.
 */
import type { Socket } from 'socket.io-client';
import { reviveJobOutcome, reviveJobProgress, withRequestId, type Ack, type JobAccepted, type JobOutcome, type JobProgress, type JobSpec } from '@convlab/protocol';
import type { ServerJobTransport } from './compute-client';

const ACK_TIMEOUT_MS = 15_000;
/** How long a job waits for its tab to be seated again after the connection dropped. */
export const REJOIN_TIMEOUT_MS = 30_000;
const REJOIN_POLL_MS = 200;

type LooseSocket = {
  connected: boolean;
  /** Whether the last reconnection restored the same session (Socket.io's connection-state recovery). */
  recovered?: boolean;
  on(event: string, fn: (payload: never) => void): unknown;
  off(event: string, fn: (payload: never) => void): unknown;
  timeout(ms: number): { emit(event: string, payload: unknown, cb: (err: Error | null, res: Ack<unknown>) => void): void };
  emit(event: string, payload: unknown, cb?: (res: Ack<unknown>) => void): unknown;
};

type Failure = Extract<JobOutcome, { ok: false }>;

/**
 * A transport over `socket`; `joined()` says whether the socket has joined (jobs are refused before that).
 * Events of other jobs (another tab of the same student) are ignored by job id.
 */
export function createSocketJobTransport(socket: Socket, joined: () => boolean): ServerJobTransport {
  const s = socket as unknown as LooseSocket;
  const seated = () => s.connected && joined();
  return {
    available: seated,
    run(spec: JobSpec, opts) {
      return new Promise<JobOutcome>((resolve) => {
        let jobId: string | null = null;
        let ended = false;
        // Set while the connection is down: when it is back, whether to keep waiting or ask again.
        let dropped = false;
        let rejoinTimer: ReturnType<typeof setInterval> | undefined;
        // Events that arrive before the ack (the server defers them, but be safe) wait here.
        let early: JobOutcome[] = [];
        const finish = (o: JobOutcome) => {
          if (ended) return;
          ended = true;
          clearInterval(rejoinTimer);
          s.off('job:result', onResult);
          s.off('job:progress', onProgress);
          s.off('disconnect', onDisconnect);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(o);
        };
        const fail = (error: Failure['error'], message: string) => finish({ ok: false, jobId: jobId ?? '', error, message });
        const onResult = (raw: never) => {
          const outcome = reviveJobOutcome(raw as JobOutcome);
          if (jobId === null) early.push(outcome);
          else if (outcome.jobId === jobId) finish(outcome);
        };
        const onProgress = (raw: never) => {
          const p = raw as JobProgress;
          if (jobId !== null && p.jobId === jobId) opts.onProgress?.(reviveJobProgress(p));
        };
        const submit = (attempt: number, since: number) => {
          s.timeout(ACK_TIMEOUT_MS).emit('job:submit', withRequestId('job:submit', { spec }), (err, res) => {
            if (ended || dropped) return;
            if (err) return fail('SERVER_BUSY', 'the server did not answer in time');
            if (!res.ok) {
              // Asked again after a reconnect, before the seat was back on the server: wait a moment, ask again.
              if (attempt > 0 && (res.error === 'UNAUTHORIZED' || res.error === 'FORBIDDEN') && Date.now() - since < REJOIN_TIMEOUT_MS) {
                return void setTimeout(() => !ended && !dropped && submit(attempt + 1, since), REJOIN_POLL_MS * 2);
              }
              const position = res.details?.position;
              return fail(res.error as Failure['error'], position !== undefined ? `${res.message} (position ${position + 1})` : res.message);
            }
            jobId = (res.data as JobAccepted).jobId;
            const mine = early.find((o) => o.jobId === jobId);
            early = [];
            if (mine) finish(mine);
          });
        };
        const onDisconnect = () => {
          if (ended || dropped) return;
          dropped = true;
          const since = Date.now();
          rejoinTimer = setInterval(() => {
            if (seated()) {
              clearInterval(rejoinTimer);
              dropped = false;
              if (s.recovered && jobId !== null) return; // the same connection: its events were replayed, keep waiting
              jobId = null;
              submit(1, since);
            } else if (Date.now() - since > REJOIN_TIMEOUT_MS) {
              fail('JOB_FAILED', 'the connection to the server dropped while the job ran, and did not come back');
            }
          }, REJOIN_POLL_MS);
        };
        const onAbort = () => {
          if (jobId && s.connected) s.emit('job:cancel', withRequestId('job:cancel', { jobId }), () => {});
          fail('JOB_CANCELLED', 'the job was cancelled');
        };
        s.on('job:result', onResult);
        s.on('job:progress', onProgress);
        s.on('disconnect', onDisconnect);
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        submit(0, Date.now());
      });
    },
  };
}
