/**
 * Solution packs are plugins behind one registry. Run against the normal build (the bank pack in it)
 * and, by scripts/build-without-packs.mjs, against a build with no pack (CRM_TEST_PACKS=none): the
 * templates, OpenAPI routes, service-task types and pack tables are exactly those of the packs built
 * in. With the bank pack: its migrations run once, are recorded, and take over the sanctions table a
 * database already has from the platform migration of earlier releases — the bank's entries kept.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runToExit, startServer, type TestServer } from '../harness/server.js';
import type { ProcessInstance } from '@crm/shared';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

type Client = Awaited<ReturnType<typeof as>>;
const PACKS = process.env.CRM_TEST_PACKS === 'none' ? [] : ['bank-crm'];
const withBank = PACKS.includes('bank-crm');

let srv: TestServer;
let analyst: Client, admin: Client, rm: Client;

beforeAll(async () => {
  srv = await startServer();
  [analyst, admin, rm] = await Promise.all(['analyst', 'admin', 'rm'].map((u) => as(srv.baseUrl, u)));
});
afterAll(async () => {
  await srv?.stop();
});

/** Starts the server again on the same database (a new port: the clients sign in again). */
async function restart(): Promise<void> {
  srv = await startServer({ dbUrl: srv.dbUrl });
  [analyst, admin, rm] = await Promise.all(['analyst', 'admin', 'rm'].map((u) => as(srv.baseUrl, u)));
}

const tables = () =>
  withClient(srv.dbUrl, async (c) => (await c.query(`SELECT to_regclass('crm.bank_sanctions')::text AS bank, to_regclass('crm.wf_sanctions')::text AS old`)).rows[0]);
const packSteps = () => withClient(srv.dbUrl, async (c) => (await c.query('SELECT pack, id FROM crm.pack_migrations ORDER BY pack, id')).rows);

describe(`the platform with the packs of this build (${PACKS.join(', ') || 'none'})`, () => {
  it('lists exactly the templates of the packs built in', async () => {
    const r = await analyst.api.templates.list();
    expect(r.map((t) => t.key)).toEqual(PACKS);
    const unknown = await refused(analyst.api.templates.get('no-such-pack'));
    expect(unknown.status).toBe(404);
    expect(unknown.code).toBe('template.not_found');
    // The client encodes the key: the path is /api/templates/Bank_CRM%2F..%2Fx/install.
    const badKey = await refused(analyst.api.templates.install('Bank_CRM/../x'));
    expect([badKey.status, badKey.code]).toEqual([404, 'template.not_found']);
  });

  it("documents and serves the pack's routes only when the pack is built in", async () => {
    const doc = (await analyst.api.openapi()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/templates');
    expect('/api/customers/{id}/network' in doc.paths).toBe(withBank);
    expect('/api/segments' in doc.paths).toBe(withBank);
    const network = await refused(analyst.api.customers.network('00000000-0000-4000-8000-000000000000'));
    // Built in but not installed: the pack says so; not built in: there is no such route at all.
    expect([network.status, network.code]).toEqual([404, withBank ? 'customers.not_installed' : 'common.route_not_found']);
  });

  it("runs the pack's migrations once and records them; a platform without packs has no pack table", async () => {
    expect(await packSteps()).toEqual(withBank ? [{ pack: 'bank-crm', id: '0001-sanctions' }] : []);
    expect(await tables()).toEqual({ bank: withBank ? 'crm.bank_sanctions' : null, old: null });
  });

  it("registers the pack's service-task types, and only with the pack", async () => {
    const xml = chain('packAml', [
      '<bpmn:startEvent id="s" crm:inputs="customerName"/>',
      '<bpmn:serviceTask id="screen" crm:type="aml-screening"><bpmn:extensionElements><crm:ioMapping><crm:input source="=customerName" target="name"/><crm:output source="=amlHit" target="hit"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await analyst.api.processes.deploy({ bpmnXml: xml })).key).toBe('packAml');
    const started = await rm.api.processes.start('packAml', { variables: { customerName: '张 制裁' } });
    const inst: ProcessInstance = await until(async () => {
      const v = await admin.api.instances.get(started.id);
      return ['completed', 'incident'].includes(v.state) && v;
    });
    if (withBank) {
      expect(inst.state).toBe('completed');
      expect(inst.variables).toMatchObject({ hit: true });
    } else {
      expect(inst.state).toBe('incident');
      expect(inst.incidents?.[0]?.message).toContain('no service task type "aml-screening"');
    }
  });
});

(withBank ? describe : describe.skip)('the bank pack takes over the sanctions table of an earlier release', () => {
  it('renames the old platform table in place, keeps the bank’s own entries, re-seeds nothing, and runs once', async () => {
    // The database as an earlier release left it: the platform migration's table, edited by the bank, no pack step recorded.
    await srv.stop({ keepDatabase: true });
    await withClient(srv.dbUrl, async (c) => {
      await c.query('ALTER TABLE crm.bank_sanctions RENAME TO wf_sanctions');
      await c.query('ALTER INDEX crm.bank_sanctions_name RENAME TO wf_sanctions_name');
      await c.query('ALTER INDEX crm.bank_sanctions_id_number RENAME TO wf_sanctions_id_number');
      await c.query('ALTER TABLE crm.wf_sanctions RENAME CONSTRAINT bank_sanctions_pkey TO wf_sanctions_pkey');
      await c.query(`DELETE FROM crm.wf_sanctions WHERE list = 'INTERNAL'`);
      await c.query(`INSERT INTO crm.wf_sanctions (list, name, reason) VALUES ('BANK-OWN', '赵行内', '本行自定义名单')`);
      await c.query('DELETE FROM crm.pack_migrations');
    });
    const entries = () => withClient(srv.dbUrl, async (c) => (await c.query('SELECT list, name FROM crm.bank_sanctions ORDER BY list, name')).rows);
    await restart();
    expect(await tables()).toEqual({ bank: 'crm.bank_sanctions', old: null });
    const after = await entries();
    expect(after).toContainEqual({ list: 'BANK-OWN', name: '赵行内' });
    expect(after).not.toContainEqual(expect.objectContaining({ list: 'INTERNAL' }));
    expect(after).toHaveLength(5);
    expect(await packSteps()).toEqual([{ pack: 'bank-crm', id: '0001-sanctions' }]);
    const indexes = await withClient(srv.dbUrl, async (c) => (await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'crm' AND tablename = 'bank_sanctions' ORDER BY 1`)).rows.map((r) => r.indexname));
    expect(indexes).toEqual(['bank_sanctions_id_number', 'bank_sanctions_name', 'bank_sanctions_pkey']);

    // A further start changes nothing.
    await srv.stop({ keepDatabase: true });
    await restart();
    expect(await entries()).toEqual(after);
    expect(await packSteps()).toEqual([{ pack: 'bank-crm', id: '0001-sanctions' }]);
    // The screening reads the taken-over list.
    const kept = await rm.api.processes.start('packAml', { variables: { customerName: '赵行内' } });
    const inst = await until(async () => {
      const v = await admin.api.instances.get(kept.id);
      return v.state === 'completed' && v;
    });
    expect(inst.variables).toMatchObject({ hit: true });
  });
  it('rolls a failed pack step back whole and refuses to start (exit 4), then runs it once the cause is gone', async () => {
    await srv.stop({ keepDatabase: true });
    await withClient(srv.dbUrl, async (c) => {
      await c.query('DROP TABLE crm.bank_sanctions');
      await c.query('DELETE FROM crm.pack_migrations');
      // In the way of the step's second index, after its table and first index were created.
      await c.query('CREATE TABLE crm.bank_sanctions_id_number (x int)');
    });
    const { code, out } = await runToExit(srv.dbUrl);
    expect(code).toBe(4);
    expect(out).toContain('Migration 0001-sanctions of the bank-crm pack failed and was rolled back');
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(await packSteps()).toEqual([]);
    expect(await tables()).toEqual({ bank: null, old: null });
    await withClient(srv.dbUrl, (c) => c.query('DROP TABLE crm.bank_sanctions_id_number'));
    await restart();
    expect(await packSteps()).toEqual([{ pack: 'bank-crm', id: '0001-sanctions' }]);
    expect(await withClient(srv.dbUrl, async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.bank_sanctions')).rows[0].n)).toBe(5);
  });
});
