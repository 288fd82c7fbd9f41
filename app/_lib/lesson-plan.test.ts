import { describe, expect, it } from 'vitest';
import { SlideStepSchema, StepsSchema } from '@convlab/protocol';
import { PLAN_LIMITS, blankStep, cleanPlan, imageUrlProblem, lectureOutline, moveItem, validatePlan } from './lesson-plan';

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
});
