import { LABS } from '@convlab/labs';
import { describe, expect, it } from 'vitest';
import { PARAM_FORMS } from './param-forms';

describe('the lesson editor’s parameter forms', () => {
  it('has a form for every lab, so no instructor edits a lab’s parameters as JSON', () => {
    const missing = LABS.map((lab) => lab.id).filter((id) => typeof PARAM_FORMS[id] !== 'function');
    expect(missing).toEqual([]);
  });

  it('has no form for a lab that does not exist', () => {
    expect(Object.keys(PARAM_FORMS).filter((id) => !LABS.some((lab) => lab.id === id))).toEqual([]);
  });
});
