// `pnpm bench model-scoring`: the bank pack's churn model scoring every customer of a demo bank through
// POST /api/models/customer_churn/score (a background job: features read by one named system read per
// batch, the trees in memory, one UPDATE … FROM unnest(…) per batch with one audit row per customer in the
// same statement, the batch's rule tags recomputed at once, the retention process started for scores
// crossing 0.3, the checkpoint) until done: rows/s, against a plain UPDATE … FROM unnest(…) of the same
// scores in batches of the same size into a copy of the table on the same PostgreSQL in the same run; and
// GET /api/health latency meanwhile; then the follow-up jobs that hand the batches' changes to the process
// triggers (the retention processes for scores crossing 0.3), timed separately. Then the same scoring again (nothing changes: read and predict only).
// BENCH_CUSTOMERS (default 100,000) is the demo bank's size, loaded by the server's first start.
// To see where the time goes: BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" (one profile for the
// server's thread, one for the model worker thread).
import pg from 'pg';
import { startPostgres, startServer, api, login, fmt, machineLoad, percentile } from './lib.mjs';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const BATCH = 1000;

async function plainUpdate(url) {
  const c = new pg.Client(url);
  await c.connect();
  await c.query('CREATE TABLE bench_scores AS SELECT id, churn_score FROM crm_data.customer WHERE deleted_at IS NULL');
  await c.query('ALTER TABLE bench_scores ADD PRIMARY KEY (id)');
  const { rows } = await c.query('SELECT id::text AS id, churn_score::text AS s FROM bench_scores ORDER BY id');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += BATCH) {
    const part = rows.slice(i, i + BATCH);
    await c.query('BEGIN');
    await c.query(`UPDATE bench_scores t SET churn_score = v.s::numeric FROM unnest($1::uuid[], $2::text[]) AS v(id, s) WHERE t.id = v.id`,
      [part.map((r) => r.id), part.map((r) => (Number(r.s ?? 0) * 0.5).toFixed(4))]);
    await c.query('COMMIT');
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await c.query('DROP TABLE bench_scores');
  await c.end();
  return { rows: rows.length, perS: rows.length / s, s };
}

async function untilDone(base, token, jobId) {
  const latencies = [];
  for (;;) {
    const h0 = performance.now();
    await fetch(`${base}/api/health`).then((r) => r.arrayBuffer());
    latencies.push(performance.now() - h0);
    const job = await api(base, 'GET', `/api/jobs/${jobId}`, token);
    if (job.status === 'done' || job.status === 'failed') return { job, latencies: latencies.sort((a, b) => a - b) };
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function run() {
  const db = await startPostgres();
  let server;
  try {
    server = await startServer(db.url, { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: String(CUSTOMERS), CRM_BANK_JOBS_MS: '0', CRM_MODEL_SCORE_HOUR: '24' }); // no nightly scoring of its own in between
  } catch (err) {
    await db.stop();
    throw err;
  }
  try {
    const analyst = await login(server.base, 'analyst');
    const t = Date.now();
    const trained = await untilDone(server.base, analyst, (await api(server.base, 'POST', '/api/models/customer_churn/train', analyst)).jobId);
    if (trained.job.status !== 'done') throw new Error(`training failed: ${JSON.stringify(trained.job.error)}`);
    console.log(`training on ${CUSTOMERS} demo customers: ${fmt((Date.now() - t) / 1000)} s, holdout AUC ${fmt(trained.job.result.auc, 3)} vs baseline ${fmt(trained.job.result.baselineAuc, 3)}; GET /api/health meanwhile p95 ${fmt(percentile(trained.latencies, 95))} ms, max ${fmt(trained.latencies[trained.latencies.length - 1])} ms`);
    const figures = [];
    for (const pass of ['first scoring (every score written)', 'second scoring (nothing changes)']) {
      const t0 = Date.now();
      const { job, latencies } = await untilDone(server.base, analyst, (await api(server.base, 'POST', '/api/models/customer_churn/score', analyst)).jobId);
      const s = (Date.now() - t0) / 1000;
      if (job.status !== 'done') throw new Error(`scoring failed: ${JSON.stringify(job.error)}`);
      // the follow-up jobs deliver the changes to the process triggers (the retention process) after the scoring
      const c = new pg.Client(db.url);
      await c.connect();
      const follow = [];
      for (;;) {
        const h0 = performance.now();
        await fetch(`${server.base}/api/health`).then((r) => r.arrayBuffer());
        follow.push(performance.now() - h0);
        const { rows: [q] } = await c.query(`SELECT count(*)::int AS n FROM crm.jobs WHERE kind = 'model.score.changes' AND status IN ('queued', 'running')`);
        if (!q.n) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await c.end();
      figures.push({ pass, s, job, latencies, followS: (Date.now() - t0) / 1000 - s, follow: follow.sort((a, b) => a - b) });
    }
    const c = new pg.Client(db.url);
    await c.connect();
    const { rows: [counts] } = await c.query(`SELECT
      (SELECT count(*)::int FROM crm.audit_log WHERE action = 'record.update' AND data->'via'->>'model' = 'customer_churn') AS audit,
      (SELECT count(*)::int FROM crm.wf_instances WHERE definition_key = 'bank_churn_retention') AS retention,
      (SELECT count(*)::int FROM crm_data.customer WHERE 'churn_risk' = ANY(rule_tags)) AS tagged`);
    await c.end();
    const base = await plainUpdate(db.url);
    console.log(`scoring ${CUSTOMERS} customers through POST /api/models/customer_churn/score (batches of ${BATCH}):`);
    for (const f of figures) {
      const perS = f.job.result.scored / f.s;
      console.log(`  ${f.pass.padEnd(38)} ${f.job.result.scored} scored, ${f.job.result.written} written in ${fmt(f.s)} s → ${fmt(perS, 0)} rows/s; ratio to the plain UPDATE ${fmt(perS / base.perS, 3)}; 1,000,000 ≈ ${fmt(1_000_000 / perS / 60)} min`);
      console.log(`  ${''.padEnd(38)} GET /api/health meanwhile p50 ${fmt(percentile(f.latencies, 50))} ms, p95 ${fmt(percentile(f.latencies, 95))} ms, max ${fmt(f.latencies[f.latencies.length - 1])} ms (${f.latencies.length} probes)`);
      console.log(`  ${''.padEnd(38)} then the follow-up jobs (changes to the process triggers: retention processes) ${fmt(f.followS)} s; health p95 ${fmt(percentile(f.follow, 95))} ms meanwhile`);
    }
    console.log(`  written with them: ${counts.audit} audit rows, ${counts.tagged} customers tagged 流失高风险, ${counts.retention} retention processes started`);
    console.log(`  plain UPDATE … FROM unnest       ${fmt(base.perS, 0)} rows/s (${base.rows} rows in ${fmt(base.s, 2)} s, batches of ${BATCH}, same PostgreSQL)  load ${machineLoad()}`);
  } finally {
    await server.stop();
    await db.stop();
  }
}
