/**
 * Dynamic batching (as in inference servers): forward-pass requests for the same key (model) are gathered until
 * they fill `maxBatch` rows or the oldest has waited `maxWaitMs`, run as one batch, and the results are split back
 * per request. Transport- and tensor-free: the caller supplies `run` (one forward pass over all requests, in
 * order) and the timer functions, so the order of events can be tested without real time.
 */

export interface BatcherOptions {
  /** Rows per batch; a full batch runs at once. 1 turns batching off (every request runs alone). */
  maxBatch: number;
  /** Longest a request waits for company (ms). */
  maxWaitMs: number;
  /**
   * How many tags (jobs) could submit to a batch right now. When every one of them already has a request in the
   * batch being gathered, nobody else can join: it runs at once instead of waiting out `maxWaitMs`.
   */
  contributors?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** What a request learns about the batch it ran in. */
export interface BatchInfo {
  /** Rows in the batch. */
  rows: number;
  /** Requests in the batch. */
  requests: number;
  /** Distinct tags (jobs) in the batch. */
  tags: number;
}

export interface BatcherStats {
  batches: number;
  requests: number;
  rows: number;
  /** Batches that held requests of more than one tag (job). */
  sharedBatches: number;
}

interface Pending<Req, Res> {
  req: Req;
  rows: number;
  tag: string;
  resolve: (v: { value: Res; batch: BatchInfo }) => void;
  reject: (e: unknown) => void;
}

interface Group<Req, Res> {
  items: Pending<Req, Res>[];
  rows: number;
  timer: unknown;
}

/** Gathers requests per key into batches and splits the results back. */
export class DynamicBatcher<Req, Res> {
  readonly stats: BatcherStats = { batches: 0, requests: 0, rows: 0, sharedBatches: 0 };
  private readonly groups = new Map<string, Group<Req, Res>>();
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  /**
   * @param run runs one batch: gets the requests in arrival order, returns one result per request in that order.
   * @param rowsOf rows (images) in a request.
   */
  constructor(
    private readonly run: (key: string, requests: Req[]) => Promise<Res[]> | Res[],
    private readonly rowsOf: (req: Req) => number,
    private readonly opts: BatcherOptions,
  ) {
    if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${opts.maxBatch}`);
    if (!(opts.maxWaitMs >= 0)) throw new Error(`maxWaitMs must be >= 0, got ${opts.maxWaitMs}`);
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** Requests waiting for a batch, per key. */
  pending(key: string): number {
    return this.groups.get(key)?.items.length ?? 0;
  }

  /** Queues a request; resolves with its own result once its batch has run. `tag` names the job it belongs to. */
  submit(key: string, req: Req, tag = ''): Promise<{ value: Res; batch: BatchInfo }> {
    const rows = this.rowsOf(req);
    return new Promise((resolve, reject) => {
      let group = this.groups.get(key);
      // A request that would overflow the batch being gathered sends that batch off first.
      if (group && group.rows + rows > this.opts.maxBatch) {
        this.flush(key);
        group = undefined;
      }
      if (!group) {
        group = { items: [], rows: 0, timer: null };
        this.groups.set(key, group);
      }
      group.items.push({ req, rows, tag, resolve, reject });
      group.rows += rows;
      if (group.rows >= this.opts.maxBatch || this.opts.maxBatch === 1 || this.everyoneIn(group)) this.flush(key);
      else if (group.timer === null) group.timer = this.setTimer(() => this.flush(key), this.opts.maxWaitMs);
    });
  }

  private everyoneIn(group: Group<Req, Res>): boolean {
    if (!this.opts.contributors) return false;
    return new Set(group.items.map((i) => i.tag)).size >= this.opts.contributors();
  }

  /** Runs whatever is gathered for `key` now. */
  flush(key: string): void {
    const group = this.groups.get(key);
    if (!group || group.items.length === 0) return;
    this.groups.delete(key);
    if (group.timer !== null) this.clearTimer(group.timer);
    const items = group.items;
    const info: BatchInfo = { rows: group.rows, requests: items.length, tags: new Set(items.map((i) => i.tag)).size };
    this.stats.batches++;
    this.stats.requests += items.length;
    this.stats.rows += group.rows;
    if (info.tags > 1) this.stats.sharedBatches++;
    // Each batch runs in its own event-loop turn (setImmediate, not a microtask): between two batches the thread
    // reads its messages (new jobs, cancellations) and I/O (images being read), which a chain of microtasks of
    // busy jobs would otherwise hold back until every one of them had finished.
    new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(key, items.map((i) => i.req)))
      .then(
        (results) => {
          if (results.length !== items.length) throw new Error(`batch run returned ${results.length} results for ${items.length} requests`);
          items.forEach((it, i) => it.resolve({ value: results[i], batch: info }));
        },
        (err) => items.forEach((it) => it.reject(err)),
      )
      .catch((err) => items.forEach((it) => it.reject(err)));
  }

  /** Runs every gathered batch now (shutdown, tests). */
  flushAll(): void {
    for (const key of [...this.groups.keys()]) this.flush(key);
  }
}
