/**
 * Retention and housekeeping through the real server: finished process instances past their history
 * time-to-live (CRM_RETENTION_PROCESS_DAYS, or the definition's own setting) go with all their rows,
 * in small batches; instances just inside it, running ones and children of running parents stay;
 * failed-login counters past CRM_RETENTION_LOGIN_ATTEMPTS_DAYS go unless they lock someone out now;
 * the audit trail is never touched; one process runs housekeeping at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startServer, type TestServer } from '../harness/server.js';
import { as, refused, typed, type client } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const HOUSEKEEPING_LOCK = 7_240_014;

describe('retention and housekeeping', () => {
  let srv: TestServer;
  let admin: Client;
  let analyst: Client;
  let rm: Client;
  const sql = <T extends pg.QueryResultRow = any>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, (db) => db.query<T>(text, params));
  /** Ends the instance `ago` ms before now (as if it had finished then). */
  const endedAgo = (id: string, ago: number) => sql(`UPDATE crm.wf_instances SET ended_at = $2, started_at = $2 WHERE id = $1`, [id, new Date(Date.now() - ago)]);
  const remaining = async (ids: string[]) => (await sql(`SELECT id FROM crm.wf_instances WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids])).rows.map((r) => r.id).sort();
  const rowsOf = async (ids: string[]) => {
    const r = await sql(
      `SELECT (SELECT count(*)::int FROM crm.wf_history WHERE instance_id = ANY($1::uuid[])) AS history,
              (SELECT count(*)::int FROM crm.wf_tasks WHERE instance_id = ANY($1::uuid[])) AS tasks`,
      [ids],
    );
    return r.rows[0];
  };
  const run = () => admin.api.admin.runHousekeeping();
  /** Completes the open task of an instance, as the rm. */
  const completeTaskOf = async (instanceId: string) => {
    const t = (await rm.api.tasks.list('all')).items.find((x) => x.processInstanceId === instanceId);
    expect(t).toBeDefined();
    await rm.api.tasks.complete(t!.id);
  };
  const startAndFinish = async (key: string): Promise<string> => {
    const s = await rm.api.processes.start(key);
    expect(s).toMatchObject({ state: 'active' });
    await completeTaskOf(s.id);
    expect(await rm.api.instances.get(s.id)).toMatchObject({ state: 'completed' });
    return s.id;
  };

  beforeAll(async () => {
    srv = await startServer({
      env: { CRM_RETENTION_PROCESS_DAYS: '30', CRM_RETENTION_LOGIN_ATTEMPTS_DAYS: '7', CRM_HOUSEKEEPING_BATCH: '2', CRM_HOUSEKEEPING_INTERVAL_MS: '0', CRM_JOB_POLL_MS: '50' },
    });
    [admin, analyst, rm] = await Promise.all(['admin', 'analyst', 'rm'].map((u) => as(srv.baseUrl, u)));
    const userTask = (key: string) => chain(key, ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="work" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    for (const key of ['hk_a', 'hk_b', 'hk_child']) expect(await analyst.api.processes.deploy({ bpmnXml: userTask(key) })).toMatchObject({ key, version: 1 });
    const parent = chain('hk_parent', ['<bpmn:startEvent id="s"/>', '<bpmn:callActivity id="call" crm:calledElement="hk_child"/>', '<bpmn:userTask id="after" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect(await analyst.api.processes.deploy({ bpmnXml: parent })).toMatchObject({ key: 'hk_parent', version: 1 });
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
  });

  it('sets a definition history time-to-live with validation, audit and the process.admin right', async () => {
    const processes = admin.api.processes;
    expect(await processes.historyTtl('hk_b')).toEqual({ key: 'hk_b', days: 30, source: 'default' });
    expect(await processes.setHistoryTtl('hk_b', { days: 365 })).toEqual({ key: 'hk_b', days: 365, source: 'definition' });
    for (const days of [-1, 1.5, 40000]) {
      const r = await refused(processes.setHistoryTtl('hk_b', { days }));
      expect([days, r.status, r.code]).toEqual([days, 400, 'common.validation_failed']);
    }
    // Raw: bodies of the wrong shape on purpose.
    for (const bad of [{ days: '30' }, {}, { days: 30, extra: 1 }]) {
      const r = await admin.put('/api/process-definitions/hk_b/history-ttl', bad);
      expect([r.status, r.body.error.code]).toEqual([400, 'common.validation_failed']);
    }
    expect((await refused(processes.setHistoryTtl('nope', { days: 1 }))).status).toBe(404);
    expect((await refused(rm.api.processes.setHistoryTtl('hk_b', { days: 0 }))).status).toBe(403);
    expect((await refused(analyst.api.processes.historyTtl('hk_b'))).status).toBe(403);
    expect((await refused(rm.api.admin.runHousekeeping())).status).toBe(403);
    expect((await refused(typed(srv.baseUrl).admin.runHousekeeping())).status).toBe(401);
    expect((await processes.historyTtl('hk_b')).days).toBe(365);
    const audit = await sql(`SELECT action, record_id, data FROM crm.audit_log WHERE action = 'retention.set' ORDER BY seq`);
    expect(audit.rows).toEqual([{ action: 'retention.set', record_id: 'hk_b', data: { before: 'default', days: 365 } }]);
  });

  it('removes exactly the finished instances past their time-to-live, in batches, and never the audit trail', async () => {
    const expired = [await startAndFinish('hk_a'), await startAndFinish('hk_a'), await startAndFinish('hk_a')];
    const inside = [await startAndFinish('hk_a'), await startAndFinish('hk_a')];
    const ownTtlKept = await startAndFinish('hk_b');
    const running = (await rm.api.processes.start('hk_a')).id;
    for (const id of expired) await endedAgo(id, 30 * DAY_MS + MINUTE_MS);
    for (const id of inside) await endedAgo(id, 30 * DAY_MS - MINUTE_MS);
    await endedAgo(ownTtlKept, 100 * DAY_MS); // hk_b keeps 365 days
    await sql(`UPDATE crm.wf_instances SET started_at = now() - interval '400 days' WHERE id = $1`, [running]);
    const before = await rowsOf(expired);
    expect(before.history).toBeGreaterThan(0);
    expect(before.tasks).toBe(3);
    const auditBefore = (await sql(`SELECT count(*)::int AS n, max(seq) AS top FROM crm.audit_log`)).rows[0];

    const r = await run();
    expect(r).toEqual({ deleted: { process_instances: 3, idempotency_keys: 0, login_attempts: 0, webhook_deliveries: 0 }, busy: false });
    const all = [...expired, ...inside, ownTtlKept, running];
    expect(await remaining(all)).toEqual([...inside, ownTtlKept, running].sort());
    expect(await rowsOf(expired)).toEqual({ history: 0, tasks: 0 });
    expect((await rowsOf([...inside, running])).history).toBeGreaterThan(0);
    expect((await refused(admin.api.instances.get(expired[0]))).status).toBe(404);
    expect((await admin.api.instances.get(running)).state).toBe('active');

    // Nothing of the audit trail is gone; the purge itself is audited, and the chain still verifies.
    const auditAfter = (await sql(`SELECT count(*)::int AS n FROM crm.audit_log WHERE seq <= $1`, [auditBefore.top])).rows[0];
    expect(auditAfter.n).toBe(auditBefore.n);
    const purge = await sql(`SELECT actor_name, data FROM crm.audit_log WHERE action = 'housekeeping.purge'`);
    expect(purge.rows).toEqual([{ actor_name: 'housekeeping', data: { deleted: { process_instances: 3, idempotency_keys: 0, login_attempts: 0, webhook_deliveries: 0 }, asOf: expect.any(String) } }]);
    const auditor = await as(srv.baseUrl, 'auditor');
    await until(async () => {
      const v = await auditor.api.audit.verify();
      return v.ok === true && v.checked >= auditBefore.n + 1;
    }, { what: 'the audit chain to seal and verify' });

    expect(await run()).toEqual({ deleted: { process_instances: 0, idempotency_keys: 0, login_attempts: 0, webhook_deliveries: 0 }, busy: false });

    // Keep-forever for a definition, and back to the default.
    expect(await admin.api.processes.setHistoryTtl('hk_b', { days: null })).toEqual({ key: 'hk_b', days: null, source: 'definition' });
    await endedAgo(ownTtlKept, 5000 * DAY_MS);
    expect((await run()).deleted.process_instances).toBe(0);
    expect(await admin.api.processes.clearHistoryTtl('hk_b')).toEqual({ key: 'hk_b', days: 30, source: 'default' });
    expect((await run()).deleted.process_instances).toBe(1);
    expect(await remaining([ownTtlKept])).toEqual([]);
  });

  it('keeps a finished child while its parent runs, then removes both', async () => {
    const parent = (await rm.api.processes.start('hk_parent')).id;
    let child = '';
    await until(async () => {
      const r = await sql(`SELECT id FROM crm.wf_instances WHERE parent_id = $1`, [parent]);
      child = r.rows[0]?.id ?? '';
      return child !== '';
    }, { what: 'the child instance' });
    await completeTaskOf(child);
    await until(async () => (await sql(`SELECT 1 FROM crm.wf_tasks WHERE instance_id = $1 AND activity_id = 'after' AND status = 'open'`, [parent])).rows.length === 1, { what: 'the parent to reach its next task' });
    await endedAgo(child, 31 * DAY_MS);
    expect((await run()).deleted.process_instances).toBe(0);
    expect(await remaining([child, parent])).toEqual([child, parent].sort());

    await completeTaskOf(parent);
    await endedAgo(parent, 31 * DAY_MS);
    expect((await run()).deleted.process_instances).toBe(2);
    expect(await remaining([child, parent])).toEqual([]);
  });

  it('removes stale failed-login counters but never a lock in force', async () => {
    for (const u of ['ghost_old', 'ghost_new', 'ghost_locked']) {
      expect((await refused(typed(srv.baseUrl).login({ username: u, password: 'Wrong@2026' }))).status).toBe(401);
    }
    await sql(`UPDATE crm.login_attempts SET updated_at = now() - interval '7 days 1 minute' WHERE username IN ('ghost_old', 'ghost_locked')`);
    await sql(`UPDATE crm.login_attempts SET updated_at = now() - interval '6 days 23 hours' WHERE username = 'ghost_new'`);
    await sql(`UPDATE crm.login_attempts SET locked_until = now() + interval '10 minutes' WHERE username = 'ghost_locked'`);
    expect((await run()).deleted.login_attempts).toBe(1);
    const left = await sql(`SELECT username FROM crm.login_attempts WHERE username LIKE 'ghost%' ORDER BY username`);
    expect(left.rows.map((r) => r.username)).toEqual(['ghost_locked', 'ghost_new']);
  });

  it('runs in one process at a time: a pass finding another runner stops without deleting', async () => {
    const id = await startAndFinish('hk_a');
    await endedAgo(id, 40 * DAY_MS);
    const other = new pg.Client({ connectionString: srv.dbUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [HOUSEKEEPING_LOCK]);
      expect(await run()).toEqual({ deleted: { process_instances: 0 }, busy: true });
      expect(await remaining([id])).toEqual([id]);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect((await run()).deleted.process_instances).toBe(1);
  });
});
