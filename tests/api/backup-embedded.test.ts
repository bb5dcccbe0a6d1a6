/**
 * Backup and restore with the embedded PostgreSQL (no DATABASE_URL): `crm backup` reads the running
 * server's database through its port, `crm restore` into a fresh CRM_DATA_DIR starts an embedded
 * PostgreSQL of its own for the restore, and a server started on that folder has the same users,
 * processes and a verifying audit chain. The key comes from the copied secrets.json, as an operator
 * would keep it apart from the backups.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { runCli } from './backup-helpers.js';
import { chain } from './workflow-bpmn.js';

/** The embedded database of a data dir, through the port in its lock file. */
async function embeddedQuery(dataDir: string, text: string): Promise<any[]> {
  const port = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const { pgPassword } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
  const c = new pg.Client({ connectionString: `postgres://postgres:${encodeURIComponent(pgPassword)}@127.0.0.1:${port}/postgres` });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

const DIGEST = `SELECT (SELECT md5(string_agg(u::text, ',' ORDER BY u.id)) FROM crm.users u) AS users,
                       (SELECT md5(string_agg(d.id::text || d.xml, ',' ORDER BY d.id)) FROM crm.wf_definitions d) AS defs,
                       (SELECT md5(string_agg(i.id::text || i.status, ',' ORDER BY i.id)) FROM crm.wf_instances i) AS instances`;

describe('backup and restore with the embedded PostgreSQL', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'crm-embedded-backup-'));
  const source = path.join(work, 'source');
  const target = path.join(work, 'target');
  const archive = path.join(work, 'embedded.tar.gz');
  const embeddedEnv = (dir: string) => ({ CRM_DATA_DIR: dir, DATABASE_URL: '', CRM_SECRET: '', CRM_DATA_KEY: '' });
  let srv: TestServer | undefined;
  let instanceId = '';
  let digest: any;

  beforeAll(async () => {
    chmodSync(work, 0o755);
    mkdirSync(source);
    srv = await startServer({ embedded: true, dataDir: source, env: { CRM_DEMO_TEMPLATES: 'none', CRM_DEMO_CUSTOMERS: '0' }, timeoutMs: 120_000 });
    const [analyst, rm] = await Promise.all(['analyst', 'rm'].map((u) => as(srv!.baseUrl, u)));
    const xml = chain('embedded_check', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect(await analyst.api.processes.deploy({ bpmnXml: xml })).toMatchObject({ key: 'embedded_check', version: 1 });
    instanceId = (await rm.api.processes.start('embedded_check')).id;
  }, 180_000);

  afterAll(async () => {
    await srv?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up the running embedded server and restores into a fresh data folder', async () => {
    const b = await runCli(['backup', '--out', archive], embeddedEnv(source));
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    digest = (await embeddedQuery(source, DIGEST))[0];
    await srv!.stop();
    srv = undefined;

    mkdirSync(target);
    // Another key is refused: a fresh folder generates its own secrets.
    const other = await runCli(['restore', archive], embeddedEnv(path.join(work, 'stranger')));
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/different CRM_DATA_KEY/);

    copyFileSync(path.join(source, 'secrets.json'), path.join(target, 'secrets.json'));
    const r = await runCli(['restore', archive], embeddedEnv(target));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // The command stopped the embedded PostgreSQL it started.
    expect(existsSync(path.join(target, 'pg', 'postmaster.pid'))).toBe(false);
  }, 180_000);

  it('starts the server on the restored folder with the same data', async () => {
    srv = await startServer({ embedded: true, dataDir: target, env: { CRM_DEMO_TEMPLATES: 'none', CRM_DEMO_CUSTOMERS: '0' }, timeoutMs: 120_000 });
    expect((await embeddedQuery(target, DIGEST))[0]).toEqual(digest);
    const auditor = await as(srv.baseUrl, 'auditor');
    expect(await auditor.api.audit.verify()).toMatchObject({ ok: true });
    const rm = await as(srv.baseUrl, 'rm');
    const task = (await rm.api.tasks.list('all')).items.find((t) => t.processInstanceId === instanceId);
    expect(task).toBeDefined();
    await rm.api.tasks.complete(task!.id);
    expect(await rm.api.instances.get(instanceId)).toMatchObject({ state: 'completed' });
  }, 180_000);
});
