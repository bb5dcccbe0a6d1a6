/**
 * Field type changes: which conversions of existing data are allowed (and with which USING
 * expression), which are refused; identifiers that reach SQL. Through the exported functions only.
 */
import { describe, expect, it } from '@jest/globals';
import { FIELD_TYPES, type FieldDef, type FieldType } from '@crm/form-engine';
import { columnType, conversionUsing, quoteIdent, tableOf } from './field-types.js';

const f = (type: FieldType, extra: Partial<FieldDef> = {}): FieldDef => ({ key: 'x', label: 'x', type, ...extra });
const using = (from: FieldDef | FieldType, to: FieldDef | FieldType) => conversionUsing(typeof from === 'string' ? f(from) : from, typeof to === 'string' ? f(to) : to, '"x"');

describe('conversionUsing', () => {
  it('keeps the column as it is when the column type does not change', () => {
    for (const t of FIELD_TYPES) expect(using(t, t)).toBe('"x"');
    expect(using('text', 'email')).toBe('"x"');
    expect(using('relation', 'user')).toBe('"x"');
    expect(using('multiselect', 'tags')).toBe('"x"');
  });

  it('converts every type to text', () => {
    for (const t of FIELD_TYPES) {
      const sql = using(t, 'text');
      expect(sql).not.toBeNull();
      expect(sql).toContain('"x"');
    }
    expect(using('tags', 'text')).toBe(`array_to_string("x", ',')`);
    expect(using('json', 'text')).toBe(`"x" #>> '{}'`);
    expect(using('integer', 'text')).toBe('"x"::text');
  });

  it('casts text to numbers, dates, booleans and ids (the caller checks every row first)', () => {
    expect(using('text', 'integer')).toBe('"x"::bigint');
    expect(using('text', 'money')).toBe('"x"::numeric(20,2)');
    expect(using('text', 'date')).toBe('"x"::date');
    expect(using('text', 'datetime')).toBe('"x"::timestamptz');
    expect(using('text', 'boolean')).toBe('"x"::boolean');
    expect(using('text', 'relation')).toBe('"x"::uuid');
    expect(using('text', 'tags')).toBe('CASE WHEN "x" IS NULL THEN NULL ELSE ARRAY["x"] END');
  });

  it('moves between numeric types, including a decimal\'s own precision and scale', () => {
    expect(using('integer', 'money')).toBe('"x"::numeric(20,2)');
    expect(using('money', 'percent')).toBe('"x"::numeric(12,4)');
    expect(using('percent', 'integer')).toBe('"x"::bigint');
    expect(using('money', f('decimal', { options: { precision: 30, scale: 6 } }))).toBe('"x"::numeric(30,6)');
    expect(using(f('decimal', { options: { precision: 20, scale: 2 } }), 'money')).toBe('"x"');
    expect(using('date', 'datetime')).toBe('"x"::timestamptz');
  });

  it.each<[FieldType, FieldType]>([
    ['boolean', 'integer'],
    ['integer', 'boolean'],
    ['integer', 'date'],
    ['datetime', 'date'],
    ['date', 'integer'],
    ['json', 'money'],
    ['tags', 'relation'],
    ['attachment', 'tags'],
    ['relation', 'integer'],
    ['multiselect', 'json'],
  ])('refuses %s → %s', (from, to) => {
    expect(using(from, to)).toBeNull();
  });

  it('refuses a column change into or out of an encrypted field (that is a re-encryption job, not DDL)', () => {
    expect(using(f('text', { sensitivity: 3 }), 'integer')).toBeNull();
    expect(using('integer', f('text', { sensitivity: 3 }))).toBeNull();
    expect(using(f('money', { sensitivity: 4 }), 'money')).toBeNull();
    // Both encrypted: both are ciphertext in a text column, nothing to convert. (Crossing level 3 on a
    // text column keeps the column too: the metadata service refuses that when rows exist.)
    expect(using(f('text', { sensitivity: 3 }), f('integer', { sensitivity: 4 }))).toBe('"x"');
  });
});

describe('columnType', () => {
  it('stores every encrypted field as text, whatever its type', () => {
    for (const t of FIELD_TYPES) expect(columnType(f(t, { sensitivity: 3 }))).toBe('text');
  });
});

describe('identifiers', () => {
  it('quotes metadata keys and their hash columns, and refuses anything else', () => {
    expect(quoteIdent('customer')).toBe('"customer"');
    expect(quoteIdent('id_number__h')).toBe('"id_number__h"');
    expect(tableOf('customer')).toBe('crm_data."customer"');
    for (const bad of ['Customer', '1x', 'x"; DROP TABLE crm.users; --', 'a b', '', 'x'.repeat(64), '_x', 'x__h\n']) {
      expect(() => quoteIdent(bad)).toThrow(/refusing to quote/);
    }
  });
});
