import { beforeAll, describe, it, expect } from '@jest/globals';
import {
  BUILTIN_FIELD_TYPES, compileForm, FIELD_TYPES, fieldType, fieldTypeNames, fieldTypes, formats, maskValue,
  registerFieldType, UnknownFieldTypeError, validateFieldDefinition, validateFormDefinition, generateStandaloneValidatorModule,
  type FieldDef, type FieldTypeDescriptor,
} from '../index.js';
import { toFeelValue, toWireValue } from '../rules/feel-values.js';
import { createAjv } from '../validation/ajv-factory.js';
// The fixture type lives in one folder outside the package, as an extension's type would.
import { cn_postcode } from '../../../../tests/fixtures/field-types/cn_postcode/index.mjs';

const MASKS = ['amount', 'year', 'generic', 'phone', 'bank_card', 'email', 'opaque', 'list'];
const FEEL = ['decimal', 'date', 'datetime', 'text', 'value'];
const COMPARABLES = ['number', 'text', 'date', 'timestamp', 'boolean', 'array', 'uuid', 'json'];
const CODECS = ['plain', 'json', 'integer', 'timestamp'];
const OPS = ['eq', 'ne', 'contains', 'gt', 'gte', 'lt', 'lte', 'in', 'empty', 'notEmpty'];

/** A field of `type` with the options its definition requires. */
function sample(type: string): FieldDef {
  const f = { key: 'x', label: 'X', type } as FieldDef;
  if (type === 'select' || type === 'multiselect') f.options = { choices: [{ value: 'a', label: 'A' }] };
  if (type === 'decimal') f.options = { precision: 10, scale: 2 };
  if (type === 'relation') f.target = 'customer';
  if (type === 'auto_number') f.options = { pattern: 'NO{seq:4}' };
  if (type === 'computed') f.options = { expression: '1 + 1' };
  return f;
}

/** Every format named anywhere in a schema. */
function formatsIn(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const own = typeof (schema as { format?: unknown }).format === 'string' ? [(schema as { format: string }).format] : [];
  return [...own, ...Object.entries(schema).filter(([k]) => k !== 'errorMessage').flatMap(([, v]) => formatsIn(v))];
}

/** Every domain code an `errorMessage` raises. */
function codesIn(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const em = (schema as { errorMessage?: Record<string, string> }).errorMessage;
  return [...Object.values(em ?? {}), ...Object.entries(schema).filter(([k]) => k !== 'errorMessage').flatMap(([, v]) => codesIn(v))];
}

function checkComplete(d: FieldTypeDescriptor): void {
  const field = sample(d.type);
  expect(d.label.zh && d.label.en).toBeTruthy();
  expect(validateFieldDefinition(field, 'en')).toEqual([]);
  // Engine: a schema Ajv compiles, every format it names defined, every domain code phrased in both languages.
  const schema = d.engine.schema(field);
  expect(() => createAjv().compile(schema)).not.toThrow();
  for (const name of formatsIn(schema)) expect(formats[name]).toBeDefined();
  for (const code of codesIn(schema)) {
    const message = d.engine.messages?.[code] ?? fieldTypes().map((o) => o.engine.messages?.[code]).find(Boolean);
    expect({ code, zh: message?.({ code, lang: 'zh-CN', field })?.zh }).toEqual({ code, zh: expect.any(String) });
    expect(message!({ code, lang: 'en', field }).en).toEqual(expect.any(String));
  }
  expect(MASKS).toContain(d.engine.mask);
  expect(FEEL).toContain(d.engine.feel);
  expect(typeof d.engine.inGroup).toBe('boolean');
  // Server: a column, a cast, a comparable kind, an index kind and a codec the server knows.
  expect(d.server.column).toMatch(/^[a-z]/);
  expect(d.server.cast).toMatch(/^[a-z]/);
  expect(COMPARABLES).toContain(d.server.comparable);
  expect(['none', 'btree', 'gin']).toContain(d.server.index);
  expect(CODECS).toContain(d.server.codec);
  // Web: an input widget, filter operators, a palette group.
  expect(d.web.widget).toMatch(/^[a-z_]+$/);
  expect(d.web.filterOperators.length).toBeGreaterThan(0);
  for (const op of d.web.filterOperators) expect(OPS).toContain(op);
  expect(['basic', 'banking', 'system']).toContain(d.web.designer.group);
  expect([undefined, 'plain', 'yes_no', 'choice', 'choices', 'money', 'percent', 'datetime', 'json']).toContain(d.web.display);
}

describe('field-type registry', () => {
  it('holds every built-in type, in the documented order', () => {
    expect(fieldTypeNames()).toEqual([...FIELD_TYPES]);
    expect(BUILTIN_FIELD_TYPES.map((d) => d.type)).toEqual([...FIELD_TYPES]);
  });

  it.each(BUILTIN_FIELD_TYPES.map((d) => [d.type, d] as const))('%s has every part', (_type, d) => checkComplete(d));

  it.each(BUILTIN_FIELD_TYPES.map((d) => [d.type, d] as const))('%s converts to and from FEEL as its descriptor says', (_type, d) => {
    const field = sample(d.type);
    const seen = (v: string) => toFeelValue(field, v);
    switch (d.engine.feel) {
      case 'decimal':
        expect(seen('12.5')).not.toBe('12.5'); // a number for FEEL, not text
        expect(typeof toWireValue(field, seen('12.5'))).toBe('string'); // back as a decimal string
        break;
      case 'date':
        expect(typeof seen('2024-05-01')).not.toBe('string');
        break;
      case 'datetime':
        expect(typeof seen('2024-05-01T09:30:00+08:00')).not.toBe('string');
        break;
      case 'text':
        expect(toWireValue(field, 42)).toBe('42');
        break;
      default:
        expect(seen('abc')).toBe('abc');
        expect(toWireValue(field, 42)).toBe(42);
    }
  });

  it('refuses an unknown type everywhere instead of treating it as text', () => {
    expect(() => fieldType('no_such_type')).toThrow(UnknownFieldTypeError);
    expect(() => fieldType(undefined)).toThrow(UnknownFieldTypeError);
    const f = { key: 'x', label: 'X', type: 'no_such_type' } as unknown as FieldDef;
    expect(() => maskValue(f, 'secret')).toThrow(UnknownFieldTypeError);
    expect(validateFieldDefinition(f, 'en')).toEqual([{ path: '/type', code: 'enum', message: `Unknown field type; the known types are: ${FIELD_TYPES.join(', ')}` }]);
    expect(validateFieldDefinition(f)[0]!.message).toMatch(/^未知的字段类型；可用的类型：text, textarea/);
    expect(() => compileForm([f], null)).toThrow();
  });

  it('guards registration: names, duplicates, SQL types, clashing formats and message codes', () => {
    const base = cn_postcode as FieldTypeDescriptor;
    expect(() => registerFieldType({ ...base, type: 'Bad-Name' })).toThrow(/must match/);
    expect(() => registerFieldType({ ...base, type: 'text' })).toThrow(/already registered/);
    expect(() => registerFieldType({ ...base, type: 'evil', server: { ...base.server, column: 'text; DROP TABLE x' } })).toThrow(/not a column type/);
    expect(() => registerFieldType({ ...base, type: 'evil2', engine: { ...base.engine, formats: { email: /x/ } } })).toThrow(/format email/);
    expect(() => registerFieldType({ ...base, type: 'evil3', engine: { ...base.engine, formats: {}, messages: { money: () => ({ zh: '', en: '' }) } } })).toThrow(/message code money/);
    expect(fieldTypeNames()).toEqual([...FIELD_TYPES]); // nothing half-registered
  });
});

describe('a field type added in one folder', () => {
  beforeAll(() => registerFieldType(cn_postcode as FieldTypeDescriptor));
  const field = { key: 'postcode', label: '邮编', type: 'cn_postcode' } as unknown as FieldDef;
  const form = { key: 'f', object: 'o', title: 'F', layout: [{ field: 'postcode' }] };

  it('is complete, and listed after the built-ins', () => {
    checkComplete(fieldType('cn_postcode'));
    expect(fieldTypeNames().at(-1)).toBe('cn_postcode');
  });

  it('is accepted in field and form definitions, and validates values with its own format and messages', () => {
    expect(validateFieldDefinition(field)).toEqual([]);
    expect(validateFormDefinition(form, [field])).toEqual([]);
    const compiled = compileForm([field], form);
    expect(compiled.process({ postcode: '100080' }).errors).toEqual([]);
    expect(compiled.process({ postcode: '012345' }).errors).toEqual([{ path: '/postcode', code: 'cn_postcode', message: '邮政编码应为6位数字' }]);
    expect(compiled.process({ postcode: 100080 }, { lang: 'en' }).errors).toEqual([{ path: '/postcode', code: 'cn_postcode', message: 'A postcode has 6 digits' }]);
  });

  it('validates the same way in a standalone validator module (the browser’s)', () => {
    const code = generateStandaloneValidatorModule([field], form);
    expect(code).toContain('cn-postcode');
    expect(formats['cn-postcode']).toBe(cn_postcode.engine.formats['cn-postcode']);
  });

  it('is masked by its own policy, which a designer option cannot turn off', () => {
    expect(maskValue(field, '100080')).toBe('1****0');
    expect(maskValue({ ...field, options: { mask: 'none' } }, '100080')).toBe('1****0');
  });
});
