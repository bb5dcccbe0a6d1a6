/**
 * In-place upgrade from every earlier release: each dump in tests/upgrade/dumps (made by that
 * release's own code, see make-dump.mjs) is loaded into a fresh database and this release's server
 * is started on it. Every record and decrypted field value must read as the old release read it,
 * the audit chain must verify, the waiting tasks and timers must still be there, and the old
 * process instances must run to their end under the new code.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { createTestDatabase, withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = ReturnType<typeof client>;
const here = path.dirname(fileURLToPath(import.meta.url));
const DUMPS = path.join(here, 'dumps');
const releases = readdirSync(DUMPS).filter((f) => f.endsWith('.sql.gz')).map((f) => f.slice(0, -'.sql.gz'.length)).sort();
const serverVersion = JSON.parse(readFileSync(path.join(here, '../../apps/server/package.json'), 'utf8')).version as string;

it('has a dump of the previous release at least', () => {
  expect(releases).toContain('1.0.0');
});

describe.each(releases)('upgrade from %s', (release) => {
  const fixture = JSON.parse(readFileSync(path.join(DUMPS, `${release}.json`), 'utf8'));
  const records = JSON.parse(gunzipSync(readFileSync(path.join(DUMPS, `${release}.records.json.gz`))).toString('utf8')) as Record<string, { reader: string; items: Record<string, unknown>[] }>;
  let srv: TestServer;
  let users: Record<string, Client>;

  const taskOf = (c: Client, instanceId: string, activityId: string) =>
    until(async () => ((await c.get('/api/tasks?scope=all')).body.items as any[]).find((t) => t.processInstanceId === instanceId && t.activityId === activityId))
      .catch(async () => {
        const inst = (await users.admin.get(`/api/process-instances/${instanceId}`)).body;
        throw new Error(`no task ${activityId} of ${instanceId} for this user; the instance is ${inst.state} at ${JSON.stringify(inst.activeActivities)}`);
      });
  const complete = async (c: Client, taskId: string, variables: Record<string, unknown> = {}) => {
    const r = await c.post(`/api/tasks/${taskId}/complete`, { variables });
    expect(r.status).toBe(200);
  };
  const finished = (id: string) => until(async () => (await users.admin.get(`/api/process-instances/${id}`)).body.state === 'completed')
    .catch(async () => {
      const inst = (await users.admin.get(`/api/process-instances/${id}`)).body;
      throw new Error(`instance ${id} did not finish: ${inst.state} at ${JSON.stringify(inst.activeActivities)}`);
    });
  const fireTimer = (id: string) => withClient(srv.dbUrl, (db) => db.query('UPDATE crm.wf_jobs SET due_at = now() WHERE id = $1', [id]));

  beforeAll(async () => {
    const dbUrl = await createTestDatabase('upg');
    const sql = gunzipSync(readFileSync(path.join(DUMPS, `${release}.sql.gz`))).toString('utf8');
    await withClient(dbUrl, (db) => db.query(sql));
    // The dump's clock is moved to today: every job keeps its distance from the moment the dump was
    // made, so a timer that was an hour away stays an hour away however old the dump is.
    await withClient(dbUrl, (db) => db.query('UPDATE crm.wf_jobs SET due_at = due_at + (now() - (SELECT max(created_at) FROM crm.wf_jobs))'));
    srv = await startServer({
      dbUrl,
      env: {
        CRM_SECRET: fixture.keys.secret, CRM_DATA_KEY: fixture.keys.dataKey, CRM_CRYPTO: fixture.keys.crypto,
        // The same settings the old release ran with: the demo bank must not be loaded a second time.
        CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '200', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100',
      },
      timeoutMs: 120000,
    });
    const names = ['analyst', 'rm', 'manager', 'compliance', 'auditor', 'admin'];
    const cs = await Promise.all(names.map((u) => as(srv.baseUrl, u)));
    users = Object.fromEntries(names.map((u, i) => [u, cs[i]!]));
  }, 180000);

  afterAll(async () => {
    await srv?.stop();
  });

  it('reports the new version and the latest schema', async () => {
    const h = await users.analyst.get('/api/health');
    expect(h.body).toMatchObject({ status: 'ok', version: serverVersion });
    const latest = await withClient(srv.dbUrl, (db) => db.query('SELECT name FROM crm.migrations ORDER BY id DESC LIMIT 1'));
    expect(h.body.schemaVersion).toBe(latest.rows[0].name);
  });

  it('reads every record as the old release did, encrypted fields decrypted', async () => {
    for (const [key, { reader, items }] of Object.entries(records)) {
      const now = new Map<string, Record<string, unknown>>();
      let cursor: string | null = null;
      do {
        const page = await users[reader]!.post(`/api/records/${key}/query`, { limit: 500, ...(cursor ? { cursor } : {}) });
        expect(page.status).toBe(200);
        for (const r of page.body.items) now.set(r.id, r);
        cursor = page.body.nextCursor;
      } while (cursor);
      // Nothing the old release held is lost; the only rows an upgrade adds are the pack's new seed
      // records (1.4.0 adds the 流失高风险 rule tag), each a row the old release never had.
      const added = [...now.keys()].filter((id) => !items.some((o) => o.id === id));
      expect([key, now.size - added.length]).toEqual([key, items.length]);
      if (key !== 'customer_tag') expect([key, added]).toEqual([key, []]);
      else expect(added.map((id) => now.get(id)!.code)).toEqual(['churn_risk']);
      for (const old of items) {
        const cur = now.get(old.id as string);
        expect(cur).toBeDefined();
        // Fields a newer release adds may appear; every field the old release answered is unchanged.
        expect(Object.fromEntries(Object.keys(old).map((k) => [k, cur![k]]))).toEqual(old);
      }
    }
    // The identity numbers are stored encrypted: the column holds no clear value, the API gives it back.
    const customer = records.customer!.items.find((c) => typeof c.id_number === 'string' && !String(c.id_number).includes('*'))!;
    expect(customer.id_number).toMatch(/^\d{17}[\dX]$/);
    const raw = await withClient(srv.dbUrl, (db) => db.query('SELECT id_number::text AS v FROM crm_data.customer WHERE id = $1', [customer.id]));
    expect(raw.rows[0].v).not.toContain(customer.id_number);
  });

  it('verifies the audit chain written by the old release', async () => {
    const v = await users.auditor.get('/api/audit/verify');
    expect(v.status).toBe(200);
    expect(v.body.ok).toBe(true);
    expect(v.body.checked).toBeGreaterThanOrEqual(fixture.auditEntries);
  });

  it('keeps the installed pack, the waiting tasks and the timers', async () => {
    // Installed packs are upgraded in place at start to the version this release bundles.
    const t = await users.analyst.get('/api/templates');
    for (const old of fixture.templates) {
      const now = (t.body.items as any[]).find((x) => x.key === old.key);
      expect(now?.installed?.version).toBe(now?.version);
      // The old release kept no fingerprints: the pack's shipped baseline of the old version tells that
      // the bank changed none of its parts, so every part of the new version was taken, none kept back.
      const conflicts = await users.analyst.get(`/api/admin/packs/${old.key}/conflicts`);
      expect([conflicts.status, conflicts.body.items]).toEqual([200, []]);
    }
    const state = await withClient(srv.dbUrl, async (db) => ({
      tasks: (await db.query(`SELECT id FROM crm.wf_tasks WHERE status = 'open'`)).rows.map((r) => r.id),
      timers: (await db.query(`SELECT id FROM crm.wf_jobs WHERE kind = 'timer'`)).rows.map((r) => r.id),
      active: (await db.query(`SELECT id FROM crm.wf_instances WHERE status = 'active'`)).rows.map((r) => r.id),
    }));
    for (const task of fixture.waitingTasks) expect(state.tasks).toContain(task.id);
    // Timers of running instances stay as they were; a timer start event belongs to the latest version
    // of its process, so the upgraded pack's new version of the scheduler owns it now.
    for (const timer of fixture.timers) {
      if (timer.instance_id) expect(state.timers).toContain(timer.id);
      else expect(state.timers.filter((id: string) => id.startsWith('start:') && id.endsWith(`:${timer.activity_id}`))).toHaveLength(1);
    }
    for (const inst of fixture.instances) if (inst.status === 'active') expect(state.active).toContain(inst.id);
    // The inbox shows the old tasks through the API, too.
    const inbox = (await users.manager.get('/api/tasks?scope=all')).body.items as any[];
    for (const c of fixture.complaints) expect(inbox.find((x) => x.processInstanceId === c.instanceId && x.activityId === 'triage')).toBeDefined();
  });

  it('runs the old instances to their end: user tasks and timers', async () => {
    const { rm, manager } = users as Record<string, Client>;
    const [lapsed, handled] = fixture.complaints;
    // Complaint 1: its 48-hour SLA timer falls due, the branch manager takes over.
    await fireTimer(fixture.timers.find((t: any) => t.instance_id === lapsed.instanceId).id);
    await complete(manager!, (await taskOf(manager!, lapsed.instanceId, 'escalated')).id, { resolution: '升级后处理' });
    await complete(rm!, (await taskOf(rm!, lapsed.instanceId, 'callback')).id);
    await finished(lapsed.instanceId);
    // Complaint 2: every user task in turn.
    await complete(manager!, (await taskOf(manager!, handled.instanceId, 'triage')).id, { category: 'fees' });
    await complete(rm!, (await taskOf(rm!, handled.instanceId, 'handle')).id, { resolution: '已退还管理费' });
    await complete(manager!, (await taskOf(manager!, handled.instanceId, 'review')).id, { reviewDecision: 'ok' });
    await complete(rm!, (await taskOf(rm!, handled.instanceId, 'callback')).id, { satisfied: true });
    await finished(handled.instanceId);
    expect((await rm!.get(`/api/records/complaint/${handled.recordId}`)).body.status).toBe('closed');
    // Our own process: the timer fires, the user task follows, the old variables are kept.
    await fireTimer(fixture.timers.find((t: any) => t.instance_id === fixture.timerInstance).id);
    await complete(rm!, (await taskOf(rm!, fixture.timerInstance, 'confirm')).id);
    await finished(fixture.timerInstance);
    // The process administrator reads the instance's variables (a designer not involved sees none).
    expect((await users.admin!.get(`/api/process-instances/${fixture.timerInstance}`)).body.variables.note).toBe('升级前启动');
  });
});
