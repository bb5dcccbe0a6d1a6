/**
 * Create, read, update, delete and query records of any object. Every path goes through the same
 * decisions: the caller's object actions, field modes and row scope (as SQL in the query itself),
 * validation by the form engine, encryption of sensitive fields, and an audit entry written in the
 * same transaction as the change.
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { autoNumberPrefix, compileForm, formatAutoNumber, type CompiledForm, type FieldDef, type Lang } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { ObjectAction, Scope } from '../access/permission.types.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { comparableOf, hashColumn, isEncrypted, quoteIdent, tableOf } from '../metadata/field-types.js';
import { FieldCrypto } from '../crypto/field-crypto.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { afterCursor, compileFilter, orderBy, parseSort, type ColumnInfo, type FilterContext } from './filter-compiler.js';
import { decodeRow, encodeValues, forAudit, hashInput, present, sqlCastFor } from './record-codec.js';
import { assertReferencesReadable, badReference, newReferences, readableFiles, type ReaderDeps } from './reference-guard.js';
import './records.messages.js';
import { MAX_PAGE_LIMIT } from '@crm/shared';

export const MAX_LIMIT = MAX_PAGE_LIMIT;

export interface QueryInput {
  filter?: unknown;
  sort?: string;
  limit?: number;
  cursor?: string;
  fields?: string[];
  total?: boolean;
}

export interface WriteOptions {
  lang: Lang;
  /** A published form: its compiled validator replaces the object's own. */
  form?: { key: string; version: number; compiled: CompiledForm };
  /** Run inside this transaction instead of a new one (workflow, templates). */
  client?: PoolClient;
}

const SYSTEM_COLUMNS: [string, ColumnInfo['comparable']][] = [
  ['id', 'uuid'], ['created_at', 'timestamp'], ['updated_at', 'timestamp'], ['created_by', 'uuid'], ['updated_by', 'uuid'],
  ['owner_id', 'uuid'], ['org_unit_id', 'uuid'], ['version', 'number'],
];

function pickFields(record: Record<string, unknown>, fields: FieldDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (record[f.key] !== null && record[f.key] !== undefined) out[f.key] = record[f.key];
  return out;
}

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, n: number): unknown[] {
  try {
    if (cursor.length > 2000) throw new Error('long');
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== n) throw new Error('shape');
    for (const x of v) if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new Error('value');
    return v;
  } catch {
    throw new AppError(400, 'records.invalid_cursor');
  }
}

@Injectable()
export class RecordsService {
  readonly crypto: FieldCrypto;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    @Inject('FIELD_CRYPTO') crypto: FieldCrypto,
  ) {
    this.crypto = crypto;
  }

  // ---------- building blocks ----------

  private async objectCompiled(o: ObjectMeta): Promise<CompiledForm> {
    const { version } = await this.meta.current();
    return compileForm(o.fields, null, { cacheKey: `object:${o.key}@${version}` });
  }

  /** Columns a caller may filter and sort on (all of them for scope filters). */
  columns(o: ObjectMeta, acc: ObjectAccess | null): Map<string, ColumnInfo> {
    const cols = new Map<string, ColumnInfo>();
    for (const [k, c] of SYSTEM_COLUMNS) cols.set(k, { key: k, sql: `t.${quoteIdent(k)}`, comparable: c });
    for (const f of o.fields) {
      const mode = acc ? acc.fieldMode(f.key) : 'write';
      const sensitive = (f.sensitivity ?? 0) >= 3;
      // Filtering on what one may not read would reveal it one guess at a time.
      if (acc && (mode === 'none' || mode === 'masked' || (sensitive && !acc.unmask))) continue;
      const info: ColumnInfo = { key: f.key, sql: `t.${quoteIdent(f.key)}`, comparable: comparableOf(f.type) };
      if (isEncrypted(f)) info.encrypted = { hashSql: `t.${quoteIdent(hashColumn(f.key))}`, hash: (v) => this.crypto.searchHash(hashInput(v)) };
      cols.set(f.key, info);
    }
    return cols;
  }

  /** The row scope of an action as SQL (OR of the granting roles' scopes); FALSE when none. */
  scopeSql(o: ObjectMeta, acc: ObjectAccess, action: ObjectAction, p: Principal | null, params: unknown[]): string {
    if (!p) return 'TRUE';
    const scopes: Scope[] = acc.scopes(action);
    if (scopes.length === 0) return 'FALSE';
    // Decided before binding anything: a parameter bound for a dropped part would be left untyped.
    if (scopes.includes('all')) return 'TRUE';
    const bindv = (v: unknown, cast: string) => {
      params.push(v);
      return `$${params.length}::${cast}`;
    };
    const parts = scopes.map((s) => {
      if (s === 'all') return 'TRUE';
      if (s === 'own') return `t.owner_id = ${bindv(p.id, 'uuid')}`;
      if (!p.orgUnitId && s !== null && typeof s === 'string') return 'FALSE';
      if (s === 'team') return `t.owner_id IN (SELECT u.id FROM crm.users u WHERE u.org_unit_id = ${bindv(p.orgUnitId, 'uuid')})`;
      if (s === 'org_unit') return `t.org_unit_id = ${bindv(p.orgUnitId, 'uuid')}`;
      if (s === 'org_subtree') return `t.org_unit_id IN (SELECT ou.id FROM crm.org_units ou WHERE ${bindv(p.orgUnitId, 'uuid')} = ANY(ou.path))`;
      if (typeof s === 'object' && s && 'filter' in s) {
        const ctx: FilterContext = { columns: this.columns(o, null), params, userVars: { id: p.id, orgUnitId: p.orgUnitId, username: p.username } };
        return `(${compileFilter(s.filter, ctx)})`;
      }
      return 'FALSE';
    });
    return parts.includes('TRUE') ? 'TRUE' : `(${parts.join(' OR ')})`;
  }

  private async accessFor(p: Principal | null, objectKey: string, action: ObjectAction): Promise<{ o: ObjectMeta; acc: ObjectAccess }> {
    const o = await this.meta.object(objectKey);
    const acc = await this.access.forObject(p, objectKey);
    if (!acc.can(action)) throw new AppError(403, 'records.forbidden_action', { object: objectKey, action });
    return { o, acc };
  }

  private assertWritable(acc: ObjectAccess, keys: string[]): void {
    const denied = keys.filter((k) => acc.fieldMode(k) !== 'write');
    if (denied.length) throw new AppError(403, 'records.field_not_writable', { fields: denied.join(', ') });
  }

  private invalid(errors: { path: string; code: string; message: string }[]): AppError {
    return new AppError(400, 'records.invalid', {}, errors);
  }

  private mapWriteError(err: unknown, o: ObjectMeta): never {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23505') {
      const field = o.fields.find((f) => e.constraint?.startsWith(`${o.key}_${f.key}`.slice(0, 55)))?.key ?? '?';
      throw new AppError(409, 'records.duplicate', { field }, [{ path: `/${field}`, code: 'unique', message: 'duplicate' }]);
    }
    if (e.code === '23503') {
      const field = o.fields.find((f) => e.constraint?.includes(f.key))?.key ?? '?';
      throw badReference([{ field, kind: 'reference' }]);
    }
    throw err;
  }

  /**
   * Runs the INSERT/UPDATE and turns constraint errors into 409/400. Inside a caller's transaction a
   * savepoint keeps that transaction usable after the error; our own transaction just rolls back.
   */
  private async guardedWrite(c: PoolClient, outer: boolean, o: ObjectMeta, write: () => Promise<{ rows: Record<string, unknown>[] }>): Promise<Record<string, unknown>> {
    if (outer) await c.query('SAVEPOINT rec_write');
    try {
      const res = await write();
      if (outer) await c.query('RELEASE SAVEPOINT rec_write');
      return res.rows[0];
    } catch (err) {
      if (outer) await c.query('ROLLBACK TO SAVEPOINT rec_write').catch(() => undefined);
      this.mapWriteError(err, o);
    }
  }

  private async nextAutoNumbers(c: PoolClient, o: ObjectMeta, value: Record<string, unknown>, now: Date): Promise<void> {
    for (const f of o.fields) {
      if (f.type !== 'auto_number' || typeof f.options?.pattern !== 'string') continue;
      const prefix = autoNumberPrefix(f.options.pattern, now);
      const { rows } = await c.query<{ last_value: string }>(
        `INSERT INTO crm.auto_numbers (object_key, field_key, prefix, last_value) VALUES ($1, $2, $3, 1)
         ON CONFLICT (object_key, field_key, prefix) DO UPDATE SET last_value = crm.auto_numbers.last_value + 1
         RETURNING last_value`,
        [o.key, f.key, prefix],
      );
      value[f.key] = formatAutoNumber(f.options.pattern, now, Number(rows[0].last_value));
    }
  }

  private get references(): ReaderDeps {
    return { reader: this, access: this.access, objects: () => this.meta.objects() };
  }

  /** Whether the principal may download a file: their own upload, or held by a record they may read. */
  async fileReadable(fileId: string, p: Principal): Promise<boolean> {
    return (await readableFiles(this.references, [fileId], p, 'download', this.db.pool)).size > 0;
  }

  private withTx<T>(client: PoolClient | undefined, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return client ? fn(client) : this.db.tx(fn);
  }

  // ---------- writes ----------

  async create(objectKey: string, input: unknown, p: Principal | null, opts: WriteOptions): Promise<Record<string, unknown>> {
    const { o, acc } = await this.accessFor(p, objectKey, 'create');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw this.invalid([{ path: '', code: 'type', message: 'a record is a JSON object' }]);
    const given = input as Record<string, unknown>;
    this.assertWritable(acc, Object.keys(given).filter((k) => o.byKey.has(k)));
    const compiled = opts.form?.compiled ?? (await this.objectCompiled(o));
    const now = new Date();
    const result = compiled.process(given, { lang: opts.lang, now });
    if (!result.ok) throw this.invalid(result.errors);
    const value = result.value;
    await assertReferencesReadable(this.references, newReferences(o.fields, value), p, opts.client ?? this.db.pool);

    // The record's id is chosen here so that the audit entry can name it in the same statement.
    const id = randomUUID();
    const insert = (values: Record<string, unknown>) => {
      const encoded = encodeValues(o.fields, values, this.crypto);
      const cols = ['id', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'form_key', 'form_version'];
      const params: unknown[] = [id, p?.id ?? null, p?.id ?? null, p?.id ?? null, p?.orgUnitId ?? null, opts.form?.key ?? null, opts.form?.version ?? null];
      const casts = ['uuid', 'uuid', 'uuid', 'uuid', 'uuid', 'text', 'integer'];
      for (const [col, v] of encoded) {
        const f = o.byKey.get(col.replace(/__h$/, ''))!;
        cols.push(col);
        params.push(v);
        casts.push(sqlCastFor(f, col));
      }
      return { cols, params, casts };
    };

    // Fast path: nothing else has to happen in this transaction (no auto number to draw, no handler
    // interested in the events) — the record and its audit entry go out as one statement.
    const probe = { object: o.key, recordId: id, record: value, by: p };
    const events: DomainEvent[] = [{ type: 'record.created', ...probe }];
    if (opts.form) events.push({ type: 'form.submitted', formKey: opts.form.key, formVersion: opts.form.version, ...probe });
    if (!opts.client && !o.fields.some((f) => f.type === 'auto_number') && !(await this.events.interested(events))) {
      const { cols, params, casts } = insert(value);
      const audit = this.audit.insertParts(
        { action: 'record.create', object: o.key, recordId: id, data: { after: forAudit(o.fields, { ...value, id, version: 1, owner_id: p?.id ?? null, org_unit_id: p?.orgUnitId ?? null }), form: opts.form ? `${opts.form.key}@${opts.form.version}` : undefined } },
        params.length + 1,
      );
      let row: Record<string, unknown>;
      try {
        const res = await this.db.pool.query(
          `WITH rec AS (INSERT INTO ${tableOf(o.key)} (${cols.map(quoteIdent).join(', ')})
                        VALUES (${params.map((_, i) => `$${i + 1}::${casts[i]}`).join(', ')}) RETURNING *),
                aud AS (INSERT INTO crm.audit_log (${audit.columns}) SELECT ${audit.values} FROM rec)
           SELECT * FROM rec`,
          [...params, ...audit.params],
        );
        row = res.rows[0];
      } catch (err) {
        this.mapWriteError(err, o);
      }
      return present(o.fields, decodeRow(o.fields, row, this.crypto), acc.fieldMode, acc.unmask).view;
    }

    return this.withTx(opts.client, async (c) => {
      await this.nextAutoNumbers(c, o, value, now);
      const { cols, params, casts } = insert(value);
      const row = await this.guardedWrite(c, !!opts.client, o, () =>
        c.query(
          `INSERT INTO ${tableOf(o.key)} (${cols.map(quoteIdent).join(', ')})
           VALUES (${params.map((_, i) => `$${i + 1}::${casts[i]}`).join(', ')}) RETURNING *`,
          params,
        ));
      const record = decodeRow(o.fields, row, this.crypto);
      await this.audit.record({ action: 'record.create', object: o.key, recordId: String(record.id), data: { after: forAudit(o.fields, record), form: opts.form ? `${opts.form.key}@${opts.form.version}` : undefined } }, c);
      await this.events.emit({ type: 'record.created', object: o.key, recordId: String(record.id), record, by: p }, c);
      if (opts.form) {
        await this.events.emit({ type: 'form.submitted', formKey: opts.form.key, formVersion: opts.form.version, object: o.key, recordId: String(record.id), record, by: p }, c);
      }
      return present(o.fields, record, acc.fieldMode, acc.unmask).view;
    });
  }

  async patch(objectKey: string, id: string, input: unknown, p: Principal | null, opts: WriteOptions): Promise<Record<string, unknown>> {
    const { o, acc } = await this.accessFor(p, objectKey, 'update');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw this.invalid([{ path: '', code: 'type', message: 'a change is a JSON object' }]);
    const { version, ...changes } = input as Record<string, unknown>;
    if (typeof version !== 'number' || !Number.isInteger(version)) throw new AppError(400, 'records.version_required', {}, [{ path: '/version', code: 'required', message: 'version' }]);
    this.assertWritable(acc, Object.keys(changes).filter((k) => o.byKey.has(k)));
    const compiled = await this.objectCompiled(o);

    return this.withTx(opts.client, async (c) => {
      const params: unknown[] = [id];
      const scope = this.scopeSql(o, acc, 'update', p, params);
      const found = await c.query(`SELECT * FROM ${tableOf(o.key)} t WHERE t.id = $1::uuid AND t.deleted_at IS NULL AND ${scope} FOR UPDATE`, params);
      if (!found.rows[0]) throw new AppError(404, 'records.not_found');
      const current = found.rows[0] as Record<string, unknown>;
      if (current.version !== version) throw new AppError(409, 'records.stale_version', { current: current.version });
      const previous = decodeRow(o.fields, current, this.crypto);
      const merged = { ...pickFields(previous, o.fields), ...changes };
      for (const f of o.fields) if (f.type === 'auto_number' || f.type === 'computed') delete merged[f.key];
      const result = compiled.process(merged, { lang: opts.lang, previous: pickFields(previous, o.fields) });
      if (!result.ok) throw this.invalid(result.errors);
      const value = result.value;
      for (const f of o.fields) if (f.type === 'auto_number') value[f.key] = previous[f.key];
      await assertReferencesReadable(this.references, newReferences(o.fields, value, previous), p, c);
      const encoded = encodeValues(o.fields, value, this.crypto);
      const sets = ['version = version + 1', 'updated_at = now()', `updated_by = $2::uuid`];
      const up: unknown[] = [id, p?.id ?? null];
      for (const [col, v] of encoded) {
        up.push(v);
        sets.push(`${quoteIdent(col)} = $${up.length}::${sqlCastFor(o.byKey.get(col.replace(/__h$/, ''))!, col)}`);
      }
      const row = await this.guardedWrite(c, !!opts.client, o, () =>
        c.query(`UPDATE ${tableOf(o.key)} SET ${sets.join(', ')} WHERE id = $1::uuid RETURNING *`, up));
      const record = decodeRow(o.fields, row, this.crypto);
      const changed = o.fields.filter((f) => JSON.stringify(previous[f.key] ?? null) !== JSON.stringify(record[f.key] ?? null)).map((f) => f.key);
      await this.audit.record({ action: 'record.update', object: o.key, recordId: id, data: { before: forAudit(o.fields, previous), after: forAudit(o.fields, record), changed } }, c);
      await this.events.emit({ type: 'record.updated', object: o.key, recordId: id, record, previous, changed, by: p }, c);
      return present(o.fields, record, acc.fieldMode, acc.unmask).view;
    });
  }

  async remove(objectKey: string, id: string, p: Principal | null): Promise<void> {
    const { o, acc } = await this.accessFor(p, objectKey, 'delete');
    await this.db.tx(async (c) => {
      const params: unknown[] = [id, p?.id ?? null];
      const scope = this.scopeSql(o, acc, 'delete', p, params);
      const res = await c.query(
        `UPDATE ${tableOf(o.key)} t SET deleted_at = now(), updated_at = now(), updated_by = $2::uuid, version = version + 1
         WHERE t.id = $1::uuid AND t.deleted_at IS NULL AND ${scope}`,
        params,
      );
      if (!res.rowCount) throw new AppError(404, 'records.not_found');
      await this.audit.record({ action: 'record.delete', object: o.key, recordId: id }, c);
      await this.events.emit({ type: 'record.deleted', object: o.key, recordId: id, by: p }, c);
    });
  }

  // ---------- reads ----------

  async get(objectKey: string, id: string, p: Principal | null): Promise<Record<string, unknown>> {
    const { o, acc } = await this.accessFor(p, objectKey, 'read');
    const params: unknown[] = [id];
    const scope = this.scopeSql(o, acc, 'read', p, params);
    const row = await this.db.one(`SELECT * FROM ${tableOf(o.key)} t WHERE t.id = $1::uuid AND t.deleted_at IS NULL AND ${scope}`, params);
    if (!row) throw new AppError(404, 'records.not_found');
    const { view, unmaskedSensitive } = present(o.fields, decodeRow(o.fields, row, this.crypto), acc.fieldMode, acc.unmask);
    if (unmaskedSensitive.length && p) {
      await this.audit.record({ action: 'record.read_unmasked', object: o.key, recordId: id, data: { fields: unmaskedSensitive } });
    }
    return view;
  }

  /** Reads a record for the server's own decisions (decrypted, unscoped). Never return it as is. */
  async loadInternal(objectKey: string, id: string, client?: PoolClient): Promise<Record<string, unknown> | null> {
    const o = await this.meta.object(objectKey);
    const q = client ?? this.db.pool;
    const res = await q.query(`SELECT * FROM ${tableOf(o.key)} t WHERE t.id = $1::uuid AND t.deleted_at IS NULL`, [id]);
    return res.rows[0] ? decodeRow(o.fields, res.rows[0], this.crypto) : null;
  }

  async query(objectKey: string, q: QueryInput, p: Principal | null): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null; total?: number }> {
    const { o, acc } = await this.accessFor(p, objectKey, 'read');
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new AppError(400, 'common.validation_failed', {}, [{ path: '/limit', code: 'range', message: `limit is 1..${MAX_LIMIT}` }]);
    }
    const columns = this.columns(o, acc);
    const params: unknown[] = [];
    const where = ['t.deleted_at IS NULL', this.scopeSql(o, acc, 'read', p, params)];
    if (q.filter !== undefined && q.filter !== null) where.push(`(${compileFilter(q.filter, { columns, params })})`);
    const sort = parseSort(q.sort, columns);
    const baseWhere = [...where];
    const baseParams = [...params];
    if (q.cursor) {
      const values = decodeCursor(q.cursor, sort.length + 1);
      where.push(afterCursor(sort, values, 't.id', { columns, params }));
    }
    let fields = o.fields;
    if (q.fields) {
      const unknown = q.fields.filter((f) => !o.byKey.has(f) && !SYSTEM_COLUMNS.some(([k]) => k === f));
      if (unknown.length) throw new AppError(400, 'records.invalid_filter', {}, unknown.map((f) => ({ path: '/fields', code: 'unknown_field', message: `unknown field ${f}` })));
      fields = o.fields.filter((f) => q.fields!.includes(f.key));
    }
    params.push(limit + 1);
    const rows = await this.db.query(
      `SELECT t.* FROM ${tableOf(o.key)} t WHERE ${where.join(' AND ')} ORDER BY ${orderBy(sort, 't.id')} LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const unmaskedIds: string[] = [];
    const unmaskedFields = new Set<string>();
    const items = page.map((row) => {
      const { view, unmaskedSensitive } = present(fields, decodeRow(fields, row, this.crypto), acc.fieldMode, acc.unmask);
      if (unmaskedSensitive.length) {
        unmaskedIds.push(String(row.id));
        unmaskedSensitive.forEach((f) => unmaskedFields.add(f));
      }
      return view;
    });
    let nextCursor: string | null = null;
    if (more) {
      const last = page[page.length - 1];
      const values = sort.map((s) => {
        const v = last[s.col.key];
        return v instanceof Date ? v.toISOString() : (v ?? null);
      });
      nextCursor = encodeCursor([...values, last.id]);
    }
    const out: { items: Record<string, unknown>[]; nextCursor: string | null; total?: number } = { items, nextCursor };
    if (q.total) {
      const r = await this.db.one<{ n: string }>(`SELECT count(*)::text AS n FROM ${tableOf(o.key)} t WHERE ${baseWhere.join(' AND ')}`, baseParams);
      out.total = Number(r?.n ?? 0);
    }
    if (unmaskedIds.length && p) {
      await this.audit.record({ action: 'record.read_unmasked', object: o.key, data: { ids: unmaskedIds, fields: [...unmaskedFields] } });
    }
    return out;
  }
}
