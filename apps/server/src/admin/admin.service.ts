/**
 * Users, roles and the org tree. Separation of duties: user administrators assign roles, security
 * administrators define what roles may do; every change is audited in its own transaction.
 */
import { Injectable } from '@nestjs/common';
import type { AdminUser, Items, OrgUnit, PasswordResetResult, Role, Unserialized, UserPatch } from '@crm/shared';
import type { PoolClient } from 'pg';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import { AuditService } from '../audit/audit.service.js';
import { hashPassword } from '../auth/password.js';
import { assertNoDuty, assertOneDuty, dutiesOf, GUARDED_DUTIES } from './duties.js';
import { temporaryPassword } from '../auth/temporary-password.js';
import { replacePassword } from '../auth/credentials.js';
import { ApprovalsRepository, type Approval } from './approvals.repository.js';
import { AccessService } from '../access/access.service.js';
import { UserCache } from '../auth/user-cache.js';
import type { Permission } from '../access/permission.types.js';
import { RecordsService } from '../records/records.service.js';
import { compileFilter } from '../records/filter-compiler.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { MetadataService } from '../metadata/metadata.service.js';

registerMessages({
  'admin.user_exists': { 'zh-CN': '用户名已存在：{username}', en: 'The user name is taken: {username}' },
  'admin.user_not_found': { 'zh-CN': '用户不存在', en: 'No such user' },
  'admin.role_exists': { 'zh-CN': '角色已存在：{role}', en: 'The role already exists: {role}' },
  'admin.role_not_found': { 'zh-CN': '角色不存在：{role}', en: 'No such role: {role}' },
  'admin.unknown_roles': { 'zh-CN': '角色不存在：{roles}', en: 'No such roles: {roles}' },
  'admin.org_not_found': { 'zh-CN': '机构不存在', en: 'No such org unit' },
  'admin.org_cycle': { 'zh-CN': '机构不能移动到自己的下级', en: 'An org unit cannot move under itself' },
  'admin.weak_password': { 'zh-CN': '密码至少 8 位，且包含大写字母、小写字母、数字和符号', en: 'A password needs 8+ characters with upper and lower case, a digit and a symbol' },
  'admin.unknown_object': { 'zh-CN': '权限引用了不存在的对象：{object}', en: 'A permission names an unknown object: {object}' },
  'admin.duty_conflict': { 'zh-CN': '职责分离：同一用户或角色不能同时具有{duties}职责', en: 'Separation of duties: one user or role cannot combine {duties}' },
  'admin.self_change': { 'zh-CN': '不能修改自己的角色或停用自己', en: 'You cannot change your own roles or disable yourself' },
  'admin.invalid_scope': { 'zh-CN': '对象 {object} 的行范围条件无效', en: 'The row scope filter for {object} is not valid' },
  'admin.service_account_duty': { 'zh-CN': '技术账号不能具有{duties}职责', en: 'A service account cannot hold the duty of {duties}' },
  'admin.service_account_no_password': { 'zh-CN': '技术账号没有密码，不能登录；请为其创建 API 密钥', en: 'A service account has no password and cannot sign in; give it an API key' },
  'admin.password_not_patchable': { 'zh-CN': '不能直接设置他人的密码，请使用“重置密码”', en: 'Another person\'s password cannot be set; use the password reset' },
  'admin.duty_grant_on_create': {
    'zh-CN': '授予授权管理、审计职责或明文查看敏感数据的角色需另一职责人员复核：请先创建用户，再为其申请该角色',
    en: 'Granting the authorisation or audit duty, or clear reading of sensitive data, needs a second approver: create the user first, then request the role',
  },
});

/** `%text%` for ILIKE, with the pattern characters of the text taken literally. */
const likeAny = (text: string) => `%${text.replace(/[\\%_]/g, (m) => '\\' + m)}%`;

const USER_COLUMNS = `u.id, u.username, u.display_name AS "displayName", u.org_unit_id AS "orgUnitId", u.roles, u.disabled,
  u.service_account AS "serviceAccount", u.password_change_required AS "changeOnNextLogin",
  u.last_login_at AS "lastLoginAt", u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

export type { UserPatch };
type User = Unserialized<AdminUser>;

@Injectable()
export class AdminService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly records: RecordsService,
    private readonly meta: MetadataService,
    private readonly userCache: UserCache,
    private readonly approvals: ApprovalsRepository,
    private readonly feed: ChangeFeed,
  ) {}

  // ---------- users ----------

  async users(q: { search?: string; limit: number; offset: number }): Promise<Items<User>> {
    const params: unknown[] = [];
    let where = '';
    if (q.search) {
      params.push(likeAny(q.search));
      where = `WHERE u.username ILIKE $1 OR u.display_name ILIKE $1`;
    }
    params.push(q.limit, q.offset);
    const items = await this.db.query<User>(`SELECT ${USER_COLUMNS} FROM crm.users u ${where} ORDER BY u.username LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
    return { items };
  }

  /** Active people (no service account) by name or username, for pickers. */
  async directory(q: { search?: string; limit: number }): Promise<Items<{ id: string; username: string; displayName: string | null }>> {
    const params: unknown[] = [q.limit];
    let where = 'NOT u.disabled AND NOT u.service_account';
    if (q.search) {
      params.push(likeAny(q.search));
      where += ' AND (u.username ILIKE $2 OR u.display_name ILIKE $2)';
    }
    const items = await this.db.query<{ id: string; username: string; displayName: string | null }>(
      `SELECT u.id::text AS id, u.username, u.display_name AS "displayName" FROM crm.users u WHERE ${where} ORDER BY u.username LIMIT $1`, params);
    return { items };
  }

  private async assertRoles(c: PoolClient, roles: string[]): Promise<void> {
    const found = await c.query<{ key: string }>('SELECT key FROM crm.roles WHERE key = ANY($1)', [roles]);
    const missing = roles.filter((r) => !found.rows.some((f) => f.key === r));
    if (missing.length) throw new AppError(400, 'admin.unknown_roles', { roles: missing.join(', ') });
  }

  /** The rights of a set of roles (with one role's rights replaced, for a pending change) must stay within one duty. */
  private async assertSeparated(c: PoolClient, roles: string[], replace?: { key: string; platform: string[] }): Promise<void> {
    const { rows } = await c.query<{ key: string; platform: string[] }>('SELECT key, platform FROM crm.roles WHERE key = ANY($1)', [roles]);
    assertOneDuty(rows.flatMap((r) => (replace && r.key === replace.key ? replace.platform : r.platform)));
  }

  private async assertOrg(c: PoolClient, id: string | null | undefined): Promise<void> {
    if (!id) return;
    const found = await c.query('SELECT 1 FROM crm.org_units WHERE id = $1', [id]);
    if (!found.rowCount) throw new AppError(400, 'admin.org_not_found');
  }

  /** The platform rights a set of roles grants (read in the caller's transaction). */
  private async rightsOf(c: PoolClient, roles: string[]): Promise<string[]> {
    const { rows } = await c.query<{ platform: string[] }>('SELECT platform FROM crm.roles WHERE key = ANY($1)', [roles]);
    return rows.flatMap((r) => r.platform);
  }

  /**
   * What a set of roles gives that no user administrator hands out alone: the authorisation or audit
   * duty, or reading sensitive fields in clear (`unmask`) — the ways to reach permissions, the trail
   * or clear personal data through an account the administrator controls.
   */
  private async guardedBy(c: PoolClient, roles: string[]): Promise<Set<string>> {
    const { rows } = await c.query<{ platform: string[]; unmask: boolean }>(
      `SELECT platform, permissions @> '[{"unmask": true}]'::jsonb AS unmask FROM crm.roles WHERE key = ANY($1)`, [roles]);
    const out = new Set<string>([...dutiesOf(rows.flatMap((r) => r.platform))].filter((d) => GUARDED_DUTIES.includes(d)));
    if (rows.some((r) => r.unmask)) out.add('unmask');
    return out;
  }

  /** Whether giving `roles` to a user who holds `current` needs a second approver. */
  private async grantNeedsApproval(c: PoolClient, roles: string[], current: string[]): Promise<boolean> {
    const added = roles.filter((r) => !current.includes(r));
    if (!added.length) return false;
    const held = await this.guardedBy(c, current);
    const gained = await this.guardedBy(c, added);
    return [...gained].some((g) => g === 'unmask' || !held.has(g));
  }

  async createUser(input: { username: string; password?: string; serviceAccount?: boolean; displayName?: string; roles: string[]; orgUnitId?: string | null }): Promise<User> {
    return this.db.tx(async (c) => {
      await this.assertRoles(c, input.roles);
      await this.assertSeparated(c, input.roles);
      if (input.serviceAccount) assertNoDuty(await this.rightsOf(c, input.roles));
      // Nobody is created straight into the authorisation or audit duty: that grant needs a second person.
      if (await this.grantNeedsApproval(c, input.roles, [])) throw new AppError(403, 'admin.duty_grant_on_create');
      await this.assertOrg(c, input.orgUnitId);
      const exists = await c.query('SELECT 1 FROM crm.users WHERE lower(username) = lower($1)', [input.username]);
      if (exists.rowCount) throw new AppError(409, 'admin.user_exists', { username: input.username });
      // A service account has no usable password: '!' is no argon2 hash, so no password ever verifies.
      const hash = input.serviceAccount ? '!' : await hashPassword(input.password ?? '');
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO crm.users (username, display_name, password_hash, org_unit_id, roles, service_account) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [input.username, input.displayName ?? null, hash, input.orgUnitId ?? null, input.roles, !!input.serviceAccount],
      );
      await this.audit.record({ action: 'admin.user.create', object: 'user', recordId: rows[0].id, data: { username: input.username, roles: input.roles, orgUnitId: input.orgUnitId ?? null, serviceAccount: !!input.serviceAccount } }, c);
      return (await c.query<User>(`SELECT ${USER_COLUMNS} FROM crm.users u WHERE u.id = $1`, [rows[0].id])).rows[0]!;
    });
  }

  /**
   * Changes a user. A change that would give the user the authorisation or audit duty, or clear reading
   * of sensitive data, is not applied: it becomes a pending request that a second person of another
   * duty approves.
   */
  async updateUser(id: string, patch: UserPatch, actorId: string): Promise<{ user: User } | { pending: Approval }> {
    // Administrators do not administer themselves: no self-granted roles, no locking oneself out.
    if (actorId === id && (patch.roles !== undefined || patch.disabled !== undefined)) throw new AppError(403, 'admin.self_change');
    // Every process hears of the change through crm_user_changed; this one forgets at once, too.
    const result = await this.db.tx(async (c) => {
      const current = await c.query<{ roles: string[]; service_account: boolean }>('SELECT roles, service_account FROM crm.users WHERE id = $1 FOR UPDATE', [id]);
      if (!current.rowCount) throw new AppError(404, 'admin.user_not_found');
      if (patch.roles) {
        await this.assertRoles(c, patch.roles);
        await this.assertSeparated(c, patch.roles);
        if (current.rows[0].service_account) assertNoDuty(await this.rightsOf(c, patch.roles));
        if (await this.grantNeedsApproval(c, patch.roles, current.rows[0].roles)) return { pending: await this.approvals.request(c, 'role_grant', id, actorId, { ...patch }) };
      }
      return { user: await this.applyUserPatch(c, id, patch) };
    });
    this.userCache.forget(id);
    return result;
  }

  /** Applies a checked change in the caller's transaction (also the approval of a pending grant). */
  async applyUserPatch(c: PoolClient, id: string, patch: UserPatch): Promise<User> {
    const before = await c.query<{ serviceAccount: boolean }>(`SELECT ${USER_COLUMNS} FROM crm.users u WHERE u.id = $1 FOR UPDATE`, [id]);
    if (!before.rowCount) throw new AppError(404, 'admin.user_not_found');
    if (patch.roles) {
      await this.assertRoles(c, patch.roles);
      await this.assertSeparated(c, patch.roles);
      if (before.rows[0].serviceAccount) assertNoDuty(await this.rightsOf(c, patch.roles));
    }
    if (patch.orgUnitId !== undefined) await this.assertOrg(c, patch.orgUnitId);
    await c.query(
      `UPDATE crm.users SET
         roles = COALESCE($2, roles),
         org_unit_id = CASE WHEN $3::boolean THEN $4::uuid ELSE org_unit_id END,
         disabled = COALESCE($5, disabled),
         display_name = COALESCE($6, display_name),
         updated_at = now()
       WHERE id = $1`,
      [id, patch.roles ?? null, patch.orgUnitId !== undefined, patch.orgUnitId ?? null, patch.disabled ?? null, patch.displayName ?? null],
    );
    const after = (await c.query<User>(`SELECT ${USER_COLUMNS} FROM crm.users u WHERE u.id = $1`, [id])).rows[0]!;
    await this.audit.record({ action: 'admin.user.update', object: 'user', recordId: id, data: { before: before.rows[0], change: patch } }, c);
    return after;
  }

  /**
   * An administrator's password reset: a one-time temporary password, shown once, that must be changed
   * at the next sign-in; every token and API key of the user stops at once. Resetting a holder of the
   * authorisation or audit duty or of clear reading (`unmask`) only files a request that a second person
   * of another duty approves.
   */
  async resetPassword(id: string, actorId: string): Promise<PasswordResetResult | { pending: Approval }> {
    if (id === actorId) throw new AppError(403, 'admin.self_change');
    const result = await this.db.tx(async (c) => {
      const target = await c.query<{ roles: string[]; service_account: boolean }>('SELECT roles, service_account FROM crm.users WHERE id = $1 FOR UPDATE', [id]);
      if (!target.rowCount) throw new AppError(404, 'admin.user_not_found');
      if (target.rows[0].service_account) throw new AppError(400, 'admin.service_account_no_password');
      if ((await this.guardedBy(c, target.rows[0].roles)).size) return { pending: await this.approvals.request(c, 'password_reset', id, actorId, {}) };
      return this.resetNow(c, id);
    });
    this.userCache.forget(id);
    return result;
  }

  /** Sets a fresh temporary password in the caller's transaction (also the approval of a pending reset). */
  async resetNow(c: PoolClient, id: string): Promise<PasswordResetResult> {
    const temp = temporaryPassword();
    const done = await replacePassword(c, id, temp, true);
    await c.query('DELETE FROM crm.login_attempts WHERE username = (SELECT lower(username) FROM crm.users WHERE id = $1)', [id]);
    await this.audit.record({ action: 'admin.user.password_reset', object: 'user', recordId: id, data: { revokedApiKeys: done.revokedKeys } }, c);
    return { userId: id, temporaryPassword: temp, revokedApiKeys: done.revokedKeys };
  }

  // ---------- roles ----------

  async roles(): Promise<Items<Unserialized<Role>>> {
    const items = await this.db.query<Unserialized<Role>>(`SELECT key, name, description, permissions, platform, builtin, updated_at AS "updatedAt" FROM crm.roles ORDER BY key`);
    return { items };
  }

  async role(key: string): Promise<Unserialized<Role>> {
    const row = await this.db.one<Unserialized<Role>>(`SELECT key, name, description, permissions, platform, builtin, updated_at AS "updatedAt" FROM crm.roles WHERE key = $1`, [key]);
    if (!row) throw new AppError(404, 'admin.role_not_found', { role: key });
    return row;
  }

  private async assertObjects(c: PoolClient, perms: Permission[]): Promise<void> {
    for (const [i, p] of perms.entries()) {
      if (p.object !== '*') {
        const found = await c.query('SELECT 1 FROM crm.objects WHERE key = $1', [p.object]);
        if (!found.rowCount) throw new AppError(400, 'admin.unknown_object', { object: p.object });
      }
      if (typeof p.scope === 'object') await this.assertScopeFilter(p.object, p.scope.filter, `/permissions/${i}/scope/filter`);
    }
  }

  /**
   * A row scope filter is compiled once when granted, against the object's columns (only the system
   * columns for "*") with placeholder user variables, so a bad one is refused here rather than breaking
   * every later read of the role's users.
   */
  private async assertScopeFilter(object: string, filter: unknown, at: string): Promise<void> {
    const o: ObjectMeta = object === '*' ? ({ key: '*', fields: [] } as unknown as ObjectMeta) : await this.meta.object(object);
    const zero = '00000000-0000-0000-0000-000000000000';
    try {
      compileFilter(filter, { columns: this.records.columns(o, null), params: [], userVars: { id: zero, orgUnitId: zero, username: 'user' } });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      const details = typeof err.details === 'function' ? err.details('en') : (err.details ?? []);
      throw new AppError(400, 'admin.invalid_scope', { object }, details.map((d) => ({ ...d, path: at + (d.path ?? '') })));
    }
  }

  async createRole(input: { key: string; name: string; description?: string; permissions: Permission[]; platform?: string[] }) {
    await this.db.tx(async (c) => {
      const exists = await c.query('SELECT 1 FROM crm.roles WHERE key = $1', [input.key]);
      if (exists.rowCount) throw new AppError(409, 'admin.role_exists', { role: input.key });
      await this.assertObjects(c, input.permissions);
      assertOneDuty(input.platform ?? []);
      await c.query(`INSERT INTO crm.roles (key, name, description, permissions, platform) VALUES ($1, $2, $3, $4, $5)`,
        [input.key, input.name, input.description ?? null, JSON.stringify(input.permissions), input.platform ?? []]);
      await this.audit.record({ action: 'admin.role.create', object: 'role', recordId: input.key, data: { permissions: input.permissions, platform: input.platform ?? [] } }, c);
    });
    this.access.clearCache();
    return this.role(input.key);
  }

  async updateRole(key: string, patch: { name?: string; description?: string; permissions?: Permission[]; platform?: string[] }) {
    await this.db.tx(async (c) => {
      const before = await c.query('SELECT name, permissions, platform FROM crm.roles WHERE key = $1 FOR UPDATE', [key]);
      if (!before.rowCount) throw new AppError(404, 'admin.role_not_found', { role: key });
      if (patch.permissions) await this.assertObjects(c, patch.permissions);
      if (patch.platform) {
        assertOneDuty(patch.platform);
        // Nor may the change give a user holding this role two duties through their other roles.
        const holders = await c.query<{ roles: string[] }>('SELECT DISTINCT roles FROM crm.users WHERE $1 = ANY(roles) AND NOT disabled', [key]);
        for (const h of holders.rows) await this.assertSeparated(c, h.roles, { key, platform: patch.platform });
        const services = await c.query('SELECT 1 FROM crm.users WHERE $1 = ANY(roles) AND service_account LIMIT 1', [key]);
        if (services.rowCount) assertNoDuty(patch.platform);
      }
      await c.query(
        `UPDATE crm.roles SET name = COALESCE($2, name), description = COALESCE($3, description),
           permissions = COALESCE($4, permissions), platform = COALESCE($5, platform), updated_at = now() WHERE key = $1`,
        [key, patch.name ?? null, patch.description ?? null, patch.permissions ? JSON.stringify(patch.permissions) : null, patch.platform ?? null],
      );
      await this.audit.record({ action: 'admin.role.update', object: 'role', recordId: key, data: { before: before.rows[0], change: patch } }, c);
    });
    this.access.clearCache();
    return this.role(key);
  }

  // ---------- org units ----------

  async orgUnits(): Promise<Items<OrgUnit>> {
    const items = await this.db.query<OrgUnit>(
      `SELECT id, parent_id AS "parentId", name, code, kind, path, disabled FROM crm.org_units ORDER BY array_length(path, 1), name LIMIT 5000`,
    );
    return { items };
  }

  /** One org unit, as the tree lists it (404 for an unknown id). */
  async orgUnit(id: string): Promise<OrgUnit> {
    const unit = await this.db.one<OrgUnit>(`SELECT id, parent_id AS "parentId", name, code, kind, path, disabled FROM crm.org_units WHERE id = $1`, [id]);
    if (!unit) throw new AppError(404, 'admin.org_not_found');
    return unit;
  }

  async createOrgUnit(input: { name: string; parentId?: string | null; code?: string; kind?: string }): Promise<OrgUnit> {
    const unit = await this.db.tx(async (c) => {
      let parentPath: string[] = [];
      if (input.parentId) {
        const parent = await c.query<{ path: string[] }>('SELECT path FROM crm.org_units WHERE id = $1', [input.parentId]);
        if (!parent.rowCount) throw new AppError(400, 'admin.org_not_found');
        parentPath = parent.rows[0].path;
      }
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO crm.org_units (parent_id, name, code, kind, path) VALUES ($1, $2, $3, COALESCE($4, 'branch'), '{}') RETURNING id`,
        [input.parentId ?? null, input.name, input.code ?? null, input.kind ?? null],
      );
      const id = rows[0].id;
      await c.query('UPDATE crm.org_units SET path = $2 WHERE id = $1', [id, [...parentPath, id]]);
      await this.audit.record({ action: 'admin.org.create', object: 'org_unit', recordId: id, data: input }, c);
      return (await c.query<OrgUnit>(`SELECT id, parent_id AS "parentId", name, code, kind, path, disabled FROM crm.org_units WHERE id = $1`, [id])).rows[0]!;
    });
    // This process's org-tree caches (row scopes) hear of it now, not when the notification comes back.
    this.feed.changed('org_units');
    return unit;
  }

  async updateOrgUnit(id: string, patch: { name?: string; parentId?: string | null; disabled?: boolean; code?: string }) {
    const unit = await this.db.tx(async (c) => {
      const cur = await c.query<{ path: string[]; parent_id: string | null }>('SELECT path, parent_id FROM crm.org_units WHERE id = $1 FOR UPDATE', [id]);
      if (!cur.rowCount) throw new AppError(404, 'admin.org_not_found');
      if (patch.parentId !== undefined && patch.parentId !== cur.rows[0].parent_id) {
        let newParentPath: string[] = [];
        if (patch.parentId) {
          const parent = await c.query<{ path: string[] }>('SELECT path FROM crm.org_units WHERE id = $1', [patch.parentId]);
          if (!parent.rowCount) throw new AppError(400, 'admin.org_not_found');
          if (parent.rows[0].path.includes(id)) throw new AppError(400, 'admin.org_cycle');
          newParentPath = parent.rows[0].path;
        }
        const oldPrefix = cur.rows[0].path.length - 1;
        // Re-root the whole subtree: replace the old ancestors with the new ones.
        await c.query(
          `UPDATE crm.org_units SET path = $2::uuid[] || path[$3:] WHERE $1 = ANY(path)`,
          [id, newParentPath, oldPrefix + 1],
        );
        await c.query('UPDATE crm.org_units SET parent_id = $2 WHERE id = $1', [id, patch.parentId]);
      }
      await c.query(
        `UPDATE crm.org_units SET name = COALESCE($2, name), disabled = COALESCE($3, disabled), code = COALESCE($4, code), updated_at = now() WHERE id = $1`,
        [id, patch.name ?? null, patch.disabled ?? null, patch.code ?? null],
      );
      await this.audit.record({ action: 'admin.org.update', object: 'org_unit', recordId: id, data: patch }, c);
      return (await c.query<OrgUnit>(`SELECT id, parent_id AS "parentId", name, code, kind, path, disabled FROM crm.org_units WHERE id = $1`, [id])).rows[0]!;
    });
    this.feed.changed('org_units');
    return unit;
  }
}
