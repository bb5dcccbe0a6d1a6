/**
 * Starts one embedded PostgreSQL for the whole test run (unless TEST_DATABASE_URL names a server).
 * Each test file then creates its own fresh database (see db.ts). Idempotent: several jest projects
 * name this setup and share the one server. It runs the server's own launcher, so as root the
 * binaries are staged where the postgres user can reach them even from a checkout under /root.
 */
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningCluster } from '../../apps/server/src/database/pg-cluster.js';

// The built launcher (ESM, loaded as jest loads this file): the server's sources are not
// resolvable from a global setup, and API tests need the build anyway.
const BUILT = path.resolve(__dirname, '../../apps/server/dist/database');

interface Shared {
  pg?: RunningCluster;
  dir?: string;
}
const shared = globalThis as unknown as { __crmTestPg?: Shared };

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL || shared.__crmTestPg) return;
  // Under the system temp dir: as root, PostgreSQL runs as "postgres", which must reach the directory.
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-test-pg-'));
  chmodSync(dir, 0o755);
  if (!existsSync(path.join(BUILT, 'pg-cluster.js'))) throw new Error('the server is not built: run pnpm build first');
  const { initCluster, startCluster } = (await import(path.join(BUILT, 'pg-cluster.js'))) as typeof import('../../apps/server/src/database/pg-cluster.js');
  const { freePort } = (await import(path.join(BUILT, 'embedded-postgres.js'))) as typeof import('../../apps/server/src/database/embedded-postgres.js');
  const port = await freePort();
  const cluster = {
    dataDir: path.join(dir, 'data'),
    password: 'test',
    port,
    postgresFlags: ['-c', 'max_connections=400', '-c', 'fsync=off'],
  };
  await initCluster(cluster);
  const pg = await startCluster(cluster);
  shared.__crmTestPg = { pg, dir };
  process.env.TEST_DATABASE_URL = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
}
