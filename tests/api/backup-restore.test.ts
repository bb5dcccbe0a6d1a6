/**
 * `pnpm crm backup` / `pnpm crm restore` round-trip a demo bank (bank-crm pack, customers with
 * encrypted ID numbers, an attachment, a running process, audit entries): backup → drop the
 * database → restore gives back every row of every table, every index, constraint and trigger, the
 * files and a verifying audit chain, and the server runs on it. Restore refuses a foreign key, an
 * altered archive, a newer schema, a non-empty target and a running server, and a restore that fails
 * half-way leaves the target as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, mkdirSync, mkdtempSync, readFileSync, appendFileSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, TEST_DATA_KEY, type TestServer } from '../harness/server.js';
import { as, type client } from '../harness/http.js';
import { adminUrl, createTestDatabase, dropTestDatabase, withClient } from '../harness/db.js';
import { signManifest } from '../../apps/server/src/backup/backup.js';
import { sha256File } from '../../apps/server/src/backup/manifest.js';
import { chain } from './workflow-bpmn.js';
import { runCli, snapshot } from './backup-helpers.js';

type Client = ReturnType<typeof client>;
const OTHER_KEY = 'b'.repeat(64);

async function platformTableCount(url: string): Promise<number> {
  const r = await withClient(url, (db) => db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('crm','crm_data')`));
  return r.rows[0].n;
}

/** Unpacks an archive, lets fn change it, packs it again. */
function rework(archive: string, out: string, fn: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-rework-'));
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  fn(dir);
  execFileSync('tar', ['-czf', out, '-C', dir, ...readdirSync(dir)]);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

async function resign(dir: string, change: (m: any) => void): Promise<void> {
  const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  change(m);
  const text = JSON.stringify(m, null, 2);
  writeFileSync(path.join(dir, 'manifest.json'), text);
  writeFileSync(path.join(dir, 'manifest.sig'), signManifest(Buffer.from(TEST_DATA_KEY, 'hex'), text));
}

describe('backup and restore', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'crm-backup-test-'));
  const dataDir = path.join(work, 'data');
  const restoredDir = path.join(work, 'restored');
  const archive = path.join(work, 'bank.tar.gz');
  let srv: TestServer | undefined;
  let restored: TestServer | undefined;
  let dbUrl: string;
  let fileId: string;
  let instanceId: string;
  let before: Awaited<ReturnType<typeof snapshot>>;
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

  beforeAll(async () => {
    chmodSync(work, 0o755);
    mkdirSync(dataDir);
    dbUrl = await createTestDatabase('bak');
    srv = await startServer({ dbUrl, dataDir, env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '40' } });
    const [rm, analyst]: Client[] = await Promise.all(['rm', 'analyst'].map((u) => as(srv!.baseUrl, u)));
    const up = await rm.api.files.upload(new Blob([pdf], { type: 'application/pdf' }), '合同.pdf');
    expect(up).toMatchObject({ name: '合同.pdf', size: pdf.length });
    fileId = up.id;
    const xml = chain('backup_check', ['<bpmn:startEvent id="s" crm:inputs="amount"/>', '<bpmn:userTask id="review" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect(await analyst.api.processes.deploy({ bpmnXml: xml })).toMatchObject({ key: 'backup_check', version: 1 });
    const started = await rm.api.processes.start('backup_check', { variables: { amount: '1234.56' } });
    expect(started).toMatchObject({ state: 'active', variables: { amount: '1234.56' } });
    instanceId = started.id;
    const customers = await rm.api.records.list('customer', { limit: 5 });
    expect(customers.items.length).toBeGreaterThan(0);
    await srv.stop({ keepDatabase: true });
    srv = undefined;
  }, 180_000);

  afterAll(async () => {
    await restored?.stop({ keepDatabase: true });
    await srv?.stop({ keepDatabase: true });
    if (dbUrl) await dropTestDatabase(dbUrl).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('writes one archive with a manifest of versions, key fingerprint and checksums', async () => {
    const r = await runCli(['backup', '--out', archive], { DATABASE_URL: dbUrl, CRM_DATA_DIR: dataDir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backup written/);
    expect(existsSync(`${archive}.partial`)).toBe(false);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const listing = execFileSync('tar', ['-tzf', archive]).toString().split('\n');
    expect(listing).toEqual(expect.arrayContaining(['manifest.json', 'manifest.sig', 'db/schema.json']));
    const m = JSON.parse(execFileSync('tar', ['-xzOf', archive, 'manifest.json']).toString());
    expect(m).toMatchObject({ format: 'bank-crm-backup', productVersion: expect.any(String), crypto: 'aes', database: { kind: 'logical-copy' } });
    expect(m.postgres.versionNum).toBeGreaterThanOrEqual(140000);
    expect(m.schemaVersion).toBe(m.migrations.at(-1));
    expect(m.keyFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(m)).not.toContain(TEST_DATA_KEY);
    const sha = (await withClient(dbUrl, (db) => db.query(`SELECT sha256 FROM crm.files WHERE id = $1`, [fileId]))).rows[0].sha256;
    expect(m.parts[`files/${sha.slice(0, 2)}/${sha}`]).toBe(sha);
    expect(m.database.tables.find((t: any) => t.schema === 'crm_data' && t.name === 'customer').rows).toBeGreaterThanOrEqual(40);
  });

  it('refuses to restore over a non-empty database without --force', async () => {
    const r = await runCli(['restore', archive], { DATABASE_URL: dbUrl, CRM_DATA_DIR: restoredDir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not empty.*--force/);
  });

  it('refuses usage errors with exit code 2', async () => {
    expect((await runCli(['backup'], { DATABASE_URL: dbUrl })).code).toBe(2);
    expect((await runCli(['restore'], { DATABASE_URL: dbUrl })).code).toBe(2);
    expect((await runCli(['frobnicate'], { DATABASE_URL: dbUrl })).code).toBe(2);
    expect((await runCli(['restore', path.join(work, 'missing.tar.gz')], { DATABASE_URL: dbUrl })).err).toMatch(/no such backup file/);
  });

  it('drops the database, then refuses a different key, altered parts, an altered manifest and a newer schema', async () => {
    before = await snapshot(dbUrl);
    expect(Object.keys(before.rows).length).toBeGreaterThan(20);
    await dropTestDatabase(dbUrl);
    const name = new URL(dbUrl).pathname.slice(1);
    await withClient(adminUrl(), (db) => db.query(`CREATE DATABASE "${name}"`));
    const env = { DATABASE_URL: dbUrl, CRM_DATA_DIR: restoredDir };

    const wrongKey = await runCli(['restore', archive], { ...env, CRM_DATA_KEY: OTHER_KEY });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/different CRM_DATA_KEY/);

    const altered = rework(archive, path.join(work, 'altered.tar.gz'), (dir) => {
      writeFileSync(path.join(dir, 'db/schema.json'), readFileSync(path.join(dir, 'db/schema.json'), 'utf8').replace('CREATE TABLE', 'CREATE UNLOGGED TABLE'));
    });
    const r1 = await runCli(['restore', altered], env);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/checksum mismatch for db\/schema\.json/);

    const fakeManifest = rework(archive, path.join(work, 'manifest.tar.gz'), (dir) => {
      const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      m.parts['db/schema.json'] = '0'.repeat(64);
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
    });
    const r2 = await runCli(['restore', fakeManifest], env);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/does not match its signature/);

    const newer = path.join(work, 'newer.tar.gz');
    const dir = mkdtempSync(path.join(tmpdir(), 'crm-rework-'));
    execFileSync('tar', ['-xzf', archive, '-C', dir]);
    await resign(dir, (m) => {
      m.migrations.push('FutureThing9999999999999');
      m.schemaVersion = 'FutureThing9999999999999';
    });
    execFileSync('tar', ['-czf', newer, '-C', dir, ...readdirSync(dir)]);
    rmSync(dir, { recursive: true, force: true });
    const r3 = await runCli(['restore', newer], env);
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/newer than this version knows.*FutureThing/);

    const notArchive = path.join(work, 'junk.tar.gz');
    writeFileSync(notArchive, 'this is not a tar file');
    const r4 = await runCli(['restore', notArchive], env);
    expect(r4.code).toBe(1);
    expect(r4.err).toMatch(/cannot be read as an archive|no manifest/);

    expect(await platformTableCount(dbUrl)).toBe(0);
    expect(existsSync(path.join(restoredDir, 'files'))).toBe(false);
  });

  it('never leaves a half-restored database when restoring fails part-way', async () => {
    const broken = path.join(work, 'broken.tar.gz');
    const dir = mkdtempSync(path.join(tmpdir(), 'crm-rework-'));
    execFileSync('tar', ['-xzf', archive, '-C', dir]);
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    // The last table's data gets a row its columns cannot take; checksum and signature are made valid.
    const last = m.database.tables.at(-1);
    appendFileSync(path.join(dir, last.part), 'not\ta\tvalid\trow\n');
    const sum = await sha256File(path.join(dir, last.part));
    await resign(dir, (mm) => {
      mm.parts[last.part] = sum;
    });
    execFileSync('tar', ['-czf', broken, '-C', dir, ...readdirSync(dir)]);
    rmSync(dir, { recursive: true, force: true });
    const r = await runCli(['restore', broken], { DATABASE_URL: dbUrl, CRM_DATA_DIR: restoredDir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/failed/);
    expect(await platformTableCount(dbUrl)).toBe(0);
    const schemas = await withClient(dbUrl, (db) => db.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('crm','crm_data')`));
    expect(schemas.rows).toEqual([]);
  });

  it('restores every row, index, constraint, trigger, sequence and file', async () => {
    const r = await runCli(['restore', archive], { DATABASE_URL: dbUrl, CRM_DATA_DIR: restoredDir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const after = await snapshot(dbUrl);
    expect(after.rows).toEqual(before.rows);
    expect(after.ddl).toEqual(before.ddl);
    const stored = readdirSync(path.join(dataDir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(stored.length).toBeGreaterThan(0);
    for (const f of stored) {
      const rel = path.relative(path.join(dataDir, 'files'), path.join(f.parentPath, f.name));
      expect(readFileSync(path.join(restoredDir, 'files', rel))).toEqual(readFileSync(path.join(dataDir, 'files', rel)));
    }
    // The audit trail stays insert-only after a restore.
    await expect(withClient(dbUrl, (db) => db.query('DELETE FROM crm.audit_log'))).rejects.toThrow(/insert-only/);
  });

  it('replaces a non-empty database with --force, in one transaction', async () => {
    await withClient(dbUrl, (db) => db.query(`INSERT INTO crm.settings (key, value) VALUES ('stray', '1')`));
    const r = await runCli(['restore', archive, '--force'], { DATABASE_URL: dbUrl, CRM_DATA_DIR: restoredDir });
    expect(r.code).toBe(0);
    expect((await snapshot(dbUrl)).rows).toEqual(before.rows);
  });

  it('runs the server on the restored bank: audit verifies, files serve, the process completes', async () => {
    restored = await startServer({ dbUrl, dataDir: restoredDir, env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '40' } });
    const r = await runCli(['restore', archive, '--force'], { DATABASE_URL: dbUrl, CRM_DATA_DIR: restoredDir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/server is connected/);

    const [auditor, rm, admin]: Client[] = await Promise.all(['auditor', 'rm', 'admin'].map((u) => as(restored!.baseUrl, u)));
    const v = await auditor.api.audit.verify();
    expect(v).toEqual({ ok: true, checked: expect.any(Number), archived: 0 });
    expect(v.checked).toBeGreaterThan(10);
    const file = await rm.api.files.download(fileId);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(pdf);
    const tasks = await rm.api.tasks.list('all');
    const task = tasks.items.find((t) => t.processInstanceId === instanceId);
    expect(task).toBeDefined();
    await rm.api.tasks.complete(task!.id);
    const inst = await admin.api.instances.get(instanceId);
    expect(inst).toMatchObject({ state: 'completed' });
    expect(inst.variables).toMatchObject({ amount: '1234.56' });
    // Encrypted ID numbers decrypt under the same key.
    const compliance = await as(restored.baseUrl, 'compliance');
    const people = await compliance.api.records.list('customer', { limit: 20, filter: { customer_type: 'individual' } });
    expect(people.items.some((c) => /^\d{17}[\dX]$/.test(String(c.id_number ?? '')))).toBe(true);
    const raw = await withClient(dbUrl, (db) => db.query<{ id_number: string }>(`SELECT id_number FROM crm_data.customer WHERE id_number IS NOT NULL LIMIT 1`));
    expect(raw.rows[0].id_number).not.toMatch(/^\d{17}[\dX]$/);
  });
});
