/**
 * Graceful shutdown and the load-balancer probes: `/api/health/live` (process up) and
 * `/api/health/ready` (database, migrations, not shutting down). After SIGTERM readiness answers 503
 * at once and new requests are refused with 503, while a slow request and a running job already in
 * hand finish; then the process exits 0. Past CRM_SHUTDOWN_TIMEOUT_MS it stops anyway and exits 1.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';
import { freePort, startServer, type TestServer } from '../harness/server.js';
import { isApiError } from '@crm/shared';
import { as, call, refused as refusal, typed } from '../harness/http.js';
import { english } from '../harness/answers.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

function exitOf(srv: TestServer): Promise<number | null> {
  if (srv.proc.exitCode !== null) return Promise.resolve(srv.proc.exitCode);
  return new Promise((resolve) => srv.proc.once('exit', (code) => resolve(code)));
}

/** Backends waiting on a lock in the given database: the server's request is parked there. */
async function lockWaiters(dbUrl: string): Promise<number> {
  const r = await withClient(dbUrl, (db) =>
    db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'bank-crm'`),
  );
  return r.rows[0].n;
}

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
});

describe('health probes', () => {
  it('live says the process is up; ready also needs every migration applied', async () => {
    const srv = await startServer();
    servers.push(srv);
    // Raw: probes are read by their status, and a 503 carries the probe document, not the error format.
    expect(await call(srv.baseUrl, 'GET', '/api/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await call(srv.baseUrl, 'GET', '/api/health/ready');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', shuttingDown: false, db: 'ok', migrations: 'ok' } });
    // A migration this code knows but the database lacks (as when another node has not migrated yet).
    const removed = await withClient(srv.dbUrl, (db) => db.query(`DELETE FROM crm.migrations WHERE id = (SELECT max(id) FROM crm.migrations) RETURNING *`));
    const pending = await call(srv.baseUrl, 'GET', '/api/health/ready');
    expect(pending).toMatchObject({ status: 503, body: { status: 'not_ready', migrations: 'pending' } });
    expect((await call(srv.baseUrl, 'GET', '/api/health/live')).status).toBe(200);
    const row = removed.rows[0];
    await withClient(srv.dbUrl, (db) => db.query(`INSERT INTO crm.migrations (id, "timestamp", name) VALUES ($1, $2, $3)`, [row.id, row.timestamp, row.name]));
    expect((await call(srv.baseUrl, 'GET', '/api/health/ready')).status).toBe(200);
  });
});

describe('graceful shutdown', () => {
  let upstream: Server | undefined;
  afterAll(() => { upstream?.close(); });

  it('refuses new requests at once, finishes the slow request and the running job, then exits 0', async () => {
    // A slow partner system the process's http service task calls; it answers only when told to.
    const held: ServerResponse[] = [];
    const upstreamPort = await freePort();
    upstream = createServer((_req: IncomingMessage, res: ServerResponse) => held.push(res));
    await new Promise<void>((r) => upstream!.listen(upstreamPort, '127.0.0.1', r));
    const partner = `http://127.0.0.1:${upstreamPort}`;

    // One job per round, so a job that is due but not yet in hand at SIGTERM shows whether new jobs are taken.
    const srv = await startServer({ env: { CRM_WORKFLOW_HTTP_ALLOW: partner, CRM_JOB_POLL_MS: '50', CRM_JOB_BATCH: '1', CRM_SHUTDOWN_TIMEOUT_MS: '60000' } });
    servers.push(srv);
    const [analyst, rm, admin] = await Promise.all(['analyst', 'rm', 'admin'].map((u) => as(srv.baseUrl, u)));
    const xml = chain('slow_partner', [
      '<bpmn:startEvent id="s"/>',
      `<bpmn:serviceTask id="ask" crm:type="http"><bpmn:extensionElements><crm:ioMapping><crm:input source="=&quot;${partner}/score&quot;" target="url"/><crm:output source="=response.status" target="partnerStatus"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>`,
      '<bpmn:userTask id="review" crm:candidateGroups="rm"/>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect(await analyst.api.processes.deploy({ bpmnXml: xml })).toMatchObject({ key: 'slow_partner', version: 1 });
    const started = await rm.api.processes.start('slow_partner');
    expect(started.state).toBe('active');
    await until(() => held.length === 1, { what: 'the job to call the partner', everyMs: 50 });
    const waiting = await rm.api.processes.start('slow_partner');
    expect(waiting.state).toBe('active');

    // A slow request: a login parked on a row lock the test holds.
    const locker = new pg.Client({ connectionString: srv.dbUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM crm.users WHERE username = 'manager' FOR UPDATE`);
    const slow = typed(srv.baseUrl).login({ username: 'manager', password: 'Demo@2026' });
    await until(async () => (await lockWaiters(srv.dbUrl)) === 1, { what: 'the login to wait on the lock', everyMs: 50 });

    const exited = exitOf(srv);
    srv.proc.kill('SIGTERM');
    // Raw probes again: read by status, the 503 being the probe document.
    await until(async () => (await call(srv.baseUrl, 'GET', '/api/health/ready')).status === 503, { what: 'readiness to turn 503', everyMs: 50 });
    const ready = await call(srv.baseUrl, 'GET', '/api/health/ready');
    expect(ready.body).toMatchObject({ status: 'not_ready', shuttingDown: true });
    expect((await call(srv.baseUrl, 'GET', '/api/health/live')).status).toBe(200);
    // Raw: the Connection header is checked too.
    const refused = await admin.get('/api/auth/me');
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: { code: 'server.shutting_down', message: '服务正在停止，请稍后重试' } });
    expect(refused.headers.get('connection')).toBe('close');
    const refusedEn = await refusal(english(srv.baseUrl).health());
    expect([refusedEn.status, refusedEn.code, refusedEn.message]).toEqual([503, 'server.shutting_down', 'The server is shutting down; retry shortly']);
    expect(srv.proc.exitCode).toBeNull();

    // The in-flight request finishes once its lock is free.
    await locker.query('COMMIT');
    await locker.end();
    const done = await slow;
    expect(done).toMatchObject({ accessToken: expect.any(String), user: { username: 'manager' } });
    expect(srv.proc.exitCode).toBeNull(); // the job is still in hand

    // The job in hand finishes and commits its step; then the process exits cleanly.
    held[0].writeHead(200, { 'content-type': 'application/json' }).end('{"score":7}');
    expect(await exited).toBe(0);
    const inst = await withClient(srv.dbUrl, (db) => db.query(`SELECT status, state FROM crm.wf_instances WHERE id = $1`, [started.id]));
    expect(inst.rows[0].status).toBe('active');
    const tasks = await withClient(srv.dbUrl, (db) => db.query(`SELECT activity_id FROM crm.wf_tasks WHERE instance_id = $1 AND status = 'open'`, [started.id]));
    expect(tasks.rows).toEqual([{ activity_id: 'review' }]);
    const jobs = await withClient(srv.dbUrl, (db) => db.query(`SELECT id FROM crm.wf_jobs WHERE instance_id = $1`, [started.id]));
    expect(jobs.rows).toEqual([]);
    // The job that was only due at SIGTERM was not taken: it waits, unleased, for another process.
    expect(held.length).toBe(1);
    const due = await withClient(srv.dbUrl, (db) => db.query(`SELECT attempts, lease_owner FROM crm.wf_jobs WHERE instance_id = $1`, [waiting.id]));
    expect(due.rows).toEqual([{ attempts: 0, lease_owner: null }]);
    await expect(fetch(`${srv.baseUrl}/api/health/live`)).rejects.toThrow();
  });

  it('stops waiting after CRM_SHUTDOWN_TIMEOUT_MS and exits 1 when work was cut off', async () => {
    const srv = await startServer({ env: { CRM_SHUTDOWN_TIMEOUT_MS: '300' } });
    servers.push(srv);
    const locker = new pg.Client({ connectionString: srv.dbUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM crm.users WHERE username = 'manager' FOR UPDATE`);
    const slow = typed(srv.baseUrl).login({ username: 'manager', password: 'Demo@2026' }).catch((e: unknown) => e);
    await until(async () => (await lockWaiters(srv.dbUrl)) === 1, { what: 'the login to wait on the lock', everyMs: 50 });
    const exited = exitOf(srv);
    srv.proc.kill('SIGTERM');
    const t0 = Date.now();
    expect(await exited).toBe(1);
    expect(Date.now() - t0).toBeLessThan(10000); // the bound, not the 15 s safety net in main.ts
    await locker.query('ROLLBACK');
    await locker.end();
    const r = await slow;
    // Cut off: the connection was closed (the client's network error, status 0), never a success nor an answer.
    expect(isApiError(r) && [r.status, r.code]).toEqual([0, 'network_error']);
  });
});
