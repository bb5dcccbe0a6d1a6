/**
 * Saved list views, personal or shared with roles. A caller lists their own views and those shared
 * with one of their roles; only the owner (or a holder of `designer`) changes or deletes one. A view is
 * checked against what its author may see: the object readable, the filter and sort on fields they may
 * filter on (the scoped reader runs it once, limit 1), the columns readable, the kanban field a select
 * field and the calendar field a date. A shared view's filter is run as each viewer: it never widens
 * anyone's rows.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { MAX_VIEWS_PER_USER, type SavedView, type ViewBody, type ViewPatchBody } from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { viewProblem } from './views.messages.js';

type ViewInput = z.infer<typeof ViewBody>;
type ViewChange = z.infer<typeof ViewPatchBody>;
interface Definition { filter: Record<string, unknown>; sort: string | null; columns: string[]; type: SavedView['type']; field: string | null }
interface ViewRow { id: string; object_key: string; name: string; owner_id: string; roles: string[]; definition: Definition; version: number; updated_at: Date }

const SYSTEM_COLUMNS = new Set(['id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'version']);
const DATE_SYSTEM_COLUMNS = new Set(['created_at', 'updated_at']);

@Injectable()
export class ViewsService {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly reader: ScopedReader,
  ) {}

  private async isDesigner(p: Principal): Promise<boolean> {
    return (await this.access.platformRights(p.roles)).has('designer');
  }

  private answer(row: ViewRow, p: Principal, designer: boolean): SavedView {
    const d = row.definition;
    return {
      id: row.id, object: row.object_key, name: row.name, filter: d.filter ?? {}, sort: d.sort ?? null, columns: d.columns ?? [], type: d.type ?? 'list',
      field: d.field ?? null, roles: row.roles, mine: row.owner_id === p.id, editable: row.owner_id === p.id || designer, version: row.version, updatedAt: row.updated_at.toISOString(),
    };
  }

  /** The caller's own views and those shared with one of their roles (of one object when given). */
  async list(p: Principal, object?: string): Promise<SavedView[]> {
    const rows = await this.db.query<ViewRow>(
      `SELECT * FROM crm.saved_views WHERE (owner_id = $1::uuid OR roles && $2::text[]) AND ($3::text IS NULL OR object_key = $3)
       ORDER BY object_key, name, id LIMIT 1000`,
      [p.id, p.roles, object ?? null],
    );
    const designer = await this.isDesigner(p);
    return rows.map((r) => this.answer(r, p, designer));
  }

  /** A view the caller may see (404 otherwise: another user's personal view does not exist for them). */
  private async visible(id: string, p: Principal, forUpdate = false): Promise<ViewRow> {
    const row = await this.db.one<ViewRow>(`SELECT * FROM crm.saved_views WHERE id = $1::uuid${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    if (!row || (row.owner_id !== p.id && !row.roles.some((r) => p.roles.includes(r)) && !(await this.isDesigner(p)))) throw new AppError(404, 'views.not_found');
    return row;
  }

  private async mayEdit(row: ViewRow, p: Principal): Promise<void> {
    if (row.owner_id !== p.id && !(await this.isDesigner(p))) throw new AppError(403, 'views.not_owner');
  }

  /** Checks a definition against what `p` may see of `objectKey`; answers it normalised. */
  private async check(objectKey: string, d: Definition, roles: string[], p: Principal): Promise<void> {
    const o = await this.meta.object(objectKey).catch(() => null);
    const acc = o ? await this.access.forObject(p, objectKey) : null;
    if (!o || !acc || !acc.can('read')) throw viewProblem('/object', 'unknown_object', { 'zh-CN': `对象不存在或无权查看：${objectKey}`, en: `no such object, or not readable: ${objectKey}` });
    const readable = (k: string) => SYSTEM_COLUMNS.has(k) || (o.byKey.has(k) && acc.fieldMode(k) !== 'none');
    const badColumns = d.columns.filter((k) => !readable(k));
    if (badColumns.length) throw viewProblem('/columns', 'unknown_field', { 'zh-CN': `字段不存在或无权查看：${badColumns.join(', ')}`, en: `unknown or unreadable fields: ${badColumns.join(', ')}` });
    if (d.type !== 'list') {
      const f = d.field ? o.byKey.get(d.field) : undefined;
      const fits = d.type === 'kanban'
        ? f?.type === 'select'
        : (f?.type === 'date' || f?.type === 'datetime' || (!!d.field && DATE_SYSTEM_COLUMNS.has(d.field)));
      if (!d.field || !(fits && readable(d.field))) {
        throw viewProblem('/field', 'invalid_field', d.type === 'kanban'
          ? { 'zh-CN': '看板视图需要一个可查看的单选字段', en: 'a kanban view needs a readable select field' }
          : { 'zh-CN': '日历视图需要一个可查看的日期字段', en: 'a calendar view needs a readable date field' });
      }
    }
    // The filter and sort as the scoped reader takes them: unknown fields, fields the caller may not
    // filter on and malformed operators answer its 400.
    await this.reader.query(objectKey, { filter: Object.keys(d.filter).length ? d.filter : undefined, sort: d.sort ?? undefined, limit: 1, fields: ['id'] }, p);
    if (roles.length) {
      const found = new Set((await this.db.query<{ key: string }>(`SELECT key FROM crm.roles WHERE key = ANY($1::text[])`, [roles])).map((r) => r.key));
      const missing = roles.filter((r) => !found.has(r));
      if (missing.length) throw viewProblem('/roles', 'unknown_role', { 'zh-CN': `角色不存在：${missing.join(', ')}`, en: `no such roles: ${missing.join(', ')}` });
    }
  }

  async create(input: ViewInput, p: Principal): Promise<SavedView> {
    const d: Definition = { filter: input.filter, sort: input.sort ?? null, columns: input.columns, type: input.type, field: input.field ?? null };
    const roles = [...new Set(input.roles)];
    await this.check(input.object, d, roles, p);
    const id = randomUUID();
    await this.db.tx(async (c) => {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM crm.saved_views WHERE owner_id = $1::uuid`, [p.id]);
      if (Number(rows[0]?.n ?? 0) >= MAX_VIEWS_PER_USER) throw new AppError(400, 'views.too_many', { max: MAX_VIEWS_PER_USER });
      await c.query(
        `INSERT INTO crm.saved_views (id, object_key, name, owner_id, roles, definition) VALUES ($1::uuid, $2, $3, $4::uuid, $5::text[], $6::jsonb)`,
        [id, input.object, input.name, p.id, roles, JSON.stringify(d)],
      );
      await this.audit.record({ action: 'view.create', object: input.object, recordId: id, data: { name: input.name, roles } }, c);
    });
    return this.answer((await this.visible(id, p)), p, await this.isDesigner(p));
  }

  async update(id: string, change: ViewChange, p: Principal): Promise<SavedView> {
    await this.db.tx(async (c) => {
      const row = await this.visible(id, p, true);
      await this.mayEdit(row, p);
      const prev = row.definition;
      const d: Definition = {
        filter: change.filter ?? prev.filter ?? {},
        sort: change.sort === undefined ? (prev.sort ?? null) : change.sort,
        columns: change.columns ?? prev.columns ?? [],
        type: change.type ?? prev.type ?? 'list',
        field: change.field === undefined ? (prev.field ?? null) : change.field,
      };
      const roles = change.roles ? [...new Set(change.roles)] : row.roles;
      await this.check(row.object_key, d, roles, p);
      await c.query(
        `UPDATE crm.saved_views SET name = $2, roles = $3::text[], definition = $4::jsonb, version = version + 1, updated_at = now() WHERE id = $1::uuid`,
        [id, change.name ?? row.name, roles, JSON.stringify(d)],
      );
      await this.audit.record({ action: 'view.update', object: row.object_key, recordId: id, data: { name: change.name ?? row.name, roles } }, c);
    });
    return this.answer(await this.visible(id, p), p, await this.isDesigner(p));
  }

  async remove(id: string, p: Principal): Promise<void> {
    await this.db.tx(async (c) => {
      const row = await this.visible(id, p, true);
      await this.mayEdit(row, p);
      await c.query(`DELETE FROM crm.saved_views WHERE id = $1::uuid`, [id]);
      await this.audit.record({ action: 'view.delete', object: row.object_key, recordId: id, data: { name: row.name } }, c);
    });
  }
}
