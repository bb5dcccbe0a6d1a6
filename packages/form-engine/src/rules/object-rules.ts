/**
 * An object's validation rules: `{ key, when?, require?, assert?, message }`, held by the object and
 * checked on every create and update whatever the path (records API, form, import, process, bulk
 * edit). Form rules stay presentation (show / hide / require inside that form); these always hold.
 *
 * A rule applies when `when` is absent or true. Then every field in `require` must have a value and
 * `assert` (if any) must be true — null counts as false, so `assert: "amount <= limit"` fails while
 * either is empty. Each failure is an issue at the field it is about, with the rule's own message.
 *
 * The same FEEL scope check (`analyzeFeel`) that the designers run guards a rule before it is saved.
 */
import { analyzeFeel, compileFeel, FeelEvaluationError, isTrue, type FeelIssue, type FeelName, type FeelValueKind } from '@crm/feel';
import type { FieldDef, Lang, LocalizedText } from '../types.js';
import { pickText } from '../localized-text.js';
import { toFeelValue } from './feel-values.js';

export interface ObjectRule {
  key: string;
  when?: string;
  require?: string[];
  assert?: string;
  message: { 'zh-CN': string; en?: string };
}

export interface RuleIssue {
  path: string;
  code: string;
  message: string;
}

const KIND_OF_TYPE: Record<string, FeelValueKind> = {
  integer: 'number', decimal: 'number', money: 'number', percent: 'number',
  text: 'text', textarea: 'text', email: 'text', phone: 'text', url: 'text', select: 'text',
  cn_id_number: 'text', cn_uscc: 'text', bank_card: 'text', auto_number: 'text',
  boolean: 'boolean', date: 'date', datetime: 'datetime', multiselect: 'list', tags: 'list',
};

/** The names FEEL over an object's records may read: its field keys, labels and value kinds. */
export function feelNamesOf(fields: readonly FieldDef[]): FeelName[] {
  return fields.map((f) => ({ name: f.key, label: f.label, kind: KIND_OF_TYPE[f.type] ?? 'any' }));
}

function empty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function text(t: LocalizedText, lang: Lang): string {
  return pickText(t, lang);
}

/** Problems of a rule set against an object's fields, as issues at `/rules/<i>/…` (for the metadata API). */
export function checkObjectRules(rules: readonly ObjectRule[], fields: readonly FieldDef[], lang: Lang): RuleIssue[] {
  const out: RuleIssue[] = [];
  const byKey = new Set(fields.map((f) => f.key));
  const names = feelNamesOf(fields);
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    if (seen.has(r.key)) out.push({ path: `/rules/${i}/key`, code: 'duplicate', message: lang === 'en' ? `duplicate rule key ${r.key}` : `规则键重复：${r.key}` });
    seen.add(r.key);
    if (!r.require?.length && r.assert === undefined) {
      out.push({ path: `/rules/${i}`, code: 'no_effect', message: lang === 'en' ? 'a rule requires fields or asserts a condition' : '规则需要指定必填字段或校验条件' });
    }
    (r.require ?? []).forEach((f, j) => {
      if (!byKey.has(f)) out.push({ path: `/rules/${i}/require/${j}`, code: 'unknown_field', message: lang === 'en' ? `unknown field ${f}` : `未知字段：${f}` });
    });
    for (const part of ['when', 'assert'] as const) {
      const expr = r[part];
      if (expr === undefined) continue;
      for (const issue of analyzeFeel(expr, { names })) {
        out.push({ path: `/rules/${i}/${part}`, code: issue.code, message: issue.message[lang] });
      }
    }
  });
  return out;
}

/** FEEL values of a record's fields (what a rule reads). Other keys of the record are not visible. */
function feelContext(fields: readonly FieldDef[], record: Record<string, unknown>): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  for (const f of fields) ctx[f.key] = toFeelValue(f, record[f.key]);
  return ctx;
}

function holds(expr: string, ctx: Record<string, unknown>): boolean {
  const compiled = compileFeel(expr);
  const scoped: Record<string, unknown> = {};
  for (const name of compiled.inputs) if (name in ctx) scoped[name] = ctx[name];
  return isTrue(compiled.evaluate(scoped));
}

/**
 * The issues of one record against the object's rules (empty: every rule holds). A rule whose FEEL
 * fails to run (over its budget) is reported as failing: a rule that cannot be checked does not hold.
 */
export function evaluateObjectRules(rules: readonly ObjectRule[], fields: readonly FieldDef[], record: Record<string, unknown>, lang: Lang): RuleIssue[] {
  if (!rules.length) return [];
  const ctx = feelContext(fields, record);
  const out: RuleIssue[] = [];
  const fieldKeys = new Set(fields.map((f) => f.key));
  for (const r of rules) {
    const message = lang === 'en' ? (r.message.en ?? r.message['zh-CN']) : text(r.message, 'zh-CN');
    const code = `rule.${r.key}`;
    try {
      if (r.when !== undefined && !holds(r.when, ctx)) continue;
      for (const f of r.require ?? []) if (empty(record[f])) out.push({ path: `/${f}`, code, message });
      if (r.assert !== undefined && !holds(r.assert, ctx)) {
        const about = compileFeel(r.assert).inputs.filter((n) => fieldKeys.has(n));
        if (about.length) for (const f of about) out.push({ path: `/${f}`, code, message });
        else out.push({ path: '', code, message });
      }
    } catch (err) {
      if (!(err instanceof FeelEvaluationError)) throw err;
      out.push({ path: '', code, message });
    }
  }
  return out;
}

export type { FeelIssue };

/**
 * The FEEL of a form definition (rule conditions, `set` values, computed fields) checked against the
 * object's fields: what the server refuses at publish, and what the designer shows as you type.
 */
export function checkFormFeel(def: { rules?: { when: string; set?: Record<string, string> }[]; computed?: Record<string, string> }, fields: readonly FieldDef[], lang: Lang): RuleIssue[] {
  const names = feelNamesOf(fields);
  const out: RuleIssue[] = [];
  const add = (path: string, expr: string) => {
    for (const issue of analyzeFeel(expr, { names })) out.push({ path, code: issue.code, message: issue.message[lang] });
  };
  (def.rules ?? []).forEach((r, i) => {
    add(`/rules/${i}/when`, r.when);
    for (const [k, e] of Object.entries(r.set ?? {})) add(`/rules/${i}/set/${k}`, e);
  });
  for (const [k, e] of Object.entries(def.computed ?? {})) add(`/computed/${k}`, e);
  return out;
}
