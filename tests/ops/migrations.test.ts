/**
 * Start-up rules for the schema, against the real built server and PostgreSQL: a failed migration
 * rolls back and stops the start with what to do (exit 4); a database migrated by a newer release
 * is refused untouched (exit 3); /api/health names the version and the schema version.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToExit, startServer, type TestServer } from '../harness/server.js';
import { createTestDatabase, dropTestDatabase, withClient } from '../harness/db.js';
import { rowFingerprints, schemaDdl } from '../upgrade/sql-dump.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const serverVersion = JSON.parse(readFileSync(path.join(here, '../../apps/server/package.json'), 'utf8')).version as string;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

const snapshot = (url: string) => withClient(url, async (c) => JSON.stringify([await schemaDdl(c), await rowFingerprints(c)]));

describe('schema version checks at start', () => {
  let srv: TestServer;

  it('reports the release and the latest applied migration in /api/health', async () => {
    srv = await startServer();
    cleanups.push(() => srv.stop());
    const h = await fetch(`${srv.baseUrl}/api/health`).then((r) => r.json());
    const latest = await withClient(srv.dbUrl, (c) => c.query('SELECT name FROM crm.migrations ORDER BY id DESC LIMIT 1'));
    expect(h).toEqual({ status: 'ok', db: 'ok', version: serverVersion, schemaVersion: latest.rows[0].name });
    expect(serverVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses a schema newer than it knows, with exit code 3, and changes nothing', async () => {
    srv = await startServer();
    await srv.stop({ keepDatabase: true });
    cleanups.push(() => dropTestDatabase(srv.dbUrl));
    await withClient(srv.dbUrl, (c) => c.query(`INSERT INTO crm.migrations ("timestamp", name) VALUES (9999999999999, 'FromTheFuture9999999999999')`));
    const before = await snapshot(srv.dbUrl);
    const { code, out } = await runToExit(srv.dbUrl);
    expect(code).toBe(3);
    expect(out).toContain('The database schema is newer than this release');
    expect(out).toContain('FromTheFuture9999999999999');
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
    expect(await snapshot(srv.dbUrl)).toBe(before);
  });

  it('rolls a failed migration back, refuses to start with what to do (exit 4), and starts once the cause is gone', async () => {
    const dbUrl = await createTestDatabase('mig');
    cleanups.push(() => dropTestDatabase(dbUrl));
    // A table in the way of the workflow migration's last statement: everything it did before must roll back.
    await withClient(dbUrl, (c) => c.query('CREATE SCHEMA crm; CREATE TABLE crm.wf_round_robin (x int)'));
    const { code, out } = await runToExit(dbUrl);
    expect(code).toBe(4);
    expect(out).toContain('Migration Workflow1764300000005 failed and was rolled back');
    expect(out).toContain('restore the backup');
    const state = await withClient(dbUrl, async (c) => ({
      applied: (await c.query('SELECT name FROM crm.migrations ORDER BY id')).rows.map((r) => r.name),
      definitions: (await c.query(`SELECT to_regclass('crm.wf_definitions') AS t`)).rows[0].t,
    }));
    expect(state.applied).toEqual(['Foundation1764300000001', 'Audit1764300000002', 'Metadata1764300000003']);
    expect(out).toContain('The database stays at Metadata1764300000003');
    expect(state.definitions).toBeNull();

    await withClient(dbUrl, (c) => c.query('DROP TABLE crm.wf_round_robin'));
    srv = await startServer({ dbUrl });
    cleanups.push(() => srv.stop({ keepDatabase: true }));
    const h = await fetch(`${srv.baseUrl}/api/health`).then((r) => r.json());
    const latest = await withClient(dbUrl, (c) => c.query('SELECT name FROM crm.migrations ORDER BY id DESC LIMIT 1'));
    expect(latest.rows[0].name).toMatch(/^[A-Za-z]+\d{13}$/);
    expect(h.schemaVersion).toBe(latest.rows[0].name);
  });
});
