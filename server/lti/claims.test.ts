import { describe, expect, it } from 'vitest';
import { displayName, mapRoles } from './claims';
import { scoresUrl } from './platform-client';
import { scoreLabel } from './score-publisher';

describe('LTI roles and names', () => {
  it('maps LTI role URIs (and NRPS short names) to ConvLab roles', () => {
    expect(mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'])).toBe('student');
    expect(mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'])).toBe('instructor');
    expect(mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor', 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'])).toBe('ta');
    expect(mapRoles(['Instructor'])).toBe('instructor');
    expect(mapRoles(['Learner'])).toBe('student');
    expect(mapRoles([])).toBe('student');
    expect(mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper'])).toBe('instructor');
  });

  it('names a person from whichever claims the platform sent', () => {
    expect(displayName({ sub: 's', name: 'Ada Lovelace' })).toBe('Ada Lovelace');
    expect(displayName({ sub: 's', given_name: 'Ada', family_name: 'Lovelace' })).toBe('Ada Lovelace');
    expect(displayName({ sub: 's-1' })).toBe('LMS user s-1');
  });
});

describe('AGS helpers', () => {
  it('puts /scores after the line item path and keeps its query', () => {
    expect(scoresUrl('https://lms.example/api/lti/courses/1/line_items/7')).toBe('https://lms.example/api/lti/courses/1/line_items/7/scores');
    expect(scoresUrl('https://lms.example/lineitems/7/?course=1')).toBe('https://lms.example/lineitems/7/scores?course=1');
  });

  it('labels a score as the gradebook shows it', () => {
    expect(scoreLabel({ status: 'sent', lastError: null })).toBe('sent');
    expect(scoreLabel({ status: 'pending', lastError: 'the grade service answered HTTP 503' })).toBe('pending');
    expect(scoreLabel({ status: 'failed', lastError: 'the grade service answered HTTP 503' })).toBe('failed: the grade service answered HTTP 503');
  });
});
