import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  compileForm, deriveDataSchema, formDefinitionSchema, FormDefinitionError, validateFieldDefinition, validateFormDefinition, RESERVED_KEYS,
} from '../index.js';
import type { FieldDef, FormDefinition } from '../index.js';

const fields: FieldDef[] = [
  { key: 'name', label: '姓名', type: 'text', required: true },
  { key: 'risk_level', label: '风险', type: 'select', options: { choices: [{ value: 'low', label: '低' }, { value: 'high', label: '高' }] } },
  { key: 'source_of_funds', label: '资金来源', type: 'text', required: true },
  { key: 'customer_no', label: '客户号', type: 'auto_number', options: { pattern: 'KH{yyyyMMdd}{seq:6}' } },
  { key: 'balance', label: '余额', type: 'money' },
  { key: 'files', label: '附件', type: 'attachment', required: true },
  { key: 'internal', label: '内部', type: 'text' },
];
const form: FormDefinition = {
  key: 'kyc', object: 'customer', version: 1, title: { 'zh-CN': '尽职调查', en: 'KYC' },
  layout: [{ type: 'section', items: [{ field: 'name' }, { field: 'risk_level' }, { field: 'source_of_funds' }, { field: 'balance' }, { field: 'files' }] }],
  rules: [{ when: 'risk_level = "high"', show: ['source_of_funds'] }],
};

describe('the published form-definition JSON Schema', () => {
  it('is the schema the engine validates with', () => {
    const file = fileURLToPath(new URL('../../../../engine-specs/forms/form-definition.schema.json', import.meta.url));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(formDefinitionSchema)));
  });
});

describe('validateFormDefinition', () => {
  it('names the rule and quotes the FEEL problem, in either language', () => {
    const bad = { ...form, rules: [form.rules![0]!, { when: 'balance >', require: ['name'] }] };
    const [zh] = validateFormDefinition(bad, fields);
    expect(zh).toMatchObject({ path: '/rules/1/when', code: 'feel_syntax' });
    expect(zh!.message).toMatch(/^规则 1 的条件 FEEL 语法错误：.*Comparison/);
    const [en] = validateFormDefinition(bad, fields, 'en');
    expect(en!.message).toMatch(/^FEEL syntax error in the condition of rule 1: .*Comparison/);
  });
  it('reports a definition that is not an object', () => {
    expect(validateFormDefinition(null, fields)).toEqual([expect.objectContaining({ path: '', code: 'type' })]);
    expect(validateFormDefinition([], fields)).toEqual([expect.objectContaining({ path: '', code: 'type' })]);
  });
  it('names missing properties in the message', () => {
    const issues = validateFormDefinition({ key: 'k', object: 'o', layout: [{ field: 'name' }] }, fields, 'en');
    expect(issues).toEqual([{ path: '/title', code: 'required', message: 'Missing required property "title"' }]);
  });
  it('accepts the documented example shape', () => {
    expect(validateFormDefinition(form, fields)).toEqual([]);
  });
});

describe('validateFieldDefinition', () => {
  it('refuses every reserved system column', () => {
    for (const key of RESERVED_KEYS) {
      expect(validateFieldDefinition({ key, label: 'x', type: 'text' })).toEqual([expect.objectContaining({ path: '/key', code: 'reserved_key' })]);
    }
  });
  it('accepts a 63-character key and refuses a 64-character one', () => {
    expect(validateFieldDefinition({ key: 'a'.repeat(63), label: 'x', type: 'text' })).toEqual([]);
    expect(validateFieldDefinition({ key: 'a'.repeat(64), label: 'x', type: 'text' })).toEqual([expect.objectContaining({ path: '/key', code: 'pattern' })]);
  });
  it('reports a field that is not an object', () => {
    expect(validateFieldDefinition('text')).toEqual([expect.objectContaining({ path: '', code: 'type' })]);
  });
});

describe('compileForm', () => {
  it('refuses an invalid definition with the issues attached', () => {
    let caught: unknown;
    try {
      compileForm(fields, { ...form, rules: [{ when: 'risk_level = ', show: ['nope'] }] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FormDefinitionError);
    expect((caught as FormDefinitionError).issues.map((i) => i.path).sort()).toEqual(['/rules/0/show/0', '/rules/0/when']);
  });

  it('reports rules that keep undoing each other instead of looping', () => {
    const f: FieldDef[] = [{ key: 'x', label: 'x', type: 'integer' }];
    const c = compileForm(f, {
      key: 'loop', object: 'o', title: 't', layout: [{ field: 'x' }],
      rules: [{ when: 'x = 1', set: { x: '2' } }, { when: 'x = 2', set: { x: '1' } }],
    });
    const r = c.process({ x: 1 }, { lang: 'en' });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ path: '', code: 'rules_not_converging' })]);
  });

  it('treats a FEEL runtime failure as a false condition', () => {
    const f: FieldDef[] = [{ key: 'x', label: 'x', type: 'text' }, { key: 'y', label: 'y', type: 'text' }];
    const c = compileForm(f, {
      key: 'odd', object: 'o', title: 't', layout: [{ field: 'x' }, { field: 'y' }],
      rules: [{ when: 'string length(x) > 3', hide: ['y'] }],
    });
    expect(c.process({ x: 'abcd', y: 'kept?' }).value).toEqual({ x: 'abcd' });
    expect(c.process({ y: 'kept' }).value).toEqual({ y: 'kept' });
  });
});

describe('deriveDataSchema', () => {
  const schema = deriveDataSchema(fields, form) as {
    $schema: string; additionalProperties: boolean; required: string[]; properties: Record<string, Record<string, unknown>>;
  };
  it('is a closed 2020-12 object schema of the fields the form carries', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['name', 'risk_level', 'source_of_funds', 'balance', 'files', 'customer_no']);
  });
  it('only requires what no rule can hide; lists must be non-empty', () => {
    expect(schema.required).toEqual(['name', 'files']);
    expect(schema.properties.files).toMatchObject({ type: 'array', minItems: 1, uniqueItems: true });
  });
  it('writes money as a bounded decimal string and marks server-owned values read-only', () => {
    expect(schema.properties.balance).toMatchObject({ type: 'string', pattern: '^-?(?:0|[1-9]\\d{0,15})(?:\\.\\d{1,2})?$' });
    expect(schema.properties.customer_no).toMatchObject({ type: 'string', readOnly: true });
  });
  it('without a form covers every field of the object', () => {
    const all = deriveDataSchema(fields) as { properties: object; required: string[] };
    expect(Object.keys(all.properties)).toEqual(fields.map((f) => f.key));
    expect(all.required).toEqual(['name', 'source_of_funds', 'files']);
  });
});
