'use client';

/**
 * A way to the compute server for pages outside the live view (the lab check): a Socket.io connection that resumes
 * the student's seat in a session (the resume token saved when they joined), since the server computes only for a
 * joined student or a watching instructor. It never creates a new participant: without a saved seat it reports
 * 'no-seat' and the page offers the browser alone.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, SOCKET_TRANSPORTS, withRequestId, type Ack, type HandshakeAuth } from '@convlab/protocol';
import { deviceToken, readResumeToken } from '../student-storage';
import type { ServerJobTransport } from './compute-client';
import { createSocketJobTransport } from './socket-transport';

/** `off`: no session given; `no-seat`: this browser never joined it; `ready`: jobs can go to the server. */
export type ComputeServerStatus = 'off' | 'no-seat' | 'connecting' | 'ready' | 'failed';

/** Connects as the student of session `code` (null: no server). */
export function useComputeServer(code: string | null): { status: ComputeServerStatus; message: string | null; transport: ServerJobTransport | null } {
  const [status, setStatus] = useState<ComputeServerStatus>(code ? 'connecting' : 'off');
  const [message, setMessage] = useState<string | null>(null);
  const [socket, setSocket] = useState<Socket | null>(null);
  const joinedRef = useRef(false);

  useEffect(() => {
    if (!code) {
      setStatus('off');
      return;
    }
    const resumeToken = readResumeToken(code);
    if (!resumeToken) {
      setStatus('no-seat');
      setMessage(`This browser has not joined session ${code}. Join it first, then come back to this page.`);
      return;
    }
    setStatus('connecting');
    const s = io({ auth: { protocolVersion: PROTOCOL_VERSION } satisfies HandshakeAuth, withCredentials: true, transports: SOCKET_TRANSPORTS, reconnectionDelay: 500, reconnectionDelayMax: 3000 });
    const join = () => {
      joinedRef.current = false;
      s.timeout(10_000).emit('student:join', withRequestId('student:join', { code, resumeToken, deviceToken: deviceToken() }), (err: Error | null, res: Ack<unknown>) => {
        if (err) {
          setStatus('failed');
          setMessage('The server did not answer.');
          return;
        }
        if (res.ok) {
          joinedRef.current = true;
          setStatus('ready');
          setMessage(null);
        } else {
          setStatus('failed');
          setMessage(res.message);
        }
      });
    };
    s.on('connect', join);
    s.on('disconnect', () => {
      joinedRef.current = false;
      setStatus('connecting');
    });
    setSocket(s);
    return () => {
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
    };
  }, [code]);

  const transport = useMemo(() => (socket ? createSocketJobTransport(socket, () => joinedRef.current) : null), [socket]);
  return { status, message, transport };
}
