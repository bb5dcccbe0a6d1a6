/**
 * Directory login against a real OpenLDAP (`slapd` started here): provisioning on first login with
 * roles from group mapping and the org unit from an attribute, roles following the directory at each
 * login, no role → no access, local break-glass accounts never taken over, filter injection, password
 * changes refused for directory accounts, accounts gone from the directory disabled by the sync with
 * their sessions ended, and a directory that is down (503, local accounts still work).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Attribute, Change, Client } from 'ldapts';
import { spawnServer, freePort, startServer, TEST_DATA_KEY, TEST_SECRET, type TestServer } from '../harness/server.js';
import { as, refused, typed } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { baseLdif, startSlapd, type Slapd } from '../harness/slapd.js';

const S = 'dc=bank,dc=test';
const LDIF = `${baseLdif(S)}
dn: ou=services,${S}
objectClass: organizationalUnit
ou: services

dn: cn=crm-svc,ou=services,${S}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: crm-svc
userPassword: Svc@2026secret

${[
  ['zhangsan', '张三', 'Zs@2026pass', 'SH-PD-T1'],
  ['lisi', '李四', 'Ls@2026pass', 'SH-PD'],
  ['wangwu', '王五', 'Ww@2026pass', 'SH-PD'],
  ['zhaoliu', '赵六', 'Zl@2026pass', 'SH-PD-T1'],
  ['admin', '目录里的同名账号', 'Directory@1', 'HO-IT'],
]
  .map(([uid, cn, pw, dept]) => `dn: uid=${uid},ou=people,${S}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${cn}
sn: ${cn!.slice(0, 1)}
departmentNumber: ${dept}
userPassword: ${pw}
`)
  .join('\n')}
dn: cn=crm-rm,ou=groups,${S}
objectClass: groupOfNames
cn: crm-rm
member: uid=zhangsan,ou=people,${S}
member: uid=zhaoliu,ou=people,${S}

dn: cn=crm-manager,ou=groups,${S}
objectClass: groupOfNames
cn: crm-manager
member: uid=lisi,ou=people,${S}

dn: cn=canteen,ou=groups,${S}
objectClass: groupOfNames
cn: canteen
member: uid=wangwu,ou=people,${S}
member: uid=admin,ou=people,${S}
`;

let ldap: Slapd;
let srv: TestServer;
const ldapEnv = () => ({
  CRM_LDAP_URL: ldap.url,
  CRM_LDAP_BIND_DN: `cn=crm-svc,ou=services,${S}`,
  CRM_LDAP_BIND_PASSWORD: 'Svc@2026secret',
  CRM_LDAP_USER_BASE: `ou=people,${S}`,
  CRM_LDAP_GROUP_BASE: `ou=groups,${S}`,
  CRM_LDAP_GROUP_ROLES: JSON.stringify({ 'crm-rm': 'rm', [`cn=crm-manager,ou=groups,${S}`]: ['manager'], 'crm-ghost': 'no_such_role' }),
  CRM_LDAP_ORG_ATTRIBUTE: 'departmentNumber',
  CRM_LDAP_TIMEOUT_MS: '2000',
  CRM_LDAP_SYNC_INTERVAL_MS: '0',
});

async function asRoot<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ url: ldap.url });
  await c.bind(ldap.rootDn, ldap.rootPassword);
  try {
    return await fn(c);
  } finally {
    await c.unbind();
  }
}

const member = (operation: 'add' | 'delete', uid: string) =>
  new Change({ operation, modification: new Attribute({ type: 'member', values: [`uid=${uid},ou=people,${S}`] }) });
const login = (username: string, password: string) => typed(srv.baseUrl).login({ username, password });
/** The status and code of a refused login. */
const loginRefused = async (username: string, password: string) => {
  const e = await refused(login(username, password));
  return { status: e.status, code: e.code };
};
const sql = (text: string, params: unknown[] = []) => withClient(srv.dbUrl, (c) => c.query(text, params));

beforeAll(async () => {
  ldap = await startSlapd(LDIF);
  srv = await startServer({ env: ldapEnv() });
}, 60000);
afterAll(async () => {
  await srv?.stop();
  await ldap?.stop();
});

describe('directory login (LDAP)', () => {
  it('provisions a directory user at the first login with mapped roles and org unit, and audits it', async () => {
    const r = await login('zhangsan', 'Zs@2026pass');
    const me = await typed(srv.baseUrl, r.accessToken).me();
    expect(me).toMatchObject({ username: 'zhangsan', roles: ['rm'] });
    const row = (await sql(`SELECT u.auth_source, u.external_id, u.external_dn, u.password_hash, u.display_name, o.code FROM crm.users u LEFT JOIN crm.org_units o ON o.id = u.org_unit_id WHERE u.username = 'zhangsan'`)).rows[0];
    expect(row).toMatchObject({ auth_source: 'ldap', external_dn: `uid=zhangsan,ou=people,${S}`, display_name: '张三', code: 'SH-PD-T1' });
    expect(row.external_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.password_hash).toBe('!directory');
    const auditor = await as(srv.baseUrl, 'auditor');
    const logins = await auditor.api.audit.list({ action: 'auth.login', actor: 'zhangsan' });
    expect(logins.items[0]).toMatchObject({ outcome: 'success', data: { method: 'ldap', provisioned: true } });
    expect((await auditor.api.audit.list({ action: 'user.provisioned' })).items[0]!.data).toMatchObject({ source: 'ldap', roles: ['rm'] });
  });

  it('refuses wrong and empty passwords, and never lets a filter match someone else', async () => {
    expect(await loginRefused('zhangsan', 'wrong-password')).toEqual({ status: 401, code: 'auth.invalid_credentials' });
    expect((await loginRefused('zhangsan', '')).status).toBe(400);
    // A filter in the name is a value, not a filter: no entry is called "*" or "zhangsan)(uid=*".
    for (const name of ['*', 'zhangsan)(uid=*', 'zhang*']) {
      const r = await loginRefused(name, 'Zs@2026pass');
      expect([name, r.status]).toEqual([name, r.status === 400 ? 400 : 401]);
    }
    expect((await sql(`SELECT count(*)::int AS n FROM crm.users WHERE auth_source = 'ldap'`)).rows[0].n).toBe(1);
  });

  it('refuses a directory user in no mapped group (and a mapping to a role that does not exist gives nothing)', async () => {
    expect(await loginRefused('wangwu', 'Ww@2026pass')).toEqual({ status: 403, code: 'auth.no_role' });
    expect((await sql(`SELECT count(*)::int AS n FROM crm.users WHERE username = 'wangwu'`)).rows[0].n).toBe(0);
  });

  it('keeps local accounts local: the directory never takes over a local name', async () => {
    expect((await loginRefused('admin', 'Directory@1')).status).toBe(401);
    expect((await login('admin', 'Demo@2026')).user.username).toBe('admin');
    expect((await sql(`SELECT auth_source FROM crm.users WHERE username = 'admin'`)).rows[0].auth_source).toBe('local');
  });

  it('refuses setting or resetting the password of a directory account', async () => {
    const zs = typed(srv.baseUrl, (await login('zhangsan', 'Zs@2026pass')).accessToken);
    const change = await refused(zs.changePassword({ currentPassword: 'Zs@2026pass', newPassword: 'New@2026pass' }));
    expect(change.status).toBe(400);
    const admin = await as(srv.baseUrl, 'admin');
    const id = (await sql(`SELECT id FROM crm.users WHERE username = 'zhangsan'`)).rows[0].id;
    const reset = await refused(admin.api.admin.resetPassword(id));
    expect([reset.status, reset.code]).toEqual([400, 'auth.directory_account']);
  });

  it('follows the directory at each login: roles and org unit change with the groups', async () => {
    await asRoot(async (c) => {
      await c.modify(`cn=crm-manager,ou=groups,${S}`, [member('add', 'zhaoliu')]);
      await c.modify(`cn=crm-rm,ou=groups,${S}`, [member('delete', 'zhaoliu')]);
    });
    const r = await login('zhaoliu', 'Zl@2026pass');
    expect(r.user.roles).toEqual(['manager']);
    // A second login after the directory changes again: the roles follow, and the change is audited.
    await asRoot((c) => c.modify(`cn=crm-rm,ou=groups,${S}`, [member('add', 'zhaoliu')]));
    expect((await login('zhaoliu', 'Zl@2026pass')).user.roles).toEqual(['manager', 'rm']);
    const auditor = await as(srv.baseUrl, 'auditor');
    const synced = await auditor.api.audit.list({ action: 'user.directory_synced' });
    expect((synced.items[0]!.data as { roles: unknown }).roles).toEqual({ from: ['manager'], to: ['manager', 'rm'] });
  });

  it('locks a directory name after repeated failures, like a local one', async () => {
    for (let i = 1; i <= 4; i++) expect((await loginRefused('lisi', `wrong-${i}`)).status).toBe(401);
    expect((await loginRefused('lisi', 'wrong-5')).status).toBe(423);
    expect((await loginRefused('lisi', 'Ls@2026pass')).status).toBe(423);
  });

  it('disables accounts gone from the directory and ends their sessions; only user administrators run the sync', async () => {
    const token = (await login('zhangsan', 'Zs@2026pass')).accessToken;
    expect((await typed(srv.baseUrl, token).me()).username).toBe('zhangsan');
    await asRoot((c) => c.del(`uid=zhangsan,ou=people,${S}`));
    const rm = await as(srv.baseUrl, 'rm');
    expect((await refused(rm.api.admin.syncDirectory())).status).toBe(403);
    const admin = await as(srv.baseUrl, 'admin');
    const sync = await admin.api.admin.syncDirectory();
    expect(sync).toMatchObject({ disabled: ['zhangsan'], busy: false });
    expect(sync.checked).toBeGreaterThanOrEqual(2);
    expect((await refused(typed(srv.baseUrl, token).me())).status).toBe(401);
    expect((await loginRefused('zhangsan', 'Zs@2026pass')).status).toBe(401);
    expect((await sql(`SELECT disabled FROM crm.users WHERE username = 'zhaoliu'`)).rows[0].disabled).toBe(false);
    const again = await admin.api.admin.syncDirectory();
    expect(again.disabled).toEqual([]);
  });

  it('shows the deployment\'s directory settings on the settings API without the password, and a save takes over', async () => {
    const security = await as(srv.baseUrl, 'security');
    const shown = await security.api.admin.ssoSettings();
    expect(shown.ldap).toMatchObject({ source: 'environment', secretSet: true, settings: { url: ldap.url, userBase: `ou=people,${S}` } });
    expect(JSON.stringify(shown)).not.toContain('Svc@2026secret');
    // Only the security administrator; a bad value is 400, an http issuer without the test flag too.
    expect((await refused((await as(srv.baseUrl, 'admin')).api.admin.ssoSettings())).status).toBe(403);
    expect((await refused(security.api.admin.saveLdapSettings({ ...shown.ldap.settings!, url: 'http://x' }))).status).toBe(400);
    expect((await refused(security.api.admin.saveOidcSettings({ enabled: true, issuer: 'http://idp.test', clientId: 'c', redirectUri: 'http://crm.test/cb', roleMap: { a: ['rm'] } }))).code).toBe('sso.https_required');
    // Saved without a password: the deployment's is kept, and the directory still binds with it.
    const saved = await security.api.admin.saveLdapSettings({ ...shown.ldap.settings!, timeoutMs: 4000 });
    expect(saved.ldap).toMatchObject({ source: 'database', secretSet: true, updatedBy: 'security', settings: { timeoutMs: 4000 } });
    expect(await security.api.admin.testSso('ldap', { username: 'lisi' })).toMatchObject({ ok: true, details: { roles: ['manager'] } });
    const audit = await (await as(srv.baseUrl, 'auditor')).api.audit.list({ action: 'sso.settings' });
    expect(JSON.stringify(audit.items)).not.toContain('Svc@2026secret');
  });

  it('answers 503 when the directory is down, and local accounts still log in', async () => {
    await ldap.stop();
    const r = await refused(login('zhaoliu', 'Zl@2026pass'));
    expect([r.status, r.code]).toEqual([503, 'auth.directory_unavailable']);
    expect(JSON.stringify({ code: r.code, message: r.message, details: r.details })).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Svc@2026/);
    expect((await login('admin', 'Demo@2026')).user.username).toBe('admin');
    const admin = await as(srv.baseUrl, 'admin');
    const down = await refused(admin.api.admin.syncDirectory());
    if (down.status !== 503) console.log(down, srv.output().slice(-4000));
    expect(down.status).toBe(503);
    // An outage is not a failed attempt: the name is not locked by it.
    expect((await sql(`SELECT coalesce(max(failures), 0)::int AS n FROM crm.login_attempts WHERE username = 'zhaoliu'`)).rows[0].n).toBe(0);
    expect(srv.output()).not.toContain('Svc@2026secret');
  });
});

describe('directory settings', () => {
  it('stops start-up with a message naming a bad CRM_LDAP_* value', async () => {
    for (const [env, names] of [
      [{ CRM_LDAP_URL: 'http://directory.bank' }, 'CRM_LDAP_URL'],
      [{ CRM_LDAP_URL: 'ldap://127.0.0.1:1', CRM_LDAP_BIND_DN: 'cn=x' }, 'CRM_LDAP_BIND_PASSWORD'],
      [{ ...ldapEnvStatic(), CRM_LDAP_GROUP_ROLES: '{"crm-rm": 42}' }, 'CRM_LDAP_GROUP_ROLES'],
    ] as const) {
      const proc = spawnServer({ PORT: String(await freePort()), DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none', CRM_SECRET: TEST_SECRET, CRM_DATA_KEY: TEST_DATA_KEY, ...env });
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
      expect([names, code]).toEqual([names, expect.any(Number)]);
      expect(code).not.toBe(0);
      expect(out).toContain(names);
    }
  });
});

function ldapEnvStatic() {
  return {
    CRM_LDAP_URL: 'ldap://127.0.0.1:1',
    CRM_LDAP_BIND_DN: 'cn=x',
    CRM_LDAP_BIND_PASSWORD: 'x',
    CRM_LDAP_USER_BASE: 'ou=people',
    CRM_LDAP_GROUP_BASE: 'ou=groups',
  };
}
