import { describe, expect, it } from 'vitest';
import { CreateSessionBodySchema, ERROR_CODES, HTTP_STATUS_OF, ImageAssetSchema, LabStepSchema, StepsSchema, SubmissionSchema, API } from './index';

const lab = (over: Record<string, unknown> = {}) => ({
  kind: 'lab',
  id: 'occ-1',
  title: 'Occlusion',
  markdown: 'Hide the *sails*.',
  labId: 'occlusion',
  params: { image: { kind: 'sample', id: 'imagenet-samples/n04147183_schooner.jpg' }, classIndex: 780 },
  ...over,
});
const slide = { kind: 'slide', id: 'intro', title: 'Intro', markdown: '# hi' };

describe('lab steps in the lesson plan', () => {
  it('share one list with slides', () => {
    expect(StepsSchema.safeParse([slide, lab(), lab({ id: 'asc', labId: 'ascent', params: {}, studentControls: ['lambda'] })]).success).toBe(true);
    expect(StepsSchema.safeParse([lab(), lab()]).success).toBe(false); // duplicate ids, across kinds too
    expect(StepsSchema.safeParse([{ ...slide, id: 'occ-1' }, lab()]).success).toBe(false);
    expect(CreateSessionBodySchema.safeParse({ title: 'Lesson', steps: [slide, lab()] }).success).toBe(true);
  });

  it('bounds what a lab step may carry; the lab itself checks the parameters', () => {
    const bad: Record<string, unknown>[] = [
      { labId: 'Occlusion' },
      { labId: '' },
      { params: [] },
      { params: 'x' },
      { params: { 'bad key': 1 } },
      { params: { f: () => 1 } },
      { params: { blob: 'x'.repeat(20_001) } },
      { studentControls: ['ok', 'not ok'] },
      { studentControls: Array.from({ length: 33 }, (_, i) => `p${i}`) },
      { imageUrl: 'javascript:alert(1)' },
      { extra: true },
      { markdown: undefined },
    ];
    for (const over of bad) expect(LabStepSchema.safeParse(lab(over)).success, JSON.stringify(over)).toBe(false);
    expect(LabStepSchema.parse(lab({ params: { nested: { a: [1, null, 'x'] } } })).params).toEqual({ nested: { a: [1, null, 'x'] } });
  });
});

describe('image and submission DTOs', () => {
  it('describe stored images and lab submissions', () => {
    const hash = 'ab'.repeat(32);
    expect(ImageAssetSchema.safeParse({ hash, mime: 'image/png', width: 2, height: 3, bytes: 10, url: API.image(hash), createdAt: new Date().toISOString() }).success).toBe(true);
    expect(ImageAssetSchema.safeParse({ hash, mime: 'image/gif', width: 2, height: 3, bytes: 10, url: '', createdAt: '' }).success).toBe(false);
    const sub = {
      id: 's1',
      sessionId: 'x',
      participantId: null,
      labId: 'ascent',
      stepId: 'asc',
      params: { lambda: 0.01 },
      result: { score: 3 },
      resultImageHash: hash,
      computedWhere: 'browser',
      backend: 'webgl',
      ms: 120,
      shared: false,
      createdAt: new Date().toISOString(),
    };
    expect(SubmissionSchema.safeParse(sub).success).toBe(true);
    expect(SubmissionSchema.safeParse({ ...sub, computedWhere: 'cloud' }).success).toBe(false);
    expect(API.sample('imagenet-samples/n04147183_schooner.jpg')).toBe('/api/samples/imagenet-samples/n04147183_schooner.jpg');
  });

  it('maps the upload error code to 415', () => {
    expect(ERROR_CODES).toContain('UNSUPPORTED_MEDIA_TYPE');
    expect(HTTP_STATUS_OF.UNSUPPORTED_MEDIA_TYPE).toBe(415);
  });
});
