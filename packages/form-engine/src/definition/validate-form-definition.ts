/**
 * Checks a form definition: first its shape against the form-definition JSON Schema (every problem
 * at once), then meaning: placed fields exist and appear once, repeating groups bind json fields,
 * rule and computed targets exist, and every FEEL expression parses (the issue names the rule).
 */
import { checkFeel, FeelShapeError } from '@crm/feel';
import type { FieldDef, Lang, ValidationIssue } from '../types.js';
import { schemaIssuesOfForm, t } from './definition-ajv.js';
import { walkLayout } from './layout-walk.js';
import { fieldSemanticIssues } from './validate-field-definition.js';
import { orderComputed } from '../rules/computed-order.js';
import { escapePointer } from '../validation/issues.js';
import { fieldType, isFieldType, isServerOwned } from '../field-types/index.js';

const RULE_LISTS = ['show', 'hide', 'require', 'readOnly'] as const;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateFormDefinition(def: unknown, fields: FieldDef[], lang: Lang = 'zh-CN'): ValidationIssue[] {
  const issues = schemaIssuesOfForm(def, lang);
  if (!isObject(def)) return issues;
  const add = (path: string, code: string, message: string) => issues.push({ path, code, message });
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const placedAt = new Map<string, string>();
  const groupSubs = new Map<string, Set<string>>();

  const unknown = (path: string, key: string) =>
    add(path, 'unknown_field', t(lang, `对象中没有字段 "${key}"`, `The object has no field "${key}"`));
  const place = (key: string, path: string) => {
    const first = placedAt.get(key);
    if (first !== undefined) {
      add(path, 'duplicate_field', t(lang, `字段 "${key}" 已放置在 ${first}`, `Field "${key}" is already placed at ${first}`));
    } else {
      placedAt.set(key, path);
    }
  };

  walkLayout(def.layout, {
    field(item, at) {
      if (typeof item.field !== 'string') return;
      if (!byKey.has(item.field)) unknown(`${at}/field`, item.field);
      else place(item.field, `${at}/field`);
    },
    group(item, at) {
      const key = item.field;
      if (typeof key !== 'string') return;
      const target = byKey.get(key);
      if (!target) unknown(`${at}/field`, key);
      else if (target.type !== 'json') {
        add(`${at}/field`, 'group_field_not_json', t(lang, `重复组必须绑定 json 类型字段，"${key}" 是 ${target.type}`, `A repeating group must bind a json field; "${key}" is ${target.type}`));
      } else place(key, `${at}/field`);
      const subs = new Set<string>();
      (Array.isArray(item.fields) ? item.fields : []).forEach((sub: unknown, j) => {
        const sp = `${at}/fields/${j}`;
        issues.push(...fieldSemanticIssues(sub, lang, sp));
        if (!isObject(sub)) return;
        if (isFieldType(sub.type) && !fieldType(sub.type).engine.inGroup) {
          add(`${sp}/type`, 'unsupported_in_group', t(lang, `重复组中不支持 ${sub.type} 类型的字段`, `A repeating group cannot hold ${sub.type} fields`));
        }
        if (typeof sub.key === 'string') {
          if (subs.has(sub.key)) add(`${sp}/key`, 'duplicate_field', t(lang, `组内字段 "${sub.key}" 重复`, `Group field "${sub.key}" is declared twice`));
          subs.add(sub.key);
        }
      });
      groupSubs.set(key, subs);
      (Array.isArray(item.items) ? item.items : []).forEach((it: unknown, j) => {
        if (isObject(it) && typeof it.field === 'string' && !subs.has(it.field)) {
          add(`${at}/items/${j}/field`, 'unknown_field', t(lang, `重复组中没有字段 "${it.field}"`, `The repeating group has no field "${it.field}"`));
        }
      });
    },
  });

  // A rule target is a field of the object, or "group.sub" for a column of a repeating group.
  const targetExists = (ref: string) => {
    const [top, sub] = ref.split('.');
    if (sub === undefined) return byKey.has(top!);
    return groupSubs.get(top!)?.has(sub) ?? false;
  };
  const feel = (path: string, expr: unknown, what: { zh: string; en: string }) => {
    if (typeof expr !== 'string' || expr.trim() === '') return;
    const e = checkFeel(expr);
    if (e instanceof FeelShapeError) add(path, 'feel_budget', t(lang, `${what.zh}过于复杂：${e.localized('zh-CN')}`, `${what.en} is too expensive: ${e.localized('en')}`));
    else if (e) add(path, 'feel_syntax', t(lang, `${what.zh} FEEL 语法错误：${e.message}`, `FEEL syntax error in ${what.en}: ${e.message}`));
  };

  (Array.isArray(def.rules) ? def.rules : []).forEach((rule: unknown, i) => {
    if (!isObject(rule)) return;
    const at = `/rules/${i}`;
    feel(`${at}/when`, rule.when, { zh: `规则 ${i} 的条件`, en: `the condition of rule ${i}` });
    for (const list of RULE_LISTS) {
      const refs = rule[list];
      if (!Array.isArray(refs)) continue;
      refs.forEach((ref, j) => {
        if (typeof ref === 'string' && !targetExists(ref)) unknown(`${at}/${list}/${j}`, ref);
      });
    }
    if (isObject(rule.set)) {
      for (const [key, expr] of Object.entries(rule.set)) {
        const p = `${at}/set/${escapePointer(key)}`;
        const f = byKey.get(key);
        if (!f) unknown(p, key);
        else if (isServerOwned(f.type)) {
          add(p, 'server_owned_field', t(lang, `字段 "${key}" 由系统赋值，规则不能设置`, `Field "${key}" is set by the system and cannot be set by a rule`));
        }
        feel(p, expr, { zh: `规则 ${i} 对 "${key}" 的赋值`, en: `rule ${i}'s value for "${key}"` });
      }
    }
  });

  const computed = new Map<string, string>();
  for (const f of fields) if (f.type === 'computed' && typeof f.options?.expression === 'string') computed.set(f.key, f.options.expression);
  if (isObject(def.computed)) {
    for (const [key, expr] of Object.entries(def.computed)) {
      const p = `/computed/${escapePointer(key)}`;
      const f = byKey.get(key);
      if (!f) unknown(p, key);
      else if (f.type === 'auto_number') {
        add(p, 'server_owned_field', t(lang, `自动编号字段 "${key}" 不能计算`, `Auto-number field "${key}" cannot be computed`));
      }
      feel(p, expr, { zh: `计算字段 "${key}" 的表达式`, en: `the expression of computed field "${key}"` });
      if (typeof expr === 'string') computed.set(key, expr);
    }
  }
  for (const key of orderComputed(computed).cycle) {
    const p = isObject(def.computed) && key in def.computed ? `/computed/${escapePointer(key)}` : '';
    add(p, 'computed_cycle', t(lang, `计算字段 "${key}" 循环依赖自身`, `Computed field "${key}" depends on itself through a cycle`));
  }
  return issues;
}
