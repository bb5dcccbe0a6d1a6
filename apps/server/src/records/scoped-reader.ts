/**
 * The one scoped record reader: every read of user records (tables in schema crm_data) goes through
 * here. It owns "live rows (deleted_at IS NULL) + row scope + field modes + masking + decryption", so
 * no other module writes a SELECT on crm_data. A read is made either for a person (a Principal: their
 * object actions, row scope and field modes apply) or, for the platform's own work (pack install,
 * demo loader, jobs, metadata checks), with an explicit `systemRead(reason)` that names why it may
 * see every row. Statements run on the ambient unit of work when one is open.
 */
import type { Page as SharedPage, RecordData } from '@crm/shared';
import { MAX_PAGE_LIMIT } from '@crm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { maskedWithoutUnmask, type FieldDef } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { ObjectAction, Scope } from '../access/permission.types.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { comparableOf, hashColumn, isEncrypted, quoteIdent, tableOf } from '../metadata/field-types.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { afterCursor, compileFilter, filterFieldKeys, orderBy, parseSort, type ColumnInfo, type FilterContext } from './filter-compiler.js';
import { decodeRow, decodeView, hashInput } from './record-codec.js';
import { hasAnyRow, isSystemRead, systemRead, type SystemRead } from './system-reads.js';
import { ROLLUP_GRAIN, rollupInPlace } from './report-rollup-sql.js';
import { OrgTree, type OrgUnitSets } from './org-tree.js';
import './records.messages.js';

export { hasAnyRow, isSystemRead, systemLiveRows, systemRead, systemRowCount, type SystemRead } from './system-reads.js';

/** The largest page, as the shared contract says (one number for the API, the document and the reader). */
export const MAX_LIMIT = MAX_PAGE_LIMIT;

export interface QueryInput {
  filter?: unknown;
  sort?: string;
  limit?: number;
  cursor?: string;
  fields?: string[];
  total?: boolean;
}

/** A page of records as the caller may see them (the shared contract's `Page<RecordData>`). */
export type Page = SharedPage<RecordData>;

/** The page's total as a result column: no field or system column starts with an underscore. */
const TOTAL_COLUMN = '__crm_total';

/** Relation hops a filter path may take (`holding → customer → owner …`). */
const MAX_PATH_HOPS = 4;
const PATH = /^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62}){1,4}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SYSTEM_COLUMNS: [string, ColumnInfo['comparable']][] = [
  ['id', 'uuid'], ['created_at', 'timestamp'], ['updated_at', 'timestamp'], ['created_by', 'uuid'], ['updated_by', 'uuid'],
  ['owner_id', 'uuid'], ['org_unit_id', 'uuid'], ['version', 'number'],
];

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

/** Attachment fields whose column is a plain uuid[] (level ≥ 3 ones are ciphertext and not searchable). */
function attachmentFields(o: ObjectMeta): FieldDef[] {
  return o.fields.filter((f) => f.type === 'attachment' && !isEncrypted(f));
}

/** Row scopes said by a row's org unit and owner alone: exact at a report rollup's grain. */
const GRAIN_SCOPES = new Set(['all', 'own', 'team', 'org_unit', 'org_subtree']);

@Injectable()
export class ScopedReader {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'listTotalCap'>,
    private readonly orgTree: OrgTree,
  ) {}

  // ---------- building blocks (also used by writers for their scoped UPDATEs) ----------

  /** Columns a caller may filter and sort on (all of them for scope filters), over alias `alias` (a row source's, for joins). */
  columns(o: ObjectMeta, acc: ObjectAccess | null, alias = 't'): Map<string, ColumnInfo> {
    const t = alias === 't' ? 't' : quoteIdent(alias);
    const cols = new Map<string, ColumnInfo>();
    for (const [k, c] of SYSTEM_COLUMNS) cols.set(k, { key: k, sql: `${t}.${quoteIdent(k)}`, comparable: c });
    for (const f of o.fields) {
      const mode = acc ? acc.fieldMode(f.key) : 'write';
      // Filtering on what one may not read would reveal it one guess at a time.
      if (acc && (mode === 'none' || mode === 'masked' || (maskedWithoutUnmask(f) && !acc.unmask))) continue;
      const info: ColumnInfo = { key: f.key, sql: `${t}.${quoteIdent(f.key)}`, comparable: comparableOf(f.type) };
      if (isEncrypted(f)) info.encrypted = { hashSql: `${t}.${quoteIdent(hashColumn(f.key))}`, hash: (v) => this.crypto.searchHash(hashInput(v)) };
      cols.set(f.key, info);
    }
    return cols;
  }

  /**
   * Filter columns for the relation paths a filter names (`customer.owner_id`, at most four hops): the
   * related record's column, looked up by id among the rows of the target object the caller may read —
   * a related record out of their scope reads as empty, as in a report's join. Each hop must be a
   * relation field the caller reads in clear, into an object they may read; the last field follows the
   * same rules as a field of the object itself (no mode none, masked or sensitive without unmask).
   * A path that fails any rule is left out, so the filter compiler answers it as an unknown field.
   */
  async pathColumns(o: ObjectMeta, acc: ObjectAccess, p: Principal | null, filter: unknown, params: unknown[]): Promise<Map<string, ColumnInfo>> {
    const out = new Map<string, ColumnInfo>();
    const objects = (await this.meta.current()).objects;
    const who = p ?? systemRead('records filter of the platform through a relation path');
    let n = 0;
    for (const key of filterFieldKeys(filter)) {
      if (!PATH.test(key)) continue;
      const parts = key.split('.');
      if (parts.length - 1 > MAX_PATH_HOPS) continue;
      let cur = o;
      let curAcc: ObjectAccess | null = p ? acc : null;
      // The SQL of the current hop's related id, over the outer row `t`.
      let ref = '';
      let lookup = (col: string) => col;
      let ok = true;
      for (const hop of parts.slice(0, -1)) {
        const f = cur.byKey.get(hop);
        const mode = f && curAcc ? curAcc.fieldMode(f.key) : 'write';
        if (!f || f.type !== 'relation' || !f.target || isEncrypted(f) || !objects.has(f.target) || (mode !== 'read' && mode !== 'write')) {
          ok = false;
          break;
        }
        const alias = `rp${n++}`;
        const outer = lookup(`${ref ? quoteIdent(ref) : 't'}.${quoteIdent(f.key)}`);
        const target = await this.source(f.target, who, 'read', params, alias);
        if (p && !target.acc.can('read')) {
          ok = false;
          break;
        }
        lookup = (col: string) => `(SELECT ${col} FROM ${target.sql} WHERE ${quoteIdent(alias)}.id = ${outer})`;
        ref = alias;
        cur = target.o;
        curAcc = p ? target.acc : null;
      }
      if (!ok) continue;
      const col = this.columns(cur, curAcc, ref).get(parts[parts.length - 1]!);
      if (!col) continue;
      const info: ColumnInfo = { key, sql: lookup(col.sql), comparable: col.comparable };
      if (col.encrypted) info.encrypted = { hashSql: lookup(col.encrypted.hashSql), hash: col.encrypted.hash };
      out.set(key, info);
    }
    return out;
  }

  /** The row scope of an action as SQL over alias `t` (OR of the granting roles' scopes); FALSE when none; TRUE for the platform. */
  scopeSql(o: ObjectMeta, acc: ObjectAccess, action: ObjectAction, p: Principal | null, params: unknown[], units?: OrgUnitSets | null): string {
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
      // With the tree at hand, the subtree's units as one array: the planner estimates rows from their statistics.
      if (s === 'org_subtree' && units) return `t.org_unit_id = ANY(${bindv(units.subtree(p.orgUnitId!), 'uuid[]')})`;
      if (s === 'org_subtree') return `t.org_unit_id IN (SELECT ou.id FROM crm.org_units ou WHERE ${bindv(p.orgUnitId, 'uuid')} = ANY(ou.path))`;
      if (typeof s === 'object' && s && 'filter' in s) {
        const ctx: FilterContext = { columns: this.columns(o, null), params, userVars: { id: p.id, orgUnitId: p.orgUnitId, username: p.username }, orgUnits: units };
        return `(${compileFilter(s.filter, ctx)})`;
      }
      return 'FALSE';
    });
    return parts.includes('TRUE') ? 'TRUE' : `(${parts.join(' OR ')})`;
  }

  /** Live rows within the scope of `who` for `action`, as a WHERE over alias `t` (FALSE when the action is not granted). */
  private async liveScope(objectKey: string, who: Principal | SystemRead, action: ObjectAction, params: unknown[]): Promise<{ o: ObjectMeta; acc: ObjectAccess; where: string }> {
    const o = await this.meta.object(objectKey);
    const p = isSystemRead(who) ? null : who;
    const acc = await this.access.forObject(p, objectKey);
    const scope = p && !acc.can(action) ? 'FALSE' : this.scopeSql(o, acc, action, p, params, await this.orgTree.sets());
    return { o, acc, where: `t.deleted_at IS NULL AND ${scope}` };
  }

  /**
   * The live rows of an object that `who` may see for `action`, as a FROM-clause source with alias
   * `alias` (a subquery): for statements that join or recurse over records (the relationship
   * network). Rows come back raw: show them only through `view`.
   */
  async source(objectKey: string, who: Principal | SystemRead, action: ObjectAction, params: unknown[], alias = 't'): Promise<{ o: ObjectMeta; acc: ObjectAccess; sql: string }> {
    const { o, acc, where } = await this.liveScope(objectKey, who, action, params);
    return { o, acc, sql: `(SELECT * FROM ${tableOf(o.key)} t WHERE ${where}) ${quoteIdent(alias)}` };
  }

  /**
   * The rows of a report rollup (`crm.<table>`, one row per org unit × owner of the object's live rows)
   * within the caller's row scope, as a FROM-clause source like `source`: only when every scope that
   * grants the read is said by org unit and owner alone (all, own, team, org unit, org subtree) — the
   * scope is then exact at the rollup's grain. Null otherwise (a filter scope): read the records.
   */
  async rollupSource(objectKey: string, table: string, who: Principal | SystemRead, params: unknown[], alias = 't'): Promise<{ o: ObjectMeta; acc: ObjectAccess; sql: string } | null> {
    const o = await this.meta.object(objectKey);
    const p = isSystemRead(who) ? null : who;
    const acc = await this.access.forObject(p, objectKey);
    if (p && !acc.scopes('read').every((s) => typeof s === 'string' && GRAIN_SCOPES.has(s))) return null;
    const scope = p && !acc.can('read') ? 'FALSE' : this.scopeSql(o, acc, 'read', p, params, await this.orgTree.sets());
    return { o, acc, sql: `(SELECT * FROM crm.${quoteIdent(table)} t WHERE t.n > 0 AND ${scope}) ${quoteIdent(alias)}` };
  }

  /** What a caller may see of a raw row read through `source`: decrypted, hidden fields dropped, masked ones masked. */
  view(o: ObjectMeta, acc: ObjectAccess, row: Record<string, unknown>, fields: FieldDef[] = o.fields): { view: RecordData; unmaskedSensitive: string[] } {
    return decodeView(fields, row, this.crypto, acc.fieldMode, acc.unmask);
  }

  // ---------- reads for people ----------

  private async accessFor(p: Principal | null, objectKey: string, action: ObjectAction): Promise<{ o: ObjectMeta; acc: ObjectAccess }> {
    const o = await this.meta.object(objectKey);
    const acc = await this.access.forObject(p, objectKey);
    if (!acc.can(action)) throw new AppError(403, 'records.forbidden_action', { object: objectKey, action });
    return { o, acc };
  }

  /** One record as the caller may see it (404 outside their scope); a clear sensitive value is audited. */
  async get(objectKey: string, id: string, p: Principal | null): Promise<RecordData> {
    const { o, acc } = await this.accessFor(p, objectKey, 'read');
    const params: unknown[] = [id];
    const scope = this.scopeSql(o, acc, 'read', p, params);
    const row = await this.db.one(`SELECT * FROM ${tableOf(o.key)} t WHERE t.id = $1::uuid AND t.deleted_at IS NULL AND ${scope}`, params);
    if (!row) throw new AppError(404, 'records.not_found');
    const { view, unmaskedSensitive } = this.view(o, acc, row);
    if (unmaskedSensitive.length && p) {
      await this.audit.record({ action: 'record.read_unmasked', object: o.key, recordId: id, data: { fields: unmaskedSensitive } });
    }
    return view;
  }

  /** A filtered, sorted page (keyset cursor) as the caller may see it; clear sensitive values are audited. */
  async query(objectKey: string, q: QueryInput, p: Principal | null): Promise<Page> {
    const { o, acc } = await this.accessFor(p, objectKey, 'read');
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new AppError(400, 'common.validation_failed', {}, [{ path: '/limit', code: 'range', message: `limit is 1..${MAX_LIMIT}` }]);
    }
    const columns = this.columns(o, acc);
    const params: unknown[] = [];
    const units = await this.orgTree.sets();
    const where = ['t.deleted_at IS NULL', this.scopeSql(o, acc, 'read', p, params, units)];
    if (q.filter !== undefined && q.filter !== null) {
      const paths = await this.pathColumns(o, acc, p, q.filter, params);
      where.push(`(${compileFilter(q.filter, { columns: paths.size ? new Map([...columns, ...paths]) : columns, params, orgUnits: units })})`);
    }
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
    // The total rides on the page as a column: an uncorrelated subquery PostgreSQL runs once, so a
    // page and its total are one statement (one round trip). It counts the filter without the cursor.
    // Counting stops at the cap + 1 rows (a bounded cost on a huge table): past it the page says `totalCapped`.
    const cap = this.config.listTotalCap;
    const countSql = `SELECT count(*) FROM (SELECT 1 FROM ${tableOf(o.key)} t WHERE ${baseWhere.join(' AND ')} LIMIT ${cap + 1}) capped`;
    const totalSql = q.total ? `, (${countSql}) AS ${TOTAL_COLUMN}` : '';
    const rows = await this.db.query(
      `SELECT t.*${totalSql} FROM ${tableOf(o.key)} t WHERE ${where.join(' AND ')} ORDER BY ${orderBy(sort, 't.id')} LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const unmaskedIds: string[] = [];
    const unmaskedFields = new Set<string>();
    const items = page.map((row) => {
      const { view, unmaskedSensitive } = this.view(o, acc, row, fields);
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
    const out: Page = { items, nextCursor };
    if (q.total) {
      let total: number;
      if (rows.length) total = Number(rows[0]![TOTAL_COLUMN]);
      // No row and no cursor: the filter matches nothing. Past the last row of a cursor, ask apart.
      else if (!q.cursor) total = 0;
      else {
        const r = await this.db.one<{ n: string }>(`SELECT (${countSql})::text AS n`, baseParams);
        total = Number(r?.n ?? 0);
      }
      // Past the bound, a filter said by org unit and owner alone (a report cell's) is counted exactly from the rollup.
      const exact = total > cap ? await this.rollupCount(o, acc, p, q.filter, units) : null;
      if (exact !== null) out.total = exact;
      else {
        out.total = Math.min(total, cap);
        if (total > cap) out.totalCapped = true;
      }
    }
    if (unmaskedIds.length && p) {
      await this.audit.record({ action: 'record.read_unmasked', object: o.key, data: { ids: unmaskedIds, fields: [...unmaskedFields] } });
    }
    return out;
  }

  /**
   * The exact number of live rows a filter keeps, read from the object's report rollup (one row per org
   * unit × owner, kept exact by triggers in the writing transaction): when the rollup is in place, the
   * filter names only `org_unit_id` and `owner_id` and the caller's row scope is said by them too, so
   * every condition holds or fails alike for all the rows a rollup row counts. Null otherwise.
   */
  private async rollupCount(o: ObjectMeta, acc: ObjectAccess, p: Principal | null, filter: unknown, units: OrgUnitSets | null): Promise<number | null> {
    const keys = filter === undefined || filter === null ? new Set<string>() : filterFieldKeys(filter);
    if ([...keys].some((k) => !ROLLUP_GRAIN.includes(k))) return null;
    const rollup = await rollupInPlace((text, params) => this.db.query(text, params), o.key);
    if (!rollup) return null;
    const params: unknown[] = [];
    const source = await this.rollupSource(o.key, `report_rollup_${rollup.id}`, p ?? systemRead('records total from the report rollup'), params, 'r');
    if (!source) return null;
    const all = this.columns(o, acc, 'r');
    const columns = new Map(ROLLUP_GRAIN.map((k) => [k, all.get(k)!]));
    const where = keys.size ? compileFilter(filter, { columns, params, orgUnits: units }) : 'TRUE';
    const row = await this.db.one<{ n: string }>(`SELECT coalesce(sum(r.n), 0)::text AS n FROM ${source.sql} WHERE ${where}`, params);
    return Number(row?.n ?? 0);
  }

  /** Checks that a filter compiles for the caller on an object (relation paths included), without reading anything: 400 otherwise. */
  async checkFilter(objectKey: string, filter: unknown, p: Principal): Promise<void> {
    const { o, acc } = await this.accessFor(p, objectKey, 'read');
    const params: unknown[] = [];
    const paths = await this.pathColumns(o, acc, p, filter, params);
    compileFilter(filter, { columns: new Map([...this.columns(o, acc), ...paths]), params });
  }

  /** Whether `id` is a live record of `objectKey` that `p` may read (no such object, bad id: false). */
  async mayRead(p: Principal, objectKey: string, id: unknown): Promise<boolean> {
    if (typeof id !== 'string' || !UUID.test(id)) return false;
    const o = (await this.meta.current()).objects.get(objectKey);
    if (!o) return false;
    return (await this.readableRecords([{ target: objectKey, id }], p)).size === 1;
  }

  /**
   * The titles of records as the caller may see them (`object:id` → title): a record they may not
   * read (no read action, outside the row scope, deleted, no such object) is absent from the answer;
   * a readable one without a title field, or whose title field is hidden from them, maps to null.
   * One statement per target object; a clear sensitive title is audited like any unmasked read.
   */
  async titles(wanted: { object: string; id: string }[], p: Principal): Promise<Map<string, string | null>> {
    const byObject = new Map<string, Set<string>>();
    for (const w of wanted) if (UUID.test(w.id)) byObject.set(w.object, (byObject.get(w.object) ?? new Set()).add(w.id.toLowerCase()));
    const objects = (await this.meta.current()).objects;
    const out = new Map<string, string | null>();
    for (const [key, ids] of byObject) {
      const o = objects.get(key);
      if (!o) continue;
      const acc = await this.access.forObject(p, key);
      if (!acc.can('read')) continue;
      const params: unknown[] = [[...ids]];
      const scope = this.scopeSql(o, acc, 'read', p, params);
      const titleField = o.titleField ? o.byKey.get(o.titleField) : undefined;
      const rows = await this.db.query(
        `SELECT t.id${titleField ? `, t.${quoteIdent(titleField.key)}` : ''} FROM ${tableOf(o.key)} t WHERE t.id = ANY($1::uuid[]) AND t.deleted_at IS NULL AND ${scope} LIMIT ${ids.size}`,
        params,
      );
      const unmasked: string[] = [];
      for (const row of rows) {
        let title: string | null = null;
        if (titleField) {
          const { view, unmaskedSensitive } = this.view(o, acc, row, [titleField]);
          const v = view[titleField.key];
          title = v === null || v === undefined || v === '' ? null : String(v);
          if (unmaskedSensitive.length) unmasked.push(String(row.id));
        }
        out.set(`${key}:${String(row.id)}`, title);
      }
      if (unmasked.length && titleField) {
        await this.audit.record({ action: 'record.read_unmasked', object: o.key, data: { ids: unmasked, fields: [titleField.key] } });
      }
    }
    return out;
  }

  // ---------- reads for the server's own decisions ----------

  /**
   * The stored record (decrypted, every field) for a decision of the server — never to be returned
   * as is. For a person, only a live row within their scope of `action`; for the platform, any live
   * row. `forUpdate` locks it in the ambient transaction (a writer about to change it).
   */
  async stored(objectKey: string, id: string, who: Principal | SystemRead, opts: { action?: ObjectAction; forUpdate?: boolean } = {}): Promise<Record<string, unknown> | null> {
    if (!UUID.test(id)) return null;
    const params: unknown[] = [id];
    const { o, where } = await this.liveScope(objectKey, who, opts.action ?? 'read', params);
    const row = await this.db.one(`SELECT * FROM ${tableOf(o.key)} t WHERE t.id = $1::uuid AND ${where}${opts.forUpdate ? ' FOR UPDATE' : ''}`, params);
    return row ? decodeRow(o.fields, row, this.crypto) : null;
  }

  /** Ids (`object:id`) among `wanted` that the principal may read — one statement for every target object. */
  async readableRecords(wanted: { target: string; id: string }[], p: Principal): Promise<Set<string>> {
    const byTarget = new Map<string, Set<string>>();
    for (const w of wanted) if (UUID.test(w.id)) byTarget.set(w.target, (byTarget.get(w.target) ?? new Set()).add(w.id.toLowerCase()));
    const objects = (await this.meta.current()).objects;
    const params: unknown[] = [];
    const parts: string[] = [];
    for (const [target, ids] of byTarget) {
      const o = objects.get(target);
      if (!o) continue;
      const acc = await this.access.forObject(p, target);
      if (!acc.can('read')) continue;
      params.push(target, [...ids]);
      const [objParam, idsParam] = [params.length - 1, params.length];
      const scope = this.scopeSql(o, acc, 'read', p, params);
      parts.push(`SELECT $${objParam}::text AS o, t.id::text AS id FROM ${tableOf(o.key)} t WHERE t.id = ANY($${idsParam}::uuid[]) AND t.deleted_at IS NULL AND ${scope}`);
    }
    if (!parts.length) return new Set();
    const rows = await this.db.query<{ o: string; id: string }>(parts.join(' UNION ALL '), params);
    return new Set(rows.map((r) => `${r.o}:${r.id}`));
  }

  /**
   * Files among `ids` the principal may read. `claim` (a write putting the file into a record): their
   * own upload that no live record holds, or a file a record they may read holds. `download`: their
   * own upload, or a file a record they may read holds. One statement over every attachment field.
   */
  async readableFiles(ids: string[], p: Principal, purpose: 'claim' | 'download'): Promise<Set<string>> {
    const wanted = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
    if (!wanted.length) return new Set();
    const params: unknown[] = [wanted, p.id];
    const held: string[] = [];
    const readable: string[] = [];
    for (const o of (await this.meta.current()).objects.values()) {
      const attach = attachmentFields(o);
      if (!attach.length) continue;
      const holds = (fs: FieldDef[]) => fs.map((f) => `f.id = ANY(t.${quoteIdent(f.key)})`).join(' OR ');
      held.push(`EXISTS (SELECT 1 FROM ${tableOf(o.key)} t WHERE t.deleted_at IS NULL AND (${holds(attach)}))`);
      const acc = await this.access.forObject(p, o.key);
      if (!acc.can('read')) continue;
      // A field seen masked shows no file id: holding the file there does not make it readable.
      const seen = attach.filter((f) => ['read', 'write'].includes(acc.fieldMode(f.key)));
      if (!seen.length) continue;
      const scope = this.scopeSql(o, acc, 'read', p, params);
      readable.push(`EXISTS (SELECT 1 FROM ${tableOf(o.key)} t WHERE t.deleted_at IS NULL AND (${holds(seen)}) AND ${scope})`);
    }
    const own = purpose === 'claim' && held.length ? `(f.created_by = $2::uuid AND NOT (${held.join(' OR ')}))` : 'f.created_by = $2::uuid';
    const rows = await this.db.query<{ id: string }>(
      `SELECT f.id::text AS id FROM crm.files f WHERE f.id = ANY($1::uuid[]) AND (${[own, ...readable].join(' OR ')})`,
      params,
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Whether an object's table holds any row at all, deleted ones included. */
  hasAnyRow(objectKey: string, why: SystemRead): Promise<boolean> {
    return hasAnyRow(this.db.q, why, objectKey);
  }
}
