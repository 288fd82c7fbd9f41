'use client';

/**
 * The assignment page's connection for server compute: a Socket.io socket with the student's account cookie that
 * opens the assignment (`assignment:open`) after every (re)connect. Until the server has accepted it — or when it
 * refuses (the assignment closed) — the lab computes in this browser and `refused` says why.
 */
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, SOCKET_TRANSPORTS, type Ack, type HandshakeAuth } from '@convlab/protocol';
import { humanizeError } from '../../_lib/error-messages';
import type { ConnectionStatus } from '../../_lib/use-classroom-socket';

const OPEN_ACK_TIMEOUT_MS = 10_000;

export interface AssignmentSocket {
  socket: Socket | null;
  status: ConnectionStatus;
  /** Why the server does not compute for this assignment (null: it does, or is being asked). */
  refused: string | null;
}

export function useAssignmentSocket(assignmentId: string): AssignmentSocket {
  const [socket, setSocket] = useState<Socket | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [refused, setRefused] = useState<string | null>(null);

  useEffect(() => {
    const s = io({ auth: { protocolVersion: PROTOCOL_VERSION } satisfies HandshakeAuth, withCredentials: true, transports: SOCKET_TRANSPORTS, reconnectionDelay: 500, reconnectionDelayMax: 3000 });
    const open = () => {
      (s.timeout(OPEN_ACK_TIMEOUT_MS) as unknown as { emit: (e: string, p: unknown, cb: (err: Error | null, res: Ack<unknown>) => void) => void }).emit(
        'assignment:open',
        { assignmentId },
        (err, res) => {
          if (err) return setStatus('reconnecting');
          if (res.ok) {
            setRefused(null);
            setStatus('live');
          } else {
            setRefused(humanizeError(res.error, res.message));
            setStatus('failed');
          }
        },
      );
    };
    s.on('connect', open);
    s.on('disconnect', () => setStatus('reconnecting'));
    setSocket(s);
    return () => {
      s.off('connect', open);
      s.disconnect();
      setSocket(null);
    };
  }, [assignmentId]);

  return { socket, status, refused };
}
