/**
 * Installing the bank-crm template is one transaction: when any part fails, nothing of it remains.
 * And on a server without it, installing works through the API and a second install changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client, refused } from '../harness/http.js';
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
    const o = await analyst.api.meta.createObject({ key: 'segment', label: '客群', fields: [{ key: 'filter', label: '条件', type: 'text' }] });
    expect(o.key).toBe('segment');
    expect((await analyst.api.records.create('segment', { filter: 'not json' })).filter).toBe('not json');
    const before = await counts();
    const r = await refused(analyst.api.templates.install('bank-crm'));
    expect(r.status).toBe(409);
    expect(await counts()).toEqual(before);
    expect((await refused(analyst.api.meta.getObject('customer'))).status).toBe(404);
    expect((await analyst.api.templates.list())[0]!.installed).toBeNull();
  });

  it('installs once the conflict is gone, and a second install changes nothing', async () => {
    // Raw: the typed deleteObject has no `purge` flag.
    expect((await analyst.del('/api/meta/objects/segment?purge=true')).status).toBeLessThan(300);
    const first = await analyst.api.templates.install('bank-crm');
    expect(first.changed).toBe(true);
    expect(first.changes).toEqual(expect.arrayContaining(['object customer', 'process bank_complaint v1', 'decision loanApprovalLevel v1', 'role credit_approver']));
    const mid = await counts();
    const second = await analyst.api.templates.install('bank-crm');
    // Every part reads back as the pack installed it: nothing looks changed by the bank.
    expect(second).toMatchObject({ changed: false, changes: [], kept: [], conflicts: [], skipped: [], migrations: [] });
    expect(await counts()).toEqual(mid);
  });

  it('takes its parameters from the configuration (CRM_BANK_COMPLAINT_SLA), not the default', async () => {
    expect((await analyst.api.templates.get('bank-crm')).parameters).toEqual({ complaintSla: 'PT36H' });
    const xml = await withClient(srv.dbUrl, async (c) => (await c.query(`SELECT xml FROM crm.wf_definitions WHERE key = 'bank_complaint' ORDER BY version DESC LIMIT 1`)).rows[0].xml as string);
    expect(xml).toContain('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT36H</bpmn:timeDuration>');
    expect(xml).not.toContain('PT48H');
  });

  it('an install by a designer changes no existing role: the demo roles get nothing until security applies the pack', async () => {
    const security = await as(srv.baseUrl, 'security');
    const rm = await as(srv.baseUrl, 'rm');
    const roles = () => withClient(srv.dbUrl, async (c) => (await c.query(`SELECT key, permissions, platform FROM crm.roles ORDER BY key`)).rows);
    const before = await roles();
    const r = await analyst.api.templates.install('bank-crm');
    expect(r.changed).toBe(false);
    expect(r.roleDifferences.map((d) => d.role).sort()).toEqual(['compliance', 'manager', 'rm']);
    expect(await roles()).toEqual(before);
    // rm holds the role "rm", but the pack did not give it customers: the security administrator decides.
    expect((await refused(rm.api.records.list('customer'))).status).toBe(403);
    const applied = await security.api.templates.applyRoles('bank-crm', { roles: ['rm'] });
    expect(applied.applied).toEqual(['rm']);
    expect((await rm.api.records.list('customer')).items).toEqual(expect.any(Array));
  });
});
