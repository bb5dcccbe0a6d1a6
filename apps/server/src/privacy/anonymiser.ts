/**
 * Deletion by anonymisation (PIPL art. 47), the platform's documented write path for it: records
 * under a legal hold are kept as they are; every other record found for the subject keeps its row
 * (so reports and counts still add up) but loses its personal content — fields marked by a
 * sensitivity level, identifier types (ID number, mobile, e-mail, bank card), free text of related
 * records and the subject's own title (name) are cleared or replaced, the keyed search hashes go with
 * them (the person can no longer be found by ID number), and attachments are erased. Each change is
 * audited as the fact (`privacy.anonymise`: request, object, record, field keys) without any value,
 * so the hash-chained trail still verifies and keeps no deleted value of its own making.
 */
import type { PoolClient } from 'pg';
import { fieldType, type FieldDef } from '@crm/form-engine';
import { hashColumn, isEncrypted, quoteIdent, tableOf } from '../metadata/field-types.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import type { AuditService } from '../audit/audit.service.js';
import type { FoundRecord, SubjectFindings } from './subject-finder.js';

/** Field types whose values identify a person whatever their sensitivity level. */
const IDENTIFYING = new Set(['cn_id_number', 'phone', 'email', 'bank_card', 'attachment']);
const FREE_TEXT = new Set(['text', 'textarea']);
export const REDACTED = '已删除';

/** The fields of a record that are personal: what anonymisation clears. */
export function personalFields(o: ObjectMeta, isSubject: boolean): FieldDef[] {
  return o.fields.filter((f) => {
    if (f.type === 'relation' || f.type === 'auto_number' || f.type === 'computed' || f.type === 'user' || f.type === 'org_unit') return false;
    if ((f.sensitivity ?? 0) >= 1 || IDENTIFYING.has(f.type)) return true;
    if (isSubject) return f.key === o.titleField;
    return FREE_TEXT.has(f.type);
  });
}

export interface AnonymiseOutcome {
  anonymised: { object: string; id: string; fields: string[] }[];
  erasedFiles: number;
}

/** Anonymises the records of `findings` that no hold keeps, in `c`'s transaction. */
export async function anonymise(
  c: PoolClient,
  findings: SubjectFindings,
  objects: Map<string, ObjectMeta>,
  audit: AuditService,
  requestId: string,
  eraseFiles: (ids: string[]) => Promise<number>,
): Promise<AnonymiseOutcome> {
  const held = new Set(findings.holds.map((h) => `${h.object}:${h.id}`));
  const anonymised: AnonymiseOutcome['anonymised'] = [];
  const files: string[] = [];
  const kept = (r: FoundRecord) => held.has(`${r.object}:${r.id}`);
  for (const r of findings.records) {
    if (kept(r)) continue;
    const o = objects.get(r.object);
    if (!o) continue;
    const fields = personalFields(o, r.object === findings.subject.object && r.id === findings.subject.id);
    const sets: string[] = [];
    const params: unknown[] = [r.id];
    for (const f of fields) {
      if (f.type === 'attachment') {
        const v = r.row[f.key];
        if (Array.isArray(v)) files.push(...v.filter((x): x is string => typeof x === 'string'));
        else if (typeof v === 'string') files.push(v);
      }
      // A required text keeps a placeholder (forms still open the record); anything else is emptied.
      const placeholder = f.required && !isEncrypted(f) && fieldType(f.type).server.cast === 'text' ? REDACTED : null;
      params.push(placeholder);
      sets.push(`${quoteIdent(f.key)} = $${params.length}::${isEncrypted(f) ? 'text' : fieldType(f.type).server.cast}`);
      if (isEncrypted(f)) sets.push(`${quoteIdent(hashColumn(f.key))} = NULL`);
    }
    if (!sets.length) continue;
    await c.query(`UPDATE ${tableOf(o.key)} SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE id = $1::uuid`, params);
    const keys = fields.map((f) => f.key);
    await audit.record({ action: 'privacy.anonymise', object: o.key, recordId: r.id, data: { request: requestId, fields: keys } }, c);
    anonymised.push({ object: o.key, id: r.id, fields: keys });
  }
  const erasedFiles = await eraseFiles([...new Set(files)]);
  return { anonymised, erasedFiles };
}
