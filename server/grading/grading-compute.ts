/**
 * The compute a grading rule gets (`GradingCompute` of @convlab/labs), run on the server's compute service at the
 * `grading` priority: below every live-lecture job and below the live checks of browser results, so a regrade of a
 * whole class never delays a lecture. Jobs queue fairly per `ownerId` (one per regrade).
 */
import { ComputeError, type JobSpecInput } from '@convlab/protocol';
import type { GradingCompute } from '@convlab/labs';
import type { ComputeLauncher } from '../compute-launcher';
import { runServerJob } from '../verify/lab-verifier';

/** A GradingCompute over the server's compute service. */
export function serverGradingCompute(compute: ComputeLauncher, ownerId: string): GradingCompute {
  const run = async (spec: JobSpecInput) => {
    const data = await runServerJob(compute, spec, { ownerId: `grading:${ownerId}`, role: 'grading' }).result;
    if (data === null) throw new ComputeError('JOB_CANCELLED', 'the grading job was cancelled');
    return data;
  };
  return {
    async occlusion({ model, image, fill, classIndex, masks }) {
      const data = await run({ kind: 'occlusion-masks', model, image, params: { masks: [...masks], fill, ...(classIndex !== undefined ? { classIndex } : {}), seed: 0 } } as JobSpecInput);
      return { classIndex: data.classIndex as number, baseline: data.baseline as number, probabilities: data.probabilities as number[] };
    },
    async channelMap({ model, image, layer, channel }) {
      const data = await run({ kind: 'activations', model, image, params: { layer, channel } } as JobSpecInput);
      return { height: data.height as number, width: data.width as number, data: Float32Array.from(data.maps as ArrayLike<number>) };
    },
    async classScore({ model, image, classIndex }) {
      const data = await run({ kind: 'saliency', model, image, params: { method: 'vanilla', target: { kind: 'class', index: classIndex } } } as JobSpecInput);
      return data.value as number;
    },
    async model(id) {
      const d = await (await compute.get()).describeModel(id);
      return { inputSize: d.inputSize, layers: d.layers };
    },
  };
}
