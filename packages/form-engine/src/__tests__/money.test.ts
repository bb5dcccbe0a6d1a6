import { describe, it, expect } from '@jest/globals';
import { FeelDecimal } from '@crm/feel';
import { compileForm, createFormRuntime } from '../index.js';
import type { FieldDef, FormDefinition } from '../index.js';
import { decimalToFeel, toFeelValue, toWireValue } from '../rules/feel-values.js';

const fields: FieldDef[] = [
  { key: 'a', label: 'a', type: 'money' },
  { key: 'b', label: 'b', type: 'money' },
  { key: 'total', label: '合计', type: 'money' },
  { key: 'rate', label: '利率', type: 'decimal', options: { precision: 9, scale: 3 } },
  { key: 'share', label: '占比', type: 'percent' },
  { key: 'exact', label: '是否精确', type: 'boolean' },
  { key: 'big', label: '超大', type: 'boolean' },
  { key: 'note', label: '说明', type: 'text' },
  { key: 'raw', label: '原值', type: 'computed', options: { expression: 'a + b' } },
];
const form: FormDefinition = {
  key: 'money', object: 'deal', title: 'Money',
  layout: [{ type: 'section', items: ['a', 'b', 'rate', 'note'].map((field) => ({ field })) }],
  rules: [{ when: 'a > 9007199254740993', set: { note: '"above 2^53+1"' } }],
  computed: { total: 'a + b', exact: 'a + b = 0.3', big: 'a > 9007199254740993', share: 'a * 1' },
};

describe('money in rules and computed fields', () => {
  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    const rt = createFormRuntime(compileForm(fields, form), { a: '0.10', b: '0.20' });
    expect(rt.values).toMatchObject({ total: '0.30', exact: true, big: false, share: '0.1000', raw: 0.3 });
  });

  it('rounds 2.675 half up to 2.68 at the field scale, and to the decimal field scale', () => {
    const rt = createFormRuntime(compileForm(fields, { ...form, computed: { total: 'a * 1', rate: 'a / 1000', share: 'a + 0.00005' } }), { a: '2.675', b: '0' });
    // 2.675 has three decimals: the field scale is 2, the value arrives with more from an expression.
    expect(rt.values.total).toBe('2.68');
    expect(rt.values.rate).toBe('0.003'); // 0.002675 → 0.003
    expect(rt.values.share).toBe('2.6751'); // percent scale 4: 2.67505 → 2.6751
    rt.setValue('a', '-2.675');
    expect(rt.values.total).toBe('-2.68');
  });

  it('keeps 9007199254740993.01 exact through a computed field and a rule', () => {
    const rt = createFormRuntime(compileForm(fields, form), { a: '9007199254740993.01', b: '0.00' });
    expect(rt.values).toMatchObject({ total: '9007199254740993.01', big: true, note: 'above 2^53+1', raw: '9007199254740993.01' });
    rt.setValue('a', '9007199254740993.00');
    expect(rt.values).toMatchObject({ total: '9007199254740993.00', big: false });
  });

  it('converts wire values to FEEL decimals and FEEL results back without a double', () => {
    const money = fields[0]!;
    expect(toFeelValue(money, '2.675')).toEqual(new FeelDecimal('2.675'));
    expect(toFeelValue(money, '100')).toBe(100);
    expect(decimalToFeel('not a number')).toBe('not a number');
    expect(toWireValue(money, new FeelDecimal('9007199254740993.015'))).toBe('9007199254740993.02');
    expect(toWireValue(money, 2.675)).toBe('2.68');
    expect(toWireValue(money, 'text')).toBe('text');
    expect(toWireValue(fields[7], new FeelDecimal('0.1'))).toBe('0.1');
    expect(toWireValue(undefined, 5)).toBe(5);
  });
});
