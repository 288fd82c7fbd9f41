/**
 * The result cache of the compute service, keyed by the JobSpec hash: a memory LRU bounded by entries and bytes,
 * plus the computations in flight, so identical specs submitted at the same time are computed once (the second
 * submitter joins the first one's computation; its value lands in the LRU when it succeeds).
 */

export interface CacheOptions {
  maxEntries: number;
  maxBytes: number;
  /** Approximate size of a value in bytes (default: {@link approxBytes}). */
  sizeOf?: (value: unknown) => number;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  /** Submissions that joined a computation already in flight. */
  joins: number;
  inFlight: number;
}

/** Rough bytes of a result: typed arrays by their length, strings by theirs, numbers as 8. */
export function approxBytes(value: unknown, depth = 0): number {
  if (value === null || value === undefined || depth > 8) return 0;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (typeof value === 'string') return value.length * 2;
  if (typeof value !== 'object') return 8;
  let n = 0;
  if (Array.isArray(value)) for (const v of value) n += approxBytes(v, depth + 1);
  else for (const [k, v] of Object.entries(value)) n += k.length * 2 + approxBytes(v, depth + 1);
  return n;
}

/** LRU of finished results plus the registry of computations in flight (`F` is the caller's flight record). */
export class ResultCache<V, F = unknown> {
  private readonly lru = new Map<string, { value: V; bytes: number }>();
  private readonly flights = new Map<string, F>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private joins = 0;
  private readonly sizeOf: (value: unknown) => number;

  constructor(private readonly opts: CacheOptions) {
    if (!(opts.maxEntries >= 0) || !(opts.maxBytes >= 0)) throw new Error('cache bounds must be >= 0');
    this.sizeOf = opts.sizeOf ?? approxBytes;
  }

  /** A finished result (and marks it recently used). */
  get(key: string): V | undefined {
    const e = this.lru.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.lru.delete(key);
    this.lru.set(key, e);
    return e.value;
  }

  /** Like {@link get}, but a miss is not counted (a second look after an await). */
  peek(key: string): V | undefined {
    return this.lru.has(key) ? this.get(key) : undefined;
  }

  /** Stores a finished result, evicting the least recently used ones beyond the bounds. */
  set(key: string, value: V): void {
    const bytes = this.sizeOf(value);
    const old = this.lru.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.lru.delete(key);
    }
    // A single result larger than the whole budget is not worth evicting everything for.
    if (bytes > this.opts.maxBytes || this.opts.maxEntries === 0) return;
    this.lru.set(key, { value, bytes });
    this.bytes += bytes;
    while (this.lru.size > this.opts.maxEntries || this.bytes > this.opts.maxBytes) {
      const [k, e] = this.lru.entries().next().value as [string, { value: V; bytes: number }];
      this.lru.delete(k);
      this.bytes -= e.bytes;
    }
  }

  delete(key: string): boolean {
    const e = this.lru.get(key);
    if (!e) return false;
    this.bytes -= e.bytes;
    return this.lru.delete(key);
  }

  /** The computation of `key` in flight, if any; counts a join when found. */
  join(key: string): F | undefined {
    const f = this.flights.get(key);
    if (f !== undefined) this.joins++;
    return f;
  }

  /**
   * Registers the computation of `key`. When `done` resolves its value is cached; either way the flight ends
   * (unless another flight replaced it meanwhile).
   */
  track(key: string, flight: F, done: Promise<V>): void {
    if (this.flights.has(key)) throw new Error(`a computation of ${key.slice(0, 12)} is already in flight`);
    this.flights.set(key, flight);
    done.then(
      (value) => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        this.set(key, value);
      },
      () => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      },
    );
  }

  /** Forgets a flight without caching anything (its computation was cancelled). */
  abandon(key: string, flight: F): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }

  stats(): CacheStats {
    return { entries: this.lru.size, bytes: this.bytes, hits: this.hits, misses: this.misses, joins: this.joins, inFlight: this.flights.size };
  }
}
