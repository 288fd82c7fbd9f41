/**
 * The browser compute client: owns the compute Web Worker, probes the browser once (backend, one forward pass of the
 * lesson's model), places each JobSpec with {@link decidePlacement}, and runs it in the worker or on the server
 * through a {@link ServerJobTransport}. Nothing waits forever: the probe and every local job have a time budget
 * (time-budget.ts); a job that fails locally, or runs past its budget, falls back to the server by itself, and the
 * snapshot says why in words. Every result is the protocol's envelope: `computedBy.where` says where it ran.
 */
import { API, JobSpecSchema, jobHash, ModelDetailSchema, UPLOADED_MODEL_ID, type ComputeErrorCode, type JobOutcome, type JobProgress, type JobResult, type JobSpec, type JobSpecInput } from '@convlab/protocol';
import { decidePlacement, DEFAULT_LIMITS, type BrowserCapability, type Placement, type PlacementLimits, type Preference } from './placement';
import { budgetText, jobBudgetMs, realClock, withinBudget, type BudgetClock } from './time-budget';
import type { BackendAttempt, FromWorker, ToWorker, WorkerSetup } from './worker-messages';

/** Sends a job to the compute server and follows it to its outcome (see socket-transport.ts). */
export interface ServerJobTransport {
  /** True while jobs can be sent (e.g. the socket is connected and joined). */
  available(): boolean;
  run(spec: JobSpec, opts: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void }): Promise<JobOutcome>;
}

/** A job's failure on either side, with the protocol's code where there is one. */
export class ComputeJobError extends Error {
  constructor(
    readonly code: ComputeErrorCode | 'OUT_OF_MEMORY' | 'NO_BACKEND' | 'NO_SERVER',
    message: string,
    /** Where it failed last. */
    readonly where: 'browser' | 'server',
  ) {
    super(message);
    this.name = 'ComputeJobError';
  }
}

/** The result envelope the labs get: the protocol's JobResult plus how the job was placed. */
export interface ComputeRunResult<K extends JobResult['kind'] = JobResult['kind']> extends JobResult<K> {
  placement: Placement & {
    /** Set when the job first failed in the browser and then ran on the server. */
    fallbackFrom?: { code: string; message: string };
  };
}

/** Progress of a running job on either side; gradient ascent adds its class score and a PNG snapshot. */
export interface RunProgress {
  step: number;
  total: number;
  /** Jobs ahead in the server's queue (then step and total are 0). */
  position?: number;
  score?: number;
  image?: Uint8Array;
  where: 'browser' | 'server';
}

export interface RunOptions {
  prefer?: Preference;
  signal?: AbortSignal;
  /** Progress in steps (the server also reports queue positions). */
  onProgress?: (p: RunProgress) => void;
}

/** What the client learned about this browser; `probe` is null until a model was measured. */
export interface ClientSnapshot {
  capability: BrowserCapability;
  /** Backend detail for people ("WebGL 2 · SwiftShader"). */
  info: string | null;
  attempts: BackendAttempt[];
  probe: { model: string; loadMs: number; warmupMs: number; forwardMs: number; inputSize: [number, number] } | null;
  probing: boolean;
  /** Why the latest job that was meant for this browser ran on the server instead, in words (null: none did). */
  fallback: string | null;
}

export interface ComputeClientOptions {
  /** Where the worker loads models and images from (absolute or page-relative URLs). */
  setup?: Partial<WorkerSetup>;
  /** The model the probe measures (the lesson's forward model). */
  probeModel: string;
  limits?: PlacementLimits;
  /** Starts the worker; tests and odd hosts may pass their own. */
  createWorker?: () => Worker;
  /** The timers of the time budgets (tests pass their own). */
  clock?: BudgetClock;
}

type Pending = { resolve(m: FromWorker): void; onProgress?: RunOptions['onProgress'] };

/** The default worker: a module worker Next bundles from compute.worker.ts. */
function defaultWorker(): Worker {
  return new Worker(new URL('./compute.worker.ts', import.meta.url), { type: 'module', name: 'convlab-compute' });
}

/** One client per page (see {@link getComputeClient}); it starts its worker on first use. */
export class ComputeClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<() => void>();
  private ready: Promise<void> | null = null;
  private probed: Promise<void> | null = null;
  private snapshot: ClientSnapshot = { capability: { state: 'unknown' }, info: null, attempts: [], probe: null, probing: false, fallback: null };
  private server: ServerJobTransport | null = null;
  /** Uploaded models' server-only verdicts by id (see {@link serverOnlyModel}). */
  private readonly modelLimits = new Map<string, Promise<string | null>>();
  private readonly limits: PlacementLimits;
  private readonly clock: BudgetClock;
  /** The stall the probe's budget recorded (a late answer of the probe clears this one, not a job's). */
  private probeStall: string | null = null;

  constructor(private readonly options: ComputeClientOptions) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.clock = options.clock ?? realClock;
  }

  /** The current view of this browser (stable object until something changes, for useSyncExternalStore). */
  getSnapshot = (): ClientSnapshot => this.snapshot;

  /** Calls `fn` whenever the snapshot changes; returns the unsubscribe function. */
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** Sets (or clears) the way to the compute server. */
  setServer(transport: ServerJobTransport | null): void {
    this.server = transport;
  }

  /** True when a server transport is set and usable now. */
  serverAvailable(): boolean {
    return !!this.server?.available();
  }

  /** Starts the worker and picks a backend (once). */
  start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve) => {
      let worker: Worker;
      try {
        worker = (this.options.createWorker ?? defaultWorker)();
      } catch (e) {
        this.update({ capability: { state: 'unavailable', reason: `Web Workers are not available: ${(e as Error).message}` } });
        resolve();
        return;
      }
      this.worker = worker;
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const msg = event.data;
        if (msg.type === 'ready') {
          this.update({
            capability: msg.backend
              ? { ...this.snapshot.capability, state: 'ready', backend: msg.backend, ...(msg.renderer ? { renderer: msg.renderer } : {}) }
              : { state: 'unavailable', reason: msg.attempts.map((a) => `${a.backend}: ${a.error}`).join('; ') },
            info: msg.info,
            attempts: msg.attempts,
          });
          resolve();
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        if (msg.type === 'progress') p.onProgress?.({ ...msg.progress, where: 'browser' });
        else {
          this.pending.delete(msg.id);
          p.resolve(msg);
        }
      };
      worker.onerror = (event) => {
        // The worker script itself failed (a bundling or syntax problem): nothing local can run.
        event.preventDefault?.();
        const reason = `the compute worker failed to start${event.message ? `: ${event.message}` : ''}`;
        this.update({ capability: { state: 'unavailable', reason } });
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.resolve({ type: 'failed', id, code: 'NO_BACKEND', message: reason });
        }
        resolve();
      };
      const origin = typeof location !== 'undefined' ? location.origin : 'http://localhost';
      const abs = (u: string) => new URL(u, origin).href;
      const s = this.options.setup ?? {};
      const setup: WorkerSetup = {
        modelsUrl: abs(s.modelsUrl ?? '/models/'),
        samplesUrl: abs(s.samplesUrl ?? '/api/samples/'),
        uploadsUrl: abs(s.uploadsUrl ?? '/api/images/'),
        ...(s.labelsUrl ? { labelsUrl: abs(s.labelsUrl) } : {}),
        ...(s.backends ? { backends: s.backends } : {}),
      };
      this.post({ type: 'init', setup });
    });
    return this.ready;
  }

  /**
   * Starts the worker and measures the probe model once (a failure leaves the browser usable but unmeasured). Resolves
   * within the probe's time budget: past it the browser counts as stalled (Automatic uses the server) until the
   * check answers after all.
   */
  probe(): Promise<void> {
    this.probed ??= (async () => {
      const checked = await withinBudget(this.measure(), this.limits.probeBudgetMs, this.clock);
      if (!checked.ok) {
        this.probeStall = `checking this browser took longer than ${budgetText(checked.budgetMs)}`;
        this.update({ probing: false, capability: { ...this.snapshot.capability, stalled: this.probeStall } });
      }
    })();
    return this.probed;
  }

  /** Starts the worker and times one forward pass of the probe model (no time limit: see {@link probe}). */
  private async measure(): Promise<void> {
    await this.start();
    if (this.snapshot.capability.state !== 'ready') return;
    this.update({ probing: true });
    const msg = await this.call({ type: 'probe', id: 0, model: this.options.probeModel });
    if (msg.type === 'probed') {
      this.update({
        probing: false,
        // A check that answers late still counts: this browser works, just slowly at first.
        capability: { ...this.snapshot.capability, backend: msg.backend, forwardMs: msg.forwardMs, stalled: this.snapshot.capability.stalled === this.probeStall ? undefined : this.snapshot.capability.stalled },
        probe: { model: msg.model, loadMs: msg.loadMs, warmupMs: msg.warmupMs, forwardMs: msg.forwardMs, inputSize: msg.inputSize },
      });
    } else if (msg.type === 'failed') {
      const oom = msg.code === 'OUT_OF_MEMORY';
      this.update({
        probing: false,
        capability: oom
          ? { ...this.snapshot.capability, outOfMemory: true }
          : { state: 'unavailable', backend: this.snapshot.capability.backend, reason: msg.message },
      });
    }
  }

  /** Where a job would run now (after the probe), without running it. */
  async place(spec: JobSpec, prefer: Preference = 'auto'): Promise<Placement> {
    const serverOnlyModel = await this.serverOnlyModel(spec.model);
    if (prefer !== 'server' && !serverOnlyModel) await this.probe();
    return decidePlacement({
      spec, prefer, capability: this.snapshot.capability, serverAvailable: this.serverAvailable(), limits: this.limits, inputSize: this.snapshot.probe?.inputSize, serverOnlyModel,
    });
  }

  /** Why an uploaded model runs on the server only (too large for laptops), from the server's catalog; null otherwise. */
  private serverOnlyModel(model: string): Promise<string | null> {
    if (!UPLOADED_MODEL_ID.test(model)) return Promise.resolve(null);
    let known = this.modelLimits.get(model);
    if (!known) {
      known = fetch(API.model(model))
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((body) => {
          const { model: m } = ModelDetailSchema.parse(body);
          return m.serverOnly ? `${m.displayName} (${Math.round(m.sizeBytes / (1024 * 1024))} MB) is too large for laptops: the class server computes it` : null;
        });
      // A failed look-up is not remembered: the browser's own attempt and its fallback decide then.
      known.catch(() => this.modelLimits.delete(model));
      this.modelLimits.set(model, known);
    }
    return known.catch(() => null);
  }

  /**
   * Runs a JobSpec where the policy places it and resolves with the result envelope. A local failure of any kind (an
   * error of the worker, or the job running past its time budget), but not a cancellation, is retried on the server
   * when one is connected. Rejects with a {@link ComputeJobError}.
   */
  async run(input: JobSpecInput | JobSpec, opts: RunOptions = {}): Promise<ComputeRunResult> {
    const parsed = JobSpecSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ComputeJobError('BAD_JOB', `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`, 'browser');
    }
    const spec = parsed.data;
    const placement = await this.place(spec, opts.prefer ?? 'auto');
    if (placement.where === 'server') {
      // A job Automatic would have run here, had the browser answered in time: say so even after a late answer.
      if (placement.reason === 'stalled') this.update({ fallback: `${placement.message}, so the class server computed it` });
      if (placement.reason === 'server-only-model') this.update({ fallback: placement.message });
      return { ...(await this.runOnServer(spec, opts)), placement };
    }
    // Automatic with a server to fall back to never waits past a job's budget; "This laptop" runs as long as it takes
    // (the student chose it, and can cancel).
    const budgeted = (opts.prefer ?? 'auto') === 'auto' && this.serverAvailable();
    try {
      return { ...(await this.runInBrowser(spec, opts, budgeted)), placement };
    } catch (e) {
      const err = e instanceof ComputeJobError ? e : new ComputeJobError('JOB_FAILED', String((e as Error)?.message ?? e), 'browser');
      if (err.code === 'JOB_CANCELLED' || opts.signal?.aborted || !this.serverAvailable()) throw err;
      this.update({ fallback: `${err.code === 'JOB_TIMEOUT' ? err.message : `it failed in this browser (${err.message})`}, so the class server computed it` });
      const result = await this.runOnServer(spec, opts);
      return { ...result, placement: { ...placement, where: 'server', fallbackFrom: { code: err.code, message: err.message } } };
    }
  }

  /** Stops the worker (a page that unmounts for good); the next use starts a new one. */
  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    this.probed = null;
    for (const [id, p] of this.pending) p.resolve({ type: 'failed', id, code: 'JOB_CANCELLED', message: 'the compute worker stopped' });
    this.pending.clear();
    this.update({ capability: { state: 'unknown' }, info: null, attempts: [], probe: null, probing: false, fallback: null });
  }

  /**
   * Runs a job in the worker, `budgeted`: within its time budget (worker start included). Past the budget the job is
   * cancelled there, the browser counts as stalled for Automatic, and it fails with JOB_TIMEOUT (the caller goes to
   * the server).
   */
  private async runInBrowser(spec: JobSpec, opts: RunOptions, budgeted: boolean): Promise<JobResult> {
    const id = this.nextId++;
    const onAbort = () => this.post({ type: 'cancel', id });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const budgetMs = budgeted ? jobBudgetMs(spec, this.snapshot.capability, this.limits, this.snapshot.probe?.inputSize) : Number.POSITIVE_INFINITY;
    try {
      const work = this.start().then(() => this.call({ type: 'run', id, spec }, opts.onProgress));
      const outcome = budgeted ? await withinBudget(work, budgetMs, this.clock) : { ok: true as const, value: await work };
      if (!outcome.ok) {
        this.post({ type: 'cancel', id });
        this.pending.delete(id);
        const message = `this browser took longer than ${budgetText(budgetMs)} on a job`;
        this.update({ capability: { ...this.snapshot.capability, stalled: message } });
        throw new ComputeJobError('JOB_TIMEOUT', message, 'browser');
      }
      const msg = outcome.value;
      if (msg.type === 'done') {
        return {
          jobId: `browser-${id}`,
          specHash: jobHash(spec),
          kind: spec.kind,
          computedBy: { where: 'browser', backend: msg.backend, ms: Math.round(msg.ms * 10) / 10, cached: false, batched: false },
          data: msg.data,
        } as JobResult;
      }
      const failed = msg as Extract<FromWorker, { type: 'failed' }>;
      if (failed.code === 'OUT_OF_MEMORY') this.update({ capability: { ...this.snapshot.capability, outOfMemory: true } });
      throw new ComputeJobError(failed.code, failed.message, 'browser');
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async runOnServer(spec: JobSpec, opts: RunOptions): Promise<JobResult> {
    const server = this.server;
    if (!server?.available()) throw new ComputeJobError('NO_SERVER', 'there is no connection to the compute server', 'server');
    const outcome = await server.run(spec, {
      signal: opts.signal,
      onProgress: ({ jobId: _jobId, ...p }) => opts.onProgress?.({ ...p, where: 'server' }),
    });
    if (!outcome.ok) throw new ComputeJobError(outcome.error, outcome.message, 'server');
    const { ok: _ok, ...result } = outcome;
    return result;
  }

  private call(msg: ToWorker & { id: number }, onProgress?: RunOptions['onProgress']): Promise<FromWorker> {
    return new Promise((resolve) => {
      if (!this.worker) {
        resolve({ type: 'failed', id: msg.id, code: 'NO_BACKEND', message: this.snapshot.capability.reason ?? 'the compute worker is not running' });
        return;
      }
      this.pending.set(msg.id, { resolve, onProgress });
      this.post(msg);
    });
  }

  private post(msg: ToWorker): void {
    this.worker?.postMessage(msg);
  }

  private update(patch: Partial<ClientSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const fn of this.listeners) fn();
  }
}
