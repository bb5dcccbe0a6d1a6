/**
 * Users, roles and the org tree under separation of duties: the system administrator manages users
 * and assigns roles but neither reads the audit trail nor changes what roles may do; the security
 * administrator changes roles but manages no user; no one combines two duties or administers
 * themselves; a disabled user's token stops at once; org tree moves keep every path right.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { call, client, login, refused } from '../harness/http.js';
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
    expect([weak.status, weak.fieldErrors.map((d) => d.path)]).toEqual([400, ['/password']]);
    expect((await refused(admin.createUser({ username: 'ghost', password: 'Teller#2026a', roles: ['no_such_role'] }))).status).toBe(400);

    const token = await login(srv.baseUrl, 'teller', 'Teller#2026a');
    const teller = client(srv.baseUrl, token);
    expect(await teller.api.me()).toMatchObject({ username: 'teller', roles: ['rm'] });
    expect((await teller.api.records.create('client', { name: '客户甲' })).version).toBe(1);

    // Roles assigned by the administrator apply on the next request.
    expect((await w.c.admin.patch(`/api/admin/users/${made.id}`, { roles: ['manager'] })).status).toBe(200);
    expect((await teller.post('/api/records/client', { name: '客户乙' })).status).toBe(403);
    expect((await teller.get('/api/records/client')).status).toBe(200);

    expect((await w.c.admin.patch(`/api/admin/users/${made.id}`, { disabled: true })).status).toBe(200);
    const after = await teller.get('/api/auth/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBeDefined();
    expect((await teller.get('/api/records/client')).status).toBe(401);
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'teller', password: 'Teller#2026a' } })).status).toBe(401);
    // API keys of a disabled user stop too.
    expect((await w.c.admin.patch(`/api/admin/users/${made.id}`, { disabled: false })).status).toBe(200);
    const again = client(srv.baseUrl, await login(srv.baseUrl, 'teller', 'Teller#2026a'));
    const key = await again.post('/api/auth/api-keys', { name: 'script' });
    expect(key.status).toBe(201);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: key.body.key })).status).toBe(200);
    expect((await w.c.admin.patch(`/api/admin/users/${made.id}`, { disabled: true })).status).toBe(200);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: key.body.key })).status).toBe(401);
  });

  it('the administrator may not read the audit trail nor change what roles may do', async () => {
    expect((await w.c.admin.get('/api/audit')).status).toBe(403);
    expect((await w.c.admin.get('/api/audit/verify')).status).toBe(403);
    expect((await w.c.admin.patch('/api/admin/roles/rm', { permissions: [] })).status).toBe(403);
    expect((await w.c.admin.patch('/api/admin/roles/admin', { platform: ['admin.users', 'audit.read'] })).status).toBe(403);
    expect((await w.c.admin.post('/api/admin/roles', { key: 'spy', name: 'spy', permissions: [], platform: ['audit.read'] })).status).toBe(403);
    // Role definitions stay as they were.
    expect((await w.c.admin.get('/api/admin/roles/rm')).body.permissions).toHaveLength(1);
  });

  it('the security administrator changes roles but manages no user', async () => {
    expect((await w.c.security.get('/api/admin/users')).status).toBe(403);
    expect((await w.c.security.post('/api/admin/users', { username: 'x1', password: 'Teller#2026a', roles: ['security'] })).status).toBe(403);
    expect((await w.c.security.patch(`/api/admin/users/${w.users.rm.id}`, { roles: ['compliance'] })).status).toBe(403);
    expect((await w.c.security.post('/api/admin/org-units', { name: '新部门', parentId: w.units.HO })).status).toBe(403);
    expect((await w.c.security.get('/api/audit')).status).toBe(403);
    const role = await w.c.security.post('/api/admin/roles', { key: 'teller_lite', name: '柜员（只读）', permissions: [{ object: 'client', actions: ['read'], scope: 'org_unit', fields: { rating: 'none', note: 'masked' } }] });
    expect(role.status).toBe(201);
    expect((await w.c.security.post('/api/admin/roles', { key: 'teller_lite', name: 'again', permissions: [] })).status).toBe(409);
    expect((await w.c.security.post('/api/admin/roles', { key: 'ghost', name: 'ghost', permissions: [{ object: 'no_such_object', actions: ['read'], scope: 'all' }] })).status).toBe(400);
    const audit = await w.c.auditor.get('/api/audit?action=admin.role.create&recordId=teller_lite');
    expect(audit.body.items).toEqual([expect.objectContaining({ actorName: 'security' })]);
  });

  it('no role and no user combines two duties, and no one administers themselves', async () => {
    for (const platform of [['admin.users', 'audit.read'], ['admin.roles', 'audit.verify'], ['admin.org', 'admin.roles']]) {
      const r = await w.c.security.post('/api/admin/roles', { key: 'mixed', name: 'mixed', permissions: [], platform });
      expect([platform, r.status, r.body.error?.code]).toEqual([platform, 400, 'admin.duty_conflict']);
      expect((await w.c.security.patch('/api/admin/roles/auditor', { platform: ['audit.read', ...platform] })).status).toBe(400);
    }
    expect((await w.c.security.post('/api/admin/roles', { key: 'reader', name: 'reader', permissions: [], platform: ['designer'] })).status).toBe(201);
    const u = await w.c.admin.post('/api/admin/users', { username: 'opsuser', password: 'Teller#2026a', roles: ['admin', 'reader'] });
    expect(u.status).toBe(201);
    // Giving a role an audit right would make a user holding it and the admin role hold two duties.
    expect((await w.c.security.patch('/api/admin/roles/reader', { platform: ['audit.read'] })).status).toBe(400);
    expect((await w.c.security.patch('/api/admin/roles/admin', { platform: ['admin.users', 'audit.read'] })).status).toBe(400);
    expect((await w.c.admin.post('/api/admin/users', { username: 'both', password: 'Teller#2026a', roles: ['admin', 'auditor'] })).status).toBe(400);
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.rm.id}`, { roles: ['security', 'auditor'] })).status).toBe(400);
    // Self-administration: the admin can neither grant themselves roles nor disable themselves.
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.admin.id}`, { roles: ['admin', 'auditor'] })).status).toBe(403);
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.admin.id}`, { roles: ['auditor'] })).status).toBe(403);
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.admin.id}`, { disabled: true })).status).toBe(403);
    expect((await w.c.admin.patch(`/api/admin/users/${w.users.admin.id}`, { displayName: '王管理员' })).status).toBe(200);
    const admin = await withClient(srv.dbUrl, (c) => c.query(`SELECT roles, disabled FROM crm.users WHERE username = 'admin'`));
    expect(admin.rows[0]).toEqual({ roles: ['admin'], disabled: false });
    // The administrator may ask for the auditor role for another person (whose password he set), but it
    // takes effect only once a second person of another duty approves it.
    const asked = await w.c.admin.patch(`/api/admin/users/${u.body.id}`, { roles: ['auditor'] });
    expect(asked.status).toBe(202);
    const auditor2 = client(srv.baseUrl, await login(srv.baseUrl, 'opsuser', 'Teller#2026a'));
    expect((await auditor2.get('/api/audit?limit=1')).status).toBe(403);
    expect((await w.c.security.post(`/api/admin/role-grants/${asked.body.approval.id}/approve`)).status).toBe(200);
    expect((await auditor2.get('/api/audit?limit=1')).status).toBe(200);
    expect((await auditor2.get('/api/admin/users')).status).toBe(403);
  });

  it('moves in the org tree keep every path right, and subtree scopes follow', async () => {
    const units = async () => {
      const r = await w.c.admin.get('/api/admin/org-units');
      expect(r.status).toBe(200);
      return new Map<string, { id: string; parentId: string | null; path: string[]; name: string }>(r.body.items.map((u: { id: string }) => [u.id, u]));
    };
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
      const r = await w.c.admin.post('/api/admin/org-units', { name, parentId, kind: 'team' });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    // A small subtree under 浦东支行: 新区 → 新区一组 → 新区一组甲.
    const a = await mk('新区', w.units['SH-PD']);
    const b = await mk('新区一组', a);
    const c = await mk('新区一组甲', b);
    let all = await assertPaths();
    expect(all.get(c)!.path).toEqual([w.units.HO, w.units.SH, w.units['SH-PD'], a, b, c]);

    // A customer of a user in the deepest unit: the 浦东 manager sees it through the subtree scope.
    const made = await w.c.admin.post('/api/admin/users', { username: 'deep_rm', password: 'Teller#2026a', roles: ['rm'], orgUnitId: c });
    expect(made.status).toBe(201);
    const deep = client(srv.baseUrl, await login(srv.baseUrl, 'deep_rm', 'Teller#2026a'));
    const rec = await deep.post('/api/records/client', { name: '深层客户' });
    expect(rec.status).toBe(201);
    expect((await w.c.manager.get(`/api/records/client/${rec.body.id}`)).status).toBe(200);

    // Move 新区 (with its subtree) to 杭州分行: every path below it changes.
    expect((await w.c.admin.patch(`/api/admin/org-units/${a}`, { parentId: w.units.HZ })).status).toBe(200);
    all = await assertPaths();
    expect(all.get(c)!.path).toEqual([w.units.HO, w.units.HZ, a, b, c]);
    expect(all.get(w.units['SH-PD-T1'])!.path).toEqual([w.units.HO, w.units.SH, w.units['SH-PD'], w.units['SH-PD-T1']]);
    expect((await w.c.manager.get(`/api/records/client/${rec.body.id}`)).status).toBe(404);
    // Move the middle unit up to the root and back under a sibling branch.
    expect((await w.c.admin.patch(`/api/admin/org-units/${b}`, { parentId: null })).status).toBe(200);
    all = await assertPaths();
    expect(all.get(c)!.path).toEqual([b, c]);
    expect((await w.c.admin.patch(`/api/admin/org-units/${b}`, { parentId: w.units['SH-PD-T1'] })).status).toBe(200);
    all = await assertPaths();
    expect(all.get(c)!.path).toEqual([w.units.HO, w.units.SH, w.units['SH-PD'], w.units['SH-PD-T1'], b, c]);
    expect((await w.c.manager.get(`/api/records/client/${rec.body.id}`)).status).toBe(200);

    // No cycles: not under itself, not under a descendant; nothing changes.
    expect((await w.c.admin.patch(`/api/admin/org-units/${b}`, { parentId: b })).status).toBe(400);
    expect((await w.c.admin.patch(`/api/admin/org-units/${b}`, { parentId: c })).status).toBe(400);
    expect((await w.c.admin.patch(`/api/admin/org-units/${w.units.SH}`, { parentId: c })).status).toBe(400);
    expect((await w.c.admin.patch(`/api/admin/org-units/${b}`, { parentId: '00000000-0000-4000-8000-000000000000' })).status).toBe(400);
    await assertPaths();
    const moves = await w.c.auditor.get(`/api/audit?action=admin.org.update&recordId=${b}`);
    expect(moves.body.items).toHaveLength(2);
  });
});
