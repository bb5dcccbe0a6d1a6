// `pnpm bench import`: BENCH_ROWS rows (default 1,000,000) of a CSV file through POST /api/imports
// (validated per row like a form submission, audited, resumable batches) vs PostgreSQL's COPY of the
// same file into a twin of the same table — both in the same run, same database. Prints the ratio
// and the machine's load next to it.
import { createWriteStream, mkdtempSync, openAsBlob, rmSync, createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { api, fmt, login, machineLoad, startPostgres, startServer } from './lib.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The server's own COPY client (a dependency of apps/server).
const { from: copyFrom } = createRequire(path.join(repo, 'apps/server/package.json'))('pg-copy-streams');

const FIELDS = [
  { key: 'name', label: { 'zh-CN': '姓名', en: 'Name' }, type: 'text', required: true },
  { key: 'mobile', label: { 'zh-CN': '手机', en: 'Mobile' }, type: 'phone' },
  { key: 'amount', label: { 'zh-CN': '金额', en: 'Amount' }, type: 'money' },
  { key: 'visit_date', label: { 'zh-CN': '日期', en: 'Date' }, type: 'date' },
  { key: 'age', label: { 'zh-CN': '年龄', en: 'Age' }, type: 'integer' },
  { key: 'vip', label: { 'zh-CN': '贵宾', en: 'VIP' }, type: 'boolean' },
];

async function writeCsv(file) {
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write('姓名,手机,金额,日期,年龄,贵宾\n');
  for (let i = 0; i < ROWS; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    await write(`客户${i},138${String(i % 100000000).padStart(8, '0')},${(i % 1000000) + 1}.${String(i % 100).padStart(2, '0')},2026-11-${day},${18 + (i % 60)},${i % 9 === 0}\n`);
  }
  await new Promise((r) => out.end(r));
}

export async function run() {
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-bench-import-'));
  const file = path.join(dir, 'rows.csv');
  const db = await startPostgres();
  const server = await startServer(db.url, { CRM_MAX_FILE_MB: '1024', CRM_IMPORT_BATCH: process.env.CRM_IMPORT_BATCH ?? '1000' });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    await writeCsv(file);
    const token = await login(server.base, 'analyst');
    await api(server.base, 'POST', '/api/meta/objects', token, { key: 'bench_imp', label: '导入测试', fields: FIELDS });
    await pool.query('CREATE TABLE crm_data.bench_copy (LIKE crm_data.bench_imp INCLUDING DEFAULTS)');

    // COPY of the same file into the twin table (no validation, no audit, one statement).
    const c0 = performance.now();
    const client = await pool.connect();
    try {
      await pipeline(createReadStream(file), client.query(copyFrom('COPY crm_data.bench_copy (name, mobile, amount, visit_date, age, vip) FROM STDIN WITH (FORMAT csv, HEADER true)')));
    } finally {
      client.release();
    }
    const copyMs = performance.now() - c0;

    // The import through the API: upload, then wait for the background job.
    const i0 = performance.now();
    const form = new FormData();
    form.append('options', JSON.stringify({ object: 'bench_imp', mode: 'insert', mapping: { 姓名: 'name', 手机: 'mobile', 金额: 'amount', 日期: 'visit_date', 年龄: 'age', 贵宾: 'vip' } }));
    form.append('file', await openAsBlob(file), 'rows.csv');
    const res = await fetch(`${server.base}/api/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    if (res.status !== 202) throw new Error(`POST /api/imports → ${res.status} ${await res.text()}`);
    const { id } = await res.json();
    let status;
    for (;;) {
      status = await api(server.base, 'GET', `/api/imports/${id}`, token);
      if (status.status === 'done' || status.status === 'failed') break;
      process.stdout.write(`\rimported ${status.processed.toLocaleString()} / ${status.total.toLocaleString()} rows`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const importMs = performance.now() - i0;
    if (status.status !== 'done' || status.inserted !== ROWS) throw new Error(`import ended ${status.status}: ${JSON.stringify(status).slice(0, 400)}`);
    const copied = Number((await pool.query('SELECT count(*) AS n FROM crm_data.bench_copy')).rows[0].n);
    if (copied !== ROWS) throw new Error(`COPY loaded ${copied} rows`);

    console.log(`\nimport of ${ROWS.toLocaleString()} CSV rows via POST /api/imports: ${fmt(importMs / 1000, 2)} s (${fmt(ROWS / (importMs / 1000))} rows/s; validated, audited, resumable batches)`);
    console.log(`COPY of the same file into a twin table:            ${fmt(copyMs / 1000, 2)} s (${fmt(ROWS / (copyMs / 1000))} rows/s)`);
    console.log(`ratio import time / COPY time: ${fmt(importMs / copyMs, 1)}  load ${machineLoad()}`);
  } finally {
    await pool.end();
    await server.stop();
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
