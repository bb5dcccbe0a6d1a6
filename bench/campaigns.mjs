// `pnpm bench campaigns`: a campaign launched to BENCH_MEMBERS customers (default 100,000) of the demo
// bank through POST /api/campaigns/:id/launch — members materialised with the hashed control group,
// the contact gates (consent ledger, do-not-disturb, frequency caps over the contacts ledger) applied
// per channel, call tasks and SMS queued, in resumable batches — against a plain INSERT … SELECT of
// the same member rows into a twin table, in the same run and database. Prints members/s and the ratio.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { api, fmt, login, machineLoad, startPostgres, startServer } from './lib.mjs';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'bench-secret-bench-secret-bench-secret-0000';
const DATA_KEY = 'b'.repeat(64);

async function loadBank(dbUrl) {
  await new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(repo, 'apps/server/dist/packs/bank-crm/demo/demo-data.js'), '--customers', String(MEMBERS), '--seed', '7'], {
      env: { ...process.env, DATABASE_URL: dbUrl, CRM_SECRET: SECRET, CRM_DATA_KEY: DATA_KEY, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo data load exited ${code}`))));
  });
}

export async function run() {
  const db = await startPostgres();
  const server = await startServer(db.url, { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0', CRM_SECRET: SECRET, CRM_DATA_KEY: DATA_KEY, CRM_MARKETING_SIMULATOR: '0', CRM_JOBS_POLL_MS: '200' });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    await loadBank(db.url);
    const customers = Number((await pool.query('SELECT count(*) AS n FROM crm_data.customer WHERE deleted_at IS NULL')).rows[0].n);
    const token = await login(server.base, 'analyst');
    // Caps as a bank would set them: 2 per channel per 7 days, 3 overall.
    await api(server.base, 'PUT', '/api/marketing/settings', token, { caps: [{ max: 3, days: 7 }, { channel: 'sms', max: 2, days: 7 }, { channel: 'task', max: 2, days: 7 }] });
    const campaign = await api(server.base, 'POST', '/api/campaigns', token, { name: '基准活动', filter: { customer_type: { $in: ['individual', 'corporate'] } }, channels: ['task', 'sms'], controlPercent: 10 });

    // Baseline: the same member rows by one INSERT … SELECT into a twin table (no gates, no activities).
    await pool.query('CREATE TABLE crm.bench_members (LIKE crm.campaign_members INCLUDING DEFAULTS)');
    const b0 = performance.now();
    const plain = await pool.query(
      `INSERT INTO crm.bench_members (campaign_id, customer_id, owner_id, org_unit_id, grp, status)
       SELECT $1::uuid, t.id, t.owner_id, t.org_unit_id, 'target', 'contacted' FROM crm_data.customer t WHERE t.deleted_at IS NULL AND t.customer_type IN ('individual', 'corporate')`,
      [campaign.id],
    );
    const plainMs = performance.now() - b0;

    const l0 = performance.now();
    const { jobId } = await api(server.base, 'POST', `/api/campaigns/${campaign.id}/launch`, token);
    let job;
    for (;;) {
      job = await api(server.base, 'GET', `/api/jobs/${jobId}`, token);
      if (job.status === 'done' || job.status === 'failed') break;
      process.stdout.write(`\rlaunched ${job.progress.done.toLocaleString()} / ${(job.progress.total ?? 0).toLocaleString()} members`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const launchMs = performance.now() - l0;
    if (job.status !== 'done') throw new Error(`launch ${job.status}: ${JSON.stringify(job.error)}`);
    const counts = (await pool.query(`SELECT count(*)::int AS members, count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE grp = 'control')::int AS control,
        count(*) FILTER (WHERE status = 'excluded')::int AS excluded, count(*) FILTER (WHERE status = 'contacted')::int AS contacted FROM crm.campaign_members WHERE campaign_id = $1`, [campaign.id])).rows[0];
    if (counts.members !== plain.rowCount || counts.pending !== 0) throw new Error(`not every member accounted for: ${JSON.stringify(counts)} vs ${plain.rowCount}`);
    const n = counts.members;
    console.log(`\n${customers.toLocaleString()} customers; ${n.toLocaleString()} members: ${counts.control.toLocaleString()} control, ${counts.excluded.toLocaleString()} excluded by the gates, ${counts.contacted.toLocaleString()} contacted (every member accounted for)`);
    console.log(`campaign launch via POST /api/campaigns/:id/launch: ${fmt(launchMs / 1000, 2)} s (${fmt(n / (launchMs / 1000), 0)} members/s; consent, do-not-disturb and cap checks, call tasks and SMS queued)`);
    console.log(`plain INSERT … SELECT of the same rows:               ${fmt(plainMs / 1000, 2)} s (${fmt(n / (plainMs / 1000), 0)} members/s)`);
    console.log(`ratio launch time / INSERT … SELECT time: ${fmt(launchMs / plainMs, 1)}  load ${machineLoad()}`);
    // The pack's 营销活动分析 report over the members (a report source, not cached), as the marketing manager and a customer manager.
    for (const user of ['analyst', 'rm']) {
      const who = user === 'analyst' ? token : await login(server.base, user);
      const r0 = performance.now();
      const answer = await api(server.base, 'POST', '/api/reports/bank_campaign_analysis/run', who, { filter: { campaign: campaign.id } });
      console.log(`report 营销活动分析 as ${user}: ${fmt(performance.now() - r0, 0)} ms over HTTP (statement ${fmt(answer.elapsedMs, 0)} ms), ${(answer.rows[0]?.targeted ?? 0).toLocaleString()} target members in scope`);
    }
  } finally {
    await pool.end();
    await server.stop();
    await db.stop();
  }
}
