/**
 * Installing the bank-crm template is one transaction: when any part fails, nothing of it remains.
 * And on a server without it, installing works through the API and a second install changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client;

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'none', CRM_DEMO_CUSTOMERS: '0', CRM_BANK_COMPLAINT_SLA: 'PT36H' } });
  analyst = await as(srv.baseUrl, 'analyst');
}, 90000);

afterAll(async () => {
  await srv?.stop();
});

const counts = () =>
  withClient(srv.dbUrl, async (c) => {
    const q = async (sql: string) => (await c.query(sql)).rows[0].n as number;
    return {
      objects: await q('SELECT count(*)::int AS n FROM crm.objects'),
      forms: await q('SELECT count(*)::int AS n FROM crm.forms'),
      processes: await q('SELECT count(*)::int AS n FROM crm.wf_definitions'),
      decisions: await q('SELECT count(*)::int AS n FROM crm.wf_decisions'),
      triggers: await q('SELECT count(*)::int AS n FROM crm.wf_triggers'),
      roles: await q('SELECT count(*)::int AS n FROM crm.roles'),
      rolePermissions: await q(`SELECT count(*)::int AS n FROM crm.roles WHERE permissions::text LIKE '%"customer"%'`),
      tables: await q(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'crm_data'`),
    };
  });

describe('installing bank-crm', () => {
  it('rolls everything back when one part fails', async () => {
    // A designer's own "segment" object whose "filter" holds text that cannot become the pack's JSON field.
    const o = await analyst.post('/api/meta/objects', { key: 'segment', label: '客群', fields: [{ key: 'filter', label: '条件', type: 'text' }] });
    expect(o.status).toBe(201);
    expect((await analyst.post('/api/records/segment', { filter: 'not json' })).status).toBe(201);
    const before = await counts();
    const r = await analyst.post('/api/templates/bank-crm/install');
    expect(r.status).toBe(409);
    expect(await counts()).toEqual(before);
    expect((await analyst.get('/api/meta/objects/customer')).status).toBe(404);
    expect((await analyst.get('/api/templates')).body.items[0].installed).toBeNull();
  });

  it('installs once the conflict is gone, and a second install changes nothing', async () => {
    expect((await analyst.del('/api/meta/objects/segment?purge=true')).status).toBeLessThan(300);
    const first = await analyst.post('/api/templates/bank-crm/install');
    expect(first.status).toBe(201);
    expect(first.body.changed).toBe(true);
    expect(first.body.changes).toEqual(expect.arrayContaining(['object customer', 'process bank_complaint v1', 'decision loanApprovalLevel v1', 'role credit_approver']));
    const mid = await counts();
    const second = await analyst.post('/api/templates/bank-crm/install');
    // Every part reads back as the pack installed it: nothing looks changed by the bank.
    expect(second.body).toMatchObject({ changed: false, changes: [], kept: [], conflicts: [], skipped: [], migrations: [] });
    expect(await counts()).toEqual(mid);
  });

  it('takes its parameters from the configuration (CRM_BANK_COMPLAINT_SLA), not the default', async () => {
    expect((await analyst.get('/api/templates/bank-crm')).body.parameters).toEqual({ complaintSla: 'PT36H' });
    const xml = await withClient(srv.dbUrl, async (c) => (await c.query(`SELECT xml FROM crm.wf_definitions WHERE key = 'bank_complaint' ORDER BY version DESC LIMIT 1`)).rows[0].xml as string);
    expect(xml).toContain('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT36H</bpmn:timeDuration>');
    expect(xml).not.toContain('PT48H');
  });

  it('an install by a designer changes no existing role: the demo roles get nothing until security applies the pack', async () => {
    const security = await as(srv.baseUrl, 'security');
    const rm = await as(srv.baseUrl, 'rm');
    const roles = () => withClient(srv.dbUrl, async (c) => (await c.query(`SELECT key, permissions, platform FROM crm.roles ORDER BY key`)).rows);
    const before = await roles();
    const r = await analyst.post('/api/templates/bank-crm/install');
    expect(r.body.changed).toBe(false);
    expect(r.body.roleDifferences.map((d: any) => d.role).sort()).toEqual(['compliance', 'manager', 'rm']);
    expect(await roles()).toEqual(before);
    // rm holds the role "rm", but the pack did not give it customers: the security administrator decides.
    expect((await rm.get('/api/records/customer')).status).toBe(403);
    const applied = await security.post('/api/templates/bank-crm/roles/apply', { roles: ['rm'] });
    expect(applied.body.applied).toEqual(['rm']);
    expect((await rm.get('/api/records/customer')).status).toBe(200);
  });
});
