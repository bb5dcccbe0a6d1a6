/**
 * Users, roles and the org tree under separation of duties: the system administrator manages users
 * and assigns roles but neither reads the audit trail nor changes what roles may do; the security
 * administrator changes roles but manages no user; no one combines two duties or administers
 * themselves; a disabled user's token stops at once; org tree moves keep every path right.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { OrgUnit, PlatformRight } from '@crm/shared';
import { login, refused, typed } from '../harness/http.js';
import { applied, pending } from '../harness/answers.js';
import { withClient } from '../harness/db.js';
import { setupWorld, type World } from './access-setup.js';

describe('users, roles and separation of duties', () => {
  let srv: TestServer;
  let w: World;
  beforeAll(async () => {
    srv = await startServer();
    w = await setupWorld(srv, { extraUsers: false });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('the administrator creates, changes and disables users; a disabled user\'s token stops at once', async () => {
    const admin = w.c.admin.api.admin;
    const made = await admin.createUser({ username: 'teller', password: 'Teller#2026a', displayName: '柜员', roles: ['rm'], orgUnitId: w.units['SH-PD-T2'] });
    expect(made).toMatchObject({ username: 'teller', roles: ['rm'], orgUnitId: w.units['SH-PD-T2'], disabled: false });
    expect(JSON.stringify(made)).not.toMatch(/password|Teller#2026a|hash/i);
    expect((await refused(admin.createUser({ username: 'TELLER', password: 'Teller#2026a', roles: [] }))).status).toBe(409);
    const weak = await refused(admin.createUser({ username: 'weak', password: 'weakpass', roles: [] }));
    // The password rule in the caller's language (Chinese by default), not the schema's English.
    expect([weak.status, weak.fieldErrors.map((d) => [d.path, d.message])]).toEqual([400, [['/password', '密码至少 8 位，且包含大写字母、小写字母、数字和符号']]]);
    expect((await refused(admin.createUser({ username: 'ghost', password: 'Teller#2026a', roles: ['no_such_role'] }))).status).toBe(400);

    const token = await login(srv.baseUrl, 'teller', 'Teller#2026a');
    const teller = typed(srv.baseUrl, token);
    // What the web app builds its menus and buttons from: platform rights and each object's actions.
    expect(await teller.me()).toMatchObject({ username: 'teller', roles: ['rm'], platform: ['process.start'], objects: { client: ['create', 'delete', 'read', 'update'] } });
    expect((await teller.records.create('client', { name: '客户甲' })).version).toBe(1);

    // Roles assigned by the administrator apply on the next request.
    expect(applied(await admin.updateUser(made.id, { roles: ['manager'] }))).toMatchObject({ id: made.id, roles: ['manager'] });
    expect((await refused(teller.records.create('client', { name: '客户乙' }))).status).toBe(403);
    expect(await teller.records.list('client')).toMatchObject({ items: expect.any(Array) });

    expect(applied(await admin.updateUser(made.id, { disabled: true }))).toMatchObject({ id: made.id, disabled: true });
    const after = await refused(teller.me());
    expect([after.status, after.code]).toEqual([401, 'auth.invalid_token']);
    expect((await refused(teller.records.list('client'))).status).toBe(401);
    expect((await refused(typed(srv.baseUrl).login({ username: 'teller', password: 'Teller#2026a' }))).status).toBe(401);
    // API keys of a disabled user stop too.
    expect(applied(await admin.updateUser(made.id, { disabled: false }))).toMatchObject({ disabled: false });
    const again = typed(srv.baseUrl, await login(srv.baseUrl, 'teller', 'Teller#2026a'));
    const key = await again.createApiKey({ name: 'script' });
    expect(key).toMatchObject({ name: 'script', userId: made.id, key: expect.stringMatching(/^crmk_/) });
    expect(await typed(srv.baseUrl, key.key).me()).toMatchObject({ username: 'teller' });
    expect(applied(await admin.updateUser(made.id, { disabled: true }))).toMatchObject({ disabled: true });
    expect((await refused(typed(srv.baseUrl, key.key).me())).status).toBe(401);
  });

  it('the staff directory gives pickers names only, to designers and process starters; no disabled user', async () => {
    const found = await w.c.analyst.api.admin.directory({ search: 'rm' });
    expect(found.find((u) => u.username === 'rm')).toEqual({ id: expect.any(String), username: 'rm', displayName: expect.any(String) });
    for (const u of found) expect(Object.keys(u).sort()).toEqual(['displayName', 'id', 'username']);
    expect((await w.c.rm.api.admin.directory({ limit: 1 }))).toHaveLength(1);
    // The teller of the test above is disabled; a pattern character is taken literally.
    expect(await w.c.analyst.api.admin.directory({ search: 'teller' })).toEqual([]);
    expect(await w.c.analyst.api.admin.directory({ search: '%' })).toEqual([]);
    expect((await refused(w.c.auditor.api.admin.directory())).status).toBe(403);
    expect((await refused(w.c.analyst.api.admin.directory({ limit: 100000 }))).status).toBe(400);
  });

  it('the administrator may not read the audit trail nor change what roles may do', async () => {
    const admin = w.c.admin.api;
    expect((await refused(admin.audit.list())).status).toBe(403);
    expect((await refused(admin.audit.verify())).status).toBe(403);
    expect((await refused(admin.admin.updateRole('rm', { permissions: [] }))).status).toBe(403);
    expect((await refused(admin.admin.updateRole('admin', { platform: ['admin.users', 'audit.read'] }))).status).toBe(403);
    expect((await refused(admin.admin.createRole({ key: 'spy', name: 'spy', permissions: [], platform: ['audit.read'] }))).status).toBe(403);
    // Role definitions stay as they were.
    expect((await admin.admin.getRole('rm')).permissions).toHaveLength(1);
  });

  it('the security administrator changes roles but manages no user', async () => {
    const security = w.c.security.api.admin;
    expect((await refused(security.listUsers())).status).toBe(403);
    expect((await refused(security.createUser({ username: 'x1', password: 'Teller#2026a', roles: ['security'] }))).status).toBe(403);
    expect((await refused(security.updateUser(w.users.rm.id, { roles: ['compliance'] }))).status).toBe(403);
    expect((await refused(security.createOrgUnit({ name: '新部门', parentId: w.units.HO }))).status).toBe(403);
    expect((await refused(w.c.security.api.audit.list())).status).toBe(403);
    const role = await security.createRole({ key: 'teller_lite', name: '柜员（只读）', permissions: [{ object: 'client', actions: ['read'], scope: 'org_unit', fields: { rating: 'none', note: 'masked' } }] });
    expect(role).toMatchObject({ key: 'teller_lite', permissions: [{ object: 'client', fields: { rating: 'none', note: 'masked' } }] });
    expect((await refused(security.createRole({ key: 'teller_lite', name: 'again', permissions: [] }))).status).toBe(409);
    expect((await refused(security.createRole({ key: 'ghost', name: 'ghost', permissions: [{ object: 'no_such_object', actions: ['read'], scope: 'all' }] }))).status).toBe(400);
    const audit = await w.c.auditor.api.audit.list({ action: 'admin.role.create', recordId: 'teller_lite' });
    expect(audit.items).toEqual([expect.objectContaining({ actorName: 'security' })]);
  });

  it('no role and no user combines two duties, and no one administers themselves', async () => {
    const admin = w.c.admin.api.admin;
    const security = w.c.security.api.admin;
    const pairs: PlatformRight[][] = [['admin.users', 'audit.read'], ['admin.roles', 'audit.verify'], ['admin.org', 'admin.roles']];
    for (const platform of pairs) {
      const r = await refused(security.createRole({ key: 'mixed', name: 'mixed', permissions: [], platform }));
      expect([platform, r.status, r.code]).toEqual([platform, 400, 'admin.duty_conflict']);
      expect((await refused(security.updateRole('auditor', { platform: ['audit.read', ...platform] }))).status).toBe(400);
    }
    expect(await security.createRole({ key: 'reader', name: 'reader', permissions: [], platform: ['designer'] })).toMatchObject({ key: 'reader', platform: ['designer'] });
    const u = await admin.createUser({ username: 'opsuser', password: 'Teller#2026a', roles: ['admin', 'reader'] });
    expect(u).toMatchObject({ username: 'opsuser', roles: ['admin', 'reader'] });
    // Giving a role an audit right would make a user holding it and the admin role hold two duties.
    expect((await refused(security.updateRole('reader', { platform: ['audit.read'] }))).status).toBe(400);
    expect((await refused(security.updateRole('admin', { platform: ['admin.users', 'audit.read'] }))).status).toBe(400);
    expect((await refused(admin.createUser({ username: 'both', password: 'Teller#2026a', roles: ['admin', 'auditor'] }))).status).toBe(400);
    expect((await refused(admin.updateUser(w.users.rm.id, { roles: ['security', 'auditor'] }))).status).toBe(400);
    // Self-administration: the admin can neither grant themselves roles nor disable themselves.
    expect((await refused(admin.updateUser(w.users.admin.id, { roles: ['admin', 'auditor'] }))).status).toBe(403);
    expect((await refused(admin.updateUser(w.users.admin.id, { roles: ['auditor'] }))).status).toBe(403);
    expect((await refused(admin.updateUser(w.users.admin.id, { disabled: true }))).status).toBe(403);
    expect(applied(await admin.updateUser(w.users.admin.id, { displayName: '王管理员' }))).toMatchObject({ displayName: '王管理员' });
    const row = await withClient(srv.dbUrl, (c) => c.query(`SELECT roles, disabled FROM crm.users WHERE username = 'admin'`));
    expect(row.rows[0]).toEqual({ roles: ['admin'], disabled: false });
    // The administrator may ask for the auditor role for another person (whose password he set), but it
    // takes effect only once a second person of another duty approves it.
    const asked = pending(await admin.updateUser(u.id, { roles: ['auditor'] }));
    const auditor2 = typed(srv.baseUrl, await login(srv.baseUrl, 'opsuser', 'Teller#2026a'));
    expect((await refused(auditor2.audit.list({ limit: 1 }))).status).toBe(403);
    expect((await security.approveRoleGrant(asked.approval.id)).user).toMatchObject({ id: u.id, roles: ['auditor'] });
    expect((await auditor2.audit.list({ limit: 1 })).items).toHaveLength(1);
    expect((await refused(auditor2.admin.listUsers())).status).toBe(403);
  });

  it('moves in the org tree keep every path right, and subtree scopes follow', async () => {
    const admin = w.c.admin.api.admin;
    // The answer carries each unit's path from the root, which the OrgUnit type does not declare.
    const units = async () => new Map((await admin.listOrgUnits() as (OrgUnit & { path: string[] })[]).map((u) => [u.id, u]));
    const assertPaths = async () => {
      const all = await units();
      for (const u of all.values()) {
        const parentPath = u.parentId ? all.get(u.parentId)!.path : [];
        expect([u.name, u.path]).toEqual([u.name, [...parentPath, u.id]]);
      }
      return all;
    };
    await assertPaths();
    const mk = async (name: string, parentId: string) => {
      const r = await admin.createOrgUnit({ name, parentId, kind: 'team' });
      expect(r).toMatchObject({ name, parentId, kind: 'team' });
      return r.id;
    };
    // A small subtree under 浦东支行: 新区 → 新区一组 → 新区一组甲.
    const a = await mk('新区', w.units['SH-PD']);
    const b = await mk('新区一组', a);
    const c = await mk('新区一组甲', b);
    let all = await assertPaths();
    expect(all.get(c)!.path).toEqual([w.units.HO, w.units.SH, w.units['SH-PD'], a, b, c]);

    // A customer of a user in the deepest unit: the 浦东 manager sees it through the subtree scope.
    const made = await admin.createUser({ username: 'deep_rm', password: 'Teller#2026a', roles: ['rm'], orgUnitId: c });
    expect(made).toMatchObject({ username: 'deep_rm', orgUnitId: c });
    const deep = typed(srv.baseUrl, await login(srv.baseUrl, 'deep_rm', 'Teller#2026a'));
    const rec = await deep.records.create('client', { name: '深层客户' });
    const manager = w.c.manager.api.records;
    expect(await manager.get('client', rec.id)).toMatchObject({ id: rec.id, name: '深层客户' });

    // Move 新区 (with its subtree) to 杭州分行: every path below it changes.
    expect(await admin.updateOrgUnit(a, { parentId: w.units.HZ })).toMatchObject({ id: a, parentId: w.units.HZ });
    all = await assertPaths();
    expect(all.get(c)!.path).toEqual([w.units.HO, w.units.HZ, a, b, c]);
    expect(all.get(w.units['SH-PD-T1'])!.path).toEqual([w.units.HO, w.units.SH, w.units['SH-PD'], w.units['SH-PD-T1']]);
    expect((await refused(manager.get('client', rec.id))).status).toBe(404);
    // Move the middle unit up to the root and back under a sibling branch.
    expect(await admin.updateOrgUnit(b, { parentId: null })).toMatchObject({ id: b, parentId: null });
    all = await assertPaths();
    expect(all.get(c)!.path).toEqual([b, c]);
    expect(await admin.updateOrgUnit(b, { parentId: w.units['SH-PD-T1'] })).toMatchObject({ id: b, parentId: w.units['SH-PD-T1'] });
    all = await assertPaths();
    expect(all.get(c)!.path).toEqual([w.units.HO, w.units.SH, w.units['SH-PD'], w.units['SH-PD-T1'], b, c]);
    expect(await manager.get('client', rec.id)).toMatchObject({ id: rec.id });

    // No cycles: not under itself, not under a descendant; nothing changes.
    expect((await refused(admin.updateOrgUnit(b, { parentId: b }))).status).toBe(400);
    expect((await refused(admin.updateOrgUnit(b, { parentId: c }))).status).toBe(400);
    expect((await refused(admin.updateOrgUnit(w.units.SH, { parentId: c }))).status).toBe(400);
    expect((await refused(admin.updateOrgUnit(b, { parentId: '00000000-0000-4000-8000-000000000000' }))).status).toBe(400);
    await assertPaths();
    const moves = await w.c.auditor.api.audit.list({ action: 'admin.org.update', recordId: b });
    expect(moves.items).toHaveLength(2);
  });
});
