/**
 * For server tests: a database of its own on the test server (TEST_DATABASE_URL, set by the jest
 * global setup), migrated like a real one, and dropped afterwards. Not part of the build.
 */
import pg from 'pg';
import { randomUUID } from 'node:crypto';

async function onTestServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(sql).finally(() => admin.end());
}

/** Creates an empty database named `<prefix>_<random>`; returns its URL and how to drop it. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await onTestServer(`CREATE DATABASE ${name}`);
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => onTestServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
