/** The labs build compute jobs as plain data; this holds them to the JobSpec the compute service parses. */
import { describe, expect, it } from 'vitest';
import { JOB_KINDS, JobSpecSchema } from '@convlab/protocol';
import { AscentParamsSchema, ascentJob } from './ascent.lab';
import { LAB_JOB_KINDS } from './common.schemas';
import { howCnnsSeeLesson } from './lessons/how-cnns-see';
import { MaxPatchParamsSchema } from './max-patches.lab';
import { maxPatchShardJob, planMaxPatchSearch } from './max-patches.search';
import { NeuronParamsSchema, neuronJobs } from './neuron.lab';
import { PoolingParamsSchema } from './pooling.lab';
import { OcclusionParamsSchema } from './occlusion.lab';
import { planSweep, shardJob } from './sweep';

describe('lab jobs are valid JobSpecs', () => {
  it('names only job kinds the compute service knows', () => {
    expect([...LAB_JOB_KINDS].sort()).toEqual([...JOB_KINDS].sort());
  });

  it('for every lab step of the ready-made lesson', () => {
    for (const step of howCnnsSeeLesson().steps) {
      if (step.kind !== 'lab') continue;
      const jobs: unknown[] = [];
      if (step.labId === 'occlusion') {
        const p = OcclusionParamsSchema.parse(step.params);
        const plan = planSweep([224, 224], p.window, p.stride, p.shardSize);
        for (const shard of plan.shards) jobs.push(shardJob(p, plan, shard, p.classIndex!));
        jobs.push({ kind: 'occlusion', model: p.model, image: p.image, params: { window: p.window, stride: p.stride, fill: p.fill, classIndex: p.classIndex } });
      } else if (step.labId === 'neuron') {
        const p = NeuronParamsSchema.parse(step.params);
        jobs.push(...neuronJobs(p, p.pick), ...neuronJobs(p, { kind: 'class', index: 386 }), ...neuronJobs(p, { kind: 'channel', layer: p.layers[0]!, channel: 1 }));
      } else if (step.labId === 'max-patches') {
        const p = MaxPatchParamsSchema.parse(step.params);
        const images = Array.from({ length: p.imageCount }, (_, i) => ({ kind: 'sample' as const, id: `imagenet-samples/n${i}.jpg` }));
        const plan = planMaxPatchSearch(images, p.channels, p.shardSize);
        for (const shard of plan.shards) jobs.push(maxPatchShardJob(p, plan, shard));
      } else if (step.labId === 'pooling') {
        const p = PoolingParamsSchema.parse(step.params);
        jobs.push({ kind: 'activations', model: p.model, image: p.image, params: { layer: p.layer, channels: 1 } });
      } else if (step.labId === 'ascent') {
        const p = AscentParamsSchema.parse(step.params);
        for (const classIndex of p.classes) jobs.push(ascentJob({ ...p, classIndex }));
      } else {
        // Convolution and filters compute in plain JavaScript: no compute jobs.
        expect(['convolution', 'filters']).toContain(step.labId);
        continue;
      }
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) {
        const parsed = JobSpecSchema.safeParse(job);
        expect(parsed.success, `${step.id}: ${JSON.stringify(job).slice(0, 200)} ${parsed.error?.message ?? ''}`).toBe(true);
      }
    }
  });
});
