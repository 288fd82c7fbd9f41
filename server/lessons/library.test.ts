import { howCnnsSeeLesson, type ModelFacts } from '@convlab/labs';
import type { LabStep } from '@convlab/protocol';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODEL_FACTS, modelProblems } from './library';

describe('a lesson’s model problems', () => {
  const ready = howCnnsSeeLesson({ hasImage: () => true });
  const filters = ready.steps.find((s): s is LabStep => s.kind === 'lab' && s.labId === 'filters')!;

  it('every built-in model has first-layer filters, so the ready-made filters step has no problem', () => {
    expect(BUILTIN_MODEL_FACTS.filter((m) => !m.firstConv).map((m) => m.id)).toEqual([]);
    expect(modelProblems([filters])).toEqual([]);
  });

  it('names each model of the filters step that has no first-layer filters; an unknown one is left to the lab', () => {
    const mlp: ModelFacts = { id: 'onnx-mlp-0123456789ab', displayName: 'Tiny MLP', firstConv: null };
    const older: ModelFacts = { id: 'onnx-old-0123456789ab', displayName: 'Older upload' };
    const step = { ...filters, title: 'Filters', params: { ...filters.params, models: ['squeezenet1.0_nhwc', mlp.id!, older.id!] } };
    expect(modelProblems([step], [...BUILTIN_MODEL_FACTS, mlp, older])).toEqual([
      'Step 1 (“Filters”): Tiny MLP has no ordinary convolution reading the image, so it has no first-layer filters to show. Choose another model.',
    ]);
  });
});
