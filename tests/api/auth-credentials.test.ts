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
import type { PasswordResetResult } from '@crm/shared';
import { client, login, refused, typed } from '../harness/http.js';
import { applied, pending } from '../harness/answers.js';
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

  const admin = () => w.c.admin.api.admin;
  const anonymous = () => typed(srv.baseUrl);
  const mkUser = async (username: string, roles: string[] = ['rm']) => {
    const r = await admin().createUser({ username, password: PW, roles, orgUnitId: w.units['SH-PD-T1'] });
    expect(r).toMatchObject({ username, roles });
    return r.id;
  };
  const iatOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).iat as number;

  it('refuses API keys for another person, whatever their duty, and writes nothing', async () => {
    for (const who of ['auditor', 'compliance', 'security', 'rm']) {
      const r = await refused(admin().createServiceApiKey({ name: 'x', userId: w.users[who].id }));
      expect([who, r.status, r.code]).toEqual([who, 403, 'auth.api_key_for_person']);
      expect(r.message).toMatch(/技术账号/);
    }
    const keys = await sql('SELECT count(*)::int AS n FROM crm.api_keys');
    expect(keys.rows[0].n).toBe(0);
    // The attempt is audited as denied.
    const denied = await sql(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'auth.api_key.create' AND outcome = 'denied'`);
    expect(denied.rows[0].n).toBe(4);
  });

  it('service accounts: API keys from the administrator, never a password sign-in, never a duty', async () => {
    expect((await refused(admin().createUser({ username: 'core_svc', password: PW, serviceAccount: true, roles: ['rm'] }))).status).toBe(400);
    const duty = await refused(admin().createUser({ username: 'spy_svc', serviceAccount: true, roles: ['auditor'] }));
    expect([duty.status, duty.code]).toEqual([400, 'admin.service_account_duty']);
    expect((await refused(admin().createUser({ username: 'nopw', roles: ['rm'] }))).status).toBe(400);
    const svc = await admin().createUser({ username: 'core_svc', displayName: '核心系统', serviceAccount: true, roles: ['rm'], orgUnitId: w.units['SH-PD-T1'] });
    expect(svc).toMatchObject({ serviceAccount: true, roles: ['rm'] });
    // No password sign-in, not even with a guess at the marker that stands in for its hash.
    for (const password of ['!', PW, 'Demo@2026']) {
      expect((await refused(anonymous().login({ username: 'core_svc', password }))).status).toBe(401);
    }
    const key = await admin().createServiceApiKey({ name: '核心系统对接', userId: svc.id });
    expect(key).toMatchObject({ name: '核心系统对接', userId: svc.id });
    handedOut.push(key.key);
    expect(await typed(srv.baseUrl, key.key).me()).toMatchObject({ username: 'core_svc' });
    // No duty by a later change either: not by the user administrator, not through a role the security administrator widens.
    expect((await refused(admin().updateUser(svc.id, { roles: ['rm', 'auditor'] }))).status).toBe(400);
    expect((await refused(w.c.security.api.admin.updateRole('rm', { platform: ['audit.read'] }))).status).toBe(400);
    expect((await refused(admin().resetPassword(svc.id))).status).toBe(400);
    // The administrator revokes service account keys, but not a person's own key.
    const own = await w.c.rm.api.createApiKey({ name: 'mine' });
    expect(own).toMatchObject({ name: 'mine', userId: w.users.rm.id });
    handedOut.push(own.key);
    const revokeOther = await refused(admin().revokeServiceApiKey(own.id));
    expect([revokeOther.status, revokeOther.code]).toEqual([403, 'auth.api_key_for_person']);
    expect(await typed(srv.baseUrl, own.key).me()).toMatchObject({ username: 'rm' });
    expect(await admin().revokeServiceApiKey(key.id)).toBeUndefined(); // 204, no body
    expect((await refused(typed(srv.baseUrl, key.key).me())).status).toBe(401);
    expect(await w.c.rm.api.revokeApiKey(own.id)).toBeUndefined();
  });

  it('PATCH no longer sets a password: 400 naming the field, nothing changed', async () => {
    const before = await sql(`SELECT password_hash, updated_at FROM crm.users WHERE username = 'auditor'`);
    // Raw: a password is not part of a user change, so the typed client cannot send one.
    const r = await w.c.admin.patch(`/api/admin/users/${w.users.auditor.id}`, { password: 'Take#Over-2026', displayName: '吴' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'admin.password_not_patchable', details: [expect.objectContaining({ path: '/password' })] });
    expect(r.body.error.message).toMatch(/重置密码/);
    expect((await sql(`SELECT password_hash, updated_at FROM crm.users WHERE username = 'auditor'`)).rows).toEqual(before.rows);
    expect((await refused(anonymous().login({ username: 'auditor', password: 'Take#Over-2026' }))).status).toBe(401);
  });

  it('a reset gives a one-time temporary password that only allows choosing a new one, and ends every earlier credential', async () => {
    const id = await mkUser('teller_r');
    const oldToken = await login(srv.baseUrl, 'teller_r', PW);
    const key = await typed(srv.baseUrl, oldToken).createApiKey({ name: 'script' });
    expect(key).toMatchObject({ name: 'script', userId: id });

    expect((await refused(admin().resetPassword(w.users.admin.id))).status).toBe(403);
    const reset = applied<PasswordResetResult>(await admin().resetPassword(id));
    const temp = reset.temporaryPassword;
    handedOut.push(temp);
    expect(reset).toMatchObject({ userId: id, revokedApiKeys: 1, changeOnNextLogin: true });
    expect(isStrongPassword(temp) && temp.length >= 16).toBe(true);
    // Random: a second reset gives another one.
    const again = applied<PasswordResetResult>(await admin().resetPassword(id));
    expect(again.temporaryPassword).not.toBe(temp);
    const temp2 = again.temporaryPassword;
    handedOut.push(temp2);

    // Token and API key from before the reset are dead; old and first temporary passwords too.
    expect((await refused(typed(srv.baseUrl, oldToken).me())).status).toBe(401);
    expect((await refused(typed(srv.baseUrl, key.key).me())).status).toBe(401);
    expect((await refused(anonymous().login({ username: 'teller_r', password: PW }))).status).toBe(401);
    expect((await refused(anonymous().login({ username: 'teller_r', password: temp }))).status).toBe(401);

    const signed = await anonymous().login({ username: 'teller_r', password: temp2 });
    expect(signed.passwordChangeRequired).toBe(true);
    const restricted = typed(srv.baseUrl, signed.accessToken);
    const tries: [string, () => Promise<unknown>][] = [
      ['/api/auth/me', () => restricted.me()],
      ['/api/records/client', () => restricted.records.list('client')],
      ['/api/auth/api-keys', () => restricted.createApiKey({ name: 'x' })],
      ['/api/tasks', () => restricted.tasks.list()],
    ];
    for (const [path, send] of tries) {
      const r = await refused(send());
      expect([path, r.status, r.code]).toEqual([path, 403, 'auth.password_change_required']);
      expect(r.message).toBe('请先修改临时密码，再使用系统');
    }
    // Changing it: the current one must be right, the new one strong and different.
    const wrong = await refused(restricted.changePassword({ currentPassword: 'Nope#2026xx', newPassword: 'Mine#Own-2026' }));
    expect([wrong.status, wrong.code]).toEqual([400, 'auth.wrong_current_password']);
    expect((await refused(restricted.changePassword({ currentPassword: temp2, newPassword: 'weak' }))).status).toBe(400);
    const same = await refused(restricted.changePassword({ currentPassword: temp2, newPassword: temp2 }));
    expect([same.status, same.code]).toEqual([400, 'auth.same_password']);
    const changed = await restricted.changePassword({ currentPassword: temp2, newPassword: 'Mine#Own-2026' });
    expect(await typed(srv.baseUrl, changed.accessToken).me()).toMatchObject({ username: 'teller_r' });
    // The restricted token is gone with the temporary password; the temporary password is single use.
    expect((await refused(restricted.me())).status).toBe(401);
    expect((await refused(anonymous().login({ username: 'teller_r', password: temp2 }))).status).toBe(401);
    const normal = await anonymous().login({ username: 'teller_r', password: 'Mine#Own-2026' });
    expect(normal).toMatchObject({ accessToken: expect.any(String), user: { username: 'teller_r' } });
    expect(normal.passwordChangeRequired).toBeUndefined();

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
      const changed = await typed(srv.baseUrl, before).changePassword({ currentPassword: pw, newPassword: next });
      pw = next;
      const at = await sql(`SELECT floor(extract(epoch FROM password_changed_at))::int AS s FROM crm.users WHERE username = 'teller_s'`);
      if (iatOf(before) === at.rows[0].s) sameSecond++;
      expect((await refused(typed(srv.baseUrl, before).me())).status).toBe(401);
      expect(await typed(srv.baseUrl, changed.accessToken).me()).toMatchObject({ username: 'teller_s' });
    }
    expect(sameSecond).toBe(1);

    // The same for an administrator's reset.
    let seen = 0;
    for (let round = 0; round < 4 && seen === 0; round++) {
      const token = await login(srv.baseUrl, 'teller_s', pw);
      const reset = applied<PasswordResetResult>(await admin().resetPassword((await typed(srv.baseUrl, token).me()).id));
      handedOut.push(reset.temporaryPassword);
      const at = await sql(`SELECT floor(extract(epoch FROM password_changed_at))::int AS s FROM crm.users WHERE username = 'teller_s'`);
      if (iatOf(token) === at.rows[0].s) seen++;
      expect((await refused(typed(srv.baseUrl, token).me())).status).toBe(401);
      const temp = await login(srv.baseUrl, 'teller_s', reset.temporaryPassword);
      pw = `Round#${round}-Pass2026`;
      expect(await typed(srv.baseUrl, temp).changePassword({ currentPassword: reset.temporaryPassword, newPassword: pw })).toMatchObject({ accessToken: expect.any(String) });
    }
    expect(seen).toBe(1);
  });

  it('resetting the auditor needs a second person of another duty; the administrator alone gets nothing', async () => {
    const auditorToken = w.tokens.auditor;
    const req = pending(await admin().resetPassword(w.users.auditor.id));
    expect(req).toMatchObject({ status: 'pending', approval: { kind: 'password_reset', userId: w.users.auditor.id, requestedByName: 'admin' } });
    expect(req.message).toMatch(/复核/);
    expect(JSON.stringify(req)).not.toMatch(/temporaryPassword/);
    const id = req.approval.id;
    // Nothing changed yet: the auditor's password and token still work.
    expect(await typed(srv.baseUrl, auditorToken).me()).toMatchObject({ username: 'auditor' });
    expect((await refused(admin().resetPassword(w.users.auditor.id))).status).toBe(409);

    // Who may not approve: the requester, the target, another user administrator, a person without duty.
    const admin2Id = await mkUser('admin2', ['admin']);
    const admin2 = client(srv.baseUrl, await login(srv.baseUrl, 'admin2', PW));
    for (const [who, c, code] of [['admin', w.c.admin, 'admin.approval_self'], ['auditor', w.c.auditor, 'admin.approval_self'], ['admin2', admin2, 'admin.approval_duty'], ['rm', w.c.rm, 'admin.approval_no_duty'], ['compliance', w.c.compliance, 'admin.approval_no_duty']] as const) {
      const r = await refused(c.api.admin.approvePasswordReset(id));
      expect([who, r.status, r.code]).toEqual([who, 403, code]);
    }
    expect((await refused(w.c.rm.api.admin.listPasswordResets())).status).toBe(403);
    const security = w.c.security.api.admin;
    expect(await security.listPasswordResets()).toEqual([expect.objectContaining({ id, username: 'auditor', requestedByName: 'admin' })]);
    expect(await typed(srv.baseUrl, auditorToken).me()).toMatchObject({ username: 'auditor' });

    const ok = await security.approvePasswordReset(id);
    expect(isStrongPassword(ok.temporaryPassword)).toBe(true);
    handedOut.push(ok.temporaryPassword);
    expect((await refused(security.approvePasswordReset(id))).status).toBe(409);
    expect(await security.listPasswordResets()).toEqual([]);
    expect((await refused(typed(srv.baseUrl, auditorToken).me())).status).toBe(401);
    const temp = await login(srv.baseUrl, 'auditor', ok.temporaryPassword);
    const changed = await typed(srv.baseUrl, temp).changePassword({ currentPassword: ok.temporaryPassword, newPassword: 'Audit#Mine-2026' });
    w.c.auditor = client(srv.baseUrl, changed.accessToken);
    // Every step is in the trail, with who asked and who approved.
    const trail = await w.c.auditor.api.audit.list({ recordId: w.users.auditor.id, object: 'user' });
    const steps = trail.items.map((e) => [e.action, e.actorName]).reverse();
    expect(steps).toEqual([['auth.api_key.create', 'admin'], ['admin.approval.request', 'admin'], ['admin.approval.approve', 'security'], ['admin.user.password_reset', 'security'], ['auth.password.change', 'auditor']]);
    expect(admin2Id).toBeDefined();
  });

  it('the administrator cannot give anyone (a user he made up included) the audit or security duty alone', async () => {
    const made = await refused(admin().createUser({ username: 'sock', password: PW, roles: ['auditor'] }));
    expect([made.status, made.code]).toEqual([403, 'admin.duty_grant_on_create']);
    expect((await refused(admin().createUser({ username: 'sock', password: PW, roles: ['security'] }))).status).toBe(403);
    const id = await mkUser('sock', []);
    const sock = typed(srv.baseUrl, await login(srv.baseUrl, 'sock', PW));
    const req = pending(await admin().updateUser(id, { roles: ['auditor'], displayName: '袜子' }));
    expect(req.approval).toMatchObject({ kind: 'role_grant', change: { roles: ['auditor'], displayName: '袜子' } });
    // Not applied: neither the role nor the other fields sent with it.
    expect((await refused(sock.audit.list({ limit: 1 }))).status).toBe(403);
    expect((await sql('SELECT roles, display_name FROM crm.users WHERE id = $1', [id])).rows[0]).toEqual({ roles: [], display_name: null });
    expect((await refused(admin().approveRoleGrant(req.approval.id))).status).toBe(403);
    const grants = await w.c.auditor.api.admin.listRoleGrants();
    expect(grants.map((g) => g.id)).toEqual([req.approval.id]);
    const ok = await w.c.security.api.admin.approveRoleGrant(req.approval.id);
    expect(ok.user).toMatchObject({ roles: ['auditor'], displayName: '袜子' });
    expect((await sock.audit.list({ limit: 1 })).items).toHaveLength(1);
    // Roles without those duties are still the administrator's alone.
    expect(applied(await admin().updateUser(id, { roles: ['rm'] }))).toMatchObject({ id, roles: ['rm'] });
  });

  it('nor clear personal data: a role that unmasks (compliance) is a four-eyes grant, for people and service accounts, and so is its holder\'s reset', async () => {
    const svc = await refused(admin().createUser({ username: 'clear_svc', serviceAccount: true, roles: ['compliance'] }));
    expect([svc.status, svc.code]).toEqual([403, 'admin.duty_grant_on_create']);
    const made = await admin().createUser({ username: 'clear_svc', serviceAccount: true, roles: [] });
    expect(made).toMatchObject({ username: 'clear_svc', serviceAccount: true, roles: [] });
    const asked = pending(await admin().updateUser(made.id, { roles: ['compliance'] }));
    expect((await sql('SELECT roles FROM crm.users WHERE id = $1', [made.id])).rows[0].roles).toEqual([]);
    // Adding a role that does not unmask to a holder of one needs no second person; adding one that does, does.
    const rmId = await mkUser('clear_rm', ['rm']);
    pending(await admin().updateUser(rmId, { roles: ['rm', 'compliance'] }));
    const reset = pending(await admin().resetPassword(w.users.compliance.id));
    expect(await typed(srv.baseUrl, w.tokens.compliance).me()).toMatchObject({ username: 'compliance' });
    // A request is withdrawn by its requester or declined by a possible approver — never by anyone else — and nothing is applied.
    const resetId = reset.approval.id;
    for (const [who, c] of [['rm', w.c.rm], ['compliance', w.c.compliance]] as const) {
      const r = await refused(c.api.admin.rejectApproval({ id: resetId, kind: 'password_reset' }));
      expect([who, r.status]).toEqual([who, 403]);
    }
    expect(await w.c.auditor.api.admin.rejectApproval({ id: resetId, kind: 'password_reset' })).toEqual({ id: resetId, status: 'rejected' });
    expect((await refused(w.c.security.api.admin.approvePasswordReset(resetId))).status).toBe(409);
    expect(await typed(srv.baseUrl, w.tokens.compliance).me()).toMatchObject({ username: 'compliance' });
    const again = pending(await admin().resetPassword(w.users.compliance.id));
    expect(await admin().rejectApproval({ id: again.approval.id, kind: 'password_reset' })).toEqual({ id: again.approval.id, status: 'rejected' });
    expect(await w.c.security.api.admin.listPasswordResets()).toEqual([]);
    const decided = await sql(`SELECT a.status, u.username FROM crm.admin_approvals a JOIN crm.users u ON u.id = a.decided_by WHERE a.kind = 'password_reset' AND a.target_user_id = $1 ORDER BY a.decided_at`, [w.users.compliance.id]);
    expect(decided.rows).toEqual([{ status: 'rejected', username: 'auditor' }, { status: 'rejected', username: 'admin' }]);
    const approved = await w.c.security.api.admin.approveRoleGrant(asked.approval.id);
    expect(approved.user.roles).toEqual(['compliance']);
  });

  it('control characters in names are a 400 on login, user creation and every auth/admin text input — never a 500', async () => {
    for (const username of ['\u0000', 'ad\u0000min', 'rm\u0007', 'a\nb']) {
      const r = await refused(anonymous().login({ username, password: 'x' }));
      expect([JSON.stringify(username), r.status, r.code]).toEqual([JSON.stringify(username), 400, 'common.validation_failed']);
      expect(r.fieldErrors[0].path).toBe('/username');
    }
    expect((await refused(anonymous().login({ username: 'rm', password: 'a\u0000b' }))).status).toBe(401);
    const security = w.c.security.api.admin;
    const bad: [string, () => Promise<unknown>][] = [
      ['POST /api/admin/users username', () => admin().createUser({ username: 'x\u0000y', password: PW, roles: [] })],
      ['POST /api/admin/users displayName', () => admin().createUser({ username: 'okname', password: PW, displayName: '\u0000', roles: [] })],
      ['PATCH /api/admin/users/:id', () => admin().updateUser(w.users.rm.id, { displayName: 'a\u0000' })],
      ['GET /api/admin/users?search=%00', () => admin().listUsers({ search: '\u0000' })],
      ['POST /api/auth/api-keys', () => w.c.rm.api.createApiKey({ name: 'k\u0000' })],
      ['POST /api/admin/roles name', () => security.createRole({ key: 'ctl', name: 'n\u0000', permissions: [] })],
      ['PATCH /api/admin/roles/rm', () => security.updateRole('rm', { description: '\u0000' })],
      ['POST /api/admin/org-units', () => admin().createOrgUnit({ name: '\u0000', parentId: w.units.HO })],
      ['PATCH /api/admin/org-units/:id', () => admin().updateOrgUnit(w.units.HO, { code: 'H\u0000' })],
      ['POST /api/auth/change-password', () => w.c.rm.api.changePassword({ currentPassword: 'Demo@2026', newPassword: '\u0000' })],
      ['POST /api/admin/roles scope filter', () => security.createRole({ key: 'ctl', name: 'n', permissions: [{ object: 'client', actions: ['read'], scope: { filter: { name: 'a\u0000' } } }] })],
    ];
    for (const [what, send] of bad) {
      expect([what, (await refused(send())).status]).toEqual([what, 400]);
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
    const view = JSON.stringify(await w.c.auditor.api.audit.list({ action: 'admin.user.password_reset' }));
    for (const secret of handedOut) expect(view.includes(secret)).toBe(false);
    expect(view).toMatch(/revokedApiKeys/);
  });
});
