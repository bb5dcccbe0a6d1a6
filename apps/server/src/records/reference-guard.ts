/**
 * What a write may point at. A relation may only name a live record the writer may read (row scope
 * of the target object), and an attachment only a file the writer may read: one they uploaded that
 * no record holds yet, or one held by a record they may read. "Exists but not yours" and "does not
 * exist" get the same 400 at the field, so a write is no oracle for ids. Work of the platform itself
 * (no principal: pack install, demo data, triggers) is not checked here; foreign keys still hold.
 */
import type { FieldDef } from '@crm/form-engine';
import type { Queryable } from '../database/db.js';
import { AppError, type ErrorDetail } from '../common/app-error.js';
import type { AccessService, ObjectAccess } from '../access/access.service.js';
import type { ObjectAction } from '../access/permission.types.js';
import type { Principal } from '../auth/principal.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { isEncrypted, quoteIdent, tableOf } from '../metadata/field-types.js';
import { translate, type Lang } from '../common/i18n.js';
import './records.messages.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The parts of the scoped record reader this guard needs (RecordsService). */
export interface ScopedReader {
  scopeSql(o: ObjectMeta, acc: ObjectAccess, action: ObjectAction, p: Principal | null, params: unknown[]): string;
}

export interface ReaderDeps {
  reader: ScopedReader;
  access: AccessService;
  objects: () => Promise<ObjectMeta[]>;
}

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

/** Attachment fields whose column is a plain uuid[] (level ≥ 3 ones are ciphertext and not searchable). */
function attachmentFields(o: ObjectMeta): FieldDef[] {
  return o.fields.filter((f) => f.type === 'attachment' && !isEncrypted(f));
}

/**
 * Ids (`object:id`) among `wanted` that the principal may read — one statement for every target
 * object of the write.
 */
export async function readableRecords(deps: ReaderDeps, wanted: { target: string; id: string }[], p: Principal, q: Queryable): Promise<Set<string>> {
  const byTarget = new Map<string, Set<string>>();
  for (const w of wanted) if (UUID.test(w.id)) byTarget.set(w.target, (byTarget.get(w.target) ?? new Set()).add(w.id.toLowerCase()));
  const objects = new Map((await deps.objects()).map((o) => [o.key, o]));
  const params: unknown[] = [];
  const parts: string[] = [];
  for (const [target, ids] of byTarget) {
    const o = objects.get(target);
    if (!o) continue;
    const acc = await deps.access.forObject(p, target);
    if (!acc.can('read')) continue;
    params.push(target, [...ids]);
    const [objParam, idsParam] = [params.length - 1, params.length];
    const scope = deps.reader.scopeSql(o, acc, 'read', p, params);
    parts.push(`SELECT $${objParam}::text AS o, t.id::text AS id FROM ${tableOf(o.key)} t WHERE t.id = ANY($${idsParam}::uuid[]) AND t.deleted_at IS NULL AND ${scope}`);
  }
  if (!parts.length) return new Set();
  const { rows } = await q.query<{ o: string; id: string }>(parts.join(' UNION ALL '), params);
  return new Set(rows.map((r) => `${r.o}:${r.id}`));
}

/**
 * Files among `ids` the principal may read. `claim` (a write putting the file into a record): their
 * own upload that no live record holds, or a file a record they may read holds. `download`: their
 * own upload, or a file a record they may read holds. One statement over every attachment field.
 */
export async function readableFiles(deps: ReaderDeps, ids: string[], p: Principal, purpose: 'claim' | 'download', q: Queryable): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
  if (!wanted.length) return new Set();
  const params: unknown[] = [wanted, p.id];
  const held: string[] = [];
  const readable: string[] = [];
  for (const o of await deps.objects()) {
    const attach = attachmentFields(o);
    if (!attach.length) continue;
    const holds = (fs: FieldDef[]) => fs.map((f) => `f.id = ANY(t.${quoteIdent(f.key)})`).join(' OR ');
    held.push(`EXISTS (SELECT 1 FROM ${tableOf(o.key)} t WHERE t.deleted_at IS NULL AND (${holds(attach)}))`);
    const acc = await deps.access.forObject(p, o.key);
    if (!acc.can('read')) continue;
    // A field seen masked shows no file id: holding the file there does not make it readable.
    const seen = attach.filter((f) => ['read', 'write'].includes(acc.fieldMode(f.key)));
    if (!seen.length) continue;
    const scope = deps.reader.scopeSql(o, acc, 'read', p, params);
    readable.push(`EXISTS (SELECT 1 FROM ${tableOf(o.key)} t WHERE t.deleted_at IS NULL AND (${holds(seen)}) AND ${scope})`);
  }
  const own = purpose === 'claim' && held.length ? `(f.created_by = $2::uuid AND NOT (${held.join(' OR ')}))` : 'f.created_by = $2::uuid';
  const { rows } = await q.query<{ id: string }>(
    `SELECT f.id::text AS id FROM crm.files f WHERE f.id = ANY($1::uuid[]) AND (${[own, ...readable].join(' OR ')})`,
    params,
  );
  return new Set(rows.map((r) => r.id));
}

/** Refuses the write (400, every offending field named) when it points at something the writer may not read. */
export async function assertReferencesReadable(deps: ReaderDeps, refs: NewReferences, p: Principal | null, q: Queryable): Promise<void> {
  if (!p || (!refs.relations.length && !refs.files.length)) return;
  const records = refs.relations.length ? await readableRecords(deps, refs.relations, p, q) : new Set<string>();
  const files = refs.files.length ? await readableFiles(deps, refs.files.map((f) => f.id), p, 'claim', q) : new Set<string>();
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
