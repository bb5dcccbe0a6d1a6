#!/usr/bin/env node
// Makes the upgrade dump of one release, with THAT release's own built server:
//   node tests/upgrade/make-dump.mjs --release <built checkout of the release> --version X.Y.Z
// It starts a PostgreSQL (this checkout's launcher, built), runs the release's server on it with the
// demo bank (200 customers), leaves process instances waiting at user tasks and at timers, waits
// for the audit chain to be sealed, stops the server, and writes tests/upgrade/dumps/X.Y.Z.sql.gz
// (sql-dump.mjs) plus X.Y.Z.json (the keys it ran with and what the upgrade test must find).
// Before writing, the dump is loaded into a second database and must give back the same DDL and rows.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { rowFingerprints, schemaDdl, sqlDump } from './sql-dump.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const release = path.resolve(arg('release') ?? '');
const version = arg('version');
if (!arg('release') || !/^\d+\.\d+\.\d+$/.test(version ?? '')) {
  console.error('usage: node tests/upgrade/make-dump.mjs --release <built checkout> --version X.Y.Z');
  process.exit(2);
}
const { initCluster, startCluster } = await import(path.join(repo, 'apps/server/dist/database/pg-cluster.js'));
const { freePort } = await import(path.join(repo, 'apps/server/dist/database/embedded-postgres.js'));

const until = async (fn, ms = 60000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met in time: ${fn}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

const work = mkdtempSync(path.join(tmpdir(), 'crm-dump-'));
chmodSync(work, 0o755);
const pgPort = await freePort();
const cluster = { dataDir: path.join(work, 'pg'), password: 'dump', port: pgPort };
await initCluster(cluster);
const pgRunning = await startCluster(cluster);
const adminUrl = (db) => `postgres://postgres:dump@127.0.0.1:${pgPort}/${db}`;
const admin = new pg.Client({ connectionString: adminUrl('postgres') });
await admin.connect();
await admin.query('CREATE DATABASE release_db');
await admin.query('CREATE DATABASE verify_db');

const keys = { secret: randomBytes(36).toString('base64url'), dataKey: randomBytes(32).toString('hex'), crypto: 'aes' };
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(release, 'apps/server/dist/main.js')], {
  env: { ...process.env, PORT: String(port), DATABASE_URL: adminUrl('release_db'), CRM_SECRET: keys.secret, CRM_DATA_KEY: keys.dataKey,
    CRM_CRYPTO: keys.crypto, CRM_DEMO: '1', CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '200', CRM_DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = new Promise((r) => server.once('exit', r));

async function api(token, method, p, body) {
  const res = await fetch(base + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body && JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (res.status >= 300) throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}
async function readAll(token, key) {
  const items = [];
  let cursor;
  do {
    const page = await api(token, 'POST', `/api/records/${key}/query`, { limit: 500, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
const login = async (u) => (await api(null, 'POST', '/api/auth/login', { username: u, password: 'Demo@2026' })).accessToken;

try {
  await until(async () => (await fetch(`${base}/api/health`)).status === 200, 180000);
  const [analyst, rm, auditor, compliance] = await Promise.all(['analyst', 'rm', 'auditor', 'compliance'].map(login));
  const me = await api(rm, 'GET', '/api/auth/me');
  const customers = await api(rm, 'POST', '/api/records/customer/query', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 2 });
  // Two complaints wait at their first user task; each also holds its 48-hour SLA timer.
  const complaints = [];
  for (const [i, c] of customers.items.entries()) {
    const rec = await api(rm, 'POST', '/api/records/complaint', { customer: c.id, channel: 'branch', category: 'fees', description: `升级测试投诉 ${i + 1}` });
    const inst = await until(async () => (await api(analyst, 'GET', '/api/process-instances?definitionKey=bank_complaint')).items.find((x) => x.businessKey === rec.id));
    complaints.push({ recordId: rec.id, instanceId: inst.id });
  }
  // A process of our own waits at a one-hour timer before a user task.
  const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0"';
  const xml = `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions ${NS} id="Defs" targetNamespace="urn:upgrade">
<bpmn:process id="upgradeTimer" name="升级测试定时" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:userTask id="confirm" name="确认" crm:assignee="rm"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/><bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="confirm"/><bpmn:sequenceFlow id="f3" sourceRef="confirm" targetRef="e"/>
</bpmn:process></bpmn:definitions>`;
  await api(analyst, 'POST', '/api/process-definitions', { bpmnXml: xml });
  const timerInstance = (await api(rm, 'POST', '/api/process-definitions/upgradeTimer/start', { variables: { note: '升级前启动' } })).id;

  // Every record of every object, read by the first demo user allowed to (compliance sees sensitive fields in clear).
  const readers = ['compliance', 'manager', 'rm', 'analyst', 'admin'];
  const tokens = { compliance, rm, analyst, manager: await login('manager'), admin: await login('admin') };
  const records = {};
  for (const o of (await api(analyst, 'GET', '/api/meta/objects')).items) {
    for (const reader of readers) {
      const items = await readAll(tokens[reader], o.key).catch(() => null);
      if (items) {
        records[o.key] = { reader, items };
        break;
      }
    }
  }
  const db = new pg.Client({ connectionString: adminUrl('release_db') });
  await db.connect();
  const auditRows = async () => (await db.query('SELECT count(*)::int n FROM crm.audit_log')).rows[0].n;
  // Sealed chain: verification covers every entry written so far.
  await until(async () => {
    const v = await api(auditor, 'GET', '/api/audit/verify');
    return v.ok && v.checked === (await auditRows());
  });
  const templates = await api(analyst, 'GET', '/api/templates');
  server.kill('SIGTERM');
  await exited;

  const waitingTasks = (await db.query(`SELECT id, instance_id, activity_id FROM crm.wf_tasks WHERE status = 'open' ORDER BY id`)).rows;
  const timers = (await db.query(`SELECT id, instance_id, activity_id FROM crm.wf_jobs WHERE kind = 'timer' ORDER BY id`)).rows;
  const instances = (await db.query(`SELECT id, definition_key, status FROM crm.wf_instances ORDER BY id`)).rows;
  const auditEntries = await auditRows();
  const sql = await sqlDump(db, `bank-crm ${version} upgrade dump: demo bank (200 customers) with live process instances`);

  // Round trip: the dump must give back the same schema and the same rows.
  const verify = new pg.Client({ connectionString: adminUrl('verify_db') });
  await verify.connect();
  await verify.query(sql);
  const same = JSON.stringify(await schemaDdl(verify)) === JSON.stringify(await schemaDdl(db)) &&
    JSON.stringify(await rowFingerprints(verify)) === JSON.stringify(await rowFingerprints(db));
  await verify.end();
  await db.end();
  if (!same) throw new Error('the dump does not give back the same database');

  const out = path.join(here, 'dumps');
  writeFileSync(path.join(out, `${version}.sql.gz`), gzipSync(sql, { level: 9 }));
  writeFileSync(path.join(out, `${version}.records.json.gz`), gzipSync(JSON.stringify(records), { level: 9 }));
  const releasePkg = JSON.parse(readFileSync(path.join(release, 'apps/server/package.json'), 'utf8'));
  writeFileSync(path.join(out, `${version}.json`), `${JSON.stringify({
    release: version, serverPackageVersion: releasePkg.version, madeWith: 'tests/upgrade/make-dump.mjs',
    // Test keys made for this dump only: the upgrade test needs them to read encrypted fields and the chain.
    keys, complaints, timerInstance, instances, waitingTasks, timers, auditEntries,
    templates: templates.items.map((t) => ({ key: t.key, version: t.version, installed: t.installed })),
  }, null, 2)}\n`);
  console.log(`wrote ${version}.sql.gz (${instances.length} instances, ${waitingTasks.length} open tasks, ${timers.length} timers, ${auditEntries} audit entries)`);
} finally {
  if (server.exitCode === null) server.kill('SIGKILL');
  await admin.end().catch(() => undefined);
  await pgRunning.stop();
  rmSync(work, { recursive: true, force: true });
}
