/**
 * The bank CRM pack on a fresh demo start: the pack is installed, the demo bank is loaded, and the
 * demo users see a working bank — customers by role with masking, the 360° view, the relationship
 * network and guarantee circles, rule tags and segments, and every process end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client, auditor: Client, approver: Client;

async function until<T>(fn: () => Promise<T | undefined | false | null>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function taskFor(c: Client, instanceId: string, activityId: string) {
  return until(async () => {
    const r = await c.get('/api/tasks?scope=all');
    expect(r.status).toBe(200);
    return (r.body.items as any[]).find((t) => t.processInstanceId === instanceId && t.activityId === activityId);
  });
}

async function instanceOf(businessKey: string, definitionKey: string) {
  return until(async () => {
    const r = await analyst.get(`/api/process-instances?definitionKey=${definitionKey}`);
    return (r.body.items as any[]).find((i) => i.businessKey === businessKey);
  });
}

async function instance(id: string) {
  const r = await analyst.get(`/api/process-instances/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function complete(c: Client, taskId: string, variables: Record<string, unknown> = {}) {
  const r = await c.post(`/api/tasks/${taskId}/complete`, { variables });
  if (r.status !== 200) console.log(JSON.stringify(r.body));
  expect(r.status).toBe(200);
}

async function myCustomer(): Promise<any> {
  const me = (await rm.get('/api/auth/me')).body;
  const r = await rm.post('/api/records/customer/query', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 });
  expect(r.status).toBe(200);
  return r.body.items[0];
}

beforeAll(async () => {
  srv = await startServer({
    env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '400', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100' },
    timeoutMs: 120000,
  });
  [analyst, rm, manager, compliance, auditor, approver] = await Promise.all(
    ['analyst', 'rm', 'manager', 'compliance', 'auditor', 'approver'].map((u) => as(srv.baseUrl, u)),
  );
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('demo start', () => {
  it('installs the pack and loads the demo bank', async () => {
    const t = await analyst.get('/api/templates');
    expect(t.status).toBe(200);
    expect(t.body.items[0]).toMatchObject({ key: 'bank-crm', installed: { version: '1.0.0' } });
    const objects = (await analyst.get('/api/meta/objects')).body;
    const keys = (Array.isArray(objects) ? objects : objects.items).map((o: any) => o.key);
    expect(keys).toEqual(expect.arrayContaining(['customer', 'holding', 'relationship', 'interaction', 'consent', 'product', 'complaint', 'loan_application', 'lead', 'customer_tag', 'segment']));
    const defs = (await analyst.get('/api/process-definitions')).body;
    expect((Array.isArray(defs) ? defs : defs.items).map((d: any) => d.key)).toEqual(expect.arrayContaining(['bank_complaint', 'bank_loan_application', 'bank_kyc_review', 'bank_lead_assignment']));
  });

  it('shows rm the customers of their own team, ID numbers masked', async () => {
    const r = await rm.post('/api/records/customer/query', { filter: { customer_type: 'individual' }, limit: 50, total: true });
    expect(r.status).toBe(200);
    expect(r.body.total).toBeGreaterThan(10);
    const me = (await rm.get('/api/auth/me')).body;
    const all = await compliance.post('/api/records/customer/query', { limit: 1, total: true });
    expect(r.body.total).toBeLessThan(all.body.total);
    for (const c of r.body.items) {
      expect(c.org_unit_id).toBe(me.orgUnitId ?? me.org_unit_id ?? c.org_unit_id);
      expect(String(c.id_number)).toMatch(/\*/);
    }
    const clear = await compliance.get(`/api/records/customer/${r.body.items[0].id}`);
    expect(clear.body.id_number).toMatch(/^\d{17}[\dX]$/);
    const audit = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'record.read_unmasked' AND record_id = $1`, [r.body.items[0].id]));
    expect(audit.rows[0].n).toBeGreaterThan(0);
    expect((await auditor.post('/api/records/customer/query', { limit: 1 })).status).toBe(403);
  });
});
