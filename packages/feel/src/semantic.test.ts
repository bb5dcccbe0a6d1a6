import { describe, expect, it } from '@jest/globals';
import { analyzeFeel, type FeelName } from './index.js';

const NAMES: FeelName[] = [
  { name: 'amount', label: { 'zh-CN': '预约金额', en: 'Amount' }, kind: 'number' },
  { name: 'remark', label: '备注', kind: 'text' },
  { name: 'visit_date', label: '预约日期', kind: 'date' },
];
const check = (e: string) => analyzeFeel(e, { names: NAMES });

describe('semantic FEEL check', () => {
  it('accepts what is right', () => {
    expect(check('amount > 1000000 and remark = null')).toEqual([]);
    expect(check('= visit_date < date("2027-01-01") and string length(remark) > 3')).toEqual([]);
    expect(check('some x in [1, 2] satisfies x > amount')).toEqual([]);
  });

  it('names a typo and suggests the key', () => {
    const [i, ...rest] = check('amont > 1000000');
    expect(rest).toEqual([]);
    expect(i).toMatchObject({ code: 'feel.unknown_name', subject: 'amont' });
    expect(i!.message['zh-CN']).toBe('未知的字段或变量“amont”，是否想写 amount？');
    expect(i!.message.en).toContain('did you mean amount');
    expect(check('zzz > 1')[0]!.message['zh-CN']).toBe('未知的字段或变量“zzz”');
  });

  it('tells a label from a key', () => {
    expect(check('预约金额 > 1000000')).toEqual([expect.objectContaining({
      code: 'feel.label_as_name', subject: '预约金额', message: expect.objectContaining({ 'zh-CN': '“预约金额”是字段的显示名称，表达式中请使用字段键 amount' }),
    })]);
    expect(check('Amount > 1')[0]!.code).toBe('feel.label_as_name');
  });

  it('finds full-width operators (which the parser takes for part of a name), not those inside strings', () => {
    const issues = check('amount ＞ 1000000');
    expect(issues).toEqual([expect.objectContaining({ code: 'feel.fullwidth', subject: '＞', position: 7 })]);
    expect(issues[0]!.message['zh-CN']).toBe('第 8 个字符“＞”是全角符号，请改为半角“>”（切换到英文输入法）');
    expect(check('remark = “是”').map((i) => i.subject)).toEqual(['“', '”']);
    expect(check('remark = "＞（全角在字符串里）"')).toEqual([]);
  });

  it('translates syntax errors', () => {
    expect(check('amount >')[0]).toMatchObject({ code: 'feel.syntax', message: { 'zh-CN': expect.stringContaining('表达式不完整') } });
    expect(check('remark = "x')[0]!.message['zh-CN']).toContain('表达式语法错误');
  });

  it('finds comparisons of different types', () => {
    expect(check('amount > "abc"')[0]).toMatchObject({ code: 'feel.type_mismatch', subject: 'amount' });
    expect(check('remark > 3')[0]!.message['zh-CN']).toBe('类型不匹配：“备注”（remark）是文本，不能与数字 3 比较');
    expect(check('visit_date > 5')[0]!.code).toBe('feel.type_mismatch');
    expect(check('remark = null')).toEqual([]);
  });

  it('with allowUnknown checks only shape and types', () => {
    expect(analyzeFeel('anything > 3', { names: [], allowUnknown: true })).toEqual([]);
    expect(analyzeFeel('anything ＝ 3', { names: [], allowUnknown: true })[0]!.code).toBe('feel.fullwidth');
    expect(analyzeFeel('预约金额 > 3', { names: NAMES, allowUnknown: true })[0]!.code).toBe('feel.label_as_name');
  });
});
