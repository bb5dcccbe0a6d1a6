/**
 * No impersonation (issue 20, items 1, 10, 12): the system administrator cannot obtain credentials of
 * another person — no API key for a human, no password set by PATCH; a reset hands out a one-time
 * temporary password that only allows choosing a new one and kills every earlier token (even one from
 * the same second) and API key; resetting a holder of the authorisation or audit duty, or granting
 * that duty, waits for a second person of another duty. Systems use service accounts, which never sign
 * in with a password and hold no duty. Control characters in names are 400, never 500.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { call, client, login } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { setupWorld, type World } from './access-setup.js';
import { isStrongPassword } from '../../apps/server/src/config/config.js';

const PW = 'Teller#2026a';

describe('credentials nobody can take over', () => {
  let srv: TestServer;
  let w: World;
  const sql = (q: string, p: unknown[] = []) => withClient(srv.dbUrl, (c) => c.query(q, p));
  /** Every temporary password and API key handed out, to prove none is stored or logged anywhere. */
  const handedOut: string[] = [];

  beforeAll(async () => {
    // Every log line the server can write, so the leak check below reads them all.
    srv = await startServer({ env: { LOG_LEVEL: 'trace' } });
    w = await setupWorld(srv, { extraUsers: false });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  const mkUser = async (username: string, roles: string[] = ['rm']) => {
    const r = await w.c.admin.post('/api/admin/users', { username, password: PW, roles, orgUnitId: w.units['SH-PD-T1'] });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const iatOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).iat as number;

  it('refuses API keys for another person, whatever their duty, and writes nothing', async () => {
    for (const who of ['auditor', 'compliance', 'security', 'rm']) {
      const r = await w.c.admin.post('/api/admin/api-keys', { name: 'x', userId: w.users[who].id });
      expect([who, r.status, r.body.error?.code]).toEqual([who, 403, 'auth.api_key_for_person']);
      expect(r.body.error.message).toMatch(/技术账号/);
    }
    const keys = await sql('SELECT count(*)::int AS n FROM crm.api_keys');
    expect(keys.rows[0].n).toBe(0);
    // The attempt is audited as denied.
    const denied = await sql(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'auth.api_key.create' AND outcome = 'denied'`);
    expect(denied.rows[0].n).toBe(4);
  });

  it('service accounts: API keys from the administrator, never a password sign-in, never a duty', async () => {
    expect((await w.c.admin.post('/api/admin/users', { username: 'core_svc', password: PW, serviceAccount: true, roles: ['rm'] })).status).toBe(400);
    const duty = await w.c.admin.post('/api/admin/users', { username: 'spy_svc', serviceAccount: true, roles: ['auditor'] });
    expect([duty.status, duty.body.error.code]).toEqual([400, 'admin.service_account_duty']);
    expect((await w.c.admin.post('/api/admin/users', { username: 'nopw' , roles: ['rm'] })).status).toBe(400);
    const svc = await w.c.admin.post('/api/admin/users', { username: 'core_svc', displayName: '核心系统', serviceAccount: true, roles: ['rm'], orgUnitId: w.units['SH-PD-T1'] });
    expect(svc.status).toBe(201);
    expect(svc.body).toMatchObject({ serviceAccount: true, roles: ['rm'] });
    // No password sign-in, not even with a guess at the marker that stands in for its hash.
    for (const password of ['!', PW, 'Demo@2026']) {
      expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'core_svc', password } })).status).toBe(401);
    }
    const key = await w.c.admin.post('/api/admin/api-keys', { name: '核心系统对接', userId: svc.body.id });
    expect(key.status).toBe(201);
    handedOut.push(key.body.key);
    const me = await call(srv.baseUrl, 'GET', '/api/auth/me', { token: key.body.key });
    expect(me.body).toMatchObject({ username: 'core_svc' });
    // No duty by a later change either: not by the user administrator, not through a role the security administrator widens.
    const grant = await w.c.admin.patch(`/api/admin/users/${svc.body.id}`, { roles: ['rm', 'auditor'] });
    expect(grant.status).toBe(400);
    expect((await w.c.security.patch('/api/admin/roles/rm', { platform: ['audit.read'] })).status).toBe(400);
    expect((await w.c.admin.post('/api/admin/users/' + svc.body.id + '/reset-password')).status).toBe(400);
    // The administrator revokes service account keys, but not a person's own key.
    const own = await w.c.rm.post('/api/auth/api-keys', { name: 'mine' });
    expect(own.status).toBe(201);
    handedOut.push(own.body.key);
    const revokeOther = await w.c.admin.del(`/api/admin/api-keys/${own.body.id}`);
    expect([revokeOther.status, revokeOther.body.error.code]).toEqual([403, 'auth.api_key_for_person']);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: own.body.key })).status).toBe(200);
    expect((await w.c.admin.del(`/api/admin/api-keys/${key.body.id}`)).status).toBe(204);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: key.body.key })).status).toBe(401);
    expect((await w.c.rm.del(`/api/auth/api-keys/${own.body.id}`)).status).toBe(204);
  });

  it('PATCH no longer sets a password: 400 naming the field, nothing changed', async () => {
    const before = await sql(`SELECT password_hash, updated_at FROM crm.users WHERE username = 'auditor'`);
    const r = await w.c.admin.patch(`/api/admin/users/${w.users.auditor.id}`, { password: 'Take#Over-2026', displayName: '吴' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'admin.password_not_patchable', details: [expect.objectContaining({ path: '/password' })] });
    expect(r.body.error.message).toMatch(/重置密码/);
    expect((await sql(`SELECT password_hash, updated_at FROM crm.users WHERE username = 'auditor'`)).rows).toEqual(before.rows);
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'auditor', password: 'Take#Over-2026' } })).status).toBe(401);
  });

  it('a reset gives a one-time temporary password that only allows choosing a new one, and ends every earlier credential', async () => {
    const id = await mkUser('teller_r');
    const oldToken = await login(srv.baseUrl, 'teller_r', PW);
    const key = await client(srv.baseUrl, oldToken).post('/api/auth/api-keys', { name: 'script' });
    expect(key.status).toBe(201);

    expect((await w.c.admin.post(`/api/admin/users/${w.users.admin.id}/reset-password`)).status).toBe(403);
    const reset = await w.c.admin.post(`/api/admin/users/${id}/reset-password`);
    expect(reset.status).toBe(200);
    const temp: string = reset.body.temporaryPassword;
    handedOut.push(temp);
    expect(reset.body).toMatchObject({ userId: id, revokedApiKeys: 1, changeOnNextLogin: true });
    expect(isStrongPassword(temp) && temp.length >= 16).toBe(true);
    // Random: a second reset gives another one.
    const again = await w.c.admin.post(`/api/admin/users/${id}/reset-password`);
    expect(again.body.temporaryPassword).not.toBe(temp);
    const temp2: string = again.body.temporaryPassword;
    handedOut.push(temp2);

    // Token and API key from before the reset are dead; old and first temporary passwords too.
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: oldToken })).status).toBe(401);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: key.body.key })).status).toBe(401);
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'teller_r', password: PW } })).status).toBe(401);
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'teller_r', password: temp } })).status).toBe(401);

    const signed = await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'teller_r', password: temp2 } });
    expect(signed.status).toBe(200);
    expect(signed.body.passwordChangeRequired).toBe(true);
    const restricted = client(srv.baseUrl, signed.body.accessToken);
    for (const [method, path] of [['GET', '/api/auth/me'], ['GET', '/api/records/client'], ['POST', '/api/auth/api-keys'], ['GET', '/api/tasks']] as const) {
      const r = method === 'GET' ? await restricted.get(path) : await restricted.post(path, { name: 'x' });
      expect([path, r.status, r.body.error?.code]).toEqual([path, 403, 'auth.password_change_required']);
      expect(r.body.error.message).toBe('请先修改临时密码，再使用系统');
    }
    // Changing it: the current one must be right, the new one strong and different.
    const wrong = await restricted.post('/api/auth/change-password', { currentPassword: 'Nope#2026xx', newPassword: 'Mine#Own-2026' });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'auth.wrong_current_password']);
    expect((await restricted.post('/api/auth/change-password', { currentPassword: temp2, newPassword: 'weak' })).status).toBe(400);
    const same = await restricted.post('/api/auth/change-password', { currentPassword: temp2, newPassword: temp2 });
    expect([same.status, same.body.error.code]).toEqual([400, 'auth.same_password']);
    const changed = await restricted.post('/api/auth/change-password', { currentPassword: temp2, newPassword: 'Mine#Own-2026' });
    expect(changed.status).toBe(200);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: changed.body.accessToken })).body).toMatchObject({ username: 'teller_r' });
    // The restricted token is gone with the temporary password; the temporary password is single use.
    expect((await restricted.get('/api/auth/me')).status).toBe(401);
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'teller_r', password: temp2 } })).status).toBe(401);
    const normal = await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'teller_r', password: 'Mine#Own-2026' } });
    expect(normal.status).toBe(200);
    expect(normal.body.passwordChangeRequired).toBeUndefined();

    const trail = await sql(`SELECT action, outcome, actor_name FROM crm.audit_log WHERE object = 'user' AND record_id = $1 ORDER BY seq`, [id]);
    expect(trail.rows.map((e) => [e.action, e.outcome, e.actor_name])).toEqual([
      ['admin.user.create', 'success', 'admin'], ['admin.user.password_reset', 'success', 'admin'], ['admin.user.password_reset', 'success', 'admin'],
      ['auth.password.change', 'failure', 'teller_r'], ['auth.password.change', 'success', 'teller_r'],
    ]);
  });

  it('a token issued in the same second as a password change or reset is refused (no second rounding)', async () => {
    await mkUser('teller_s');
    let pw = PW;
    let sameSecond = 0;
    // Repeat until the old token and the change fall in one second (each round almost always does).
    for (let round = 0; round < 4 && sameSecond === 0; round++) {
      const before = await login(srv.baseUrl, 'teller_s', pw);
      const next = pw === PW ? 'Second#Pass-2026' : PW;
      const changed = await call(srv.baseUrl, 'POST', '/api/auth/change-password', { token: before, body: { currentPassword: pw, newPassword: next } });
      expect(changed.status).toBe(200);
      pw = next;
      const at = await sql(`SELECT floor(extract(epoch FROM password_changed_at))::int AS s FROM crm.users WHERE username = 'teller_s'`);
      if (iatOf(before) === at.rows[0].s) sameSecond++;
      expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: before })).status).toBe(401);
      expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: changed.body.accessToken })).status).toBe(200);
    }
    expect(sameSecond).toBe(1);

    // The same for an administrator's reset.
    let seen = 0;
    for (let round = 0; round < 4 && seen === 0; round++) {
      const token = await login(srv.baseUrl, 'teller_s', pw);
      const reset = await w.c.admin.post(`/api/admin/users/${(await call(srv.baseUrl, 'GET', '/api/auth/me', { token })).body.id}/reset-password`);
      expect(reset.status).toBe(200);
      handedOut.push(reset.body.temporaryPassword);
      const at = await sql(`SELECT floor(extract(epoch FROM password_changed_at))::int AS s FROM crm.users WHERE username = 'teller_s'`);
      if (iatOf(token) === at.rows[0].s) seen++;
      expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token })).status).toBe(401);
      const temp = await login(srv.baseUrl, 'teller_s', reset.body.temporaryPassword);
      pw = `Round#${round}-Pass2026`;
      expect((await call(srv.baseUrl, 'POST', '/api/auth/change-password', { token: temp, body: { currentPassword: reset.body.temporaryPassword, newPassword: pw } })).status).toBe(200);
    }
    expect(seen).toBe(1);
  });

  it('resetting the auditor needs a second person of another duty; the administrator alone gets nothing', async () => {
    const auditorToken = w.tokens.auditor;
    const req = await w.c.admin.post(`/api/admin/users/${w.users.auditor.id}/reset-password`);
    expect(req.status).toBe(202);
    expect(req.body).toMatchObject({ status: 'pending', approval: { kind: 'password_reset', userId: w.users.auditor.id, requestedByName: 'admin' } });
    expect(req.body.message).toMatch(/复核/);
    expect(JSON.stringify(req.body)).not.toMatch(/temporaryPassword/);
    const id = req.body.approval.id as string;
    // Nothing changed yet: the auditor's password and token still work.
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: auditorToken })).status).toBe(200);
    expect((await w.c.admin.post(`/api/admin/users/${w.users.auditor.id}/reset-password`)).status).toBe(409);

    // Who may not approve: the requester, the target, another user administrator, a person without duty.
    const admin2Id = await mkUser('admin2', ['admin']);
    const admin2 = client(srv.baseUrl, await login(srv.baseUrl, 'admin2', PW));
    for (const [who, c, code] of [['admin', w.c.admin, 'admin.approval_self'], ['auditor', w.c.auditor, 'admin.approval_self'], ['admin2', admin2, 'admin.approval_duty'], ['rm', w.c.rm, 'admin.approval_no_duty'], ['compliance', w.c.compliance, 'admin.approval_no_duty']] as const) {
      const r = await c.post(`/api/admin/password-resets/${id}/approve`);
      expect([who, r.status, r.body.error?.code]).toEqual([who, 403, code]);
    }
    expect((await w.c.rm.get('/api/admin/password-resets')).status).toBe(403);
    const listed = await w.c.security.get('/api/admin/password-resets');
    expect(listed.body.items).toEqual([expect.objectContaining({ id, username: 'auditor', requestedByName: 'admin' })]);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: auditorToken })).status).toBe(200);

    const ok = await w.c.security.post(`/api/admin/password-resets/${id}/approve`);
    expect(ok.status).toBe(200);
    expect(isStrongPassword(ok.body.temporaryPassword)).toBe(true);
    handedOut.push(ok.body.temporaryPassword);
    expect((await w.c.security.post(`/api/admin/password-resets/${id}/approve`)).status).toBe(409);
    expect((await w.c.security.get('/api/admin/password-resets')).body.items).toEqual([]);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: auditorToken })).status).toBe(401);
    const temp = await login(srv.baseUrl, 'auditor', ok.body.temporaryPassword);
    const changed = await call(srv.baseUrl, 'POST', '/api/auth/change-password', { token: temp, body: { currentPassword: ok.body.temporaryPassword, newPassword: 'Audit#Mine-2026' } });
    expect(changed.status).toBe(200);
    w.c.auditor = client(srv.baseUrl, changed.body.accessToken);
    // Every step is in the trail, with who asked and who approved.
    const trail = await w.c.auditor.get(`/api/audit?recordId=${w.users.auditor.id}&object=user`);
    const steps = trail.body.items.map((e: { action: string; actorName: string }) => [e.action, e.actorName]).reverse();
    expect(steps).toEqual([['auth.api_key.create', 'admin'], ['admin.approval.request', 'admin'], ['admin.approval.approve', 'security'], ['admin.user.password_reset', 'security'], ['auth.password.change', 'auditor']]);
    expect(admin2Id).toBeDefined();
  });

  it('the administrator cannot give anyone (a user he made up included) the audit or security duty alone', async () => {
    const made = await w.c.admin.post('/api/admin/users', { username: 'sock', password: PW, roles: ['auditor'] });
    expect([made.status, made.body.error.code]).toEqual([403, 'admin.duty_grant_on_create']);
    expect((await w.c.admin.post('/api/admin/users', { username: 'sock', password: PW, roles: ['security'] })).status).toBe(403);
    const id = await mkUser('sock', []);
    const sock = client(srv.baseUrl, await login(srv.baseUrl, 'sock', PW));
    const req = await w.c.admin.patch(`/api/admin/users/${id}`, { roles: ['auditor'], displayName: '袜子' });
    expect(req.status).toBe(202);
    expect(req.body.approval).toMatchObject({ kind: 'role_grant', change: { roles: ['auditor'], displayName: '袜子' } });
    // Not applied: neither the role nor the other fields sent with it.
    expect((await sock.get('/api/audit?limit=1')).status).toBe(403);
    expect((await sql('SELECT roles, display_name FROM crm.users WHERE id = $1', [id])).rows[0]).toEqual({ roles: [], display_name: null });
    expect((await w.c.admin.post(`/api/admin/role-grants/${req.body.approval.id}/approve`)).status).toBe(403);
    const grants = await w.c.auditor.get('/api/admin/role-grants');
    expect(grants.body.items.map((g: { id: string }) => g.id)).toEqual([req.body.approval.id]);
    const ok = await w.c.security.post(`/api/admin/role-grants/${req.body.approval.id}/approve`);
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ roles: ['auditor'], displayName: '袜子' });
    expect((await sock.get('/api/audit?limit=1')).status).toBe(200);
    // Roles without those duties are still the administrator's alone.
    expect((await w.c.admin.patch(`/api/admin/users/${id}`, { roles: ['rm'] })).status).toBe(200);
  });

  it('nor clear personal data: a role that unmasks (compliance) is a four-eyes grant, for people and service accounts, and so is its holder\'s reset', async () => {
    const svc = await w.c.admin.post('/api/admin/users', { username: 'clear_svc', serviceAccount: true, roles: ['compliance'] });
    expect([svc.status, svc.body.error.code]).toEqual([403, 'admin.duty_grant_on_create']);
    const made = await w.c.admin.post('/api/admin/users', { username: 'clear_svc', serviceAccount: true, roles: [] });
    expect(made.status).toBe(201);
    const asked = await w.c.admin.patch(`/api/admin/users/${made.body.id}`, { roles: ['compliance'] });
    expect(asked.status).toBe(202);
    expect((await sql('SELECT roles FROM crm.users WHERE id = $1', [made.body.id])).rows[0].roles).toEqual([]);
    // Adding a role that does not unmask to a holder of one needs no second person; adding one that does, does.
    const rmId = await mkUser('clear_rm', ['rm']);
    expect((await w.c.admin.patch(`/api/admin/users/${rmId}`, { roles: ['rm', 'compliance'] })).status).toBe(202);
    const reset = await w.c.admin.post(`/api/admin/users/${w.users.compliance.id}/reset-password`);
    expect(reset.status).toBe(202);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: w.tokens.compliance })).status).toBe(200);
    // A request is withdrawn by its requester or declined by a possible approver — never by anyone else — and nothing is applied.
    const resetId = reset.body.approval.id as string;
    for (const [who, c] of [['rm', w.c.rm], ['compliance', w.c.compliance]] as const) {
      const r = await c.post(`/api/admin/password-resets/${resetId}/reject`);
      expect([who, r.status]).toEqual([who, 403]);
    }
    expect((await w.c.auditor.post(`/api/admin/password-resets/${resetId}/reject`)).body).toEqual({ id: resetId, status: 'rejected' });
    expect((await w.c.security.post(`/api/admin/password-resets/${resetId}/approve`)).status).toBe(409);
    expect((await call(srv.baseUrl, 'GET', '/api/auth/me', { token: w.tokens.compliance })).status).toBe(200);
    const again = await w.c.admin.post(`/api/admin/users/${w.users.compliance.id}/reset-password`);
    expect(again.status).toBe(202);
    expect((await w.c.admin.post(`/api/admin/password-resets/${again.body.approval.id}/reject`)).status).toBe(200);
    expect((await w.c.security.get('/api/admin/password-resets')).body.items).toEqual([]);
    const decided = await sql(`SELECT a.status, u.username FROM crm.admin_approvals a JOIN crm.users u ON u.id = a.decided_by WHERE a.kind = 'password_reset' AND a.target_user_id = $1 ORDER BY a.decided_at`, [w.users.compliance.id]);
    expect(decided.rows).toEqual([{ status: 'rejected', username: 'auditor' }, { status: 'rejected', username: 'admin' }]);
    const approved = await w.c.security.post(`/api/admin/role-grants/${asked.body.approval.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.user.roles).toEqual(['compliance']);
  });

  it('control characters in names are a 400 on login, user creation and every auth/admin text input — never a 500', async () => {
    for (const username of ['\u0000', 'ad\u0000min', 'rm\u0007', 'a\nb']) {
      const r = await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username, password: 'x' } });
      expect([JSON.stringify(username), r.status, r.body.error.code]).toEqual([JSON.stringify(username), 400, 'common.validation_failed']);
      expect(r.body.error.details[0].path).toBe('/username');
    }
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'rm', password: 'a\u0000b' } })).status).toBe(401);
    const bad = [
      ['POST', '/api/admin/users', w.c.admin, { username: 'x\u0000y', password: PW, roles: [] }],
      ['POST', '/api/admin/users', w.c.admin, { username: 'okname', password: PW, displayName: '\u0000', roles: [] }],
      ['PATCH', `/api/admin/users/${w.users.rm.id}`, w.c.admin, { displayName: 'a\u0000' }],
      ['GET', '/api/admin/users?search=%00', w.c.admin, undefined],
      ['POST', '/api/auth/api-keys', w.c.rm, { name: 'k\u0000' }],
      ['POST', '/api/admin/roles', w.c.security, { key: 'ctl', name: 'n\u0000', permissions: [] }],
      ['PATCH', '/api/admin/roles/rm', w.c.security, { description: '\u0000' }],
      ['POST', '/api/admin/org-units', w.c.admin, { name: '\u0000', parentId: w.units.HO }],
      ['PATCH', `/api/admin/org-units/${w.units.HO}`, w.c.admin, { code: 'H\u0000' }],
      ['POST', '/api/auth/change-password', w.c.rm, { currentPassword: 'Demo@2026', newPassword: '\u0000' }],
      ['POST', '/api/admin/roles', w.c.security, { key: 'ctl', name: 'n', permissions: [{ object: 'client', actions: ['read'], scope: { filter: { name: 'a\u0000' } } }] }],
    ] as const;
    for (const [method, path, c, body] of bad) {
      const r = method === 'GET' ? await c.get(path) : method === 'POST' ? await c.post(path, body) : await c.patch(path, body);
      expect([method, path, r.status]).toEqual([method, path, 400]);
    }
    expect((await sql(`SELECT count(*)::int AS n FROM crm.users WHERE username IN ('okname', 'x')`)).rows[0].n).toBe(0);
  });

  it('no temporary password, API key or new password is stored or logged anywhere', async () => {
    expect(handedOut.length).toBeGreaterThanOrEqual(6);
    const everything = JSON.stringify((await sql('SELECT * FROM crm.audit_log')).rows) + JSON.stringify((await sql('SELECT * FROM crm.admin_approvals')).rows)
      + JSON.stringify((await sql('SELECT * FROM crm.users')).rows);
    const output = srv.output();
    expect(output).toContain('/reset-password');
    for (const secret of [...handedOut, 'Mine#Own-2026', 'Audit#Mine-2026', 'Second#Pass-2026']) {
      expect([secret, everything.includes(secret), output.includes(secret)]).toEqual([secret, false, false]);
    }
    // The auditor's view of the reset entries carries no secret either.
    const view = JSON.stringify((await w.c.auditor.get('/api/audit?action=admin.user.password_reset')).body);
    for (const secret of handedOut) expect(view.includes(secret)).toBe(false);
    expect(view).toMatch(/revokedApiKeys/);
  });
});
