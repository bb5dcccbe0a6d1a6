/**
 * Call-centre screen pop on the demo bank: `GET /api/customers/lookup?phone=` finds the caller's
 * customer through the keyed hash of the encrypted mobile (any common spelling of the number), shows
 * it as the caller may see it, logs the call as an interaction, and audits the lookup with the number
 * masked. Another team's customer is simply not found (no existence oracle); bad queries are 400.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { RecordData } from '@crm/shared';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';

type Client = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let rm: Client, compliance: Client;
let mine: RecordData & { mobile: string; id_number: string | null };
let foreign: RecordData & { mobile: string };

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '300' }, timeoutMs: 120000 });
  [rm, compliance] = await Promise.all(['rm', 'compliance'].map((u) => as(srv.baseUrl, u)));
  const me = await rm.api.me();
  // Compliance reads numbers in clear (audited); rm sees them masked.
  mine = (await compliance.api.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0] as typeof mine;
  foreign = (await compliance.api.records.query('customer', { filter: { province: '浙江省', customer_type: 'individual' }, limit: 1 })).items[0] as typeof foreign;
  expect(mine.mobile).toMatch(/^1\d{10}$/);
  expect(foreign.mobile).toMatch(/^1\d{10}$/);
  expect((await refused(rm.api.records.get('customer', foreign.id))).status).toBe(404);
}, 150000);
afterAll(async () => {
  await srv?.stop();
});

const interactions = (customer: string) =>
  withClient(srv.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm_data.interaction WHERE customer = $1 AND deleted_at IS NULL`, [customer])).rows[0].n as number);

describe('call-centre lookup', () => {
  it("finds the caller's customer by mobile, masked as rm sees it, and logs the call", async () => {
    const before = await interactions(mine.id);
    const r = await rm.api.customers.lookup({ phone: mine.mobile });
    expect(r.items).toHaveLength(1);
    const hit = r.items[0];
    expect(hit).toMatchObject({ id: mine.id, name: expect.any(String), customer_no: expect.any(String) });
    expect(hit.mobile).not.toBe(mine.mobile); // masked for a customer manager
    expect(hit.mobile).toMatch(/\*/);
    expect(hit).not.toHaveProperty('id_number');
    expect(r.interactionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await interactions(mine.id)).toBe(before + 1);
    // The same number as a caller ID shows it: +86, spaces, dashes.
    const spelled = `+86 ${mine.mobile.slice(0, 3)}-${mine.mobile.slice(3, 7)} ${mine.mobile.slice(7)}`;
    const again = await rm.api.customers.lookup({ phone: spelled, log: '0' });
    expect(again.items.map((x) => x.id)).toEqual([mine.id]);
    expect(again.interactionId).toBeNull();
    expect(await interactions(mine.id)).toBe(before + 1);
  });

  it('finds by ID number too', async () => {
    if (!mine.id_number) return;
    const r = await rm.api.customers.lookup({ idNumber: mine.id_number.toLowerCase(), log: '0' });
    expect(r.items.map((x) => x.id)).toEqual([mine.id]);
  });

  it("does not find another team's customer, and says nothing about it", async () => {
    const before = await interactions(foreign.id);
    const r = await rm.api.customers.lookup({ phone: foreign.mobile });
    expect(r).toEqual({ items: [], interactionId: null });
    expect(await interactions(foreign.id)).toBe(before);
    // Compliance, whose scope is the whole bank, finds the same number.
    const all = await compliance.api.customers.lookup({ phone: foreign.mobile, log: '0' });
    expect(all.items.map((x) => x.id)).toEqual([foreign.id]);
  });

  it('refuses a malformed query with 400', async () => {
    // Raw query strings: malformed and unknown parameters on purpose.
    for (const q of ['', `phone=${mine.mobile}&idNumber=X1234567`, 'phone=abc', 'phone=1', 'idNumber=%27%3B--', 'phone=13800000000&extra=1']) {
      const r = await rm.get(`/api/customers/lookup?${q}`);
      expect([q, r.status]).toEqual([q, 400]);
    }
  });

  it('audits every lookup with the number masked, never in clear', async () => {
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT data FROM crm.audit_log WHERE action = 'customers.lookup' ORDER BY seq`));
    expect(rows.rows.length).toBeGreaterThanOrEqual(4);
    const text = JSON.stringify(rows.rows);
    expect(text).not.toContain(mine.mobile);
    expect(text).not.toContain(foreign.mobile);
    expect(rows.rows[0].data).toMatchObject({ by: 'mobile', matches: 1 });
  });
});
