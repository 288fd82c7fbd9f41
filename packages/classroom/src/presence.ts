import type { Presence } from '@convlab/protocol';
import type { Clock, TimerHandle } from './clock';

/**
 * A participant's seat, as a union of states with their own data:
 * online while at least one connection (tab) is open; reconnecting for the grace period after the
 * last one closed; offline (no entry) once the grace period ran out and the seat was released.
 */
export type Seat =
  | { kind: 'online'; sessionId: string; connections: Set<string> }
  | { kind: 'reconnecting'; sessionId: string; since: Date; timer: TimerHandle };

export interface PresenceOptions {
  clock: Clock;
  /** How long a dropped participant keeps the seat, in milliseconds. */
  graceMs: number;
  /** Called after any participant of `sessionId` changed presence. */
  onChange: (sessionId: string, participantId: string, presence: Presence) => void;
}

/** Tracks which participants are connected, with a grace period on disconnect. Transport-free. */
export class PresenceTracker {
  private seats = new Map<string, Seat>();

  constructor(private readonly opts: PresenceOptions) {}

  /** The participant's current presence. */
  presenceOf(participantId: string): Presence {
    return this.seats.get(participantId)?.kind ?? 'offline';
  }

  /** Number of open connections of a participant (0 when reconnecting or offline). */
  connectionCount(participantId: string): number {
    const seat = this.seats.get(participantId);
    return seat?.kind === 'online' ? seat.connections.size : 0;
  }

  /** A connection (socket, tab) of the participant opened; a reconnect within the grace period keeps the seat. */
  connect(sessionId: string, participantId: string, connectionId: string): void {
    const seat = this.seats.get(participantId);
    if (seat?.kind === 'online') {
      seat.connections.add(connectionId);
      return;
    }
    if (seat?.kind === 'reconnecting') this.opts.clock.clearTimeout(seat.timer);
    this.seats.set(participantId, { kind: 'online', sessionId, connections: new Set([connectionId]) });
    this.opts.onChange(sessionId, participantId, 'online');
  }

  /** A connection closed; when it was the last one the participant is reconnecting until the grace period ends. */
  disconnect(participantId: string, connectionId: string): void {
    const seat = this.seats.get(participantId);
    if (seat?.kind !== 'online' || !seat.connections.delete(connectionId) || seat.connections.size > 0) return;
    const { sessionId } = seat;
    if (this.opts.graceMs <= 0) {
      this.release(participantId, sessionId);
      return;
    }
    const timer = this.opts.clock.setTimeout(() => {
      const current = this.seats.get(participantId);
      if (current?.kind === 'reconnecting' && current.timer === timer) this.release(participantId, sessionId);
    }, this.opts.graceMs);
    this.seats.set(participantId, { kind: 'reconnecting', sessionId, since: this.opts.clock.now(), timer });
    this.opts.onChange(sessionId, participantId, 'reconnecting');
  }

  /** Forgets a participant at once (removed by the instructor); no change is reported. */
  drop(participantId: string): void {
    const seat = this.seats.get(participantId);
    if (seat?.kind === 'reconnecting') this.opts.clock.clearTimeout(seat.timer);
    this.seats.delete(participantId);
  }

  /** Everyone with a seat here (online or reconnecting), for re-reporting them to a shared board. */
  seated(): { participantId: string; sessionId: string; presence: Presence }[] {
    return [...this.seats].map(([participantId, seat]) => ({ participantId, sessionId: seat.sessionId, presence: seat.kind }));
  }

  /** Cancels every timer (shutdown). */
  clear(): void {
    for (const id of [...this.seats.keys()]) this.drop(id);
  }

  private release(participantId: string, sessionId: string): void {
    this.seats.delete(participantId);
    this.opts.onChange(sessionId, participantId, 'offline');
  }
}
