/**
 * What the class sees is computed or checked by the server. A browser's numbers are a hint: before a submission is
 * stored the server recomputes what others will see — the occlusion probabilities of the submitted masks (one
 * batched `occlusion-masks` job), the class score of a submitted gradient-ascent image, the neuron lab's method
 * images (rendered by the server's own `saliency` jobs), a convolution kernel's output and challenge check, a pooling
 * quiz answer (server/verify/lab-tasks.ts) — and stores its own values. Every job goes through the
 * compute service at the lowest priority (`verify`), so checks never delay a student's own job; the result cache
 * makes a check free when the student computed on the server.
 */
import { ComputeError, type JobSpec } from '@convlab/protocol';
import {
  neuronJobs,
  type AscentParams,
  type AscentResult,
  type NeuronParams,
  type NeuronResult,
  type OcclusionParams,
  type OcclusionResult,
  type MaxPatchRunnerOptions,
  type PatchesComputation,
  type ShardComputation,
  type SweepComputePort,
  type SweepComputePurpose,
} from '@convlab/labs';
import type { LabStep } from '@convlab/protocol';
import type { ComputeLauncher } from '../compute-launcher';
import type { Requester } from '../compute/service';
import type { LabTasks, TaskOwner } from './lab-tasks';

/** A job's result data, as the compute service hands it over in process. */
type JobData = Record<string, unknown>;

/** Runs one job on the server's compute service; resolves with its data (null when it was cancelled). */
export function runServerJob(compute: ComputeLauncher, spec: unknown, who: Requester): { result: Promise<JobData | null>; cancel(): void } {
  let jobId: string | undefined;
  let cancelled = false;
  const result = (async () => {
    const service = await compute.get();
    return new Promise<JobData | null>((resolve, reject) => {
      service
        .submit(spec, who, {
          result: (o) => {
            if (o.ok) resolve(o.data as JobData);
            else if (o.error === 'JOB_CANCELLED') resolve(null);
            else reject(new ComputeError(o.error, o.message));
          },
        })
        .then((accepted) => {
          jobId = accepted.jobId;
          if (cancelled) service.cancel(jobId, null);
        }, reject);
    });
  })();
  return {
    result,
    cancel() {
      cancelled = true;
      if (jobId) compute.current()?.cancel(jobId, null);
    },
  };
}

/**
 * The compute port of a class computation's shard runner: takeovers at the instructor's priority, checks at
 * `verify`; `read` turns a job's data into what the runner expects.
 */
export function classComputePort<R extends { id: string }, S>(compute: ComputeLauncher, read: (data: JobData) => S): { run(run: R, job: unknown, purpose: SweepComputePurpose): ShardComputation<S> } {
  let checks = 0;
  return {
    run(run, job, purpose) {
      // One owner per check, so a class answering at once is not refused by the per-owner cap.
      const who: Requester = purpose === 'check' ? { ownerId: `verify:${run.id}:${++checks}`, role: 'verify' } : { ownerId: `sweep:${run.id}`, role: 'instructor' };
      const running = runServerJob(compute, job, who);
      return { cancel: running.cancel, result: running.result.then((data) => (data === null ? null : read(data))) };
    },
  };
}

/** The compute port of the occlusion sweep runner. */
export function sweepComputePort(compute: ComputeLauncher): SweepComputePort {
  return classComputePort(compute, (data) => ({ probabilities: data.probabilities as number[], baseline: data.baseline as number }));
}

/** The compute port of the max-patch search runner. */
export function patchSearchComputePort(compute: ComputeLauncher): MaxPatchRunnerOptions['compute'] {
  return classComputePort(compute, (data) => ({ entries: data.entries as PatchesComputation['entries'] }));
}

/** What a lab submission stores, before and after the server's check. */
export interface CheckedSubmission {
  params: Record<string, unknown>;
  result: Record<string, unknown>;
  resultImageHash: string | null;
}

/** Where the server's own result images go (the image service, recorded as uploaded by the submitter). */
export type StoreImage = (png: Uint8Array) => Promise<string>;

/** Cost figures of the checks so far (the benchmark prints them). */
export interface VerifierStats {
  submissions: number;
  ms: number;
}

/** Recomputes what a lab submission shows the class. */
export class LabVerifier {
  readonly stats: VerifierStats = { submissions: 0, ms: 0 };

  constructor(
    private readonly compute: ComputeLauncher,
    private readonly tasks: LabTasks,
  ) {}

  /**
   * The submission with the server's values in place of the browser's (labs without anything to check pass
   * through). `ownerId` is the submitter (checks queue fairly per submitter, below everyone's jobs); `owner` names
   * the session and student whose hidden task (challenge, quiz) a convolution or pooling submission is checked against.
   */
  async verify(step: LabStep, submission: CheckedSubmission, ownerId: string, storeImage: StoreImage, owner: TaskOwner): Promise<CheckedSubmission> {
    const t0 = performance.now();
    try {
      switch (step.labId) {
        case 'convolution':
          return await this.tasks.convolution(step, owner, submission, storeImage);
        case 'pooling':
          return this.tasks.pooling(step, owner, submission);
        case 'occlusion':
          return 'masks' in submission.result ? await this.occlusion(submission, ownerId) : submission;
        case 'ascent':
          return await this.ascent(submission, ownerId);
        case 'neuron':
          return await this.neuron(submission, ownerId, storeImage);
        default:
          return submission;
      }
    } finally {
      this.stats.submissions++;
      this.stats.ms += performance.now() - t0;
    }
  }

  private run(spec: unknown, ownerId: string): Promise<JobData> {
    return runServerJob(this.compute, spec, { ownerId: `verify:${ownerId}`, role: 'verify' }).result.then((d) => {
      if (d === null) throw new ComputeError('JOB_CANCELLED', 'the server’s check was cancelled');
      return d;
    });
  }

  /** The masks' probabilities, the baseline and the top classes, all from one batched pass on the server. */
  private async occlusion(s: CheckedSubmission, ownerId: string): Promise<CheckedSubmission> {
    const params = s.params as OcclusionParams;
    const result = s.result as OcclusionResult;
    const spec: JobSpec = {
      kind: 'occlusion-masks',
      model: params.model,
      image: params.image,
      params: { masks: result.masks.map((m) => m.mask), fill: params.fill, classIndex: result.classIndex, seed: 0 },
    } as JobSpec;
    const data = await this.run(spec, ownerId);
    const probabilities = data.probabilities as number[];
    const topClass = data.topClass as number[];
    const topProbability = data.topProbability as number[];
    const masks = result.masks.map((m, i) => ({ mask: m.mask, probability: probabilities[i]!, topClass: topClass[i]!, topProbability: topProbability[i]! }));
    return { ...s, result: { ...result, baseline: data.baseline as number, masks } };
  }

  /** The class score of the submitted image (as stored), computed by the server; the penalty term kept as sent. */
  private async ascent(s: CheckedSubmission, ownerId: string): Promise<CheckedSubmission> {
    const params = s.params as AscentParams;
    const result = s.result as AscentResult;
    if (!s.resultImageHash) return s;
    const data = await this.run(
      { kind: 'saliency', model: params.model, image: { kind: 'upload', sha256: s.resultImageHash }, params: { method: 'vanilla', target: { kind: 'class', index: result.classIndex } } },
      ownerId,
    );
    const score = data.value as number;
    // S − λ‖I‖²: the penalty is what the browser reported, never more than λ allows to lift the objective.
    const penalty = Math.max(0, result.score - result.objective);
    return { ...s, result: { ...result, score, objective: score - penalty } };
  }

  /** The method images rendered by the server (stored as its own PNGs) and the pick's value. */
  private async neuron(s: CheckedSubmission, ownerId: string, storeImage: StoreImage): Promise<CheckedSubmission> {
    const params = s.params as NeuronParams;
    const result = s.result as NeuronResult;
    // The methods the student sent images of (none: the step's first, for the submission's result image).
    const methods = result.images.length ? result.images.map((i) => i.method) : params.methods.slice(0, 1);
    const jobs = neuronJobs({ ...params, methods }, result.pick).filter((j) => j.kind === 'saliency');
    const images: NeuronResult['images'] = [];
    let value = result.value;
    let field: NeuronResult['field'];
    // One after another: a submission's checks take one place in the queue, not one per method.
    for (const job of jobs) {
      const data = await this.run(job, ownerId);
      const png = data.png;
      if (!(png instanceof Uint8Array)) throw new ComputeError('JOB_FAILED', 'the server rendered no image');
      images.push({ method: job.params.method, sha256: await storeImage(png) });
      value = data.value as number;
      field = data.field as NeuronResult['field'];
    }
    // In the order the student sent them (the first is the submission's result image); the field is the server's only.
    const { field: _sent, ...rest } = result;
    return { ...s, result: { ...rest, value, images: result.images.length ? images : [], ...(field ? { field } : {}) }, resultImageHash: images[0]?.sha256 ?? s.resultImageHash };
  }
}
