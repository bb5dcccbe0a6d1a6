/**
 * The relationship network leaks nothing a role may not see: from/to/type and every other field of
 * an edge follow the role's field modes and masks (a field in `none` is absent, in `masked` masked),
 * and a role that cannot read who is linked to whom in clear (from/to masked or hidden) gets the
 * root alone — neither the edges nor the ids of the customers behind them. The 360° view, which
 * embeds the network, says the same.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { FieldAccess, Permission } from '@crm/shared';
import { as } from '../harness/http.js';
import { idNumber } from './access-setup.js';

type Client = Awaited<ReturnType<typeof as>>;

const NOTE = 'NOTE-GUARANTEE-SECRET-41';
const AMOUNT = '7654321.00';
const READ_CUSTOMERS: Permission = { object: 'customer', actions: ['read'], scope: 'all' };
const ROLES: Record<string, Record<string, FieldAccess>> = {
  net_ends_masked: { from_customer: 'masked', to_customer: 'masked' },
  net_ends_hidden: { from_customer: 'none', to_customer: 'none' },
  net_to_hidden: { to_customer: 'none' },
  net_type_hidden: { rel_type: 'none', note: 'none', guarantee_amount: 'masked' },
};

let srv: TestServer;
let rm: Client;
const users: Record<string, Client> = {};
let a: string, b: string;

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0' }, timeoutMs: 120000 });
  const [security, admin] = await Promise.all([as(srv.baseUrl, 'security'), as(srv.baseUrl, 'admin')]);
  rm = await as(srv.baseUrl, 'rm');
  const one = await rm.api.records.create('customer', { customer_type: 'individual', name: '网络甲', id_number: idNumber('31011519850615101') });
  const two = await rm.api.records.create('customer', { customer_type: 'individual', name: '网络乙', id_number: idNumber('31011519850615202') });
  [a, b] = [one.id, two.id];
  const rel = await rm.api.records.create('relationship', { from_customer: a, to_customer: b, rel_type: 'guarantor', guarantee_amount: AMOUNT, note: NOTE });
  expect(rel).toMatchObject({ from_customer: a, to_customer: b });
  for (const [key, fields] of Object.entries(ROLES)) {
    const role = await security.api.admin.createRole({ key, name: key, permissions: [READ_CUSTOMERS, { object: 'relationship', actions: ['read'], scope: 'all', fields }] });
    expect(role.key).toBe(key);
    const user = await admin.api.admin.createUser({ username: key.replace(/_/g, '-'), password: 'Demo@2026', displayName: key, roles: [key] });
    expect(user.roles).toEqual([key]);
    users[key] = await as(srv.baseUrl, key.replace(/_/g, '-'));
  }
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

const network = (c: Client) => c.api.customers.network(a, 3);

describe('the relationship network follows field modes and masks', () => {
  it('shows a full reader the edge with its ends, type and fields (the baseline the other roles are cut from)', async () => {
    const net = await network(rm);
    expect(net.restricted).toBeUndefined();
    expect(net.nodes.map((n) => n.id).sort()).toEqual([a, b].sort());
    expect(net.edges).toEqual([expect.objectContaining({ from: a, to: b, type: 'guarantor', guarantee_amount: AMOUNT, note: NOTE })]);
  });

  it.each(['net_ends_masked', 'net_ends_hidden', 'net_to_hidden'])('gives %s (who may not read both ends in clear) the root alone', async (role) => {
    const net = await network(users[role]!);
    expect(net).toMatchObject({ root: a, edges: [], restricted: true, truncated: false });
    expect(net.nodes).toEqual([expect.objectContaining({ id: a, depth: 0 })]);
    const text = JSON.stringify(net);
    for (const leak of [b, 'guarantor', NOTE, AMOUNT]) expect(text).not.toContain(leak);
    const view = await users[role]!.api.customers.get360(a);
    expect(view.relationships).toEqual({ items: [], nodes: [expect.objectContaining({ id: a })] });
    expect(JSON.stringify(view)).not.toContain(b);
  });

  it('leaves a hidden type and note out of the edge and masks a masked amount', async () => {
    const net = await network(users.net_type_hidden!);
    expect(net.edges).toHaveLength(1);
    const edge = net.edges[0];
    expect(edge).toMatchObject({ from: a, to: b, guarantee_amount: '****' });
    for (const hidden of ['type', 'rel_type', 'note']) expect(edge).not.toHaveProperty(hidden);
    const text = JSON.stringify(net);
    for (const leak of ['guarantor', NOTE, AMOUNT]) expect(text).not.toContain(leak);
    const view = await users.net_type_hidden!.api.customers.get360(a);
    expect(view.relationships.items).toEqual(net.edges.filter((e) => e.from === a || e.to === a));
    expect(JSON.stringify(view.relationships)).not.toContain(NOTE);
  });
});
