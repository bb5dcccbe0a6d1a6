/**
 * Turns Ajv errors into ValidationIssue { path, code, message } in the caller's language.
 * Domain codes come from `errorMessage` (ajv-errors) in the derived schema; everything else keeps
 * Ajv's keyword as code and gets ajv-i18n's message (Chinese for zh-CN).
 */
import type { ErrorObject } from 'ajv';
import localizeZhModule from 'ajv-i18n/localize/zh/index.js';
import localizeEnModule from 'ajv-i18n/localize/en/index.js';
import { cjsDefault } from '../interop.js';
import type { FieldDef, Lang, ValidationIssue } from '../types.js';
import { catalogMessage } from './catalog.js';
import { pickText } from '../localized-text.js';

type Localize = (errors?: ErrorObject[] | null) => void;
const localizers: Record<Lang, Localize> = {
  'zh-CN': cjsDefault<Localize>(localizeZhModule),
  en: cjsDefault<Localize>(localizeEnModule),
};

export interface IssueContext {
  lang: Lang;
  /** The field definition at a data pointer ("/contacts/0/phone" → the group's `phone`). */
  fieldAt(pointer: string): FieldDef | undefined;
  data: unknown;
  now?: Date;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

export function ajvMessage(error: ErrorObject, lang: Lang): string {
  const copy = { ...error };
  localizers[lang]([copy]);
  return copy.message ?? error.keyword;
}

export function toIssues(errors: readonly ErrorObject[] | null | undefined, ctx: IssueContext): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const err of errors ?? []) {
    let path = err.instancePath;
    let code = err.keyword;
    const params = err.params as Record<string, unknown>;
    if (err.keyword === 'errorMessage') code = err.message ?? 'invalid';
    if (err.keyword === 'required') path += '/' + escapePointer(String(params.missingProperty));
    if (err.keyword === 'additionalProperties') path += '/' + escapePointer(String(params.additionalProperty));
    const key = `${path}\u0000${code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const field = ctx.fieldAt(path);
    const message =
      (code === 'pattern' && field?.options?.patternMessage !== undefined
        ? pickText(field.options.patternMessage, ctx.lang)
        : undefined) ??
      catalogMessage({ code, lang: ctx.lang, field, value: valueAt(ctx.data, path), params, now: ctx.now }) ??
      ajvMessage(err, ctx.lang);
    out.push({ path, code, message });
  }
  return out;
}
