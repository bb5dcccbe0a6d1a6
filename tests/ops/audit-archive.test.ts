/**
 * The audit trail by month: the log is partitioned by calendar month (Beijing time); an ended month
 * is archived with `pnpm crm audit-archive` to a file holding its chain links, its partition dropped,
 * and online verification goes on across the gap. The file verifies against the chain; an altered
 * file, an altered or forged archive record and a month that does not verify are refused; a month put
 * back online is verified entry by entry again.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startServer, type TestServer } from '../harness/server.js';
import { as } from '../harness/http.js';
import { dropTestDatabase, withClient } from '../harness/db.js';
import { runCli } from '../api/backup-helpers.js';

let srv: TestServer;
const dir = mkdtempSync(path.join(tmpdir(), 'crm-audit-archive-'));
afterAll(async () => {
  await srv?.stop({ keepDatabase: true }).catch(() => undefined);
  if (srv) await dropTestDatabase(srv.dbUrl).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const sql = (text: string, params: unknown[] = []) => withClient(srv.dbUrl, (c) => c.query(text, params));

/** Entries as an earlier server wrote them, in a past month (the trail is insert-only: inserts are allowed). */
async function backdated(month: string, n: number, action: string): Promise<void> {
  await sql(
    `INSERT INTO crm.audit_log (at, actor_name, action, object, record_id, outcome, data)
     SELECT ($1::date + (i || ' hours')::interval)::timestamp AT TIME ZONE 'Asia/Shanghai', 'rm', $2, 'customer', i::text, 'success', jsonb_build_object('i', i, 'amount', '1000.' || i)
       FROM generate_series(1, $3::int) AS i`,
    [`${month}-01`, action, n],
  );
}

describe('audit trail partitioned by month, archived and restored', () => {
  it('archives an ended month, keeps verifying across it, and refuses every shortcut', async () => {
    srv = await startServer();
    const auditor = await as(srv.baseUrl, 'auditor');
    const cli = (...args: string[]) => runCli(args, { DATABASE_URL: srv.dbUrl });

    // Partitions: the default, this month and three ahead exist from the start.
    const parts = await sql(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'crm.audit_log'::regclass ORDER BY 1`);
    const names = parts.rows.map((r) => r.relname as string);
    expect(names).toContain('audit_log_default');
    const now = await sql(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMM') AS m, to_char((now() AT TIME ZONE 'Asia/Shanghai') - interval '3 months', 'YYYY-MM') AS old, to_char((now() AT TIME ZONE 'Asia/Shanghai') - interval '2 months', 'YYYY-MM') AS older2, to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS cur`);
    const { m, old, older2, cur } = now.rows[0];
    expect(names).toContain(`audit_log_p${m}`);
    expect(names.filter((x) => x.startsWith('audit_log_p'))).toHaveLength(4);

    // Two past months of entries, as an earlier server wrote them; the running server seals them.
    await sql(`SELECT crm.audit_ensure_partitions($1::date, $2::date)`, [`${old}-01`, `${older2}-01`]);
    await backdated(old, 30, 'record.update');
    await backdated(older2, 20, 'record.create');
    expect((await sql(`SELECT count(*)::int AS n FROM crm.audit_log_default`)).rows[0].n).toBe(0);
    const first = await auditor.get('/api/audit/verify');
    expect(first.body).toMatchObject({ ok: true, archived: 0 });
    const total = first.body.checked as number;
    expect(total).toBeGreaterThanOrEqual(50);

    // Refused, nothing changed: this month has not ended, a malformed month, a month not online.
    const file = path.join(dir, `${old}.audit.gz`);
    for (const [month, says] of [[cur, 'has not ended'], ['2026-13', 'YYYY-MM'], ['1999-01', 'not online']] as const) {
      const r = await cli('audit-archive', '--month', month, '--out', file);
      expect([month, r.code]).toEqual([month, 1]);
      expect(r.err).toContain(says);
    }
    expect((await cli('audit-archive', '--month', old)).code).toBe(2);

    // Archive the oldest month.
    const done = await cli('audit-archive', '--month', old, '--out', file);
    expect(done.err).toBe('');
    expect(done.code).toBe(0);
    expect(done.out).toContain(`archived ${old}: 30 entries`);
    const partition = `audit_log_p${old.replace('-', '')}`;
    expect((await sql(`SELECT to_regclass($1) AS r`, [`crm.${partition}`])).rows[0].r).toBeNull();
    const rec = await sql(`SELECT rows::int, positions::text, archived_by FROM crm.audit_archives`);
    expect(rec.rows).toEqual([{ rows: 30, positions: expect.stringMatching(/^\{\[\d+,\d+\)\}$/), archived_by: expect.stringMatching(/^cli:/) }]);
    // Online verification continues across the archived month; the archiving itself is audited.
    const after = await auditor.get('/api/audit/verify');
    expect(after.body).toMatchObject({ ok: true, archived: 30 });
    expect(after.body.checked).toBeGreaterThanOrEqual(total - 30 + 1);
    const logged = await auditor.get('/api/audit?action=audit.month_archived');
    expect(logged.body.items[0].data).toMatchObject({ month: old, rows: 30 });

    // The file verifies against the chain and is the one recorded.
    const ok = await cli('audit-verify-archive', file);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`verified ${old}: 30 entries match the chain and the recorded archive`);

    // An altered file is caught, at the entry that was changed.
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const entry = JSON.parse(lines[5]!);
    entry.entry.data.amount = '9999.99';
    lines[5] = JSON.stringify(entry);
    const altered = path.join(dir, 'altered.audit.gz');
    writeFileSync(altered, gzipSync(Buffer.from(lines.join('\n'))));
    const bad = await cli('audit-verify-archive', altered);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`position ${entry.position}`);
    expect((await cli('audit-restore-month', altered)).code).toBe(1);
    writeFileSync(path.join(dir, 'junk.gz'), 'not gzip');
    expect((await cli('audit-verify-archive', path.join(dir, 'junk.gz'))).err).toContain('not an audit archive');

    // The archive record cannot be removed or forged to hide deleted entries.
    const saved = (await sql(`SELECT * FROM crm.audit_archives`)).rows[0];
    await sql(`DELETE FROM crm.audit_archives`);
    expect((await auditor.get('/api/audit/verify')).body).toMatchObject({ ok: false, reason: 'missing' });
    await sql(`INSERT INTO crm.audit_archives (month, rows, positions, last_hash, file_sha256, mac, archived_by, archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [saved.month, saved.rows, saved.positions, saved.last_hash, saved.file_sha256, saved.mac, saved.archived_by, saved.archived_at]);
    expect((await auditor.get('/api/audit/verify')).body).toMatchObject({ ok: true, archived: 30 });
    await sql(`UPDATE crm.audit_archives SET positions = '{[1,100000)}'`);
    expect((await auditor.get('/api/audit/verify')).body).toMatchObject({ ok: false, reason: 'archive' });
    await sql(`UPDATE crm.audit_archives SET positions = $1::int8multirange`, [saved.positions]);

    // Back online from the file: every entry is verified again, in place.
    const back = await cli('audit-restore-month', file);
    expect(back.code).toBe(0);
    expect((await sql(`SELECT count(*)::int AS n FROM crm.${partition}`)).rows[0].n).toBe(30);
    const full = await auditor.get('/api/audit/verify');
    expect(full.body).toMatchObject({ ok: true, archived: 0 });
    expect(full.body.checked).toBeGreaterThanOrEqual(total + 1);

    // A month altered in the database (trigger disabled by someone with full rights) is not archived.
    await sql(`ALTER TABLE crm.audit_log DISABLE TRIGGER audit_log_no_update`);
    await sql(`UPDATE crm.audit_log SET data = data || '{"amount":"1.00"}' WHERE action = 'record.create' AND record_id = '3'`);
    await sql(`ALTER TABLE crm.audit_log ENABLE TRIGGER audit_log_no_update`);
    const refused = await cli('audit-archive', '--month', older2, '--out', path.join(dir, 'older.gz'));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('does not verify');
    expect((await sql(`SELECT to_regclass($1) AS r`, [`crm.audit_log_p${older2.replace('-', '')}`])).rows[0].r).not.toBeNull();

    // Entries not sealed yet (no server running to seal them) are not archived either.
    await srv.stop({ keepDatabase: true });
    await sql(`SELECT crm.audit_ensure_partitions('2020-01-01', '2020-01-01')`);
    await sql(`INSERT INTO crm.audit_log (at, action, outcome) VALUES ('2020-01-15T00:00:00+08', 'late.entry', 'success')`);
    const unsealed = await cli('audit-archive', '--month', '2020-01', '--out', path.join(dir, '2020.gz'));
    expect(unsealed.code).toBe(1);
    expect(unsealed.err).toContain('not sealed');
  }, 120000);
});
