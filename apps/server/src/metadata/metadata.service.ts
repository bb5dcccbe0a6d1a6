/**
 * Objects and fields. Each object is a table in crm_data, each field a typed column; the metadata
 * row and its DDL commit in one transaction. Every change bumps `meta_version`; each process caches
 * the metadata and re-reads it when the version moves, so running servers pick changes up without a
 * restart: at once when the change feed announces a new version (any process's commit), and checked at
 * most every 500 ms while that feed is down.
 */
import { Injectable, Optional } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { CreateObjectRequest } from '@crm/shared';
import { checkObjectRules, fieldType, validateFieldDefinition, type FieldDef, type Lang, type LocalizedText, type ObjectRule } from '@crm/form-engine';
import { feelInputs } from '@crm/feel';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { columnType, conversionUsing, hashColumn, isEncrypted, quoteIdent, referencesOf, tableOf } from './field-types.js';
import type { MetaSnapshot, ObjectMeta } from './metadata.types.js';
import { hasAnyRow, systemRead } from '../records/system-reads.js';
import './metadata.messages.js';
import { advisoryXactLock } from '../database/advisory-locks.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { QueryCount } from '../database/query-count.js';
import { InFlight } from '../common/in-flight.js';

const FRESH_MS = 500;
/** With the change feed up the version is re-read only when announced; this bounds a lost notification. */
const FRESH_LIVE_MS = 60_000;

/**
 * A transaction that changes metadata (templates install many changes in one) keeps its own
 * snapshot in its unit of work: from then on every metadata read in it — including those of other
 * services, e.g. records written in the same transaction — sees its uncommitted objects and fields.
 * Such snapshots are never shared nor cached past the transaction.
 */
interface TxScope {
  snapshot: MetaSnapshot | null;
}
const TX_SNAPSHOT = Symbol('metadata snapshot of this transaction');
/** Versions of in-transaction snapshots: negative and unique, so caches keyed by version never mix them with committed ones. */
let txSnapshotSeq = 0;

/** `POST /api/meta/objects` as the service takes it: the contract's request, with the form engine's field definitions. */
export type CreateObjectInput = Omit<CreateObjectRequest, 'fields'> & { fields?: FieldDef[] };

interface FieldRow {
  object_key: string;
  key: string;
  label: LocalizedText;
  type: FieldDef['type'];
  required: boolean;
  is_unique: boolean;
  options: FieldDef['options'];
  default_value: unknown;
  sensitivity: number | null;
  target: string | null;
  deleted_at: Date | null;
}

/** A subject declaration must name one of the object's relation fields. */
function subjectProblem(lang: Lang): { path: string; code: string; message: string } {
  return { path: '/subjectField', code: 'not_relation', message: lang === 'en' ? 'subjectField must name a relation field of the object' : '数据主体字段必须是本对象的关联字段' };
}

function toFieldDef(r: FieldRow): FieldDef {
  const f: FieldDef = { key: r.key, label: r.label, type: r.type };
  if (r.required) f.required = true;
  if (r.is_unique) f.unique = true;
  if (r.options && Object.keys(r.options).length) f.options = r.options;
  if (r.default_value !== null && r.default_value !== undefined) f.default = r.default_value;
  if (r.sensitivity) f.sensitivity = r.sensitivity as FieldDef['sensitivity'];
  if (r.target) f.target = r.target;
  return f;
}

/** Whether a (saved, hence valid) FEEL expression reads `name`. */
function feelReads(expression: string, name: string): boolean {
  try {
    return feelInputs(expression).includes(name);
  } catch {
    return false;
  }
}

/** A short, safe reason from a PostgreSQL error (no SQL text, no values). */
function pgReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === '22P02' || e.code === '22003' || e.code === '22007' || e.code === '22008') return 'existing data does not convert';
  if (e.code === '23505') return 'duplicate values';
  if (e.code === '23503') return 'values do not reference existing rows';
  return 'the database refused the change';
}

@Injectable()
export class MetadataService {
  private snapshot: MetaSnapshot | null = null;
  private checkedAt = 0;
  /** The version check (and reload) running now: concurrent requests join it. */
  private readonly refresh = new InFlight<'meta', MetaSnapshot>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    @Optional() private readonly feed?: ChangeFeed,
  ) {
    feed?.on('meta', () => {
      this.checkedAt = 0;
      this.refresh.forget();
    });
  }

  // ---------- reading (cached) ----------

  async current(): Promise<MetaSnapshot> {
    const uow = UnitOfWork.current();
    const scoped = uow?.slots.get(TX_SNAPSHOT) as TxScope | undefined;
    if (uow && scoped) {
      scoped.snapshot ??= await this.load(-(++txSnapshotSeq), uow.client);
      return scoped.snapshot;
    }
    if (this.snapshot && Date.now() - this.checkedAt < (this.feed?.live ? FRESH_LIVE_MS : FRESH_MS)) return this.snapshot;
    return this.refresh.run('meta', (current) => QueryCount.cacheRefill(async () => {
      const now = Date.now();
      const announced = this.feed?.generation('meta');
      // The process-wide cache only ever holds committed metadata: read on the pool, never through a transaction.
      const { rows: [row] } = await this.db.pool.query<{ value: number }>(`SELECT value FROM crm.settings WHERE key = 'meta_version'`);
      const version = Number(row?.value ?? 0);
      const snapshot = this.snapshot && this.snapshot.version === version ? this.snapshot : await this.load(version);
      // A change made meanwhile by this process (invalidate) wins over what this check saw; a version
      // announced while the read was on its way may be newer than what it saw: check again next time.
      if (current()) {
        this.snapshot = snapshot;
        if (this.feed?.generation('meta') === announced) this.checkedAt = now;
      }
      return snapshot;
    }));
  }

  /** Forgets the cache now (after a change made by this process). */
  invalidate(): void {
    this.snapshot = null;
    this.checkedAt = 0;
    this.refresh.forget();
    this.feed?.changed('meta');
  }

  /**
   * Runs fn in `client`'s transaction (its unit of work) with that transaction as the source of
   * metadata: reads inside (of this service and of services calling it) see its uncommitted changes.
   * Without a client, just runs fn.
   */
  async within<T>(client: PoolClient | undefined, fn: () => Promise<T>): Promise<T> {
    if (!client) return fn();
    return UnitOfWork.run(client, () => {
      this.scopeToTransaction();
      return fn();
    });
  }

  /** From now on, metadata reads in the ambient transaction see its own (uncommitted) state. */
  private scopeToTransaction(): void {
    const uow = UnitOfWork.current();
    if (!uow) return;
    const scoped = uow.slots.get(TX_SNAPSHOT) as TxScope | undefined;
    if (scoped) scoped.snapshot = null;
    else uow.slots.set(TX_SNAPSHOT, { snapshot: null } satisfies TxScope);
  }

  private async load(version: number, client?: PoolClient): Promise<MetaSnapshot> {
    const q = client ?? this.db.pool;
    const { rows: objects } = await q.query<{ key: string; label: LocalizedText; description: string | null; app: string | null; icon: string | null; title_field: string | null; subject_field: string | null; rules: ObjectRule[] | null; default_forms: { create?: string; edit?: string } | null }>(
      'SELECT key, label, description, app, icon, title_field, subject_field, rules, default_forms FROM crm.objects ORDER BY key',
    );
    const { rows: fields } = await q.query<FieldRow>('SELECT * FROM crm.fields ORDER BY object_key, position, created_at');
    const map = new Map<string, ObjectMeta>();
    for (const o of objects) {
      map.set(o.key, { key: o.key, label: o.label, description: o.description, app: o.app, icon: o.icon, titleField: o.title_field, subjectField: o.subject_field, fields: [], deletedFields: [], byKey: new Map(), rules: o.rules ?? [], defaultForms: o.default_forms ?? {} });
    }
    for (const r of fields) {
      const o = map.get(r.object_key);
      if (!o) continue;
      const f = toFieldDef(r);
      if (r.deleted_at) o.deletedFields.push(f);
      else {
        o.fields.push(f);
        o.byKey.set(f.key, f);
      }
    }
    return { version, objects: map };
  }

  async object(key: string): Promise<ObjectMeta> {
    let o = (await this.current()).objects.get(key);
    if (!o && !UnitOfWork.slot(TX_SNAPSHOT)) {
      // A miss may be an object another process created in the last moments: check the version now
      // rather than answer 404 from a cache up to FRESH_MS old (one extra query, only on a miss).
      this.checkedAt = 0;
      this.refresh.forget();
      o = (await this.current()).objects.get(key);
    }
    if (!o) throw new AppError(404, 'meta.object_not_found', { object: key });
    return o;
  }

  async objects(): Promise<ObjectMeta[]> {
    return [...(await this.current()).objects.values()];
  }

  // ---------- changing ----------

  private async bump(c: PoolClient): Promise<void> {
    await c.query(`UPDATE crm.settings SET value = to_jsonb((value::text)::bigint + 1), updated_at = now() WHERE key = 'meta_version'`);
  }

  /**
   * Runs a metadata change: one transaction for rows + DDL, then the cache is dropped. Inside an open
   * unit of work (or `client`'s, for callers that pass theirs) the change joins it, and the rest of
   * that transaction reads its uncommitted metadata; everything commits or rolls back together.
   */
  private async change<T>(fn: (c: PoolClient) => Promise<T>, client?: PoolClient): Promise<T> {
    if (client) return UnitOfWork.run(client, () => this.change(fn));
    const joined = this.db.inTransaction();
    try {
      return await this.db.tx(async (c) => {
        // Metadata changes are rare: serialize them so two designers cannot interleave DDL.
        await advisoryXactLock(c, 'metadata.change');
        if (joined) this.scopeToTransaction();
        const out = await fn(c);
        await this.bump(c);
        return out;
      });
    } finally {
      if (joined) this.scopeToTransaction();
      this.invalidate();
    }
  }

  /** Reads through the caller's transaction when given one. */
  private read<T>(client: PoolClient | undefined, fn: () => Promise<T>): Promise<T> {
    return this.within(client, fn);
  }

  async createObject(input: CreateObjectInput, lang: Lang, client?: PoolClient): Promise<ObjectMeta> {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(input.key)) {
      throw new AppError(400, 'meta.invalid_object', {}, [{ path: '/key', code: 'pattern', message: 'key must match ^[a-z][a-z0-9_]{0,62}$' }]);
    }
    const problems = (input.fields ?? []).flatMap((f, i) => validateFieldDefinition(f, lang).map((p) => ({ ...p, path: `/fields/${i}${p.path}` })));
    const seen = new Set<string>();
    (input.fields ?? []).forEach((f, i) => {
      if (seen.has(f.key)) problems.push({ path: `/fields/${i}/key`, code: 'duplicate', message: lang === 'en' ? `duplicate field key ${f.key}` : `字段键重复：${f.key}` });
      seen.add(f.key);
    });
    if (input.subjectField) {
      const f = (input.fields ?? []).find((x) => x.key === input.subjectField);
      if (!f || f.type !== 'relation') problems.push(subjectProblem(lang));
    }
    if (problems.length) throw new AppError(400, 'meta.invalid_object', {}, problems);
    await this.change(async (c) => {
      const exists = await c.query('SELECT 1 FROM crm.objects WHERE key = $1', [input.key]);
      if (exists.rowCount) throw new AppError(409, 'meta.object_exists', { object: input.key });
      await c.query(
        `INSERT INTO crm.objects (key, label, description, app, icon, title_field, subject_field) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [input.key, JSON.stringify(input.label), input.description ?? null, input.app ?? null, input.icon ?? null, input.titleField ?? null, input.subjectField ?? null],
      );
      const t = tableOf(input.key);
      await c.query(`
        CREATE TABLE ${t} (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          created_by uuid,
          updated_by uuid,
          owner_id uuid,
          org_unit_id uuid,
          version integer NOT NULL DEFAULT 1,
          deleted_at timestamptz,
          form_key text,
          form_version integer
        )`);
      await c.query(`CREATE INDEX ${quoteIdent(`${input.key}_created`.slice(0, 63))} ON ${t} (created_at DESC, id)`);
      await c.query(`CREATE INDEX ${quoteIdent(`${input.key}_owner`.slice(0, 63))} ON ${t} (owner_id)`);
      await c.query(`CREATE INDEX ${quoteIdent(`${input.key}_org`.slice(0, 63))} ON ${t} (org_unit_id)`);
      await c.query(`CREATE INDEX ${quoteIdent(`${input.key}_owner_live`.slice(0, 63))} ON ${t} (owner_id, org_unit_id) WHERE deleted_at IS NULL`);
      let position = 0;
      for (const f of input.fields ?? []) await this.addFieldIn(c, input.key, f, position++, lang);
      if (input.rules !== undefined || input.defaultForms !== undefined) {
        await this.setRulesAndForms(c, input.key, input.fields ?? [], input.rules, input.defaultForms, lang);
      }
      await this.audit.record({ action: 'meta.object.create', object: input.key, data: { label: input.label, fields: (input.fields ?? []).map((f) => f.key) } });
    }, client);
    return this.read(client, () => this.object(input.key));
  }

  async updateObject(
    key: string,
    patch: { label?: LocalizedText; description?: string | null; app?: string | null; icon?: string | null; titleField?: string | null; subjectField?: string | null; rules?: ObjectRule[]; defaultForms?: ObjectMeta['defaultForms'] },
    client?: PoolClient,
    lang: Lang = 'zh-CN',
  ): Promise<ObjectMeta> {
    await this.change(async (c) => {
      const before = await c.query('SELECT label, description, app, icon, title_field, subject_field, rules, default_forms FROM crm.objects WHERE key = $1 FOR UPDATE', [key]);
      if (!before.rowCount) throw new AppError(404, 'meta.object_not_found', { object: key });
      if (patch.subjectField) {
        const f = await c.query(`SELECT 1 FROM crm.fields WHERE object_key = $1 AND key = $2 AND type = 'relation' AND deleted_at IS NULL`, [key, patch.subjectField]);
        if (!f.rowCount) throw new AppError(400, 'meta.invalid_object', {}, [subjectProblem(lang)]);
      }
      if (patch.rules !== undefined || patch.defaultForms !== undefined) {
        const { rows } = await c.query<FieldRow>('SELECT * FROM crm.fields WHERE object_key = $1 AND deleted_at IS NULL ORDER BY position, created_at', [key]);
        await this.setRulesAndForms(c, key, rows.map(toFieldDef), patch.rules, patch.defaultForms, lang);
      }
      await c.query(
        `UPDATE crm.objects SET label = COALESCE($2, label), description = CASE WHEN $3::boolean THEN $4 ELSE description END,
           app = CASE WHEN $5::boolean THEN $6 ELSE app END, icon = CASE WHEN $7::boolean THEN $8 ELSE icon END,
           title_field = CASE WHEN $9::boolean THEN $10 ELSE title_field END,
           subject_field = CASE WHEN $11::boolean THEN $12 ELSE subject_field END, updated_at = now() WHERE key = $1`,
        [key, patch.label === undefined ? null : JSON.stringify(patch.label), patch.description !== undefined, patch.description ?? null,
         patch.app !== undefined, patch.app ?? null, patch.icon !== undefined, patch.icon ?? null, patch.titleField !== undefined, patch.titleField ?? null,
         patch.subjectField !== undefined, patch.subjectField ?? null],
      );
      await this.audit.record({ action: 'meta.object.update', object: key, data: { before: before.rows[0], patch } });
    }, client);
    return this.read(client, () => this.object(key));
  }

  /**
   * Checks and stores an object's rules (FEEL checked against its fields: an unknown name, a label used
   * as a name, a full-width operator or a type mismatch is refused) and its default forms (published
   * forms of this very object).
   */
  private async setRulesAndForms(c: PoolClient, key: string, fields: FieldDef[], rules: ObjectRule[] | undefined, defaultForms: ObjectMeta['defaultForms'] | undefined, lang: Lang): Promise<void> {
    const problems: { path: string; code: string; message: string }[] = [];
    if (rules !== undefined) problems.push(...checkObjectRules(rules, fields, lang));
    for (const which of ['create', 'edit'] as const) {
      const form = defaultForms?.[which];
      if (form === undefined) continue;
      const { rows: [f] } = await c.query<{ object_key: string; latest_version: number }>('SELECT object_key, latest_version FROM crm.forms WHERE key = $1', [form]);
      if (!f || f.object_key !== key) problems.push({ path: `/defaultForms/${which}`, code: 'not_found', message: lang === 'en' ? `no form ${form} of this object` : `本对象没有表单 ${form}` });
      else if (f.latest_version < 1) problems.push({ path: `/defaultForms/${which}`, code: 'not_published', message: lang === 'en' ? `form ${form} has not been published` : `表单 ${form} 尚未发布` });
    }
    if (problems.length) throw new AppError(400, 'meta.invalid_rules', { first: problems[0]!.message }, problems);
    if (rules !== undefined) await c.query('UPDATE crm.objects SET rules = $2::jsonb, updated_at = now() WHERE key = $1', [key, JSON.stringify(rules)]);
    if (defaultForms !== undefined) await c.query('UPDATE crm.objects SET default_forms = $2::jsonb, updated_at = now() WHERE key = $1', [key, JSON.stringify(defaultForms)]);
  }

  async deleteObject(key: string, purge: boolean, client?: PoolClient): Promise<void> {
    await this.change(async (c) => {
      const o = await c.query('SELECT 1 FROM crm.objects WHERE key = $1 FOR UPDATE', [key]);
      if (!o.rowCount) throw new AppError(404, 'meta.object_not_found', { object: key });
      const refs = await c.query<{ object_key: string; key: string }>(
        `SELECT object_key, key FROM crm.fields WHERE type = 'relation' AND target = $1 AND object_key <> $1`, [key],
      );
      if (refs.rowCount) throw new AppError(409, 'meta.object_in_use', { object: key, by: refs.rows.map((r) => `${r.object_key}.${r.key}`).join(', ') });
      const forms = await c.query<{ key: string }>('SELECT key FROM crm.forms WHERE object_key = $1', [key]);
      if (forms.rowCount) throw new AppError(409, 'meta.object_in_use', { object: key, by: forms.rows.map((r) => r.key).join(', ') });
      if (!purge && (await hasAnyRow(c, systemRead('metadata: drop an object only when its table is empty'), key))) throw new AppError(409, 'meta.object_has_records', { object: key });
      await c.query(`DROP TABLE ${tableOf(key)}`);
      await c.query('DELETE FROM crm.fields WHERE object_key = $1', [key]);
      await c.query('DELETE FROM crm.objects WHERE key = $1', [key]);
      await this.audit.record({ action: 'meta.object.delete', object: key, data: { purge } });
    }, client);
  }

  async addField(objectKey: string, field: FieldDef, lang: Lang, client?: PoolClient): Promise<FieldDef> {
    const problems = validateFieldDefinition(field, lang);
    if (problems.length) throw new AppError(400, 'meta.invalid_field', {}, problems);
    await this.change(async (c) => {
      const o = await c.query('SELECT 1 FROM crm.objects WHERE key = $1 FOR UPDATE', [objectKey]);
      if (!o.rowCount) throw new AppError(404, 'meta.object_not_found', { object: objectKey });
      const { rows } = await c.query<{ n: number }>('SELECT coalesce(max(position), -1) + 1 AS n FROM crm.fields WHERE object_key = $1', [objectKey]);
      await this.addFieldIn(c, objectKey, field, rows[0].n, lang);
      await this.audit.record({ action: 'meta.field.create', object: objectKey, recordId: field.key, data: { field } });
    }, client);
    return this.read(client, async () => (await this.object(objectKey)).byKey.get(field.key)!);
  }

  private async addFieldIn(c: PoolClient, objectKey: string, f: FieldDef, position: number, lang: Lang): Promise<void> {
    const existing = await c.query<{ deleted_at: Date | null }>('SELECT deleted_at FROM crm.fields WHERE object_key = $1 AND key = $2', [objectKey, f.key]);
    if (existing.rows[0]) {
      throw new AppError(409, existing.rows[0].deleted_at ? 'meta.field_deleted_exists' : 'meta.field_exists', { field: f.key });
    }
    if (fieldType(f.type).server.references === 'target') {
      const target = await c.query('SELECT 1 FROM crm.objects WHERE key = $1', [f.target]);
      if (!target.rowCount) throw new AppError(400, 'meta.relation_target_missing', { target: f.target }, [{ path: '/target', code: 'not_found', message: lang === 'en' ? 'no such object' : '目标对象不存在' }]);
    }
    await c.query(
      `INSERT INTO crm.fields (object_key, key, label, type, required, is_unique, options, default_value, sensitivity, target, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [objectKey, f.key, JSON.stringify(f.label), f.type, !!f.required, !!f.unique, JSON.stringify(f.options ?? {}),
       f.default === undefined ? null : JSON.stringify(f.default), f.sensitivity ?? null, f.target ?? null, position],
    );
    await this.addColumn(c, objectKey, f);
  }

  private async addColumn(c: PoolClient, objectKey: string, f: FieldDef): Promise<void> {
    const t = tableOf(objectKey);
    const col = quoteIdent(f.key);
    await c.query(`ALTER TABLE ${t} ADD COLUMN ${col} ${columnType(f)}${referencesOf(f)}`);
    const server = fieldType(f.type).server;
    if (isEncrypted(f)) {
      await c.query(`ALTER TABLE ${t} ADD COLUMN ${quoteIdent(hashColumn(f.key))} text`);
      await c.query(`CREATE INDEX ${this.indexName(objectKey, f.key, 'h')} ON ${t} (${quoteIdent(hashColumn(f.key))})`);
    } else if (server.index === 'btree') {
      await c.query(`CREATE INDEX ${this.indexName(objectKey, f.key, server.references ? 'fk' : 'ix')} ON ${t} (${col})`);
    } else if (server.index === 'gin') {
      await c.query(`CREATE INDEX ${this.indexName(objectKey, f.key, 'gin')} ON ${t} USING gin (${col})`);
    }
    if (f.unique) await this.createUnique(c, objectKey, f);
  }

  private indexName(objectKey: string, fieldKey: string, kind: string): string {
    // Deterministic, ≤ 63 chars, derived from metadata only.
    const base = `${objectKey}_${fieldKey}`.slice(0, 55);
    return quoteIdent(`${base}_${kind}`.replace(/[^a-z0-9_]/g, '_'));
  }

  private async createUnique(c: PoolClient, objectKey: string, f: FieldDef): Promise<void> {
    const col = isEncrypted(f) ? quoteIdent(hashColumn(f.key)) : quoteIdent(f.key);
    try {
      await c.query('SAVEPOINT uq');
      await c.query(`CREATE UNIQUE INDEX ${this.indexName(objectKey, f.key, 'uq')} ON ${tableOf(objectKey)} (${col}) WHERE deleted_at IS NULL`);
      await c.query('RELEASE SAVEPOINT uq');
    } catch (err) {
      await c.query('ROLLBACK TO SAVEPOINT uq');
      if ((err as { code?: string }).code === '23505') throw new AppError(409, 'meta.unique_violation_existing', { field: f.key });
      throw err;
    }
  }

  async updateField(objectKey: string, fieldKey: string, patch: Partial<FieldDef>, lang: Lang, client?: PoolClient): Promise<FieldDef> {
    await this.change(async (c) => {
      const { rows } = await c.query<FieldRow>('SELECT * FROM crm.fields WHERE object_key = $1 AND key = $2 AND deleted_at IS NULL FOR UPDATE', [objectKey, fieldKey]);
      if (!rows[0]) throw new AppError(404, 'meta.field_not_found', { object: objectKey, field: fieldKey });
      const before = toFieldDef(rows[0]);
      const after: FieldDef = { ...before, ...patch, key: fieldKey } as FieldDef;
      for (const k of Object.keys(patch) as (keyof FieldDef)[]) if (patch[k] === null) delete after[k];
      const problems = validateFieldDefinition(after, lang);
      if (problems.length) throw new AppError(400, 'meta.invalid_field', {}, problems);
      const t = tableOf(objectKey);
      const col = quoteIdent(fieldKey);
      const hasRows = await hasAnyRow(c, systemRead('metadata: retype a column only when no row holds data'), objectKey);

      if (isEncrypted(before) !== isEncrypted(after)) {
        if (hasRows) throw new AppError(409, 'meta.sensitivity_change_refused', { field: fieldKey });
        await this.dropColumn(c, objectKey, before);
        await this.addColumn(c, objectKey, after);
      } else if (columnType(before) !== columnType(after) || before.target !== after.target) {
        const using = conversionUsing(before, after, col);
        // A relation's column carries a foreign key to its target: converting it is refused.
        const relates = (f: FieldDef) => fieldType(f.type).server.references === 'target';
        if (using === null || relates(before) || relates(after)) {
          throw new AppError(409, 'meta.type_change_refused', { field: fieldKey, from: before.type, to: after.type, reason: lang === 'en' ? 'the data cannot be converted' : '现有数据无法转换' });
        }
        try {
          await c.query('SAVEPOINT conv');
          // A report rollup sums columns by their type: it goes, and is made again on its next use.
          await c.query('SELECT crm.drop_report_rollup($1)', [objectKey]);
          await c.query(`ALTER TABLE ${t} ALTER COLUMN ${col} TYPE ${columnType(after)} USING ${using}`);
          await c.query('RELEASE SAVEPOINT conv');
        } catch (err) {
          await c.query('ROLLBACK TO SAVEPOINT conv');
          throw new AppError(409, 'meta.type_change_refused', { field: fieldKey, from: before.type, to: after.type, reason: pgReason(err) });
        }
      }
      if (!!before.unique !== !!after.unique) {
        if (after.unique) await this.createUnique(c, objectKey, after);
        else await c.query(`DROP INDEX IF EXISTS crm_data.${this.indexName(objectKey, fieldKey, 'uq')}`);
      }
      await c.query(
        `UPDATE crm.fields SET label = $3, type = $4, required = $5, is_unique = $6, options = $7, default_value = $8, sensitivity = $9, target = $10, updated_at = now()
         WHERE object_key = $1 AND key = $2`,
        [objectKey, fieldKey, JSON.stringify(after.label), after.type, !!after.required, !!after.unique, JSON.stringify(after.options ?? {}),
         after.default === undefined ? null : JSON.stringify(after.default), after.sensitivity ?? null, after.target ?? null],
      );
      await this.audit.record({ action: 'meta.field.update', object: objectKey, recordId: fieldKey, data: { before, after } });
    }, client);
    return this.read(client, async () => (await this.object(objectKey)).byKey.get(fieldKey)!);
  }

  private async dropColumn(c: PoolClient, objectKey: string, f: FieldDef): Promise<void> {
    const t = tableOf(objectKey);
    await c.query('SELECT crm.drop_report_rollup($1)', [objectKey]);
    await c.query(`ALTER TABLE ${t} DROP COLUMN IF EXISTS ${quoteIdent(f.key)}`);
    await c.query(`ALTER TABLE ${t} DROP COLUMN IF EXISTS ${quoteIdent(hashColumn(f.key))}`);
  }

  /** Hides a field and keeps its data; with purge, drops the column and the data for good. */
  async deleteField(objectKey: string, fieldKey: string, purge: boolean, client?: PoolClient): Promise<void> {
    await this.change(async (c) => {
      const { rows } = await c.query<FieldRow>('SELECT * FROM crm.fields WHERE object_key = $1 AND key = $2 FOR UPDATE', [objectKey, fieldKey]);
      if (!rows[0]) throw new AppError(404, 'meta.field_not_found', { object: objectKey, field: fieldKey });
      const refs = await c.query<{ key: string }>(
        `SELECT key FROM crm.forms WHERE object_key = $1 AND draft::text LIKE '%"' || $2 || '"%'`, [objectKey, fieldKey],
      );
      const { rows: [owner] } = await c.query<{ rules: ObjectRule[] }>('SELECT rules FROM crm.objects WHERE key = $1', [objectKey]);
      const ruleRefs = (owner?.rules ?? []).filter((r) => r.require?.includes(fieldKey) || [r.when, r.assert].some((e) => e !== undefined && feelReads(e, fieldKey)));
      if (ruleRefs.length) throw new AppError(409, 'meta.field_in_rule', { field: fieldKey, rules: ruleRefs.map((r) => r.key).join(', ') });
      if (!rows[0].deleted_at && refs.rowCount && !purge) {
        // Published versions keep their own field snapshot; drafts must be edited first.
        throw new AppError(409, 'meta.field_in_use', { field: fieldKey, forms: refs.rows.map((r) => r.key).join(', ') });
      }
      if (purge) {
        await this.dropColumn(c, objectKey, toFieldDef(rows[0]));
        await c.query('DELETE FROM crm.fields WHERE object_key = $1 AND key = $2', [objectKey, fieldKey]);
      } else {
        await c.query('UPDATE crm.fields SET deleted_at = now(), updated_at = now() WHERE object_key = $1 AND key = $2', [objectKey, fieldKey]);
      }
      await this.audit.record({ action: purge ? 'meta.field.purge' : 'meta.field.delete', object: objectKey, recordId: fieldKey });
    }, client);
  }
}
