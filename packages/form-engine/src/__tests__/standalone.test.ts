import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileForm, deriveDataSchema, formats, generateStandaloneValidatorModule, standaloneRuntime } from '../index.js';
import type { DataValidator, FieldDef, FormDefinition } from '../index.js';

const U = '3f2c5a7e-8b1d-4c6e-9f0a-1b2c3d4e5f60';
const fields: FieldDef[] = [
  { key: 'name', label: '姓名', type: 'text', required: true, options: { maxLength: 5 } },
  { key: 'id_number', label: '身份证号', type: 'cn_id_number' },
  { key: 'credit_code', label: '信用代码', type: 'cn_uscc' },
  { key: 'card', label: '卡号', type: 'bank_card' },
  { key: 'mobile', label: '手机', type: 'phone' },
  { key: 'office', label: '座机', type: 'phone', options: { allowLandline: true } },
  { key: 'amount', label: '金额', type: 'money' },
  { key: 'open_date', label: '开户日', type: 'date' },
  { key: 'visited_at', label: '拜访', type: 'datetime' },
  { key: 'products', label: '产品', type: 'multiselect', options: { choices: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] } },
  { key: 'tags', label: '标签', type: 'tags' },
  { key: 'files', label: '附件', type: 'attachment' },
  { key: 'manager', label: '经理', type: 'user' },
  { key: 'site', label: '网站', type: 'url' },
  { key: 'email', label: '邮箱', type: 'email' },
  { key: 'contacts', label: '联系人', type: 'json' },
];
const form: FormDefinition = {
  key: 'kyc', object: 'customer', version: 3, title: 'KYC',
  layout: [
    { type: 'section', items: fields.filter((f) => f.key !== 'contacts').map((f) => ({ field: f.key })) },
    { type: 'group', field: 'contacts', fields: [{ key: 'cname', label: '姓名', type: 'text', required: true }, { key: 'phone', label: '电话', type: 'phone' }] },
  ],
};

const inputs: Record<string, unknown>[] = [
  {
    name: '张三', id_number: '11010519491231002X', credit_code: '91350100M000100Y43', card: '6222021000112345672',
    mobile: '13800138000', office: '010-12345678', amount: '12.50', open_date: '2024-02-29', visited_at: '2024-05-01T09:30:00+08:00',
    products: ['a'], tags: ['vip'], files: [U], manager: U, site: 'https://a.cn', email: 'a@b.cn', contacts: [{ cname: 'x', phone: '13900139000' }],
  },
  {
    name: '欧阳娜娜娜娜', id_number: '110105194912310021', credit_code: '91350100M000100Y44', card: '6222021000112345673',
    mobile: '12800138000', office: '12', amount: '1.234', open_date: '2023-02-29', visited_at: '2024-05-01T09:30:00',
    products: ['a', 'a', 'z'], tags: ['', 'x'], files: ['f'], manager: 'u', site: 'ftp://a', email: 'a@', contacts: [{ phone: '1' }, { cname: 'y', extra: 1 }], bogus: true,
  },
  {},
];

const dir = mkdtempSync(join(tmpdir(), 'form-validator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(source: string, name: string): Promise<{ validate: DataValidator; schema: object }> {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return (await import(pathToFileURL(file).href)) as { validate: DataValidator; schema: object };
}

describe('generateStandaloneValidatorModule', () => {
  it('emits an ES module without require() or eval, importing its runtime from @crm/form-engine', () => {
    const source = generateStandaloneValidatorModule(fields, form);
    expect(source).toMatch(/^import \* as \w+ from "@crm\/form-engine";/);
    expect(source).not.toMatch(/\brequire\(/);
    expect(source).not.toMatch(/new Function|\beval\(/);
    expect(source).toMatch(/export const validate/);
  });

  it('validates exactly like the live validator, errors included', async () => {
    const mod = await load(generateStandaloneValidatorModule(fields, form), 'kyc');
    expect(mod.schema).toEqual(deriveDataSchema(fields, form));
    const live = compileForm(fields, form);
    const fromModule = compileForm(fields, form, { validator: mod.validate });
    let rejected = 0;
    for (const input of inputs) {
      for (const lang of ['zh-CN', 'en'] as const) {
        const a = live.process(input, { lang });
        const b = fromModule.process(input, { lang });
        expect(b).toEqual(a);
        if (!a.ok) rejected++;
      }
    }
    // The second input breaks every field, so the comparison covers every error path.
    const bad = live.process(inputs[1]!, { lang: 'zh-CN' });
    expect(bad.errors.length).toBeGreaterThanOrEqual(20);
    expect(rejected).toBe(4);
  });

  it('honours a custom runtime import specifier', () => {
    const source = generateStandaloneValidatorModule(fields, null, { runtimeImport: '/assets/form-engine.js' });
    expect(source.startsWith('import * as __crmFormEngine from "/assets/form-engine.js";')).toBe(true);
  });

  it('reads its runtime from a global when asked (a browser module with no import), validating the same', async () => {
    const source = generateStandaloneValidatorModule(fields, form, { runtimeGlobal: '__testFormRuntime' });
    expect(source.startsWith('const __crmFormEngine = globalThis["__testFormRuntime"];\n')).toBe(true);
    expect(source).not.toMatch(/\bimport\b/);
    (globalThis as Record<string, unknown>).__testFormRuntime = { formats, standaloneRuntime };
    try {
      const mod = await load(source, 'kyc-global');
      // Checked on the server: the browser skips the definition checks (they need `new Function`).
      const checked = compileForm(fields, form, { validator: mod.validate, definitionChecked: true });
      const live = compileForm(fields, form);
      for (const input of inputs) expect(checked.process(input, { lang: 'zh-CN' })).toEqual(live.process(input, { lang: 'zh-CN' }));
    } finally {
      delete (globalThis as Record<string, unknown>).__testFormRuntime;
    }
  });

  it('without definitionChecked a wrong definition is still refused when compiling', () => {
    const wrong: FormDefinition = { ...form, layout: [{ field: 'no_such_field' }] };
    expect(() => compileForm(fields, wrong)).toThrow();
  });

  it('refuses an invalid definition', () => {
    expect(() => generateStandaloneValidatorModule(fields, { ...form, rules: [{ when: 'a =', show: ['name'] }] })).toThrow(/rules\/0\/when/);
  });
});
