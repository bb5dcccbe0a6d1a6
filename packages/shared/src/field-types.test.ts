import { describe, expect, it } from '@jest/globals';
import { FIELD_TYPES as ENGINE_TYPES } from '@crm/form-engine';
import { FIELD_TYPES } from './types.js';

// The client stays free of dependencies, so it keeps its own copy of the field types of API.md;
// this keeps the copy from drifting away from the form engine's.
describe('shared field types', () => {
  it('are exactly the form engine field types, in the same order', () => {
    expect([...FIELD_TYPES]).toEqual([...ENGINE_TYPES]);
  });
});
