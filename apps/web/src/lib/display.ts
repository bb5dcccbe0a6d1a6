/**
 * What a screen shows for a field of a record: a relation, user or org-unit field shows its target's
 * title from the record's `$display` (asked for with `display: true`) — 「受限」 when the server says
 * the caller may not read the target, never the id it holds; other fields as the field type formats them.
 */
import type { Field, Lang, RecordData } from '@crm/shared';
import { formatValue } from '../components/form/FieldInput';

const REF_TYPES = new Set(['relation', 'user', 'org_unit']);

export function isRefField(f: Field | undefined): boolean {
  return !!f && REF_TYPES.has(f.type);
}

/** The text of `record[key]`; '' when empty. */
export function displayText(f: Field | undefined, record: RecordData, key: string, lang: Lang): string {
  const v = record[key];
  if (v === null || v === undefined || v === '') return '';
  if (isRefField(f)) {
    const d = record.$display?.[key];
    if (!d || d.restricted) return lang === 'en' ? 'Restricted' : '受限';
    return d.title ?? (lang === 'en' ? '(untitled)' : '（无标题）');
  }
  return formatValue(f, v, lang);
}

/** Process states in words. */
export const PROCESS_STATE_LABELS: Record<string, [string, string]> = {
  active: ['进行中', 'Running'],
  completed: ['已完成', 'Completed'],
  terminated: ['已终止', 'Terminated'],
  incident: ['异常', 'Incident'],
};
