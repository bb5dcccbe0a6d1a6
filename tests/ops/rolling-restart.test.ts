/**
 * Rolling restart of two server processes under load: a client-side balancer (as nginx's
 * `proxy_next_upstream error http_503` does) sends record writes and process starts to two processes
 * on one database while each process in turn gets SIGTERM and is replaced by a new one. Every request
 * the balancer saw acknowledged must be in the database exactly once, no request may be applied twice,
 * and every timer job created on a process that went away must still fire exactly once.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, login } from '../harness/http.js';
import { balanced, newTally, type BalancerTally } from '../harness/balancer.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from '../api/workflow-bpmn.js';

const FAST = { CRM_JOB_POLL_MS: '50', CRM_JOB_LEASE_MS: '2000', CRM_JOB_BACKOFF_MS: '100', CRM_SHUTDOWN_TIMEOUT_MS: '10000' };
const servers: TestServer[] = [];

afterAll(async () => {
  // Every process shares the first one's database; only the last stop drops it.
  const live = servers.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null);
  for (const s of live) await s.stop({ keepDatabase: true }).catch(() => undefined);
  await servers[0]?.stop().catch(() => undefined);
});

function exitOf(srv: TestServer): Promise<number | null> {
  if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) return Promise.resolve(srv.proc.exitCode);
  return new Promise((resolve) => srv.proc.once('exit', (code) => resolve(code)));
}

/** What the balancer saw: acknowledged writes and the answers it retried elsewhere. */
interface Tally extends BalancerTally {
  records: string[];
  instances: string[];
  unexpected: string[];
}

/**
 * Through the balancer, retrying a connection closed with no answer too: a draining process closed
 * an idle keep-alive connection as the request went out; it never started that request (a started one
 * is finished and answered), so a retry is safe, and the exactly-once check below fails if that ever
 * stops being true.
 */
async function through(backends: () => string[], start: number, method: string, path: string, token: string, body: unknown, t: Tally) {
  const r = await balanced(backends, start, method, path, token, body, t, { retryCutOff: true });
  if (!r) throw new Error(`${method} ${path} was cut off and not retried`);
  return r;
}

describe('rolling restart of two processes under load', () => {
  it('loses no acknowledged request and no job, and applies none twice', async () => {
    const a = await startServer({ env: FAST });
    servers.push(a);
    const b = await startServer({ dbUrl: a.dbUrl, env: FAST });
    servers.push(b);
    const analyst = await as(a.baseUrl, 'analyst');
    const onB = await as(b.baseUrl, 'analyst');
    // B holds a metadata snapshot from before the object exists ...
    expect((await onB.get('/api/meta/objects')).status).toBe(200);
    const obj = await analyst.post('/api/meta/objects', {
      key: 'visit_log',
      label: '走访记录',
      fields: [
        { key: 'ref', label: '请求编号', type: 'text', required: true },
        { key: 'amount', label: '金额', type: 'money' },
      ],
    });
    expect(obj.status).toBe(201);
    // ... and still serves the new object at once: a miss re-checks the metadata version.
    expect((await onB.post('/api/records/visit_log', { ref: 'first-on-b' })).status).toBe(201);
    const xml = chain('rolling', [
      '<bpmn:startEvent id="s" crm:inputs="ref"/>',
      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await analyst.post('/api/process-definitions', { bpmnXml: xml })).status).toBe(201);
    // The analyst may write every object (own records) and start processes on the bare platform.
    const token = await login(a.baseUrl, 'analyst');

    // The balancer's backend list: ports stay the same, the processes behind them change.
    const ports = [a.port, b.port];
    const backends = () => ports.map((p) => `http://127.0.0.1:${p}`);
    const t: Tally = { ...newTally(), records: [], instances: [], unexpected: [] };
    let seq = 0;
    let load = true;
    const worker = async (w: number) => {
      while (load) {
        const n = seq++;
        const ref = `w${w}-${n}`;
        if (n % 2 === 0) {
          const r = await through(backends, n, 'POST', '/api/records/visit_log', token, { ref, amount: `${n}.05` }, t);
          if (r.status === 201) t.records.push(ref);
          else t.unexpected.push(`record ${r.status} ${JSON.stringify(r.body)}`);
        } else {
          const r = await through(backends, n, 'POST', '/api/process-definitions/rolling/start', token, { variables: { ref } }, t);
          if (r.status === 201) t.instances.push(r.body.id);
          else t.unexpected.push(`start ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));

    // Replace each process in turn while the load runs; wait for acknowledged work between steps
    // (observable progress, not time).
    const progressed = async (more: number) => {
      const target = t.records.length + t.instances.length + more;
      await until(async () => t.records.length + t.instances.length >= target, 30000, 50);
    };
    await progressed(40);
    for (const port of ports) {
      const old = servers.filter((s) => s.port === port).pop()!;
      old.proc.kill('SIGTERM');
      expect(await exitOf(old)).toBe(0);
      const fresh = await startServer({ dbUrl: a.dbUrl, port, env: FAST });
      servers.push(fresh);
      await progressed(40);
    }
    load = false;
    await Promise.all(workers);

    expect(t.unexpected).toEqual([]);
    process.stdout.write(`rolling restart: ${t.records.length} records, ${t.instances.length} starts acknowledged; retried ${t.retried503}× after 503, ${t.retriedRefused}× after refused/closed\n`);
    // The restarts were really under load: requests met a draining or absent process.
    expect(t.retried503 + t.retriedRefused).toBeGreaterThan(0);
    expect(t.records.length).toBeGreaterThan(40);
    expect(t.instances.length).toBeGreaterThan(40);

    await withClient(a.dbUrl, async (c) => {
      // Exactly the acknowledged writes, each once: no loss and no double apply by a retry.
      const rows = await c.query(`SELECT "ref" AS ref, count(*)::int AS n FROM crm_data.visit_log WHERE deleted_at IS NULL GROUP BY "ref"`);
      const stored = new Map(rows.rows.map((r: { ref: string; n: number }) => [r.ref, r.n]));
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
      expect([...stored.keys()].sort()).toEqual([...t.records, 'first-on-b'].sort());
      const known = await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE id = ANY($1::uuid[])`, [t.instances]);
      expect(known.rows[0].n).toBe(t.instances.length);
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances`)).rows[0].n).toBe(t.instances.length);
    });
    // Every timer, including those created on a process that was stopped, fires exactly once.
    const open = () => withClient(a.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE status <> 'completed'`)).rows[0].n as number);
    await until(async () => (await open()) === 0, 60000, 250);
    await withClient(a.dbUrl, async (c) => {
      const fired = await c.query(`SELECT count(*)::int AS n, count(DISTINCT instance_id)::int AS i FROM crm.wf_history WHERE activity_id = 'wait' AND event = 'end'`);
      expect(fired.rows[0]).toEqual({ n: t.instances.length, i: t.instances.length });
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_jobs`)).rows[0].n).toBe(0);
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_incidents`)).rows[0].n).toBe(0);
    });
  }, 240000);
});
