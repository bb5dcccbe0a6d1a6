/**
 * For server tests: a database of its own on the test server (TEST_DATABASE_URL, set by the jest
 * global setup), migrated like a real one, and dropped afterwards. Not part of the build.
 */
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, initialiseDatabase, poolOf } from './data-source.js';
import { Db } from './db.js';

async function onTestServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(sql).finally(() => admin.end());
}

export interface ScratchDatabase {
  db: Db;
  /** Its connection URL (for a second pool of a test's own). */
  url: string;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

/** Creates and migrates a database named `<prefix>_<random>`. */
export async function scratchDatabase(prefix: string, poolSize = 6): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await onTestServer(`CREATE DATABASE ${name}`);
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${name}`;
  let ds: DataSource | undefined;
  const drop = async () => {
    await ds?.destroy();
    await onTestServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    ds = createDataSource({ url: u.toString(), poolSize });
    await initialiseDatabase(ds);
    return { db: new Db(poolOf(ds)), url: u.toString(), drop };
  } catch (err) {
    await drop();
    throw err;
  }
}
