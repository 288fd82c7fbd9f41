/**
 * A cap on open Socket.io connections per client address. High by default: a lecture hall behind one NAT shares
 * one address. Every refusal is logged.
 */

/** Counts open connections per address. */
export class ConnectionCap {
  private readonly open = new Map<string, number>();

  constructor(
    readonly maxPerAddress: number,
    private readonly log: (line: string) => void = (line) => console.warn(line),
  ) {}

  /** Counts a new connection from `address`; false (logged) when the address already has the most allowed. */
  tryOpen(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (n >= this.maxPerAddress) {
      this.log(`[limits] refused a connection from ${address}: ${n} open, at most ${this.maxPerAddress} per address`);
      return false;
    }
    this.open.set(address, n + 1);
    return true;
  }

  /** A connection from `address` closed. */
  close(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  /** Open connections from `address`. */
  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
