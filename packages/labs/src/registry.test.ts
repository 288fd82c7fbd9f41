import { StepsSchema, type LabStep } from '@convlab/protocol';
import { describe, expect, it } from 'vitest';
import { LAB_JOB_KINDS } from './common.schemas';
import {
  LABS,
  LabError,
  applyStudentParams,
  checkSubmission,
  checkLabStep,
  checkLessonSteps,
  getLab,
  paramNames,
  parseLabParams,
  parseLabResult,
  requireLab,
  studentControlsOf,
} from './registry';

const step = (over: Partial<LabStep> = {}): LabStep => ({
  kind: 'lab',
  id: 'occ',
  title: 'Occlusion',
  markdown: '',
  labId: 'occlusion',
  params: { image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285 },
  ...over,
});

describe('lab registry', () => {
  it('knows the labs in the lecture’s order, each defined completely', () => {
    expect(LABS.map((l) => l.id)).toEqual(['convolution', 'pooling', 'filters', 'max-patches', 'occlusion', 'neuron', 'ascent']);
    for (const lab of LABS) {
      expect(lab.title.length).toBeGreaterThan(0);
      for (const job of lab.jobs) expect(LAB_JOB_KINDS).toContain(job.kind);
      expect(lab.aggregations.length).toBeGreaterThan(0);
      const names = paramNames(lab);
      for (const control of lab.studentControls) expect(names).toContain(control);
      for (const preset of Object.values(lab.presets)) for (const key of Object.keys(preset.params)) expect(names).toContain(key);
    }
    expect(getLab('nope')).toBeUndefined();
    expect(() => requireLab('nope')).toThrow(/unknown lab "nope" \(known: convolution, pooling, filters, max-patches, occlusion, neuron, ascent\)/);
  });

  it('checks a lab step: known lab, parameters that parse, controls that exist', () => {
    expect(checkLabStep(step()).params).toMatchObject({ classIndex: 285, window: 48, fill: 'grey' });
    expect(checkLabStep(step()).studentControls).toEqual(['fill', 'brushSize', 'classIndex']);
    expect(checkLabStep(step({ studentControls: [] })).studentControls).toEqual([]);
    expect(() => checkLabStep(step({ labId: 'quiz' }))).toThrow(/step "occ": unknown lab "quiz"/);
    expect(() => checkLabStep(step({ params: { image: { kind: 'sample', id: 'photos/x.png' }, window: 0 } }))).toThrow(
      /step "occ": Occlusion: params\.window: /,
    );
    expect(() => checkLabStep(step({ studentControls: ['colour'] }))).toThrow(/"colour" is not a parameter/);
    expect(() => checkLabStep(step())).not.toThrow();
  });

  it('checks whole lesson plans that mix slides and labs', () => {
    const steps = [{ kind: 'slide' as const, id: 's', title: 'S', markdown: '' }, step()];
    expect(StepsSchema.safeParse(steps).success).toBe(true);
    expect(() => checkLessonSteps(steps)).not.toThrow();
    expect(() => checkLessonSteps([...steps, step({ id: 'bad', labId: 'ascent', params: { classes: [] } })])).toThrow(LabError);
  });

  it('lets students change only their controls, and only to valid values', () => {
    const s = step({ studentControls: ['fill', 'classIndex'] });
    expect(applyStudentParams(s, { fill: 'blur', classIndex: 281 })).toMatchObject({ fill: 'blur', classIndex: 281, window: 48 });
    expect(() => applyStudentParams(s, { window: 8 })).toThrow(/students may not change "window" \(they may change: fill, classIndex\)/);
    expect(() => applyStudentParams(s, { fill: 'sparkles' })).toThrow(/params\.fill/);
    expect(() => applyStudentParams(step({ studentControls: [] }), { fill: 'zero' })).toThrow(/may not change "fill"$/);
    expect(studentControlsOf({ labId: 'ascent' })).toContain('lambda');
  });

  it('parses parameters and results against the lab’s schemas', () => {
    expect(parseLabParams('ascent', { classes: [1, 2], classIndex: 2 })).toMatchObject({ steps: 40, learningRate: 10 });
    expect(() => parseLabParams('ascent', { classes: [1, 2], classIndex: 3 })).toThrow(/Gradient ascent: params\.classIndex/);
    expect(parseLabResult('ascent', { classIndex: 1, score: 2, objective: 1, scores: [] })).toMatchObject({ score: 2 });
    expect(() => parseLabResult('ascent', { classIndex: 1 })).toThrow(/result\.score/);
    expect(() => parseLabResult('neuron', { pick: { kind: 'class', index: 1 }, caption: 'x', value: 1, images: [], extra: true })).toThrow(LabError);
  });
});

describe('checkSubmission', () => {
  const ascentStep: LabStep = {
    kind: 'lab',
    id: 'asc',
    title: 'Ascent',
    markdown: '',
    labId: 'ascent',
    params: { classes: [543, 968], classIndex: 543, steps: 100 },
    studentControls: ['lambda', 'classIndex'],
  };
  const result = { classIndex: 968, score: 4, objective: 3, scores: [1, 4] };
  const hash = 'c'.repeat(64);

  it('accepts student changes to their controls, with defaults and key order ignored', () => {
    const params = { steps: 100, classIndex: 968, classes: [543, 968], lambda: 0.05, learningRate: 10 };
    const checked = checkSubmission(ascentStep, { params, result, resultImageHash: hash });
    expect(checked.params).toMatchObject({ lambda: 0.05, classIndex: 968 });
    expect(checked.result).toEqual(result);
  });

  it('refuses changes outside the controls, bad results and a missing or unexpected image', () => {
    const params = { ...ascentStep.params, steps: 1000, jitter: 3 };
    expect(() => checkSubmission(ascentStep, { params, result, resultImageHash: hash })).toThrow(/step "asc": students may not change "steps", "jitter"/);
    // The instructor may change anything.
    expect(() => checkSubmission(ascentStep, { params, result, resultImageHash: hash }, 'instructor')).not.toThrow();
    expect(() => checkSubmission(ascentStep, { params: ascentStep.params, result: { ...result, score: 'high' }, resultImageHash: hash })).toThrow(/result\.score/);
    expect(() => checkSubmission(ascentStep, { params: ascentStep.params, result, resultImageHash: null })).toThrow(/carry a result image/);
    const occ = step();
    const masks = { classIndex: 285, baseline: 0.9, inputSize: [224, 224], masks: [{ mask: { kind: 'rect', x: 0, y: 0, width: 10, height: 10 }, probability: 0.2 }] };
    expect(() => checkSubmission(occ, { params: occ.params, result: masks, resultImageHash: null })).not.toThrow();
    expect(() => checkSubmission(occ, { params: occ.params, result: masks, resultImageHash: hash })).toThrow(/carry no result image/);
    const sweep = { classIndex: 285, baseline: 0.9, inputSize: [4, 4], window: 2, stride: 2, rows: 2, cols: 2, probabilities: [0.1, 0.2, 0.3, 0.4], shards: [] };
    expect(() => checkSubmission(occ, { params: occ.params, result: sweep, resultImageHash: null })).toThrow(/merged by the server/);
    expect(() => checkSubmission(occ, { params: occ.params, result: sweep, resultImageHash: null }, 'server')).not.toThrow();
  });
});
