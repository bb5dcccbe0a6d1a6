/**
 * Past one machine: two server processes on one PostgreSQL primary, reports on a real streaming
 * standby (CRM_REPORTS_DATABASE_URL, a read-only role). Writes go to the primary (written through one
 * process, read through the other); a report is answered by the standby (`source: "replica"`, and the
 * standby holds the report pool's connections); a standby whose replay is paused falls more than
 * CRM_REPORTS_MAX_LAG_SECONDS behind and reports fall back to the primary — with a warning in the log and
 * `source: "primary"` — showing rows the standby does not have yet; a standby stopped in the middle of a
 * report statement likewise (the statement is re-run on the primary), and a standby back in step takes
 * reports again. Then a kill -9 of one process under round-robin write load
 * loses no acknowledged write, and the other process keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ReportAnswerSchema } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, login } from '../harness/http.js';
import { balanced, newTally } from '../harness/balancer.js';
import { onDb, startReplication, type Replication } from '../harness/pg-replication.js';
import { until } from '../harness/until.js';
import pg from 'pg';

type Client = Awaited<ReturnType<typeof as>>;
let rep: Replication;
let a: TestServer, b: TestServer;
let onA: Client, onB: Client;
/** Rows of visit_log written so far (all through the API). */
let written = 0;

const COUNT = { object: 'visit_log', measures: [{ key: 'n', agg: 'count' }, { key: 'total', agg: 'sum', field: 'amount' }] };

const q = <T = any>(url: string, text: string, params: unknown[] = []) => onDb(url, async (c) => (await c.query(text, params)).rows as T[]);

let asked = 0;

/**
 * Runs the count report through A until it answers `rows` rows from `source`; its answer. `uncached`:
 * each run asks a report never asked before (a filter with its own, never matching value), so the cache cannot
 * answer it and every run shows where a report goes now — an answer computed on the primary while
 * the replica was away is correct and stays cached until the next change.
 */
async function reportUntil(source: 'replica' | 'primary', rows: number, what: string, uncached = false) {
  let last: unknown = null;
  return until(
    async () => {
      const body = uncached ? { ...COUNT, filter: { ref: { $ne: `no-such-ref-${++asked}` } } } : COUNT;
      const r = await onA.post('/api/reports/query', body);
      last = r.status === 200 ? { source: r.body.source, n: r.body.rows[0]?.n, cached: r.body.cached } : { status: r.status, body: r.body };
      return r.status === 200 && r.body.source === source && Number(r.body.rows[0]?.n) === rows ? r.body : null;
    },
    { ms: 20000, everyMs: 100, what: () => `${what}: ${rows} rows from the ${source}; last answer ${JSON.stringify(last)}` },
  );
}

/** Until the standby has replayed every row written so far (read on the standby itself). */
async function standbyHasAll() {
  await until(async () => Number((await q(rep.standbyUrl, 'SELECT count(*) AS n FROM crm_data.visit_log'))[0].n) === written, {
    ms: 20000,
    everyMs: 100,
    what: `the standby to replay all ${written} rows`,
  });
}

/** Until the server's log (written asynchronously) has a line matching re. */
async function logged(srv: TestServer, re: RegExp) {
  await until(() => re.test(srv.output()), { ms: 10000, everyMs: 50, what: `a log line matching ${re}` });
}

async function write(on: Client, ref: string) {
  const r = await on.post('/api/records/visit_log', { ref, amount: '10.50' });
  expect(r.status).toBe(201);
  written++;
  return r.body.id as string;
}

beforeAll(async () => {
  rep = await startReplication();
  await rep.streaming();
  // info: the log line that reports are back on the replica.
  const env = { CRM_REPORTS_DATABASE_URL: rep.standbyReaderUrl, CRM_REPORTS_MAX_LAG_SECONDS: '1', LOG_LEVEL: 'info' };
  a = await startServer({ dbUrl: rep.primaryUrl, env });
  b = await startServer({ dbUrl: rep.primaryUrl, env });
  [onA, onB] = await Promise.all([as(a.baseUrl, 'analyst'), as(b.baseUrl, 'analyst')]);
  const obj = await onA.post('/api/meta/objects', {
    key: 'visit_log',
    label: '走访记录',
    fields: [
      { key: 'ref', label: '请求编号', type: 'text', required: true },
      { key: 'amount', label: '金额', type: 'money' },
    ],
  });
  expect(obj.status).toBe(201);
}, 120000);

afterAll(async () => {
  // Both processes use the replication primary's database: nothing to drop on the shared test server.
  for (const s of [a, b]) await s?.stop({ keepDatabase: true }).catch(() => undefined);
  await rep?.stop();
});

describe('two processes on a primary, reports on a streaming standby', () => {
  it('the standby is a hot standby streaming from the primary, schema included', async () => {
    expect((await q(rep.primaryUrl, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(false);
    expect((await q(rep.standbyUrl, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
    // The migrations and the new object's table, made on the primary, reach the standby.
    await until(async () => (await q(rep.standbyUrl, `SELECT to_regclass('crm_data.visit_log') AS t`))[0].t !== null, { ms: 10000, what: 'the new table on the standby' });
    // The standby refuses writes: whatever reaches it can only read.
    await expect(q(rep.standbyUrl, `INSERT INTO crm_data.visit_log (ref) VALUES ('x')`)).rejects.toThrow(/read-only transaction/);
  });

  it('writes go to the primary: a record written through A is read through B', async () => {
    const id = await write(onA, 'first-on-a');
    const r = await onB.get(`/api/records/visit_log/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.ref).toBe('first-on-a');
    expect(await q(rep.primaryUrl, `SELECT ref FROM crm_data.visit_log WHERE id = $1`, [id])).toEqual([{ ref: 'first-on-a' }]);
    await write(onB, 'first-on-b');
  });

  it('reports are answered by the standby, through the read-only reports role', async () => {
    const answer = await reportUntil('replica', written, 'the report on the standby');
    expect(ReportAnswerSchema.parse(answer).source).toBe('replica');
    expect(answer.rows[0].total).toBe('21.00');
    // The report pool's connections are on the standby, as the reports role.
    const conns = await q(rep.standbyUrl, `SELECT usename FROM pg_stat_activity WHERE application_name = 'bank-crm-reports'`);
    expect(conns.length).toBeGreaterThan(0);
    expect(new Set(conns.map((c) => c.usename))).toEqual(new Set(['crm_reports']));
  });

  it('a standby that falls behind: reports fall back to the primary with a warning and show the fresh rows', async () => {
    await q(rep.standbyUrl, 'SELECT pg_wal_replay_pause()');
    try {
      for (let i = 0; i < 3; i++) await write(onB, `while-paused-${i}`);
      const answer = await reportUntil('primary', written, 'the report to fall back to the primary');
      expect(answer.rows[0].total).toBe((written * 10.5).toFixed(2));
      // The standby really is behind: it has not replayed the fresh rows, so only the primary could answer them.
      const onStandby = Number((await q(rep.standbyUrl, 'SELECT count(*) AS n FROM crm_data.visit_log'))[0].n);
      expect(onStandby).toBeLessThan(written);
      await logged(a, /report queries fall back to the primary database: the replica is \d+ seconds behind/);
    } finally {
      await q(rep.standbyUrl, 'SELECT pg_wal_replay_resume()');
    }
    // Caught up again: reports go back to the standby, and the log says so.
    await write(onB, 'after-resume');
    await standbyHasAll();
    await reportUntil('replica', written, 'the report back on the standby after replay resumed', true);
    await logged(a, /report queries use the replica again/);
  });

  it('a standby that goes away: reports answer from the primary; once it is back, from the standby again', async () => {
    await write(onB, 'standby-down');
    await standbyHasAll();
    // The standby goes away in the middle of a report statement: a lock taken on the primary is replayed on
    // the standby, where the report's statement then waits; the standby's shutdown ends it (57P01).
    const holder = new pg.Client({ connectionString: rep.primaryUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE crm_data.visit_log IN ACCESS EXCLUSIVE MODE');
      // An open transaction's WAL is flushed (and so sent) by the next commit: one with an xid, from another session.
      await until(async () => {
        await q(rep.primaryUrl, 'SELECT pg_current_xact_id()');
        return (await q(rep.standbyUrl, `SELECT 1 FROM pg_locks WHERE relation = 'crm_data.visit_log'::regclass AND mode = 'AccessExclusiveLock' AND granted`)).length > 0;
      }, {
        ms: 10000, everyMs: 50, what: 'the lock replayed on the standby',
      });
      const running = onA.post('/api/reports/query', { ...COUNT, filter: { ref: { $ne: 'cut-off' } } });
      await until(async () => (await q(rep.standbyUrl, `SELECT 1 FROM pg_stat_activity WHERE application_name = 'bank-crm-reports' AND wait_event_type = 'Lock'`)).length > 0, {
        ms: 10000, everyMs: 50, what: 'the report statement waiting on the standby',
      });
      await rep.stopStandby();
      // Re-run on the primary, where it waits for the same lock until it is released.
      await until(async () => (await q(rep.primaryUrl, `SELECT 1 FROM pg_stat_activity WHERE application_name = 'bank-crm' AND wait_event_type = 'Lock'`)).length > 0, {
        ms: 10000, everyMs: 50, what: 'the report statement re-run on the primary',
      });
      await holder.query('COMMIT');
      const r = await running;
      expect([r.status, r.body.source, Number(r.body.rows?.[0]?.n)]).toEqual([200, 'primary', written]);
    } finally {
      await holder.end().catch(() => undefined);
    }
    await logged(a, /report queries fall back to the primary database: the replica failed the statement \(57P01\)/);
    await write(onB, 'while-down');
    await reportUntil('primary', written, 'the report on the primary while the standby is down');
    await rep.startStandby();
    await rep.streaming();
    await write(onB, 'standby-back');
    await standbyHasAll();
    await reportUntil('replica', written, 'the report back on the standby after its restart', true);
    await until(() => (a.output().match(/report queries use the replica again/g) ?? []).length >= 2, { ms: 10000, everyMs: 50, what: 'the second "use the replica again" line' });
    // The report asked before shows the same rows (from the primary's cached answer or the standby).
    expect(Number((await onA.post('/api/reports/query', COUNT)).body.rows[0].n)).toBe(written);
    // Neither the reports role's password nor a stack trace reaches the log.
    for (const s of [a, b]) {
      expect(s.output()).not.toContain('reports-test');
      expect(s.output()).not.toMatch(/\n\s+at /);
    }
  });

  it('a process killed under round-robin load loses no acknowledged write; the other keeps serving', async () => {
    const token = await login(a.baseUrl, 'analyst');
    const backends = () => [a.baseUrl, b.baseUrl];
    const t = newTally();
    const acked: string[] = [];
    const unexpected: string[] = [];
    let seq = 0;
    let load = true;
    const loop = async (w: number) => {
      while (load) {
        const n = seq++;
        const ref = `load-${w}-${n}`;
        // A cut-off request is not retried (it may have been committed): not acknowledged, in doubt.
        const r = await balanced(backends, n, 'POST', '/api/records/visit_log', token, { ref, amount: '1.00' }, t, { retryCutOff: false });
        if (r?.status === 201) acked.push(ref);
        else if (r) unexpected.push(`${r.status} ${JSON.stringify(r.body)}`);
      }
    };
    const loops = Array.from({ length: 4 }, (_, w) => loop(w));
    await until(() => acked.length >= 40, { ms: 30000, everyMs: 20, what: 'load before the kill' });
    expect(await b.kill('SIGKILL')).toBeNull();
    const atKill = acked.length;
    await until(() => acked.length >= atKill + 40, { ms: 30000, everyMs: 20, what: 'load on the surviving process after the kill' });
    load = false;
    await Promise.all(loops);
    process.stdout.write(`kill -9 under load: ${atKill} writes acknowledged before, ${acked.length - atKill} after; ${t.retriedRefused} refused and retried, ${t.inDoubt} cut off\n`);

    expect(unexpected).toEqual([]);
    // The balancer met the dead process (refused connections went to the survivor).
    expect(t.retriedRefused).toBeGreaterThan(0);
    const rows = await q<{ ref: string; n: number }>(rep.primaryUrl, `SELECT ref, count(*)::int AS n FROM crm_data.visit_log WHERE ref LIKE 'load-%' GROUP BY ref`);
    const stored = new Map(rows.map((r) => [r.ref, r.n]));
    // Every acknowledged write is stored, once; at most the requests cut off mid-flight were stored unanswered.
    for (const ref of acked) expect([ref, stored.get(ref)]).toEqual([ref, 1]);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    expect(stored.size - acked.length).toBeLessThanOrEqual(t.inDoubt);
    // The survivor still serves, and its reports still read the standby.
    expect((await onA.get('/api/health/ready')).status).toBe(200);
    written = Number((await q(rep.primaryUrl, 'SELECT count(*) AS n FROM crm_data.visit_log'))[0].n);
    await reportUntil('replica', written, 'the report on the standby after the failover', true);
  }, 90000);
});
