/** Routing by cost between the GPU worker and the wasm workers. */
import { describe, expect, it } from 'vitest';
import { JobSpecSchema, type JobSpec } from '@convlab/protocol';
import { pickWorker, taskWeight, type WorkerLoad } from './routing';

const image = { kind: 'sample', id: 'photos/skimage_chelsea.png' } as const;
const run = (spec: unknown) => ({ type: 'run' as const, spec: JobSpecSchema.parse(spec) as JobSpec });
const rect = { kind: 'rect', x: 0, y: 0, width: 10, height: 10 };
const gpu = (o: Partial<WorkerLoad> = {}): WorkerLoad => ({ gpu: true, background: false, ready: true, free: 32, running: 0, heavyRunning: 0, ...o });
const wasm = (o: Partial<WorkerLoad> = {}): WorkerLoad => ({ gpu: false, background: false, ready: true, free: 4, running: 0, heavyRunning: 0, ...o });

describe('taskWeight', () => {
  it('gradients and many-row jobs are heavy; one forward pass (or a few masks) is light', () => {
    expect(taskWeight({ type: 'describe', model: 'x' })).toBe('light');
    expect(taskWeight(run({ kind: 'classify', model: 'm', image }))).toBe('light');
    expect(taskWeight(run({ kind: 'activations', model: 'm', image, params: { layer: 'conv1' } }))).toBe('light');
    expect(taskWeight(run({ kind: 'occlusion-masks', model: 'm', image, params: { masks: [rect, rect], fill: 'grey' } }))).toBe('light');
    expect(taskWeight(run({ kind: 'occlusion-masks', model: 'm', image, params: { masks: Array(5).fill(rect), fill: 'grey' } }))).toBe('heavy');
    expect(taskWeight(run({ kind: 'occlusion', model: 'm', image, params: { window: 32, stride: 8, fill: 'grey' } }))).toBe('heavy');
    expect(taskWeight(run({ kind: 'saliency', model: 'm', image, params: { method: 'vanilla', target: { kind: 'class', index: 1 } } }))).toBe('heavy');
    expect(taskWeight(run({ kind: 'ascent', model: 'm', params: { target: { kind: 'class', index: 1 }, steps: 10, learningRate: 1 } }))).toBe('heavy');
  });
});

describe('pickWorker', () => {
  it('without a GPU worker: the least loaded worker with a free slot, or none', () => {
    expect(pickWorker('heavy', [wasm({ running: 3, free: 1 }), wasm({ running: 1, free: 3 })])).toBe(1);
    expect(pickWorker('light', [wasm({ free: 0, running: 4 })])).toBe(-1);
  });

  it('heavy work goes to the GPU, and waits for it rather than run on wasm', () => {
    expect(pickWorker('heavy', [wasm(), gpu()])).toBe(1);
    expect(pickWorker('heavy', [wasm(), gpu({ free: 0, running: 32, heavyRunning: 32 })])).toBe(-1);
    expect(pickWorker('heavy', [wasm(), gpu({ ready: false })])).toBe(-1);
  });

  it('light work goes to the GPU while it runs no heavy work (its batches take every student), else to wasm', () => {
    expect(pickWorker('light', [wasm(), gpu({ running: 5 })])).toBe(1);
    expect(pickWorker('light', [wasm({ running: 2, free: 2 }), wasm({ running: 1, free: 3 }), gpu({ running: 1, heavyRunning: 1 })])).toBe(1);
    // Every wasm worker full: the busy GPU still takes it.
    expect(pickWorker('light', [wasm({ free: 0, running: 4 }), gpu({ running: 1, heavyRunning: 1 })])).toBe(1);
    // A GPU-only pool.
    expect(pickWorker('light', [gpu({ heavyRunning: 3, running: 3 })])).toBe(0);
  });

  it('background (grading) work runs on the background workers only, and live work never does', () => {
    const grading = wasm({ background: true });
    expect(pickWorker('light', [grading, wasm({ running: 3, free: 1 })])).toBe(1);
    expect(pickWorker('light', [grading, wasm({ running: 4, free: 0 })])).toBe(-1);
    expect(pickWorker('light', [wasm(), grading], true)).toBe(1);
    expect(pickWorker('heavy', [wasm(), wasm({ background: true, running: 4, free: 0 })], true)).toBe(-1);
    expect(pickWorker('heavy', [wasm()], true)).toBe(-1);
  });
});
