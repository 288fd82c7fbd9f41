import { describe, expect, it } from 'vitest';
import { LABS, checkLessonSteps, getLab, paramNames } from '@convlab/labs';
import { SlideStepSchema, StepsSchema, type LabStep } from '@convlab/protocol';
import {
  PLAN_LIMITS,
  blankLabStep,
  blankStep,
  cleanPlan,
  imageUrlProblem,
  labParamErrors,
  lectureOutline,
  moveItem,
  validatePlan,
} from './lesson-plan';

const step = (title: string, extra: Partial<ReturnType<typeof blankStep>> = {}) => ({ ...blankStep(), title, ...extra });

describe('lesson plan editing model', () => {
  it('moves items and ignores moves off either end', () => {
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
    expect(moveItem(['a', 'b'], 1, 2)).toEqual(['a', 'b']);
  });

  it('makes step ids the protocol accepts, and unique', () => {
    const ids = new Set(Array.from({ length: 200 }, () => blankStep().id));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(SlideStepSchema.shape.id.safeParse(id).success).toBe(true);
  });

  it('reports a missing title, an empty plan and untitled steps', () => {
    const s = step('  ');
    const errors = validatePlan(' ', [s]);
    expect(errors?.title).toBe('Give the session a title.');
    expect(errors?.steps[s.id]?.title).toBe('Every step needs a title.');
    expect(validatePlan('Lecture', [])?.plan).toBe('Add at least one step.');
  });

  it('accepts what the server accepts for image URLs, and explains the rest', () => {
    expect(imageUrlProblem('https://example.org/filters.png')).toBeNull();
    expect(imageUrlProblem('/api/images/abc')).toBeNull();
    expect(imageUrlProblem('http://example.org/x.png')).toMatch(/https:\/\//);
    expect(imageUrlProblem('javascript:alert(1)')).not.toBeNull();
    expect(imageUrlProblem('//evil.example/x.png')).not.toBeNull();
    expect(imageUrlProblem(`https://example.org/${'a'.repeat(PLAN_LIMITS.imageUrl)}`)).toBe('That URL is too long.');
  });

  it('cleans a valid plan into something the protocol schema accepts', () => {
    const plan = [step(' Convolution ', { markdown: '**sum**', imageUrl: '  ' }), step('Pooling', { imageUrl: ' https://example.org/p.png ' })];
    expect(validatePlan('Lecture 12', plan)).toBeNull();
    const cleaned = cleanPlan(plan);
    expect(cleaned[0]).toEqual({ kind: 'slide', id: plan[0].id, title: 'Convolution', markdown: '**sum**' });
    expect(cleaned[1].imageUrl).toBe('https://example.org/p.png');
    expect(StepsSchema.safeParse(cleaned).success).toBe(true);
    expect(StepsSchema.safeParse(cleanPlan(lectureOutline())).success).toBe(true);
  });

  it('starts every lab step valid, with the lab\'s default student controls', () => {
    for (const lab of LABS) {
      const step = blankLabStep(lab);
      expect(step).toMatchObject({ kind: 'lab', labId: lab.id, title: lab.title, studentControls: [...lab.studentControls] });
      expect(validatePlan('Lecture', [step]), lab.id).toBeNull();
      expect(() => checkLessonSteps(cleanPlan([step]))).not.toThrow();
      // A repository photo, so the step works on a server without the ImageNet samples.
      if ('image' in step.params) expect(step.params.image).toMatchObject({ kind: 'sample', id: expect.stringMatching(/^photos\//) });
    }
  });

  it('names the lab parameter that does not fit, and the whole problem as the server words it', () => {
    const occlusion = blankLabStep(getLab('occlusion')!);
    const bad: LabStep = { ...occlusion, params: { ...occlusion.params, window: 16, stride: 32 } };
    const errors = validatePlan('Lecture', [bad])!;
    expect(errors.steps[bad.id]?.params).toEqual({ stride: 'The stride must be at most the window, or pixels are skipped.' });
    expect(errors.steps[bad.id]?.lab).toMatch(new RegExp(`step "${bad.id}": Occlusion: params\\.stride`));

    const ascent = blankLabStep(getLab('ascent')!);
    const notOffered = { ...ascent, params: { ...ascent.params, classIndex: 1 } };
    expect(labParamErrors('ascent', notOffered.params)).toEqual({ classIndex: 'The class must be one of the list of classes.' });
    const noImage = { ...occlusion.params, image: undefined };
    expect(Object.keys(labParamErrors('occlusion', noImage))).toEqual(['image']);

    const controls = { ...occlusion, studentControls: ['colour'] };
    expect(validatePlan('Lecture', [controls])?.steps[controls.id]?.lab).toMatch(/"colour" is not a parameter/);
  });

  it('cleans lab steps: unset parameters dropped, controls kept (an empty list means none)', () => {
    const lab = getLab('occlusion')!;
    const step: LabStep = { ...blankLabStep(lab), title: '  Hide the cat ', params: { ...blankLabStep(lab).params, classIndex: undefined } as unknown as LabStep['params'], studentControls: [] };
    const [cleaned] = cleanPlan([step, blankStep()]) as [LabStep];
    expect(cleaned.title).toBe('Hide the cat');
    expect('classIndex' in cleaned.params).toBe(false);
    expect(cleaned.studentControls).toEqual([]);
    expect(paramNames(lab)).toEqual(expect.arrayContaining(Object.keys(cleaned.params)));
    const { studentControls: _, ...withoutControls } = step;
    expect('studentControls' in (cleanPlan([withoutControls])[0] as LabStep)).toBe(false);
    expect(StepsSchema.safeParse(cleanPlan([step, blankStep()].map((s, i) => ({ ...s, title: `Step ${i}` })))).success).toBe(true);
  });
});
