/**
 * `PG_DUMP`: backups through PostgreSQL's own pg_dump (custom format) when it matches the server's
 * major version. The test PostgreSQL is 17 and Debian ships pg_dump 15, so: PG_DUMP 15 against the
 * 17 server is refused; and a real PostgreSQL 15 cluster (Debian's binaries, started here) gets a
 * server, a pg_dump backup, a drop, a pg_restore in one transaction, and the same rows back.
 * Skipped where Debian's PostgreSQL 15 binaries are not installed (PG15_BIN overrides the folder).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { createTestDatabase, dropTestDatabase } from '../harness/db.js';
import { runCli, snapshot } from './backup-helpers.js';
import { chain } from './workflow-bpmn.js';

const BIN = process.env.PG15_BIN ?? '/usr/lib/postgresql/15/bin';
const PG_DUMP = path.join(BIN, 'pg_dump');
const available = ['postgres', 'initdb', 'pg_ctl', 'pg_dump', 'pg_restore', 'psql'].every((b) => existsSync(path.join(BIN, b)));
const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the user "postgres" when we are root (PostgreSQL refuses root). */
function pgExec(bin: string, args: string[]): void {
  const cmd = path.join(BIN, bin);
  if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

async function query(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

(available ? describe : describe.skip)('backup with PG_DUMP', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'crm-pgdump-'));
  const pgData = path.join(work, 'pg15');
  const dataDir = path.join(work, 'data');
  let port = 0;
  let adminUrl = '';
  let dbUrl = '';
  let started = false;
  let srv: TestServer | undefined;

  beforeAll(async () => {
    chmodSync(work, 0o777);
    mkdirSync(dataDir);
    port = await freePort();
    mkdirSync(pgData, { mode: 0o700 });
    if (asRoot) execFileSync('chown', ['postgres', pgData]);
    pgExec('initdb', ['-D', pgData, '-U', 'postgres', '-A', 'trust', '--encoding=UTF8', '--locale=C']);
    pgExec('pg_ctl', ['-D', pgData, '-w', '-l', path.join(pgData, 'log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${work}`, 'start']);
    started = true;
    adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    dbUrl = `postgres://postgres@127.0.0.1:${port}/bank15`;
    await query(adminUrl, 'CREATE DATABASE bank15');
  }, 60_000);

  afterAll(async () => {
    await srv?.stop({ keepDatabase: true });
    if (started) pgExec('pg_ctl', ['-D', pgData, '-m', 'immediate', 'stop']);
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a pg_dump of another major version than the server', async () => {
    const url17 = await createTestDatabase('pgd');
    try {
      const r = await runCli(['backup', '--out', path.join(work, 'x.tar.gz')], { DATABASE_URL: url17, CRM_DATA_DIR: dataDir, PG_DUMP });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/PG_DUMP is pg_dump 15 but the server runs PostgreSQL 17/);
      expect(existsSync(path.join(work, 'x.tar.gz'))).toBe(false);
    } finally {
      await dropTestDatabase(url17);
    }
  });

  it('round-trips a PostgreSQL 15 database through pg_dump and pg_restore in one transaction', async () => {
    srv = await startServer({ dbUrl, dataDir });
    const [analyst, rm] = await Promise.all(['analyst', 'rm'].map((u) => as(srv!.baseUrl, u)));
    const xml = chain('pgdump_check', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect(await analyst.api.processes.deploy({ bpmnXml: xml })).toMatchObject({ key: 'pgdump_check', version: 1 });
    expect(await rm.api.processes.start('pgdump_check')).toMatchObject({ state: 'active' });
    await srv.stop({ keepDatabase: true });
    srv = undefined;

    const archive = path.join(work, 'bank15.tar.gz');
    const b = await runCli(['backup', '--out', archive], { DATABASE_URL: dbUrl, CRM_DATA_DIR: dataDir, PG_DUMP });
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', archive, 'manifest.json']).toString());
    expect(manifest.database).toEqual({ kind: 'pg_dump', tables: [] });
    expect(manifest.postgres.versionNum).toBeGreaterThanOrEqual(150000);
    expect(Object.keys(manifest.parts)).toContain('db/database.dump');
    const before = await snapshot(dbUrl);

    // Without PG_DUMP the archive cannot be restored, and says why.
    await query(adminUrl, 'DROP DATABASE bank15 WITH (FORCE)');
    await query(adminUrl, 'CREATE DATABASE bank15');
    const noTools = await runCli(['restore', archive], { DATABASE_URL: dbUrl, CRM_DATA_DIR: dataDir });
    expect(noTools.code).toBe(1);
    expect(noTools.err).toMatch(/made with pg_dump: set PG_DUMP/);

    const r = await runCli(['restore', archive], { DATABASE_URL: dbUrl, CRM_DATA_DIR: dataDir, PG_DUMP });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await snapshot(dbUrl)).toEqual(before);
    const again = await runCli(['restore', archive, '--force'], { DATABASE_URL: dbUrl, CRM_DATA_DIR: dataDir, PG_DUMP });
    expect(again.code).toBe(0);
    expect(await snapshot(dbUrl)).toEqual(before);

    srv = await startServer({ dbUrl, dataDir });
    const auditor = await as(srv.baseUrl, 'auditor');
    expect(await auditor.api.audit.verify()).toMatchObject({ ok: true });
  }, 180_000);
});
