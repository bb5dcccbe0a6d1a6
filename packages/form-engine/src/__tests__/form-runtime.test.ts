import { describe, it, expect } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { compileForm, createFormRuntime } from '../index.js';
import type { FieldDef, FormDefinition } from '../index.js';

const CH = [{ value: 'low', label: '低' }, { value: 'high', label: '高' }];
const kycFields: FieldDef[] = [
  { key: 'name', label: '姓名', type: 'text', required: true },
  { key: 'risk_level', label: '风险', type: 'select', options: { choices: CH } },
  { key: 'source_of_funds', label: '资金来源', type: 'text' },
  { key: 'amount', label: '金额', type: 'money' },
  { key: 'fee', label: '手续费', type: 'money' },
  { key: 'total', label: '合计', type: 'money' },
  { key: 'status', label: '状态', type: 'text' },
  { key: 'mobile', label: '手机', type: 'phone' },
];
const kycForm: FormDefinition = {
  key: 'kyc', object: 'customer', title: 'KYC',
  layout: [{ type: 'section', items: ['name', 'risk_level', 'source_of_funds', 'amount', 'status', 'mobile'].map((field) => ({ field })) }],
  rules: [
    { when: 'risk_level = "high"', show: ['source_of_funds'], require: ['source_of_funds'] },
    { when: 'status = "locked"', readOnly: ['amount'] },
  ],
  computed: { fee: 'amount * 0.01', total: 'amount + fee' },
};

describe('createFormRuntime', () => {
  it('keeps state and computed values current as fields change', () => {
    const rt = createFormRuntime(compileForm(kycFields, kycForm));
    expect(rt.getState().hidden).toEqual(['source_of_funds']);
    expect(rt.setValue('risk_level', 'high').changed.sort()).toEqual(['risk_level', 'source_of_funds']);
    expect(rt.getState().hidden).toEqual([]);
    expect(rt.getState().required).toEqual(['name', 'source_of_funds']);
    const { changed } = rt.setValue('amount', '200.00');
    expect(changed.sort()).toEqual(['amount', 'fee', 'total']);
    expect(rt.values).toMatchObject({ amount: '200.00', fee: '2.00', total: '202.00' });
    rt.setValue('amount', '');
    expect(rt.values.fee).toBeUndefined();
    expect(rt.values.total).toBeUndefined();
  });

  it('keeps what was typed into a hidden field but treats it as absent', () => {
    const rt = createFormRuntime(compileForm(kycFields, kycForm));
    rt.setValue('risk_level', 'high');
    rt.setValue('source_of_funds', '工资');
    rt.setValue('risk_level', 'low');
    expect(rt.getState().hidden).toEqual(['source_of_funds']);
    expect(rt.values.source_of_funds).toBe('工资');
    rt.setValue('risk_level', 'high');
    expect(rt.getState().hidden).toEqual([]);
  });

  it('ignores writes to read-only and computed fields, and restores the stored value when a field locks', () => {
    const rt = createFormRuntime(compileForm(kycFields, kycForm), { name: '张三', amount: '100.00' });
    expect(rt.setValue('fee', '5.00').changed).toEqual([]);
    rt.setValue('amount', '300.00');
    rt.setValue('status', 'locked');
    expect(rt.values.amount).toBe('100.00');
    expect(rt.values.total).toBe('101.00');
    expect(rt.getState().readOnly.sort()).toEqual(['amount', 'fee', 'total']);
    expect(rt.setValue('amount', '999.00').changed).toEqual([]);
    expect(rt.values.amount).toBe('100.00');
  });

  it('validates one field at a time and keeps its errors until it changes', () => {
    const rt = createFormRuntime(compileForm(kycFields, kycForm), undefined, { lang: 'en' });
    rt.setValue('mobile', '123');
    expect(rt.validateField('mobile')).toEqual([{ path: '/mobile', code: 'phone', message: 'Must be an 11-digit mainland China mobile number' }]);
    expect(rt.validateField('name')).toEqual([{ path: '/name', code: 'required', message: 'This field is required' }]);
    expect(rt.getState().errors.map((e) => e.path).sort()).toEqual(['/mobile', '/name']);
    rt.setValue('mobile', '13800138000');
    expect(rt.getState().errors.map((e) => e.path)).toEqual(['/name']);
    expect(rt.validateField('mobile')).toEqual([]);
  });

  it('agrees with the server on state and stored values', () => {
    const compiled = compileForm(kycFields, kycForm);
    const rt = createFormRuntime(compiled);
    for (const [k, v] of [['name', '李四'], ['risk_level', 'high'], ['source_of_funds', '经营'], ['amount', '88.80'], ['risk_level', 'low']] as const) {
      rt.setValue(k, v);
    }
    const { hidden, required, readOnly } = rt.getState();
    const server = compiled.process(rt.values);
    expect(server.state).toEqual({ hidden, required, readOnly });
    expect(server.value).toEqual({ name: '李四', risk_level: 'low', amount: '88.80', fee: '0.89', total: '89.69' });
  });
});

describe('createFormRuntime on a 500-field form', () => {
  // 200 amounts, 200 remarks each required when its amount passes 100, 50 pair sums, 50 doubled sums.
  const fields: FieldDef[] = [];
  const rules: FormDefinition['rules'] = [];
  const computed: Record<string, string> = {};
  for (let i = 0; i < 200; i++) {
    fields.push({ key: `a${i}`, label: `金额${i}`, type: 'money' }, { key: `b${i}`, label: `备注${i}`, type: 'text' });
    rules.push({ when: `a${i} > 100`, require: [`b${i}`] });
  }
  for (let i = 0; i < 50; i++) {
    fields.push({ key: `c${i}`, label: `小计${i}`, type: 'money' }, { key: `d${i}`, label: `双倍${i}`, type: 'money' });
    computed[`c${i}`] = `a${2 * i} + a${2 * i + 1}`;
    computed[`d${i}`] = `c${i} * 2`;
  }
  const form: FormDefinition = {
    key: 'big', object: 'ledger', title: '大表单',
    layout: [{ type: 'section', items: fields.filter((f) => !(f.key in computed)).map((f) => ({ field: f.key })) }],
    rules, computed,
  };
  expect(fields).toHaveLength(500);
  const compiled = compileForm(fields, form, { cacheKey: 'big@1' });

  it('re-runs only the rules and computed fields that read the changed field', () => {
    const rt = createFormRuntime(compiled, { a1: '0.00' });
    const before = rt.evaluations;
    const { changed } = rt.setValue('a0', '150.00');
    // rule 0 (reads a0), c0 (reads a0), then d0 (reads c0): three evaluations, not 300.
    expect(rt.evaluations - before).toBe(3);
    expect(changed.sort()).toEqual(['a0', 'b0', 'c0', 'd0']);
    expect(rt.values).toMatchObject({ c0: '150.00', d0: '300.00' });
    expect(rt.getState().required).toEqual(['b0']);

    const mid = rt.evaluations;
    rt.setValue('b7', 'x'); // read by nothing
    expect(rt.evaluations - mid).toBe(0);
    rt.setValue('a0', '150.00'); // unchanged value: nothing runs
    expect(rt.evaluations - mid).toBe(0);
  });

  it('keeps a keystroke far under one frame (median < 2 ms)', () => {
    const rt = createFormRuntime(compiled);
    const times: number[] = [];
    for (let n = 0; n < 300; n++) {
      const field = `a${n % 200}`;
      const t0 = performance.now();
      rt.setValue(field, `${n}.5`);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(2);
  });

  it('is compiled once per cache key', () => {
    expect(compileForm(fields, form, { cacheKey: 'big@1' })).toBe(compiled);
    expect(compileForm(fields, form, { cacheKey: 'big@2' })).not.toBe(compiled);
  });
});

describe('FEEL budget in forms', () => {
  const fields: FieldDef[] = [
    { key: 'n', label: 'n', type: 'integer' },
    { key: 'c', label: 'c', type: 'computed', options: { expression: 'count(for i in 1..n return i)' } },
  ];

  it('refuses a submission whose computed field overruns the budget, and computes the next one', () => {
    const form = compileForm(fields, null);
    const bad = form.process({ n: 50_000_000 }, { lang: 'zh-CN' });
    expect(bad.ok).toBe(false);
    // Whichever budget runs out first (iterations, or time on a busy machine) stops it.
    expect(bad.errors).toEqual([expect.objectContaining({ path: '', code: 'feel_budget', message: expect.stringMatching(/^表单规则或计算字段被中止：表达式(的循环次数超过上限|运行超过)/) })]);
    const good = form.process({ n: 3 });
    expect(good.ok).toBe(true);
    expect(good.value.c).toBe(3);
  });

  it('in the browser runtime, an overrun stops one change only', () => {
    const rt = createFormRuntime(compileForm(fields, null));
    rt.setValue('n', 50_000_000);
    expect(rt.values.c).toBeUndefined();
    rt.setValue('n', 4);
    expect(rt.values.c).toBe(4);
  });
});
