/** The three-way rule of pack upgrades, case by case (base = what the pack last installed). */
import { describe, expect, it } from '@jest/globals';
import { acknowledgedDeletion, decide, fingerprint } from './three-way.js';

const [A, B, C] = [fingerprint({ label: 'A' }), fingerprint({ label: 'B' }), fingerprint({ label: 'C' })];

describe('three-way upgrade decision', () => {
  it('takes the pack when the bank left the part alone, keeps the bank when only the bank changed it', () => {
    expect(decide(A, A, B, false)).toBe('take_pack');
    expect(decide(A, B, A, false)).toBe('keep_bank');
    expect(decide(A, B, B, false)).toBe('in_sync');
  });
  it('keeps the bank and reports when both changed it', () => {
    expect(decide(A, B, C, false)).toBe('changed_on_both_sides');
  });
  it('adds what the pack never installed, and never re-creates what the bank deleted', () => {
    expect(decide(null, null, A, false)).toBe('create');
    expect(decide(A, null, A, false)).toBe('deleted_by_bank');
    expect(decide(A, null, B, false)).toBe('deleted_by_bank');
  });
  it('a deletion the bank confirmed stays silent until the pack changes that part again', () => {
    expect(decide(acknowledgedDeletion(B), null, B, false)).toBe('keep_bank');
    expect(decide(acknowledgedDeletion(B), null, C, false)).toBe('deleted_by_bank');
  });
  it('without a record of what the pack installed: a first install takes the part over, an upgrade keeps the bank and reports', () => {
    expect(decide(null, B, A, true)).toBe('take_pack');
    expect(decide(null, B, A, false)).toBe('no_baseline');
    expect(decide(null, A, A, false)).toBe('in_sync');
  });
  it('fingerprints canonical JSON: key order does not matter, values do', () => {
    expect(fingerprint({ a: 1, b: [1, 2] })).toBe(fingerprint({ b: [1, 2], a: 1 }));
    expect(fingerprint({ a: 1, b: [1, 2] })).not.toBe(fingerprint({ a: 1, b: [2, 1] }));
    expect(fingerprint('x')).toMatch(/^[0-9a-f]{64}$/);
  });
});
