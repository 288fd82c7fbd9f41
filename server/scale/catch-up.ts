/**
 * When Redis returns after an outage, broadcasts other nodes made meanwhile never reached this node's clients. The
 * database holds the truth, so this node re-sends each of its live sessions' state to its own sockets and puts its
 * presence back on the shared board (which announces presence again).
 */
import { toSessionState } from '@convlab/protocol';
import type { ServerContext } from '../context';
import { rooms, type IoServer } from '../realtime/types';

/** Re-sends the stored state of every session this node has sockets in, to those sockets only. */
export async function catchUpLocalClients(io: IoServer, ctx: ServerContext): Promise<void> {
  ctx.classroom.resyncShared();
  const prefix = rooms.session('');
  const sessionIds = [...io.of('/').adapter.rooms.keys()].filter((r) => r.startsWith(prefix)).map((r) => r.slice(prefix.length));
  for (const sessionId of sessionIds) {
    const session = await ctx.store.findSessionById(sessionId);
    if (session) io.local.to(rooms.session(sessionId)).emit('session:state', toSessionState(session));
  }
}
