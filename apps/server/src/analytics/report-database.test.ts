/**
 * Where a report statement runs, against two real PostgreSQL databases standing for the primary and a
 * replica: a statement naming a table or column the replica does not have yet (a rollup or an object
 * made moments ago on the primary, not yet replayed) runs on the primary and the replica stays in use;
 * a statement that is wrong in itself fails on the replica and is not run again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { AppConfig } from '../config/config.js';
import type { Db } from '../database/db.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';
import { ReportDatabase } from './report-database.js';

let primary: { db: Db; drop: () => Promise<void> };
let replica: { db: Db; url: string; drop: () => Promise<void> };
let reports: ReportDatabase;
const lines: string[] = [];

beforeAll(async () => {
  [primary, replica] = await Promise.all([scratchDatabase('rdp', 2), scratchDatabase('rdr', 2)]);
  // Both have the table of an older schema; only the primary has the one made just now and a new column.
  for (const db of [primary.db, replica.db]) await db.query(`CREATE TABLE crm.rd_old (n int)`);
  await primary.db.query(`INSERT INTO crm.rd_old VALUES (1), (2)`);
  await replica.db.query(`INSERT INTO crm.rd_old VALUES (1), (2), (3)`);
  await primary.db.query(`ALTER TABLE crm.rd_old ADD COLUMN added int`);
  await primary.db.query(`CREATE TABLE crm.report_rollup_9 (n bigint)`);
  await primary.db.query(`INSERT INTO crm.report_rollup_9 VALUES (7)`);
  const config = { reports: { databaseUrl: replica.url, maxLagSeconds: 30, statementTimeoutMs: 5000 } } as AppConfig;
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  reports = new ReportDatabase(primary.db, config, logger);
}, 60000);

afterAll(async () => {
  await reports?.onModuleDestroy();
  await Promise.all([primary?.drop(), replica?.drop()]);
});

describe('report statements on a replica behind the schema', () => {
  it('runs on the replica what the replica has', async () => {
    const r = await reports.run('SELECT count(*)::int AS n FROM crm.rd_old', []);
    expect({ source: r.source, n: r.rows[0]!.n }).toEqual({ source: 'replica', n: 3 });
  });

  it('runs on the primary a statement naming a table or a column the replica does not have yet, and keeps the replica', async () => {
    const table = await reports.run('SELECT sum(n)::int AS n FROM crm.report_rollup_9', []);
    expect({ source: table.source, n: table.rows[0]!.n }).toEqual({ source: 'primary', n: 7 });
    const column = await reports.run('SELECT count(added)::int AS n, count(*)::int AS rows FROM crm.rd_old', []);
    expect({ source: column.source, rows: column.rows[0]!.rows }).toEqual({ source: 'primary', rows: 2 });
    expect((await reports.run('SELECT count(*)::int AS n FROM crm.rd_old', [])).source).toBe('replica');
    expect(lines.some((l) => l.includes('has not replayed its schema yet') && l.includes('42P01'))).toBe(true);
    expect(lines.some((l) => l.includes('fall back to the primary'))).toBe(false);
  });

  it('fails a statement that is wrong in itself, without running it again on the primary', async () => {
    await expect(reports.run('SELECT 1 / (count(*)::int - 3) AS n FROM crm.rd_old', [])).rejects.toMatchObject({ code: '22012' });
    await expect(reports.run('SELECT nope FROM', [])).rejects.toMatchObject({ code: '42601' });
    expect((await reports.run('SELECT count(*)::int AS n FROM crm.rd_old', [])).source).toBe('replica');
  });
});
