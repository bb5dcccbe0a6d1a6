/**
 * Secrets inside stored filters: values on encrypted fields are kept only as keyed hashes (with a mask),
 * and a stored filter is shown to a reader through their own field rights.
 */
import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import type { FieldDef } from '@crm/form-engine';
import type { FieldMode } from '../access/permission.types.js';
import { filterForReader, hasClearSecrets, isHashedValue, protectFilter } from './filter-secrets.js';

const FIELDS = new Map<string, FieldDef>(
  [
    { key: 'id_number', label: '证件号', type: 'cn_id_number', sensitivity: 3 },
    { key: 'phone', label: '手机', type: 'phone', sensitivity: 2 },
    { key: 'income', label: '年收入', type: 'money', sensitivity: 3 },
    { key: 'risk_level', label: '风险等级', type: 'select' },
    { key: 'name', label: '姓名', type: 'text' },
  ].map((f) => [f.key, f as FieldDef]),
);
const ID = '110101199003071234';
const hash = (v: unknown) => createHmac('sha256', 'k').update(String(v)).digest('hex');
const hashed = (v: string, mask: unknown) => ({ $hash: hash(v), mask });

describe('protectFilter', () => {
  it('replaces a value on an encrypted field by its hash and mask, shorthand and operators alike', () => {
    expect(protectFilter({ id_number: ID, risk_level: 'high' }, FIELDS, hash)).toEqual({ id_number: { $eq: hashed(ID, '1****************4') }, risk_level: 'high' });
    expect(protectFilter({ id_number: { $ne: ID } }, FIELDS, hash)).toEqual({ id_number: { $ne: hashed(ID, '1****************4') } });
    expect(protectFilter({ id_number: { $in: [ID, 'X1'] } }, FIELDS, hash)).toEqual({ id_number: { $in: [hashed(ID, '1****************4'), hashed('X1', 'X*')] } });
    expect(protectFilter({ income: 5000 }, FIELDS, hash)).toEqual({ income: { $eq: { $hash: hash(5000), mask: '****' } } });
  });

  it('walks $and, $or and $not, and leaves fields that are not encrypted in clear', () => {
    const filter = { $or: [{ $and: [{ name: '张三' }, { id_number: ID }] }, { $not: { id_number: { $in: [ID] } } }, { phone: '13800138000' }] };
    const out = JSON.stringify(protectFilter(filter, FIELDS, hash));
    expect(out).not.toContain(ID);
    expect(out).toContain('张三');
    expect(out).toContain('13800138000');
    expect(out.split(hash(ID)).length - 1).toBe(2);
  });

  it('never keeps a value it cannot hash: other operators and non-scalar operands become ***', () => {
    expect(protectFilter({ id_number: { $like: '1101%' } }, FIELDS, hash)).toEqual({ id_number: { $like: '***' } });
    expect(protectFilter({ id_number: { $gte: ID } }, FIELDS, hash)).toEqual({ id_number: { $gte: '***' } });
    expect(protectFilter({ id_number: { $in: ID } }, FIELDS, hash)).toEqual({ id_number: { $in: '***' } });
    expect(protectFilter({ id_number: { $eq: { nested: ID } } }, FIELDS, hash)).toEqual({ id_number: { $eq: '***' } });
    expect(protectFilter({ id_number: { $in: [[ID]] } }, FIELDS, hash)).toEqual({ id_number: { $in: ['***'] } });
  });

  it('keeps $null and null as they are (no value to hide)', () => {
    expect(protectFilter({ id_number: { $null: true } }, FIELDS, hash)).toEqual({ id_number: { $null: true } });
    expect(protectFilter({ id_number: null }, FIELDS, hash)).toEqual({ id_number: null });
  });

  it('is idempotent: a protected filter is stored as it is', () => {
    const once = protectFilter({ id_number: { $in: [ID] }, income: 1 }, FIELDS, hash);
    expect(protectFilter(once, FIELDS, () => 'f'.repeat(64))).toEqual(once);
  });

  it('does not take a look-alike for a hash: extra keys or a malformed hash are hashed again', () => {
    const smuggled = { $hash: hash(ID), mask: 'x', clear: ID };
    expect(isHashedValue(smuggled)).toBe(false);
    expect(JSON.stringify(protectFilter({ id_number: { $eq: smuggled } }, FIELDS, hash))).not.toContain(ID);
    expect(isHashedValue({ $hash: 'not-a-hash' })).toBe(false);
    expect(isHashedValue({ $hash: hash(ID).toUpperCase() })).toBe(false);
    expect(isHashedValue({ $hash: hash(ID) })).toBe(true);
  });

  it('protects at the deepest nesting the filter compiler accepts', () => {
    let deep: unknown = { id_number: ID };
    for (let i = 0; i < 8; i++) deep = { $and: [deep] };
    expect(JSON.stringify(protectFilter(deep, FIELDS, hash))).not.toContain(ID);
    expect(hasClearSecrets(deep, FIELDS)).toBe(true);
  });
});

describe('hasClearSecrets', () => {
  it('is true exactly when an encrypted field holds a value in clear', () => {
    expect(hasClearSecrets({ id_number: ID }, FIELDS)).toBe(true);
    expect(hasClearSecrets({ $or: [{ name: 'x' }, { income: { $in: [1] } }] }, FIELDS)).toBe(true);
    expect(hasClearSecrets(protectFilter({ id_number: ID }, FIELDS, hash), FIELDS)).toBe(false);
    expect(hasClearSecrets({ name: '张三', phone: '13800138000', id_number: { $null: false } }, FIELDS)).toBe(false);
    expect(hasClearSecrets(null, FIELDS)).toBe(false);
  });
});

describe('filterForReader', () => {
  const stored = protectFilter({ $and: [{ id_number: ID }, { phone: '13800138000' }, { name: '张三' }, { risk_level: { $in: ['high'] } }] }, FIELDS, hash);
  const view = (modes: Record<string, FieldMode>, unmask: boolean) => filterForReader(stored, FIELDS, (k) => modes[k] ?? 'read', unmask) as { $and: Record<string, unknown>[] };

  it('shows values the reader may read in clear; a hash stays a hash (so the filter saves back unchanged), never the value', () => {
    const out = view({}, true);
    expect(out.$and).toEqual([{ id_number: { $eq: hashed(ID, '1****************4') } }, { phone: '13800138000' }, { name: '张三' }, { risk_level: { $in: ['high'] } }]);
    expect(JSON.stringify(out)).not.toContain(ID);
  });

  it('shows a hash only as its mask to a reader who may not read the field in clear', () => {
    expect(view({ id_number: 'masked' }, true).$and[0]).toEqual({ id_number: { $eq: '1****************4' } });
    expect(view({}, false).$and[0]).toEqual({ id_number: { $eq: '1****************4' } });
    expect(view({ id_number: 'none' }, true).$and[0]).toEqual({ id_number: { $eq: '***' } });
  });

  it('masks fields the reader sees masked, and hides fields they may not see at all', () => {
    const out = view({ phone: 'masked', name: 'masked', risk_level: 'none' }, true);
    expect(out.$and).toEqual([{ id_number: { $eq: hashed(ID, '1****************4') } }, { phone: { $eq: '138****8000' } }, { name: { $eq: '张*' } }, { risk_level: { $in: '***' } }]);
    expect(JSON.stringify(out)).not.toMatch(/13800138000|张三|high/);
  });

  it('masks a sensitive value in clear for a reader without unmask', () => {
    const legacy = { id_number: ID, income: { $gte: 100 } };
    expect(filterForReader(legacy, FIELDS, () => 'read', false)).toEqual({ id_number: { $eq: '1****************4' }, income: { $gte: '****' } });
    expect(filterForReader(legacy, FIELDS, () => 'read', true)).toEqual(legacy);
  });

  it('leaves a null test, and a key outside the metadata, as they are (no field value to hide)', () => {
    expect(filterForReader({ id_number: { $null: true } }, FIELDS, () => 'none', false)).toEqual({ id_number: { $null: true } });
    expect(filterForReader({ ghost: 'x' }, FIELDS, () => 'none', false)).toEqual({ ghost: 'x' });
  });
});
