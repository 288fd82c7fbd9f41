/**
 * The server side of the compute client: `job:submit` over a Socket.io connection that has joined a session (the
 * server computes only for a joined student or a watching instructor), then `job:progress` and one `job:result`
 * for that job id. Results arrive with binary attachments and are revived into typed arrays.
 */
import type { Socket } from 'socket.io-client';
import { reviveJobOutcome, reviveJobProgress, withRequestId, type Ack, type JobAccepted, type JobOutcome, type JobProgress, type JobSpec } from '@convlab/protocol';
import type { ServerJobTransport } from './compute-client';

const ACK_TIMEOUT_MS = 15_000;

type LooseSocket = {
  connected: boolean;
  on(event: string, fn: (payload: never) => void): unknown;
  off(event: string, fn: (payload: never) => void): unknown;
  timeout(ms: number): { emit(event: string, payload: unknown, cb: (err: Error | null, res: Ack<unknown>) => void): void };
  emit(event: string, payload: unknown, cb?: (res: Ack<unknown>) => void): unknown;
};

/**
 * A transport over `socket`; `joined()` says whether the socket has joined (jobs are refused before that).
 * Events of other jobs (another tab of the same student) are ignored by job id.
 */
export function createSocketJobTransport(socket: Socket, joined: () => boolean): ServerJobTransport {
  const s = socket as unknown as LooseSocket;
  return {
    available: () => s.connected && joined(),
    run(spec: JobSpec, opts) {
      return new Promise<JobOutcome>((resolve) => {
        let jobId: string | null = null;
        // Events that arrive before the ack (the server defers them, but be safe) wait here.
        const early: JobOutcome[] = [];
        const finish = (o: JobOutcome) => {
          s.off('job:result', onResult);
          s.off('job:progress', onProgress);
          s.off('disconnect', onDisconnect);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(o);
        };
        const onResult = (raw: never) => {
          const outcome = reviveJobOutcome(raw as JobOutcome);
          if (jobId === null) early.push(outcome);
          else if (outcome.jobId === jobId) finish(outcome);
        };
        const onProgress = (raw: never) => {
          const p = raw as JobProgress;
          if (jobId !== null && p.jobId === jobId) opts.onProgress?.(reviveJobProgress(p));
        };
        const onDisconnect = () => finish({ ok: false, jobId: jobId ?? '', error: 'JOB_FAILED', message: 'the connection to the server dropped while the job ran' });
        const onAbort = () => {
          if (jobId) s.emit('job:cancel', withRequestId('job:cancel', { jobId }), () => {});
          finish({ ok: false, jobId: jobId ?? '', error: 'JOB_CANCELLED', message: 'the job was cancelled' });
        };
        s.on('job:result', onResult);
        s.on('job:progress', onProgress);
        s.on('disconnect', onDisconnect);
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        s.timeout(ACK_TIMEOUT_MS).emit('job:submit', withRequestId('job:submit', { spec }), (err, res) => {
          if (err) return finish({ ok: false, jobId: '', error: 'SERVER_BUSY', message: 'the server did not answer in time' });
          if (!res.ok) {
            const position = res.details?.position;
            return finish({ ok: false, jobId: '', error: res.error as Extract<JobOutcome, { ok: false }>['error'], message: position !== undefined ? `${res.message} (position ${position + 1})` : res.message });
          }
          jobId = (res.data as JobAccepted).jobId;
          const mine = early.find((o) => o.jobId === jobId);
          if (mine) finish(mine);
        });
      });
    },
  };
}
