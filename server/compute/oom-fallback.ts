/**
 * A batch that runs a GPU out of memory is retried in smaller batches, and later batches stay under the size that
 * failed, so a busy class slows down instead of crashing the server. Tensor-free: the caller runs one batch and says
 * which errors are out-of-memory ones.
 */

/** True for the errors a GPU reports when an allocation fails or the device is lost under memory pressure. */
export function isOutOfMemory(err: unknown): boolean {
  const text = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return /out of memory|outofmemory|\boom\b|allocation|failed to allocate|device (was |is )?lost/i.test(text);
}

/** Runs request lists in batches of at most `cap()` rows, halving the cap whenever a batch runs out of memory. */
export class OomFallback {
  /** Rows per batch that last ran out of memory, minus one; Infinity until something fails. */
  private limit = Infinity;
  /** Batches that ran out of memory (for health and tests). */
  failures = 0;

  constructor(private readonly isOom: (err: unknown) => boolean = isOutOfMemory) {}

  /** The largest batch (rows) still tried. */
  get maxRows(): number {
    return this.limit;
  }

  /**
   * `run` one batch over `reqs` (results in order); on out-of-memory, split in halves and retry each, down to a
   * single request, whose failure is final. Other errors pass through.
   */
  async run<Req, Res>(reqs: Req[], rowsOf: (r: Req) => number, run: (batch: Req[]) => Promise<Res[]>): Promise<Res[]> {
    const out: Res[] = [];
    for (const chunk of this.chunks(reqs, rowsOf)) out.push(...(await this.runChunk(chunk, rowsOf, run)));
    return out;
  }

  private async runChunk<Req, Res>(reqs: Req[], rowsOf: (r: Req) => number, run: (batch: Req[]) => Promise<Res[]>): Promise<Res[]> {
    try {
      return await run(reqs);
    } catch (err) {
      if (!this.isOom(err)) throw err;
      this.failures++;
      const rows = reqs.reduce((n, r) => n + rowsOf(r), 0);
      this.limit = Math.max(1, Math.min(this.limit, Math.floor(rows / 2)));
      if (reqs.length === 1) throw new Error(`the GPU ran out of memory for one request of ${rows} rows; try a smaller job`);
      const half = Math.ceil(reqs.length / 2);
      return [...(await this.runChunk(reqs.slice(0, half), rowsOf, run)), ...(await this.runChunk(reqs.slice(half), rowsOf, run))];
    }
  }

  /** Consecutive groups of requests of at most `limit` rows (a single larger request goes alone). */
  private chunks<Req>(reqs: Req[], rowsOf: (r: Req) => number): Req[][] {
    const groups: Req[][] = [];
    let current: Req[] = [];
    let rows = 0;
    for (const r of reqs) {
      const n = rowsOf(r);
      if (current.length > 0 && rows + n > this.limit) {
        groups.push(current);
        current = [];
        rows = 0;
      }
      current.push(r);
      rows += n;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }
}
