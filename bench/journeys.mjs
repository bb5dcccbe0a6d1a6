// `pnpm bench journeys`: 100,000 customers entering a journey by segment entry (POST
// /api/journeys/:key/enter, a background job that starts one BPMN instance per customer and records
// the entry, in batches that commit with their checkpoint): instances/s, against a plain
// `INSERT … SELECT` of the same 100,000 entry rows on the same PostgreSQL in the same run; and how
// the server answers meanwhile (GET /api/health latency while the job runs). BENCH_CUSTOMERS changes
// the size.
import pg from 'pg';
import { startPostgres, startServer, api, login, fmt, machineLoad, percentile } from './lib.mjs';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
/** "In minutes": 100,000 customers in at most five, i.e. at least 333 instances/s. */
const TARGET_PER_S = 100_000 / 300;

const MODEL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="benchJourney" targetNamespace="urn:bench">
  <bpmn:process id="bench_journey" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>`;

async function insertSelect(url) {
  const c = new pg.Client(url);
  await c.connect();
  await c.query('CREATE TABLE bench_entries (LIKE crm.journey_entries INCLUDING ALL)');
  const t0 = process.hrtime.bigint();
  const r = await c.query(
    `INSERT INTO bench_entries (journey_key, customer_id, instance_id, variant, source, entered_at)
     SELECT 'bench', id, gen_random_uuid(), NULL, 'segment', now() FROM crm_data.customer WHERE deleted_at IS NULL AND customer_type = 'individual'`,
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await c.query('DROP TABLE bench_entries');
  await c.end();
  return { rows: r.rowCount, perS: r.rowCount / s, s };
}

export async function run() {
  const db = await startPostgres();
  let server;
  try {
    server = await startServer(db.url, { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0' });
  } catch (err) {
    await db.stop();
    throw err;
  }
  // The bank pack without its demo bank; the customers are then written straight into the table (set-up, not measured).
  try {
    const c = new pg.Client(db.url);
    await c.connect();
    await c.query(
      `INSERT INTO crm_data.customer (id, customer_type, name) SELECT gen_random_uuid(), 'individual', '压测客户' || g FROM generate_series(1, $1::int) AS g`,
      [CUSTOMERS],
    );
    await c.query('ANALYZE crm_data.customer');
    await c.end();
    const admin = await login(server.base, 'admin');
    const security = await login(server.base, 'security');
    const analyst = await login(server.base, 'analyst');
    // A marketing designer who may read every customer and segment (segment entry reads members as its starter).
    await api(server.base, 'POST', '/api/admin/roles', security, {
      key: 'bench_marketer', name: '营销设计', platform: ['designer'],
      permissions: [{ object: 'customer', actions: ['read'], scope: 'all' }, { object: 'segment', actions: ['create', 'read'], scope: 'all' }],
    });
    await api(server.base, 'POST', '/api/admin/users', admin, { username: 'bench_marketer', password: 'Bench#Marketer2026', roles: ['bench_marketer'] });
    const marketer = (await api(server.base, 'POST', '/api/auth/login', null, { username: 'bench_marketer', password: 'Bench#Marketer2026' })).accessToken;
    await api(server.base, 'POST', '/api/segments', marketer, { code: 'bench_all', name: '全部个人客户', filter: { customer_type: 'individual' } });
    await api(server.base, 'POST', '/api/process-definitions', analyst, { bpmnXml: MODEL });
    await api(server.base, 'POST', '/api/journeys', marketer, { key: 'bench_journey', name: '压测旅程', processKey: 'bench_journey', entry: { kind: 'segment', segment: 'bench_all' }, split: { variants: [{ key: 'A', percent: 50 }, { key: 'B', percent: 50 }] } });
    await api(server.base, 'POST', '/api/journeys/bench_journey/activate', marketer);

    const base = await insertSelect(db.url);
    const t0 = Date.now();
    const { jobId } = await api(server.base, 'POST', '/api/journeys/bench_journey/enter', marketer);
    const latencies = [];
    let job;
    for (;;) {
      const h0 = performance.now();
      await api(server.base, 'GET', '/api/health');
      latencies.push(performance.now() - h0);
      job = await api(server.base, 'GET', `/api/jobs/${jobId}`, marketer);
      if (job.status === 'done' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const s = (Date.now() - t0) / 1000;
    if (job.status !== 'done') throw new Error(`the entry job failed: ${JSON.stringify(job.error)}`);
    const stats = await api(server.base, 'GET', '/api/journeys/bench_journey/stats', marketer);
    latencies.sort((a, b) => a - b);
    const perS = stats.entered / s;
    console.log(`journey entry of a ${CUSTOMERS}-customer segment (background job, batches of 500 with their checkpoint):`);
    console.log(`  entered                       ${stats.entered} of ${job.progress.total ?? '?'} members in ${fmt(s)} s  (active instances ${stats.active}; variants ${stats.paths.map((p) => `${p.path} ${p.entered}`).join(', ')})`);
    console.log(`  instances/s                   ${fmt(perS)}`);
    console.log(`  plain INSERT … SELECT rows/s  ${fmt(base.perS)}  (${base.rows} rows in ${fmt(base.s, 2)} s, same PostgreSQL)`);
    console.log(`  ratio                         ${fmt(perS / base.perS, 4)}  load ${machineLoad()}`);
    console.log(`  target: 100,000 in ≤ 5 min (≥ ${fmt(TARGET_PER_S, 0)}/s), every member in → ${perS >= TARGET_PER_S && stats.entered === CUSTOMERS ? 'met' : 'missed'}`);
    console.log(`  GET /api/health meanwhile     p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms, max ${fmt(latencies[latencies.length - 1])} ms (${latencies.length} probes)`);
  } finally {
    await server.stop();
    await db.stop();
  }
}
