/**
 * Shared set-up for the access, privacy and audit tests: a `client` (客户) object designed through the API
 * by the analyst, object permissions granted by the security administrator, and extra relationship
 * managers created by the system administrator in other teams.
 */
import { expect } from '@jest/globals';
import { as, client, login } from '../harness/http.js';
import type { TestServer } from '../harness/server.js';

export type Client = ReturnType<typeof client>;
export const DEMO_ROLES = ['admin', 'security', 'analyst', 'manager', 'rm', 'compliance', 'auditor'] as const;
export type DemoRole = (typeof DEMO_ROLES)[number];

export const CUSTOMER_FIELDS = [
  { key: 'name', label: { 'zh-CN': '客户名称', en: 'Name' }, type: 'text', required: true },
  { key: 'id_number', label: { 'zh-CN': '身份证号', en: 'ID number' }, type: 'cn_id_number', sensitivity: 4 },
  { key: 'mobile', label: { 'zh-CN': '手机号', en: 'Mobile' }, type: 'phone', sensitivity: 3 },
  { key: 'note', label: { 'zh-CN': '备注', en: 'Note' }, type: 'text', options: { maxLength: 200 } },
  // Readable by managers and compliance only; hidden ("none") from relationship managers.
  { key: 'rating', label: { 'zh-CN': '内部评级', en: 'Internal rating' }, type: 'text' },
];

/** The object permissions the security administrator grants for `client`. */
export const CUSTOMER_GRANTS: Record<string, unknown[]> = {
  rm: [{ object: 'client', actions: ['create', 'read', 'update', 'delete'], scope: 'team', fields: { note: 'write', rating: 'none' } }],
  manager: [{ object: 'client', actions: ['read'], scope: 'org_subtree' }],
  compliance: [{ object: 'client', actions: ['read'], scope: 'all', unmask: true }],
  auditor: [],
};

/** A valid 18-digit resident ID number (GB 11643 check digit) from its first 17 digits. */
export function idNumber(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** Valid ID numbers that end in "1234" (the masking example of the spec), distinct by birth date. */
export function idNumbersEnding1234(n: number): string[] {
  const out: string[] = [];
  for (let day = 1; out.length < n && day < 400; day++) {
    const d = new Date(Date.UTC(1980, 0, day));
    const birth = d.toISOString().slice(0, 10).replace(/-/g, '');
    const id = idNumber(`110101${birth}123`);
    if (id.endsWith('4')) out.push(id);
  }
  if (out.length < n) throw new Error('not enough ID numbers');
  return out;
}

export interface World {
  srv: TestServer;
  c: Record<DemoRole, Client> & Record<string, Client>;
  tokens: Record<string, string>;
  users: Record<string, { id: string; orgUnitId: string | null }>;
  units: Record<string, string>;
}

/** Logs every demo user in, designs `client`, grants permissions, and adds rm_peer (same team) and rm_hz (another branch). */
export async function setupWorld(srv: TestServer, opts: { extraUsers?: boolean } = {}): Promise<World> {
  const tokens: Record<string, string> = {};
  for (const r of DEMO_ROLES) tokens[r] = await login(srv.baseUrl, r);
  const c = Object.fromEntries(Object.entries(tokens).map(([k, t]) => [k, client(srv.baseUrl, t)])) as World['c'];

  const created = await c.analyst.post('/api/meta/objects', { key: 'client', label: { 'zh-CN': '客户', en: 'Customer' }, fields: CUSTOMER_FIELDS });
  expect(created.status).toBe(201);
  for (const [role, permissions] of Object.entries(CUSTOMER_GRANTS)) {
    const r = await c.security.patch(`/api/admin/roles/${role}`, { permissions });
    expect(r.status).toBe(200);
  }

  const org = await c.admin.get('/api/admin/org-units');
  expect(org.status).toBe(200);
  const units: Record<string, string> = Object.fromEntries(org.body.items.map((u: { code: string; id: string }) => [u.code, u.id]));
  const list = await c.admin.get('/api/admin/users');
  const users: World['users'] = Object.fromEntries(list.body.items.map((u: { username: string; id: string; orgUnitId: string | null }) => [u.username, { id: u.id, orgUnitId: u.orgUnitId }]));

  if (opts.extraUsers !== false) {
    for (const [username, unit] of [['rm_peer', 'SH-PD-T1'], ['rm_hz', 'HZ-XH-T1']] as const) {
      const r = await c.admin.post('/api/admin/users', { username, password: 'Demo@2026', displayName: username, roles: ['rm'], orgUnitId: units[unit] });
      expect(r.status).toBe(201);
      users[username] = { id: r.body.id, orgUnitId: r.body.orgUnitId };
      tokens[username] = await login(srv.baseUrl, username);
      c[username] = client(srv.baseUrl, tokens[username]);
    }
  }
  return { srv, c, tokens, users, units };
}

export { as };
