/**
 * Rolling upgrade, expand phase: the next release's additive migration (new nullable columns on the
 * platform's busiest tables and on a record table, a new table, its row in crm.migrations) is applied
 * while a process of this release keeps serving. That process must go on working — logins, record
 * writes and reads, lists, process starts and timers, the audit chain's verification — without an
 * error and without showing the columns it does not know. A process of this release started afterwards
 * refuses (exit 3, the schema is newer than it knows: tests/ops/migrations.test.ts). Columns are
 * removed (contract) only in a later release, once no old process runs.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from '../api/workflow-bpmn.js';

const FAST = { CRM_JOB_POLL_MS: '50', CRM_JOB_LEASE_MS: '2000', CRM_JOB_BACKOFF_MS: '100' };
let srv: TestServer | undefined;
afterAll(async () => {
  await srv?.stop();
});

/** What the next release's expand migration does: additive only, every new column nullable or defaulted. */
const EXPAND = [
  `ALTER TABLE crm.users ADD COLUMN next_release_pref text`,
  `ALTER TABLE crm.wf_instances ADD COLUMN next_release_priority int NOT NULL DEFAULT 0`,
  `ALTER TABLE crm.wf_jobs ADD COLUMN next_release_shard int`,
  `ALTER TABLE crm.wf_tasks ADD COLUMN next_release_sla timestamptz`,
  `ALTER TABLE crm.audit_log ADD COLUMN next_release_tag text`,
  `ALTER TABLE crm.objects ADD COLUMN next_release_icon_set text`,
  `ALTER TABLE crm.fields ADD COLUMN next_release_hint jsonb`,
  `ALTER TABLE crm_data.deposit_note ADD COLUMN next_release_score numeric(10,2) DEFAULT 1.50`,
  `CREATE TABLE crm.next_release_things (id uuid PRIMARY KEY, note text)`,
  `INSERT INTO crm.migrations ("timestamp", name) VALUES (9999999999998, 'NextReleaseExpand9999999999998')`,
];

describe('expand / contract: an old process during the next release\'s additive migration', () => {
  it('keeps serving every path without errors and without the unknown columns', async () => {
    srv = await startServer({ env: FAST });
    const analyst = await as(srv.baseUrl, 'analyst');
    const auditor = await as(srv.baseUrl, 'auditor');
    const made = await analyst.post('/api/meta/objects', {
      key: 'deposit_note', label: '存款备注', fields: [{ key: 'title', label: '标题', type: 'text', required: true }, { key: 'amount', label: '金额', type: 'money' }],
    });
    expect(made.status).toBe(201);
    const xml = chain('expandable', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:userTask id="check" name="复核" crm:candidateGroups="analyst"/>',
      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT0.2S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);

    // Warm every path first, so plans and caches from before the migration are in use.
    const before = await analyst.post('/api/records/deposit_note', { title: '迁移前', amount: '1000.10' });
    expect(before.status).toBe(201);
    expect((await analyst.get(`/api/records/deposit_note/${before.body.id}`)).status).toBe(200);
    expect((await analyst.get('/api/records/deposit_note?limit=5')).status).toBe(200);
    const waiting = await analyst.post('/api/process-definitions/expandable/start', { variables: {} });
    expect(waiting.status).toBe(201);
    expect((await auditor.get('/api/audit/verify')).body).toMatchObject({ ok: true });

    await withClient(srv.dbUrl, async (c) => {
      await c.query('BEGIN');
      for (const sql of EXPAND) await c.query(sql);
      await c.query('COMMIT');
    });

    // The old process, after the expand: every path still works.
    expect((await as(srv.baseUrl, 'rm')).get).toBeDefined(); // logins read crm.users
    const read = await analyst.get(`/api/records/deposit_note/${before.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ title: '迁移前', amount: '1000.10' });
    expect(JSON.stringify(read.body)).not.toContain('next_release');
    const after = await analyst.post('/api/records/deposit_note', { title: '迁移后', amount: '2000.20' });
    expect(after.status).toBe(201);
    const updated = await analyst.patch(`/api/records/deposit_note/${before.body.id}`, { title: '迁移前（改）', version: read.body.version });
    expect(updated.status).toBe(200);
    const list = await analyst.get('/api/records/deposit_note?limit=5');
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { title: string }) => r.title).sort()).toEqual(['迁移前（改）', '迁移后']);
    expect(JSON.stringify(list.body)).not.toContain('next_release');
    expect((await analyst.get('/api/meta/objects/deposit_note')).status).toBe(200);

    // The instance started before the expand continues: its task completes and its timer fires.
    const tasks = await analyst.get('/api/tasks?limit=50');
    const task = tasks.body.items.find((t: { processInstanceId: string }) => t.processInstanceId === waiting.body.id);
    expect(task).toBeDefined();
    expect((await analyst.post(`/api/tasks/${task.id}/claim`)).status).toBeLessThan(300);
    expect((await analyst.post(`/api/tasks/${task.id}/complete`, { variables: {} })).status).toBeLessThan(300);
    const started = await analyst.post('/api/process-definitions/expandable/start', { variables: {} });
    expect(started.status).toBe(201);
    await until(async () => {
      const r = await withClient(srv!.dbUrl, (c) => c.query(`SELECT status FROM crm.wf_instances WHERE id = $1`, [waiting.body.id]));
      return r.rows[0]?.status === 'completed';
    }, 20000);

    // The audit chain written across the expand still verifies; the process is still ready.
    expect((await auditor.get('/api/audit/verify')).body).toMatchObject({ ok: true });
    expect((await fetch(`${srv.baseUrl}/api/health/ready`)).status).toBe(200);
    expect(srv.output()).not.toMatch(/"level":(50|60)/);
  }, 120000);
});
