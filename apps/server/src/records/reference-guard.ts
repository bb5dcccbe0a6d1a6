/**
 * What a write may point at. A relation may only name a live record the writer may read (row scope
 * of the target object), and an attachment only a file the writer may read: one they uploaded that
 * no record holds yet, or one held by a record they may read. "Exists but not yours" and "does not
 * exist" get the same 400 at the field, so a write is no oracle for ids. Work of the platform itself
 * (no principal: pack install, demo data, triggers) is not checked here; foreign keys still hold.
 * What the writer may read is the scoped reader's answer (one statement for records, one for files).
 */
import type { FieldDef } from '@crm/form-engine';
import { AppError, type ErrorDetail } from '../common/app-error.js';
import type { Principal } from '../auth/principal.js';
import type { ScopedReader } from './scoped-reader.js';
import { translate, type Lang } from '../common/i18n.js';
import './records.messages.js';

/** Relation and attachment values a write would newly store (values already stored are not re-judged). */
export interface NewReferences {
  relations: { field: string; target: string; id: string }[];
  files: { field: string; id: string }[];
}

export function newReferences(fields: FieldDef[], value: Record<string, unknown>, previous?: Record<string, unknown>): NewReferences {
  const out: NewReferences = { relations: [], files: [] };
  for (const f of fields) {
    const v = value[f.key];
    if (v === null || v === undefined) continue;
    if (f.type === 'relation' && f.target) {
      if (previous && previous[f.key] === v) continue;
      out.relations.push({ field: f.key, target: f.target, id: String(v) });
    } else if (f.type === 'attachment' && Array.isArray(v)) {
      const before = new Set(Array.isArray(previous?.[f.key]) ? (previous![f.key] as unknown[]).map(String) : []);
      for (const id of new Set(v.map(String))) if (!before.has(id)) out.files.push({ field: f.key, id });
    }
  }
  return out;
}

/** Refuses the write (400, every offending field named) when it points at something the writer may not read. */
export async function assertReferencesReadable(reader: ScopedReader, refs: NewReferences, p: Principal | null): Promise<void> {
  if (!p || (!refs.relations.length && !refs.files.length)) return;
  const records = refs.relations.length ? await reader.readableRecords(refs.relations, p) : new Set<string>();
  const files = refs.files.length ? await reader.readableFiles(refs.files.map((f) => f.id), p, 'claim') : new Set<string>();
  const bad = new Map<string, 'reference' | 'attachment'>();
  for (const r of refs.relations) if (!records.has(`${r.target}:${r.id.toLowerCase()}`)) bad.set(r.field, 'reference');
  for (const f of refs.files) if (!files.has(f.id.toLowerCase())) bad.set(f.field, 'attachment');
  if (bad.size) throw badReference([...bad].map(([field, kind]) => ({ field, kind })));
}

/** The one answer for a reference that is missing or not the writer's to use (also for foreign-key errors). */
export function badReference(fields: { field: string; kind: 'reference' | 'attachment' }[]): AppError {
  const details = (lang: Lang): ErrorDetail[] =>
    fields.map(({ field, kind }) => ({ path: `/${field}`, code: kind, message: translate(kind === 'reference' ? 'records.reference_detail' : 'records.attachment_detail', lang) }));
  return new AppError(400, 'records.bad_reference', { field: fields.map((f) => f.field).join(', ') }, details);
}
