import { describe, it, expect } from '@jest/globals';
import { maskedWithoutUnmask, maskShape, maskValue } from '../index.js';
import type { FieldDef } from '../index.js';

const f = (key: string, type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({ key, label: key, type, ...extra });

describe('maskValue', () => {
  it('masks bank identifiers and contacts by type', () => {
    // ID numbers keep no region, birth date or sequence digit: only the first and the check character.
    expect(maskValue(f('id_number', 'cn_id_number'), '110105194912301234')).toBe('1****************4');
    expect(maskValue(f('mobile', 'phone'), '13800138000')).toBe('138****8000');
    expect(maskValue(f('card', 'bank_card'), '6222021000111234')).toBe('**** **** **** 1234');
    expect(maskValue(f('email', 'email'), 'zhang@x.com')).toBe('z***@x.com');
  });
  it('keeps the surname of a person’s name, compound surnames whole', () => {
    expect(maskValue(f('name', 'text'), '张三')).toBe('张*');
    expect(maskValue(f('name', 'text'), '张小三')).toBe('张**');
    expect(maskValue(f('name', 'text'), '欧阳娜娜')).toBe('欧阳**');
    expect(maskValue(f('contact', 'text', { label: '联系人姓名' }), '李四')).toBe('李*');
    expect(maskValue(f('holder', 'text', { options: { mask: 'name' } }), '司马光')).toBe('司马*');
    expect(maskValue(f('name', 'text'), '欧阳')).toBe('欧*'); // two characters: not a compound surname plus a name
  });
  it('keeps first and last character of other text', () => {
    expect(maskValue(f('company_name', 'text'), '中国工商银行')).toBe('中****行');
    expect(maskValue(f('remark', 'textarea'), 'ab')).toBe('a*');
    expect(maskValue(f('remark', 'textarea'), 'a')).toBe('*');
    expect(maskValue(f('uscc', 'cn_uscc'), '91350100M000100Y43')).toBe('9****************3');
  });
  it('hides amounts and dates, and values with no readable mask', () => {
    expect(maskValue(f('balance', 'money'), '123456.78')).toBe('****');
    expect(maskValue(f('age', 'integer'), 42)).toBe('****');
    expect(maskValue(f('birth', 'date'), '1990-05-01')).toBe('1990-**-**');
    expect(maskValue(f('vip', 'boolean'), true)).toBe('***');
    expect(maskValue(f('extra', 'json'), { a: 1 })).toBe('***');
    expect(maskValue(f('tags', 'tags'), ['高净值', 'vip'])).toEqual(['高*值', 'v*p']);
  });
  it('passes empty values through and honours mask: none', () => {
    expect(maskValue(f('name', 'text'), null)).toBe(null);
    expect(maskValue(f('name', 'text'), undefined)).toBe(undefined);
    expect(maskValue(f('code', 'text', { options: { mask: 'none' } }), 'ABC')).toBe('ABC');
  });
  it('ignores mask: none on identifier types and level ≥ 3 fields (a designer cannot undo masking)', () => {
    expect(maskValue(f('id_number', 'cn_id_number', { options: { mask: 'none' } }), '110105194912301234')).toBe('1****************4');
    expect(maskValue(f('card', 'bank_card', { options: { mask: 'none' } }), '6222021000111234')).toBe('**** **** **** 1234');
    expect(maskValue(f('secret', 'text', { sensitivity: 3, options: { mask: 'none' } }), 'ABCDEF')).toBe('A****F');
  });
  it('re-masking a masked value changes nothing, and lifts a value masked under the former policy', () => {
    const cases: [FieldDef, unknown][] = [
      [f('id_number', 'cn_id_number'), '110105194912301234'], [f('mobile', 'phone'), '13800138000'],
      [f('card', 'bank_card'), '6222021000111234'], [f('uscc', 'cn_uscc'), '91350100M000100Y43'],
      [f('name', 'text'), '欧阳娜娜'], [f('email', 'email'), 'zhang@x.com'], [f('birth', 'date'), '1990-05-01'],
      [f('balance', 'money'), '123456.78'], [f('tags', 'tags'), ['高净值', 'vip']], [f('vip', 'boolean'), true],
    ];
    for (const [field, v] of cases) expect(maskValue(field, maskValue(field, v))).toEqual(maskValue(field, v));
    // What the audit trail holds from before: first 3 and last 4 of an ID number, first 4 of a card.
    expect(maskValue(f('id_number', 'cn_id_number'), '310***********1622')).toBe('3****************2');
    expect(maskValue(f('card', 'bank_card'), '6222 **** **** 1234')).toBe('**** **** **** 1234');
  });

  it('masks by a shape: kept characters at each end, the middle as written; last4; identifier types keep theirs', () => {
    const account = f('account_no', 'text', { sensitivity: 2, options: { mask: '#### **** **** ####' } });
    expect(maskValue(account, '6222021234567891234')).toBe('6222 **** **** 1234');
    // Spaces and dashes in the stored value do not count; the shape hides the length.
    expect(maskValue(account, '6222-0212-3456-7891')).toBe('6222 **** **** 7891');
    expect(maskValue(f('a', 'text', { options: { mask: 'last4' } }), '6222021234567891234')).toBe('**** 1234');
    // Too short for the shape plus four hidden characters: masked as other text.
    expect(maskValue(account, '622212349')).toBe('6*******9');
    // A shape never shows more of an ID number than its own mask, nor of an amount.
    expect(maskValue(f('id_number', 'cn_id_number', { options: { mask: '######**####' } }), '110105194912301234')).toBe('1****************4');
    expect(maskValue(f('amount', 'money', { options: { mask: 'last4' } }), '1234567.00')).toBe('****');
    expect(maskedWithoutUnmask(account)).toBe(true);
    expect(maskedWithoutUnmask(f('n', 'text', { options: { mask: 'name' } }))).toBe(false);
    expect(maskedWithoutUnmask(f('n', 'text', { sensitivity: 3 }))).toBe(true);
    // Not a shape: nothing kept between (no star), more than six kept at an end, digits inside.
    for (const bad of ['####', '#######**#', '#### 12 ####', 'none']) expect(maskShape(f('x', 'text', { options: { mask: bad } }))).toBeNull();
  });
});
