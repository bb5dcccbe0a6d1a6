/**
 * Create, read, update, delete and query records of any object. Every path goes through the same
 * decisions: the caller's object actions, field modes and row scope (as SQL in the query itself),
 * validation by the form engine, encryption of sensitive fields, and an audit entry written in the
 * same transaction as the change.
 */
import type { RecordData } from '@crm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { autoNumberPrefix, compileForm, evaluateObjectRules, formatAutoNumber, type CompiledForm, type FieldDef, type Lang } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { translate } from '../common/i18n.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { ObjectAction } from '../access/permission.types.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { isEncrypted as isEncryptedField, quoteIdent, tableOf } from '../metadata/field-types.js';
import { FieldCrypto } from '../crypto/field-crypto.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import type { ColumnInfo } from './filter-compiler.js';
import { decodeRow, decodeView, encodeValues, forAudit, present, sqlCastFor } from './record-codec.js';
import { assertReferencesReadable, badReference, newReferences } from './reference-guard.js';
import { autoNumberFields, drawAutoNumbers, drawableInInsert } from './auto-numbers-in-insert.js';
import { ScopedReader, systemRead, type Page, type QueryInput } from './scoped-reader.js';
import { systemRowsByIds } from './system-reads.js';
import { DisplayValues } from './display-values.js';
import { auditInsertRowsSql, auditRow } from '../audit/audit-writer.js';
import { computedWriteSql } from './computed-write-sql.js';
import './records.messages.js';

export { MAX_LIMIT, type QueryInput } from './scoped-reader.js';

type ManyOutcome = { ok: true; id: string } | { ok: false; error: unknown };
const YIELD_EVERY = 100;

/** A batch of inputs checked by `prepareMany`, ready for `writeMany`. */
export interface PreparedMany {
  objectKey: string;
  o: ObjectMeta;
  inputs: unknown[];
  out: ManyOutcome[];
  valid: { i: number; id: string; value: Record<string, unknown>; refs: ReturnType<typeof newReferences>; encoded: Map<string, unknown>; audit: ReturnType<typeof auditRow> }[];
}

export interface WriteOptions {
  lang: Lang;
  /** A published form: its compiled validator replaces the object's own. */
  form?: { key: string; version: number; compiled: CompiledForm };
  /**
   * Joins this open transaction (kept for callers that still hold a client; the ambient unit of
   * work, see database/unit-of-work.ts, is the one mechanism and is joined without it).
   */
  client?: PoolClient;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function pickFields(record: Record<string, unknown>, fields: FieldDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (record[f.key] !== null && record[f.key] !== undefined) out[f.key] = record[f.key];
  return out;
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
    private readonly reader: ScopedReader,
    @Inject('FIELD_CRYPTO') crypto: FieldCrypto,
    private readonly display: DisplayValues,
  ) {
    this.crypto = crypto;
  }

  // ---------- building blocks ----------

  private async objectCompiled(o: ObjectMeta): Promise<CompiledForm> {
    const { version } = await this.meta.current();
    return compileForm(o.fields, null, { cacheKey: `object:${o.key}@${version}` });
  }

  /** Columns a caller may filter and sort on (the scoped reader's). */
  columns(o: ObjectMeta, acc: ObjectAccess | null): Map<string, ColumnInfo> {
    return this.reader.columns(o, acc);
  }

  /** The row scope of an action as SQL (the scoped reader's; writers scope their UPDATEs with it). */
  scopeSql(o: ObjectMeta, acc: ObjectAccess, action: ObjectAction, p: Principal | null, params: unknown[]): string {
    return this.reader.scopeSql(o, acc, action, p, params);
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

  /**
   * The object's validation rules over the record as it would be stored (throws 400 with every
   * broken rule). A field the caller may not read is not named: its error carries no path.
   */
  private assertRules(o: ObjectMeta, acc: ObjectAccess, value: Record<string, unknown>, lang: Lang): void {
    const issues = evaluateObjectRules(o.rules, o.fields, value, lang);
    if (!issues.length) return;
    throw this.invalid(issues.map((i) => (i.path && acc.fieldMode(i.path.slice(1)) === 'none' ? { ...i, path: '' } : i)));
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

  /** Runs fn in `client`'s transaction when a caller passes one, else as is (ambient or pool). */
  private bound<T>(client: PoolClient | undefined, fn: () => Promise<T>): Promise<T> {
    return client ? UnitOfWork.run(client, fn) : fn();
  }

  /** The ambient transaction (joined; `client` binds it for callers that pass one), else a new one. */
  private withTx<T>(client: PoolClient | undefined, fn: (c: PoolClient, joined: boolean) => Promise<T>): Promise<T> {
    if (client) return UnitOfWork.run(client, () => fn(client, true));
    const joined = this.db.inTransaction();
    return this.db.tx((c) => fn(c, joined));
  }

  // ---------- writes ----------

  async create(objectKey: string, input: unknown, p: Principal | null, opts: WriteOptions): Promise<RecordData> {
    const { o, acc } = await this.accessFor(p, objectKey, 'create');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw this.invalid([{ path: '', code: 'type', message: 'a record is a JSON object' }]);
    const given = input as Record<string, unknown>;
    this.assertWritable(acc, Object.keys(given).filter((k) => o.byKey.has(k)));
    const compiled = opts.form?.compiled ?? (await this.objectCompiled(o));
    const now = new Date();
    const result = compiled.process(given, { lang: opts.lang, now });
    if (!result.ok) throw this.invalid(result.errors);
    const value = result.value;
    this.assertRules(o, acc, value, opts.lang);
    await this.bound(opts.client, () => assertReferencesReadable(this.reader, newReferences(o.fields, value), p));

    // The record's id is chosen here so that the audit entry can name it in the same statement.
    const id = randomUUID();
    const insert = (values: Record<string, unknown>, drawnInSql = new Set<string>()) => {
      const encoded = encodeValues(o.fields, values, this.crypto);
      const cols = ['id', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'form_key', 'form_version'];
      const params: unknown[] = [id, p?.id ?? null, p?.id ?? null, p?.id ?? null, p?.orgUnitId ?? null, opts.form?.key ?? null, opts.form?.version ?? null];
      const casts = ['uuid', 'uuid', 'uuid', 'uuid', 'uuid', 'text', 'integer'];
      for (const [col, v] of encoded) {
        if (drawnInSql.has(col)) continue;
        const f = o.byKey.get(col.replace(/__h$/, ''))!;
        cols.push(col);
        params.push(v);
        casts.push(sqlCastFor(f, col));
      }
      return { cols, params, casts };
    };

    // Fast path: nothing else has to happen in this transaction (no handler interested in the
    // events; auto numbers drawn inside the statement) — the record, its numbers and its audit entry
    // go out as one statement.
    const probe = { object: o.key, recordId: id, record: value, by: p };
    const events: DomainEvent[] = [{ type: 'record.created', ...probe }];
    if (opts.form) events.push({ type: 'form.submitted', formKey: opts.form.key, formVersion: opts.form.version, ...probe });
    if (!opts.client && !this.db.inTransaction() && drawableInInsert(o.fields) && !(await this.events.interested(events))) {
      const { cols, params, casts } = insert(value, new Set(autoNumberFields(o.fields).map((f) => f.key)));
      const selected = params.map((_, i) => `$${i + 1}::${casts[i]}`);
      const drawn = drawAutoNumbers(o.key, o.fields, now, (v, cast) => `$${params.push(v)}::${cast}`);
      const audit = this.audit.insertParts(
        { action: 'record.create', object: o.key, recordId: id, data: { after: forAudit(o.fields, { ...value, id, version: 1, owner_id: p?.id ?? null, org_unit_id: p?.orgUnitId ?? null }), form: opts.form ? `${opts.form.key}@${opts.form.version}` : undefined } },
        params.length + 1,
        drawn.auditData,
      );
      let row: Record<string, unknown>;
      try {
        const res = await this.db.pool.query(
          `WITH ${[...drawn.ctes, `rec AS (INSERT INTO ${tableOf(o.key)} (${[...cols.map(quoteIdent), ...drawn.columns].join(', ')})
                        SELECT ${[...selected, ...drawn.values].join(', ')} ${drawn.from} RETURNING *)`].join(',\n')},
                aud AS (INSERT INTO crm.audit_log (${audit.columns}) SELECT ${audit.values} FROM rec)
           SELECT * FROM rec`,
          [...params, ...audit.params],
        );
        row = res.rows[0];
      } catch (err) {
        this.mapWriteError(err, o);
      }
      return decodeView(o.fields, row, this.crypto, acc.fieldMode, acc.unmask).view;
    }

    return this.withTx(opts.client, async (c, joined) => {
      await this.nextAutoNumbers(c, o, value, now);
      const { cols, params, casts } = insert(value);
      const row = await this.guardedWrite(c, joined, o, () =>
        c.query(
          `INSERT INTO ${tableOf(o.key)} (${cols.map(quoteIdent).join(', ')})
           VALUES (${params.map((_, i) => `$${i + 1}::${casts[i]}`).join(', ')}) RETURNING *`,
          params,
        ));
      const record = decodeRow(o.fields, row, this.crypto);
      await this.audit.record({ action: 'record.create', object: o.key, recordId: String(record.id), data: { after: forAudit(o.fields, record), form: opts.form ? `${opts.form.key}@${opts.form.version}` : undefined } });
      await this.events.emit({ type: 'record.created', object: o.key, recordId: String(record.id), record, by: p }, c);
      if (opts.form) {
        await this.events.emit({ type: 'form.submitted', formKey: opts.form.key, formVersion: opts.form.version, object: o.key, recordId: String(record.id), record, by: p }, c);
      }
      return present(o.fields, record, acc.fieldMode, acc.unmask).view;
    });
  }

  /**
   * Creates many records in the caller's open transaction (`opts.client`), each validated exactly as
   * `create` validates it (rights, writable fields, the compiled schema and bank checks, readable
   * references); the valid ones go out as one multi-row INSERT plus one multi-row audit INSERT. Each
   * input answers its own outcome: a bad one never stops the others. When a handler wants the
   * created events, or the statement hits a constraint, it falls back to `create` row by row (each
   * in a savepoint), so the outcome is the same as N single writes.
   */
  async createMany(objectKey: string, inputs: unknown[], p: Principal | null, opts: WriteOptions & { client: PoolClient }): Promise<ManyOutcome[]> {
    return this.writeMany(await this.prepareMany(objectKey, inputs, p, opts), p, opts);
  }

  /**
   * The CPU part of `createMany`, no database statement: rights, writable fields, the compiled form
   * (types, bank checks, required), object rules, the encoded columns and the audit rows. An import
   * prepares its next batch with it while the previous batch is still being written; it yields to the
   * event loop every `YIELD_EVERY` rows so that write's round trips are not held up.
   */
  async prepareMany(objectKey: string, inputs: unknown[], p: Principal | null, opts: WriteOptions): Promise<PreparedMany> {
    const { o, acc } = await this.accessFor(p, objectKey, 'create');
    const compiled = opts.form?.compiled ?? (await this.objectCompiled(o));
    const now = new Date();
    const out: ManyOutcome[] = inputs.map(() => ({ ok: false, error: null }));
    const valid: PreparedMany['valid'] = [];
    for (let i = 0; i < inputs.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
      try {
        const input = inputs[i];
        if (typeof input !== 'object' || input === null || Array.isArray(input)) throw this.invalid([{ path: '', code: 'type', message: 'a record is a JSON object' }]);
        this.assertWritable(acc, Object.keys(input).filter((k) => o.byKey.has(k)));
        const result = compiled.process(input as Record<string, unknown>, { lang: opts.lang, now });
        if (!result.ok) throw this.invalid(result.errors);
        this.assertRules(o, acc, result.value, opts.lang);
        const id = randomUUID();
        const value = result.value;
        valid.push({
          i, id, value, refs: newReferences(o.fields, value),
          encoded: encodeValues(o.fields, value, this.crypto),
          audit: auditRow({ action: 'record.create', object: o.key, recordId: id, data: { after: forAudit(o.fields, { ...value, id, version: 1, owner_id: p?.id ?? null, org_unit_id: p?.orgUnitId ?? null }), form: opts.form ? `${opts.form.key}@${opts.form.version}` : undefined } }),
        });
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
    return { objectKey, o, inputs, out, valid };
  }

  /** The writing part of `createMany`: readable references, then the multi-row INSERT with its audit rows. */
  async writeMany(prepared: PreparedMany, p: Principal | null, opts: WriteOptions & { client: PoolClient }): Promise<ManyOutcome[]> {
    const c = opts.client;
    const { objectKey, o, inputs, out } = prepared;
    const one = async (i: number) => {
      await c.query('SAVEPOINT rec_many_one');
      try {
        const made = await this.create(objectKey, inputs[i], p, opts);
        await c.query('RELEASE SAVEPOINT rec_many_one');
        out[i] = { ok: true, id: String(made.id) };
      } catch (error) {
        await c.query('ROLLBACK TO SAVEPOINT rec_many_one');
        out[i] = { ok: false, error };
      }
    };
    const probe: DomainEvent = { type: 'record.created', object: o.key, recordId: '00000000-0000-0000-0000-000000000000', record: {}, by: p };
    if (autoNumberFields(o.fields).length || (await this.events.interested([probe]))) {
      for (let i = 0; i < inputs.length; i++) await one(i);
      return out;
    }
    const valid: PreparedMany['valid'] = [];
    for (const v of prepared.valid) {
      try {
        await UnitOfWork.run(c, () => assertReferencesReadable(this.reader, v.refs, p));
        valid.push(v);
      } catch (error) {
        out[v.i] = { ok: false, error };
      }
    }
    if (!valid.length) return out;
    const system = ['id', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'form_key', 'form_version'];
    const systemCasts = ['uuid', 'uuid', 'uuid', 'uuid', 'uuid', 'text', 'integer'];
    const encodedRows = valid.map((v) => v.encoded);
    // The same columns as `create` writes (every field's, and the search hash of encrypted ones).
    const columns = [...encodedRows[0]!.keys()].map((col) => ({ col, cast: sqlCastFor(o.byKey.get(col.replace(/__h$/, ''))!, col) }));
    // One array parameter per column (`unnest`) rather than one parameter per cell: a 1,000-row batch of
    // 13 columns bound 13,000 parameters, whose parse and bind cost a quarter of the statement's time.
    // Columns that are arrays themselves (multi-selects) cannot be unnested: those objects keep VALUES.
    const columnar = [...systemCasts, ...columns.map((x) => x.cast)].every((cast) => !cast.endsWith('[]') && cast !== 'jsonb' && cast !== 'json');
    // PostgreSQL binds at most 65535 parameters per statement.
    const perStatement = columnar ? 5000 : Math.max(1, Math.floor(60000 / (system.length + columns.length)));
    for (let from = 0; from < valid.length; from += perStatement) {
      const chunk = valid.slice(from, from + perStatement);
      const params: unknown[] = [];
      const bind = (v: unknown) => `$${params.push(v)}`;
      const sysOf = (v: (typeof chunk)[number]) => [v.id, p?.id ?? null, p?.id ?? null, p?.id ?? null, p?.orgUnitId ?? null, opts.form?.key ?? null, opts.form?.version ?? null];
      const source = columnar
        ? `SELECT * FROM unnest(${[
            ...systemCasts.map((cast, j) => `${bind(chunk.map((v) => sysOf(v)[j]))}::${cast}[]`),
            ...columns.map((col) => `${bind(chunk.map((_, k) => encodedRows[from + k]!.get(col.col) ?? null))}::${col.cast}[]`),
          ].join(', ')})`
        : `VALUES ${chunk
            .map((v, k) => {
              const encoded = encodedRows[from + k]!;
              return `(${[...sysOf(v).map((x, j) => `${bind(x)}::${systemCasts[j]}`), ...columns.map((col) => `${bind(encoded.get(col.col) ?? null)}::${col.cast}`)].join(', ')})`;
            })
            .join(', ')}`;
      const audits = chunk.map((v) => v.audit);
      await c.query('SAVEPOINT rec_many');
      try {
        await c.query(
          `WITH rec AS (INSERT INTO ${tableOf(o.key)} (${[...system, ...columns.map((x) => x.col)].map(quoteIdent).join(', ')}) ${source} RETURNING id)
           ${auditInsertRowsSql(audits, bind)}`,
          params,
        );
        await c.query('RELEASE SAVEPOINT rec_many');
        for (const v of chunk) out[v.i] = { ok: true, id: v.id };
      } catch {
        // A constraint (a duplicate, a reference gone meanwhile): row by row, each with its own answer.
        await c.query('ROLLBACK TO SAVEPOINT rec_many');
        for (const v of chunk) await one(v.i);
      }
    }
    return out;
  }

  async patch(objectKey: string, id: string, input: unknown, p: Principal | null, opts: WriteOptions): Promise<RecordData> {
    const { o, acc } = await this.accessFor(p, objectKey, 'update');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw this.invalid([{ path: '', code: 'type', message: 'a change is a JSON object' }]);
    const { version, owner_id: newOwner, ...changes } = input as Record<string, unknown>;
    if (typeof version !== 'number' || !Number.isInteger(version)) throw new AppError(400, 'records.version_required', {}, [{ path: '/version', code: 'required', message: 'version' }]);
    if (newOwner !== undefined && (typeof newOwner !== 'string' || !UUID.test(newOwner))) throw this.invalid([{ path: '/owner_id', code: 'type', message: 'owner_id is a user id' }]);
    this.assertWritable(acc, Object.keys(changes).filter((k) => o.byKey.has(k)));
    const compiled = await this.objectCompiled(o);

    return this.withTx(opts.client, async (c, joined) => {
      const previous = await this.reader.stored(o.key, id, p ?? systemRead('platform write'), { action: 'update', forUpdate: true });
      if (!previous) throw new AppError(404, 'records.not_found');
      if (previous.version !== version) throw new AppError(409, 'records.stale_version', { current: previous.version });
      const merged = { ...pickFields(previous, o.fields), ...changes };
      for (const f of o.fields) if (f.type === 'auto_number' || f.type === 'computed') delete merged[f.key];
      const result = compiled.process(merged, { lang: opts.lang, previous: pickFields(previous, o.fields) });
      if (!result.ok) throw this.invalid(result.errors);
      const value = result.value;
      for (const f of o.fields) if (f.type === 'auto_number') value[f.key] = previous[f.key];
      this.assertRules(o, acc, value, opts.lang);
      await assertReferencesReadable(this.reader, newReferences(o.fields, value, previous), p);
      const encoded = encodeValues(o.fields, value, this.crypto);
      const sets = ['version = version + 1', 'updated_at = now()', `updated_by = $2::uuid`];
      const up: unknown[] = [id, p?.id ?? null];
      const ownerChanged = typeof newOwner === 'string' && newOwner !== previous.owner_id;
      if (ownerChanged) {
        await this.assertAssignable(c, newOwner, previous.org_unit_id);
        up.push(newOwner);
        sets.push(`owner_id = $${up.length}::uuid`);
      }
      for (const [col, v] of encoded) {
        up.push(v);
        sets.push(`${quoteIdent(col)} = $${up.length}::${sqlCastFor(o.byKey.get(col.replace(/__h$/, ''))!, col)}`);
      }
      const row = await this.guardedWrite(c, joined, o, () =>
        c.query(`UPDATE ${tableOf(o.key)} SET ${sets.join(', ')} WHERE id = $1::uuid RETURNING *`, up));
      const record = decodeRow(o.fields, row, this.crypto);
      const changed = o.fields.filter((f) => JSON.stringify(previous[f.key] ?? null) !== JSON.stringify(record[f.key] ?? null)).map((f) => f.key);
      if (ownerChanged) changed.push('owner_id');
      await this.audit.record({ action: 'record.update', object: o.key, recordId: id, data: { before: forAudit(o.fields, previous), after: forAudit(o.fields, record), changed, ...(ownerChanged ? { owner: { before: previous.owner_id ?? null, after: newOwner } } : {}) } });
      await this.events.emit({ type: 'record.updated', object: o.key, recordId: id, record, previous, changed, by: p }, c);
      return present(o.fields, record, acc.fieldMode, acc.unmask).view;
    });
  }

  /**
   * A computed value (a model's score) written by the platform to many records of one object: one
   * `UPDATE … FROM unnest(…)` per call, which also inserts one `record.update` audit row per changed
   * record (set-based, same statement), then the change events of the batch in the caller's
   * transaction (rule tags take them at once, process triggers and webhooks one by one). Only records
   * whose value differs are written; deleted ones are skipped. The values are computed, not entered:
   * no form validation beyond the column's SQL type; an encrypted field is refused. Answers how many
   * records were written. With `deferred`, only the batch handlers run now; the changes the one-by-one
   * handlers want are pushed there, for `emitComputedChanges` in a follow-up job.
   */
  async writeComputed(objectKey: string, fieldKey: string, values: { id: string; value: string | null }[], opts: { client: PoolClient; actorId: string | null; via: Record<string, unknown>; deferred?: { id: string; prev: string | null }[] }): Promise<number> {
    if (!values.length) return 0;
    const o = await this.meta.object(objectKey);
    const f = o.byKey.get(fieldKey);
    if (!f || isEncryptedField(f)) throw new AppError(400, 'records.invalid', {}, [{ path: `/${fieldKey}`, code: 'not_computable', message: fieldKey }]);
    const col = quoteIdent(f.key);
    const cast = sqlCastFor(f, f.key);
    const audit = auditRow({ action: 'record.update', object: o.key, actorId: opts.actorId });
    const { rows } = await opts.client.query<Record<string, unknown> & { __prev: unknown }>(
      computedWriteSql(o.key, col, cast),
      [values.map((v) => v.id), values.map((v) => v.value), opts.actorId, audit.actor_name, o.key, audit.ip, audit.request_id, f.key, JSON.stringify(opts.via)],
    );
    const events: DomainEvent[] = rows.map((row) => this.computedEvent(o, f, row, row.__prev));
    if (!opts.deferred) {
      await this.events.emitMany(events, opts.client);
      return rows.length;
    }
    const prev = new Map(rows.map((r) => [String(r.id), r.__prev === null || r.__prev === undefined ? null : String(r.__prev)]));
    for (const e of await this.events.emitToBatches(events, opts.client)) opts.deferred.push({ id: e.recordId, prev: prev.get(e.recordId) ?? null });
    return rows.length;
  }

  private computedEvent(o: ObjectMeta, f: FieldDef, row: Record<string, unknown>, prevRaw: unknown): DomainEvent {
    const { __prev: _p, ...rest } = row;
    const record = decodeRow(o.fields, rest, this.crypto);
    const previous = { ...record, [f.key]: decodeRow([f], { [f.key]: prevRaw }, this.crypto)[f.key], version: Number(record.version) - 1 };
    return { type: 'record.updated', object: o.key, recordId: String(record.id), record, previous, changed: [f.key], by: null };
  }

  /**
   * The deferred change events of `writeComputed(…, { deferred })`, delivered to the one-by-one handlers
   * (process triggers, webhooks, journeys) in the caller's transaction: each record as it is now (a
   * record deleted since has no event), its previous value of the field as it was before that write.
   */
  async emitComputedChanges(objectKey: string, fieldKey: string, changes: { id: string; prev: string | null }[], client: PoolClient): Promise<number> {
    const o = await this.meta.object(objectKey);
    const f = o.byKey.get(fieldKey);
    if (!f || !changes.length) return 0;
    const rows = await systemRowsByIds(client, systemRead('change events of a computed value'), o.key, changes.map((c) => c.id));
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    const events = changes.flatMap((c) => { const row = byId.get(c.id); return row ? [this.computedEvent(o, f, row, c.prev)] : []; });
    await this.events.emitToSingles(events, client);
    return events.length;
  }

  /**
   * A record's new owner: an active user of the record's org unit or a unit below it (assigning never
   * hands a record to another team).
   */
  private async assertAssignable(c: PoolClient, userId: string, orgUnitId: unknown): Promise<void> {
    const { rows } = await c.query(
      `SELECT 1 FROM crm.users u JOIN crm.org_units ou ON ou.id = u.org_unit_id
       WHERE u.id = $1::uuid AND NOT u.disabled AND $2::uuid = ANY(ou.path)`,
      [userId, typeof orgUnitId === 'string' ? orgUnitId : null],
    );
    if (!rows.length) throw new AppError(400, 'records.owner_not_assignable', {}, [{ path: '/owner_id', code: 'not_assignable', message: 'owner_id' }]);
  }

  /**
   * The same change to many records, each written as `patch` writes one (rights, row scope, field
   * modes, validation and object rules, audit, its version read just before), each in its own
   * transaction: a refused record answers its reason and is left as it was; the others are written.
   * `addTags` adds values to a tags field and keeps the ones there.
   */
  async bulk(objectKey: string, input: { ids: string[]; set?: Record<string, unknown>; addTags?: { field: string; tags: string[] } }, p: Principal, lang: Lang): Promise<{ updated: string[]; failed: { id: string; message: string }[] }> {
    const { o, acc } = await this.accessFor(p, objectKey, 'update');
    const set = input.set ?? {};
    if ('version' in set) throw this.invalid([{ path: '/set/version', code: 'not_allowed', message: 'version is read per record' }]);
    const unknown = Object.keys(set).filter((k) => k !== 'owner_id' && !o.byKey.has(k));
    if (unknown.length) throw this.invalid(unknown.map((k) => ({ path: `/set/${k}`, code: 'unknown_field', message: `unknown field ${k}` })));
    const tagField = input.addTags ? o.byKey.get(input.addTags.field) : undefined;
    if (input.addTags && (tagField?.type !== 'tags' || acc.fieldMode(tagField.key) === 'none')) {
      throw this.invalid([{ path: '/addTags/field', code: 'not_tags', message: 'addTags names a tags field' }]);
    }
    // A field nobody may write refuses the whole call (every row would say the same).
    this.assertWritable(acc, [...Object.keys(set).filter((k) => o.byKey.has(k)), ...(tagField ? [tagField.key] : [])]);
    const updated: string[] = [];
    const failed: { id: string; message: string }[] = [];
    const messageOf = (err: unknown): string => {
      if (!(err instanceof AppError)) throw err;
      const details = typeof err.details === 'function' ? err.details(lang) : err.details;
      const detail = err.code === 'records.invalid' ? details?.map((d) => d.message).filter(Boolean).join('；') : '';
      return detail || translate(err.code, lang, err.params);
    };
    for (const id of [...new Set(input.ids)]) {
      try {
        const current = await this.reader.stored(o.key, id, p, { action: 'update' });
        if (!current) throw new AppError(404, 'records.not_found');
        const changes: Record<string, unknown> = { ...set, version: current.version };
        if (tagField && input.addTags) {
          const had = Array.isArray(current[tagField.key]) ? (current[tagField.key] as string[]) : [];
          changes[tagField.key] = [...new Set([...had, ...input.addTags.tags])];
        }
        await this.patch(o.key, id, changes, p, { lang });
        updated.push(id);
      } catch (err) {
        failed.push({ id, message: messageOf(err) });
      }
    }
    return { updated, failed };
  }

  /**
   * Who the caller may hand records to in a bulk assignment: active users of their own org unit and the
   * units below it (by name, at most 200; `q` narrows by name or username). Needs `update`.
   */
  async assignees(objectKey: string, p: Principal, q?: string): Promise<{ id: string; name: string }[]> {
    await this.accessFor(p, objectKey, 'update');
    if (!p.orgUnitId) return [];
    const rows = await this.db.query<{ id: string; name: string }>(
      `SELECT u.id, coalesce(u.display_name, u.username) AS name FROM crm.users u JOIN crm.org_units ou ON ou.id = u.org_unit_id
       WHERE NOT u.disabled AND $1::uuid = ANY(ou.path)
         AND ($2::text IS NULL OR u.display_name ILIKE '%' || $2 || '%' OR u.username ILIKE '%' || $2 || '%')
       ORDER BY coalesce(u.display_name, u.username), u.id LIMIT 200`,
      [p.orgUnitId, q?.replace(/[%_\\]/g, (c) => `\\${c}`) || null],
    );
    return rows;
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
      await this.audit.record({ action: 'record.delete', object: o.key, recordId: id });
      await this.events.emit({ type: 'record.deleted', object: o.key, recordId: id, by: p }, c);
    });
  }

  // ---------- reads (the scoped reader's) ----------

  /** `display`: with `$display`, the titles of its relation / user / org-unit targets as `p` may see them. */
  async get(objectKey: string, id: string, p: Principal | null, opts: { display?: boolean } = {}): Promise<RecordData> {
    const rec = await this.reader.get(objectKey, id, p);
    return opts.display && p ? (await this.withDisplay(objectKey, [rec], p))[0]! : rec;
  }

  private async withDisplay(objectKey: string, rows: RecordData[], p: Principal): Promise<RecordData[]> {
    const o = await this.meta.object(objectKey);
    const display = await this.display.forRows(o.fields, rows, p);
    return rows.map((r, i) => ({ ...r, $display: display[i] ?? {} }));
  }

  /** Reads a record for the server's own decisions (decrypted, unscoped). Never return it as is. */
  loadInternal(objectKey: string, id: string, client?: PoolClient): Promise<Record<string, unknown> | null> {
    return this.bound(client, () => this.reader.stored(objectKey, id, systemRead('server decision')));
  }

  async query(objectKey: string, q: QueryInput & { display?: boolean }, p: Principal | null): Promise<Page> {
    const page = await this.reader.query(objectKey, q, p);
    return q.display && p && page.items.length ? { ...page, items: await this.withDisplay(objectKey, page.items, p) } : page;
  }
}
