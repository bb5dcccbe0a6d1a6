import type { Field, FormDefinitionInput, LayoutItem } from '@crm/shared';

/** 500 fields of the kinds a bank form has, in 10 two-column sections; and the equivalent JSON Schema. */
const KINDS = ['text', 'text', 'integer', 'money', 'select', 'text', 'email', 'boolean', 'phone', 'textarea'] as const;

export function benchFields(n = 500): Field[] {
  const out: Field[] = [];
  for (let i = 0; i < n; i++) {
    const type = KINDS[i % KINDS.length]!;
    const key = `f${String(i + 1).padStart(3, '0')}`;
    const f: Field = { key, label: { 'zh-CN': `字段${i + 1}`, en: `Field ${i + 1}` }, type };
    if (type === 'select') f.options = { choices: ['a', 'b', 'c', 'd'].map((v) => ({ value: v, label: `选项${v}` })) };
    if (type === 'text') f.options = { maxLength: 100 };
    if (i % 50 === 0) f.required = true;
    out.push(f);
  }
  return out;
}

export function benchForm(fields: Field[]): FormDefinitionInput {
  const layout: LayoutItem[] = [];
  for (let s = 0; s < fields.length; s += 50) {
    layout.push({ type: 'section', title: { 'zh-CN': `第${s / 50 + 1}部分` }, columns: 2, items: fields.slice(s, s + 50).map((f) => ({ field: f.key })) });
  }
  return { key: 'bench', object: 'bench', title: '500 字段表单', layout, rules: [{ when: 'f001 = "x"', require: ['f002'] }] };
}

export function benchSchema(fields: Field[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const f of fields) {
    const title = typeof f.label === 'string' ? f.label : f.label['zh-CN'];
    let p: Record<string, unknown>;
    switch (f.type) {
      case 'integer': p = { type: 'integer' }; break;
      case 'money': p = { type: 'string', pattern: '^-?\\d{1,15}(\\.\\d{1,2})?$' }; break;
      case 'select': p = { type: 'string', enum: ['a', 'b', 'c', 'd'] }; break;
      case 'email': p = { type: 'string', format: 'email' }; break;
      case 'boolean': p = { type: 'boolean' }; break;
      case 'phone': p = { type: 'string', pattern: '^1[3-9]\\d{9}$' }; break;
      default: p = { type: 'string', maxLength: 100 };
    }
    properties[f.key] = { ...p, title };
    if (f.required) required.push(f.key);
  }
  return { type: 'object', properties, required };
}

export function benchUiSchema(fields: Field[]): Record<string, unknown> {
  const ui: Record<string, unknown> = {};
  for (const f of fields) if (f.type === 'textarea') ui[f.key] = { 'ui:widget': 'textarea' };
  return ui;
}
