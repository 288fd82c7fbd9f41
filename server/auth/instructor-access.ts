/**
 * Withdrawn instructor approvals, told to the realtime layer: an instructor whose approval an admin withdraws keeps
 * no rights through sockets opened before (every node refuses their instructor actions and tells them why).
 */
export class InstructorAccess {
  private readonly listeners = new Set<(accountId: string) => void>();

  /** Tells the listeners that `accountId` may no longer act as an instructor. */
  withdrawn(accountId: string): void {
    for (const listener of this.listeners) listener(accountId);
  }

  /** Calls `listener` with each account whose approval was withdrawn; returns the unsubscribe function. */
  onWithdrawn(listener: (accountId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
