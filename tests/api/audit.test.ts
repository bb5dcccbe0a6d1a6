/**
 * The audit trail: written in the transaction of the change it describes, covering logins, role,
 * user and metadata changes and unmasked reads; readable with filters and paging by the auditor only;
 * insert-only in the database; and a keyed hash chain whose verify names the first altered or deleted
 * entry, even after the database superuser has disabled the triggers or rewritten the chain.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { startServer, type TestServer } from '../harness/server.js';
import type { AuditQuery, PasswordResetResult } from '@crm/shared';
import { call, client, login, refused, typed } from '../harness/http.js';
import { applied } from '../harness/answers.js';
import { withClient } from '../harness/db.js';
import { hashAuditRow } from '../../apps/server/src/audit/audit-hash.js';
import { idNumbersEnding1234, type Client } from './access-setup.js';

type Entry = { seq: number; at: string; actorName: string | null; actorId: string | null; action: string; object: string | null; recordId: string | null; outcome: string; data: Record<string, any> };

describe('audit trail', () => {
  let srv: TestServer;
  let c: Record<string, Client>;
  const tokens: Record<string, string> = {};
  const sql = <T extends pg.QueryResultRow = any>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, (db) => db.query<T>(text, params));
  const verify = () => c.auditor.api.audit.verify();
  const audit = async (q: AuditQuery): Promise<Entry[]> => (await c.auditor.api.audit.list(q)).items as Entry[];
  /** Runs SQL on the audit tables with their user triggers (or all triggers) off, as an intruder with superuser rights would. */
  const tamper = (table: 'audit_log' | 'audit_chain', which: 'USER' | 'ALL', text: string, params: unknown[] = []) =>
    withClient(srv.dbUrl, async (db) => {
      await db.query(`ALTER TABLE crm.${table} DISABLE TRIGGER ${which}`);
      try {
        return await db.query(text, params);
      } finally {
        await db.query(`ALTER TABLE crm.${table} ENABLE TRIGGER ${which}`);
      }
    });

  beforeAll(async () => {
    srv = await startServer();
    c = {};
    for (const u of ['admin', 'security', 'analyst', 'compliance', 'auditor', 'rm']) {
      tokens[u] = await login(srv.baseUrl, u);
      c[u] = client(srv.baseUrl, tokens[u]);
    }
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('verifies on a fresh install, over a keyed chain', async () => {
    const v = await verify();
    expect(v).toEqual({ ok: true, checked: expect.any(Number), archived: 0 });
    expect(v.checked).toBeGreaterThanOrEqual(6); // the logins above
    const algs = await sql(`SELECT DISTINCT algorithm FROM crm.audit_chain`);
    expect(algs.rows).toEqual([{ algorithm: 'hmac-sha256' }]);
  });

  it('records logins, user, role and metadata changes and unmasked reads, without secrets', async () => {
    const wrong = 'Wrong#Pass-91731';
    const anonymous = typed(srv.baseUrl);
    expect((await refused(anonymous.login({ username: 'rm', password: wrong }))).status).toBe(401);
    expect((await refused(anonymous.login({ username: 'nobody_here', password: wrong }))).status).toBe(401);
    await login(srv.baseUrl, 'rm');
    const logins = await audit({ action: 'auth.login', actor: 'rm' });
    expect(logins.map((e) => e.outcome)).toEqual(['success', 'failure', 'success']);
    expect(logins[1].data).toMatchObject({ reason: 'invalid_credentials' });
    expect((await audit({ action: 'auth.login', actor: 'nobody_here' }))[0]).toMatchObject({ outcome: 'failure', actorId: null });

    const pw = 'Fresh#User-2026x';
    const admin = c.admin.api.admin;
    const made = await admin.createUser({ username: 'teller1', password: pw, roles: ['rm'] });
    expect(made).toMatchObject({ username: 'teller1', roles: ['rm'] });
    expect(applied(await admin.updateUser(made.id, { roles: ['rm', 'manager'] }))).toMatchObject({ roles: ['rm', 'manager'] });
    // Passwords are reset (a temporary one), never set by an administrator.
    const reset = applied<PasswordResetResult>(await admin.resetPassword(made.id));
    expect(reset).toMatchObject({ userId: made.id, temporaryPassword: expect.any(String) });
    const temp = reset.temporaryPassword;
    const userEntries = await audit({ object: 'user', recordId: made.id });
    expect(userEntries.map((e) => e.action)).toEqual(['admin.user.password_reset', 'admin.user.update', 'admin.user.create']);
    expect(userEntries[1]).toMatchObject({ actorName: 'admin', data: { change: { roles: ['rm', 'manager'] } } });
    expect(userEntries[0]).toMatchObject({ actorName: 'admin', data: { revokedApiKeys: 0 } });

    expect((await c.security.api.admin.updateRole('manager', { platform: ['process.start', 'designer'] })).platform).toEqual(['process.start', 'designer']);
    const roleEntry = (await audit({ action: 'admin.role.update', recordId: 'manager' }))[0];
    expect(roleEntry).toMatchObject({ actorName: 'security', data: { before: { platform: ['process.start'] }, change: { platform: ['process.start', 'designer'] } } });

    const designer = c.analyst.api.meta;
    const o = await designer.createObject({ key: 'ledger', label: '台账', fields: [{ key: 'name', label: '名称', type: 'text' }, { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 }] });
    expect(o.fields.map((f) => f.key)).toEqual(['name', 'id_number']);
    expect(await designer.addField('ledger', { key: 'memo', label: '摘要', type: 'textarea' })).toMatchObject({ key: 'memo', type: 'textarea' });
    expect((await refused(designer.addField('ledger', { key: 'bad', label: 'x', type: 'no_such_type' }))).status).toBe(400);
    const meta = await audit({ object: 'ledger' });
    expect(meta.map((e) => [e.action, e.actorName])).toEqual([['meta.field.create', 'analyst'], ['meta.object.create', 'analyst']]);

    expect((await c.security.api.admin.updateRole('compliance', { permissions: [{ object: 'ledger', actions: ['read'], scope: 'all', unmask: true }] })).permissions).toHaveLength(1);
    const [idn] = idNumbersEnding1234(1);
    const rec = await c.analyst.api.records.create('ledger', { name: 'L1', id_number: idn });
    expect((await c.compliance.api.records.get('ledger', rec.id)).id_number).toBe(idn);
    const reads = await audit({ action: 'record.read_unmasked', recordId: rec.id });
    expect(reads).toEqual([expect.objectContaining({ actorName: 'compliance', object: 'ledger', data: { fields: ['id_number'] } })]);

    const everything = JSON.stringify(await sql(`SELECT * FROM crm.audit_log`).then((r) => r.rows));
    for (const secret of [wrong, pw, temp, idn, 'Demo@2026']) expect([secret, everything.includes(secret)]).toEqual([secret, false]);
  });

  it('keeps an export filter\'s sensitive value only as its keyed hash, and shows filter values as the reader may see them', async () => {
    const [idn] = idNumbersEnding1234(1);
    expect((await c.security.api.admin.updateRole('compliance', { permissions: [{ object: 'ledger', actions: ['read', 'export'], scope: 'all', unmask: true }] })).permissions).toHaveLength(1);
    const filter = { $or: [{ id_number: idn }, { name: 'L1', id_number: { $in: [idn] } }] };
    // The export is a CSV file, not JSON: raw.
    const exp = await call(srv.baseUrl, 'GET', `/api/records/ledger/export?format=csv&filter=${encodeURIComponent(JSON.stringify(filter))}`, { token: tokens.compliance });
    expect(exp.status).toBe(200);
    expect(String(exp.body)).toContain(idn); // compliance exports it in clear: the export itself is not the leak
    const stored = await sql(`SELECT data FROM crm.audit_log WHERE action = 'record.export' AND object = 'ledger'`);
    expect(stored.rows).toHaveLength(1);
    expect(JSON.stringify(stored.rows)).not.toContain(idn);
    expect(stored.rows[0].data.filter.$or[0].id_number.$eq).toEqual({ $hash: expect.stringMatching(/^[0-9a-f]{64}$/), mask: '1****************4' });
    expect(stored.rows[0].data.filter.$or[1].name).toBe('L1');

    // The auditor may read nothing of ledger: every filter value is hidden, the field names stay.
    const [blind] = await audit({ action: 'record.export', object: 'ledger' });
    expect(blind.data.filter).toEqual({ $or: [{ id_number: { $eq: '***' } }, { name: { $eq: '***' }, id_number: { $in: '***' } }] });
    // Granted a masked read, they see the plain value and the mask, never the number nor its hash.
    expect((await c.security.api.admin.updateRole('auditor', { permissions: [{ object: 'ledger', actions: ['read'], scope: 'all' }] })).permissions).toHaveLength(1);
    const [seen] = await audit({ action: 'record.export', object: 'ledger' });
    expect(seen.data.filter).toEqual({ $or: [{ id_number: { $eq: '1****************4' } }, { name: 'L1', id_number: { $in: ['1****************4'] } }] });
    expect((await c.security.api.admin.updateRole('auditor', { permissions: [] })).permissions).toEqual([]);
  });

  it('writes the entry in the transaction of the change: no change without its entry, no entry without its change', async () => {
    const count = async (q: string, p: unknown[] = []) => Number((await sql(q, p)).rows[0].n);
    // The change fails at commit, after its entry was written: neither remains.
    await sql(`CREATE FUNCTION public.refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name = 'boom' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$`);
    await sql(`CREATE CONSTRAINT TRIGGER refuse_boom AFTER INSERT OR UPDATE ON crm_data.ledger DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.refuse_boom()`);
    const entries = () => count(`SELECT count(*) AS n FROM crm.audit_log WHERE action LIKE 'record.%' AND object = 'ledger'`);
    const before = await entries();
    const records = c.analyst.api.records;
    const failed = await refused(records.create('ledger', { name: 'boom' }));
    expect(failed.status).toBe(500);
    expect(await entries()).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM crm_data.ledger WHERE name = 'boom'`)).toBe(0);
    const fine = await records.create('ledger', { name: 'fine' });
    expect(fine).toMatchObject({ name: 'fine', version: 1 });
    expect(await entries()).toBe(before + 1);
    // An update refused at commit leaves the record and the trail as they were.
    expect((await refused(records.update('ledger', fine.id, { name: 'boom', version: 1 }))).status).toBe(500);
    expect(await entries()).toBe(before + 1);
    expect((await sql(`SELECT name, version FROM crm_data.ledger WHERE id = $1`, [fine.id])).rows[0]).toEqual({ name: 'fine', version: 1 });
    // The entry cannot be written: the change does not happen either.
    await sql(`ALTER TABLE crm.audit_log ADD CONSTRAINT no_boom2 CHECK (data->'after'->>'name' IS DISTINCT FROM 'boom2') NOT VALID`);
    try {
      expect((await refused(records.create('ledger', { name: 'boom2' }))).status).toBe(500);
      expect(await count(`SELECT count(*) AS n FROM crm_data.ledger WHERE name = 'boom2'`)).toBe(0);
    } finally {
      await sql(`ALTER TABLE crm.audit_log DROP CONSTRAINT no_boom2`);
    }
    // A write refused by validation or a stale version leaves no entry.
    expect((await refused(records.update('ledger', fine.id, { name: 'x', version: 9 }))).status).toBe(409);
    expect((await refused(records.create('ledger', { id_number: 'not an id' }))).status).toBe(400);
    expect(await entries()).toBe(before + 1);
  });

  it('lists with filters and paging for the auditor only', async () => {
    const all: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await c.auditor.api.audit.list({ limit: 7, cursor: cursor ?? undefined });
      expect(r.items.length).toBeLessThanOrEqual(7);
      all.push(...(r.items as Entry[]));
      cursor = r.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    const seqs = all.map((e) => e.seq);
    const inDb = (await sql(`SELECT seq::int AS seq FROM crm.audit_log ORDER BY seq DESC`)).rows.map((r) => r.seq);
    // Newest first, numerically (10 after 9), each once, every entry reached.
    expect(seqs).toEqual(inDb);
    expect(inDb.length).toBeGreaterThan(12);

    const mid = all[Math.floor(all.length / 2)];
    const from = await audit({ from: mid.at, limit: 500 });
    expect(from.every((e) => e.at >= mid.at)).toBe(true);
    expect(from.map((e) => e.seq)).toContain(mid.seq);
    const to = await audit({ to: mid.at, limit: 500 });
    expect(to.every((e) => e.at < mid.at)).toBe(true);
    const byId = await audit({ actor: all.find((e) => e.actorName === 'security')!.actorId! });
    expect(byId.length).toBeGreaterThan(0);
    expect(byId.every((e) => e.actorName === 'security')).toBe(true);
    expect(await audit({ action: 'no.such.action' })).toEqual([]);
    for (const bad of [{ limit: 0 }, { limit: 501 }, { cursor: 'abc' }, { cursor: '1 OR 1=1' }, { from: 'yesterday' }, { actor: 'x'.repeat(200) }]) {
      const r = await refused(c.auditor.api.audit.list(bad));
      expect([bad, r.status]).toEqual([bad, 400]);
    }

    for (const who of ['admin', 'security', 'analyst', 'compliance', 'rm']) {
      expect([who, (await refused(c[who].api.audit.list())).status]).toEqual([who, 403]);
      expect([who, (await refused(c[who].api.audit.verify())).status]).toEqual([who, 403]);
    }
    // The auditor changes nothing (raw: one generic request per route, some with empty bodies on purpose).
    for (const [method, path, body] of [
      ['POST', '/api/records/ledger', { name: 'x' }], ['PATCH', '/api/admin/roles/auditor', { platform: [] }], ['POST', '/api/admin/users', {}],
      ['POST', '/api/meta/objects', {}], ['POST', '/api/admin/org-units', { name: 'x' }], ['POST', '/api/process-definitions', {}],
    ] as const) {
      const r = await call(srv.baseUrl, method, path, { token: tokens.auditor, body });
      expect([method, path, r.status]).toEqual([method, path, 403]);
    }
  });

  it('the database refuses updates, deletes and truncation of the trail', async () => {
    for (const table of ['audit_log', 'audit_chain']) {
      for (const stmt of [`UPDATE crm.${table} SET seq = seq WHERE seq = 1`, `DELETE FROM crm.${table} WHERE seq = 1`, `TRUNCATE crm.${table} CASCADE`]) {
        await expect(sql(stmt)).rejects.toThrow(/insert-only/);
      }
    }
    expect((await verify()).ok).toBe(true);
  });

  it('verify names an entry changed with the triggers off, and is whole again once it is put back', async () => {
    const target = (await audit({ action: 'auth.login', actor: 'rm', limit: 500 })).find((e) => e.outcome === 'failure')!;
    const original = (await sql(`SELECT data::text AS data, actor_name FROM crm.audit_log WHERE seq = $1`, [target.seq])).rows[0];
    await tamper('audit_log', 'USER', `UPDATE crm.audit_log SET data = '{"reason":"nothing happened"}' WHERE seq = $1`, [target.seq]);
    expect(await verify()).toEqual({ ok: false, firstBrokenSeq: target.seq, checked: expect.any(Number), archived: 0, reason: 'altered' });
    await tamper('audit_log', 'USER', `UPDATE crm.audit_log SET data = $2::jsonb WHERE seq = $1`, [target.seq, original.data]);
    expect((await verify()).ok).toBe(true);
    // Any column counts: the actor, the time.
    await tamper('audit_log', 'USER', `UPDATE crm.audit_log SET actor_name = 'someone_else' WHERE seq = $1`, [target.seq]);
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
    await tamper('audit_log', 'USER', `UPDATE crm.audit_log SET actor_name = $2, at = at + interval '1 microsecond' WHERE seq = $1`, [target.seq, original.actor_name]);
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
    await tamper('audit_log', 'USER', `UPDATE crm.audit_log SET at = at - interval '1 microsecond' WHERE seq = $1`, [target.seq]);
    expect((await verify()).ok).toBe(true);
  });

  it('verify names a deleted entry, and the entry after a deleted entry and its link', async () => {
    const role = (await audit({ action: 'admin.role.update', limit: 500 })).at(-1)!;
    await sql(`CREATE TABLE public.saved_entry AS SELECT * FROM crm.audit_log WHERE seq = $1`, [role.seq]);
    await tamper('audit_log', 'ALL', `DELETE FROM crm.audit_log WHERE seq = $1`, [role.seq]);
    expect(await verify()).toEqual({ ok: false, firstBrokenSeq: role.seq, checked: expect.any(Number), archived: 0, reason: 'missing' });
    await tamper('audit_log', 'ALL', `INSERT INTO crm.audit_log SELECT * FROM public.saved_entry`);
    expect((await verify()).ok).toBe(true);

    // A careful intruder deletes the entry and its link: the chain breaks at the next link.
    const link = (await sql(`SELECT position::int AS position FROM crm.audit_chain WHERE seq = $1`, [role.seq])).rows[0].position;
    const nextSeq = (await sql(`SELECT seq::int AS seq FROM crm.audit_chain WHERE position = $1`, [link + 1])).rows[0].seq;
    await tamper('audit_chain', 'ALL', `DELETE FROM crm.audit_chain WHERE seq = $1`, [role.seq]);
    await tamper('audit_log', 'ALL', `DELETE FROM crm.audit_log WHERE seq = $1`, [role.seq]);
    expect(await verify()).toEqual({ ok: false, firstBrokenSeq: nextSeq, checked: expect.any(Number), archived: 0, reason: 'gap' });
  });

  it('an intruder who alters an entry and rewrites the chain after it, without the key, is still found', async () => {
    // Start again from a whole chain on a fresh server: the previous test left a gap on purpose.
    await srv.stop();
    srv = await startServer();
    for (const u of ['auditor', 'admin']) c[u] = client(srv.baseUrl, await login(srv.baseUrl, u));
    expect(await c.admin.api.admin.createUser({ username: 'teller2', password: 'Fresh#User-2026x', roles: ['rm'] })).toMatchObject({ username: 'teller2' });
    expect((await verify()).ok).toBe(true);
    const target = (await audit({ action: 'admin.user.create' }))[0];
    await tamper('audit_log', 'USER', `UPDATE crm.audit_log SET data = '{"username":"teller2","roles":["auditor"]}' WHERE seq = $1`, [target.seq]);
    const rows = (await sql(`SELECT ch.position::int AS position, ch.algorithm, l.seq::text AS seq,
        to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, l.actor_id::text AS actor_id, l.actor_name, l.action, l.object,
        l.record_id, l.outcome, l.ip, l.request_id, l.data
      FROM crm.audit_chain ch JOIN crm.audit_log l ON l.seq = ch.seq ORDER BY ch.position`)).rows;
    const at = rows.findIndex((r) => Number(r.seq) === target.seq);
    expect(at).toBeGreaterThan(0);
    const kept = (await sql(`SELECT hash FROM crm.audit_chain WHERE position = $1`, [rows[at - 1].position])).rows[0].hash;
    // Every link from the altered entry on recomputed with the published algorithm but a guessed key, or no key at all.
    for (const [algorithm, key] of [['hmac-sha256', Buffer.alloc(32)], ['sha256', undefined]] as const) {
      let prev = kept;
      for (const r of rows.slice(at)) {
        prev = hashAuditRow(algorithm, prev, r, key);
        await tamper('audit_chain', 'USER', `UPDATE crm.audit_chain SET hash = $2, algorithm = $3 WHERE position = $1`, [r.position, prev, algorithm]);
      }
      const v = await verify();
      expect([algorithm, v]).toEqual([algorithm, expect.objectContaining({ ok: false, firstBrokenSeq: target.seq, reason: algorithm === 'sha256' ? 'algorithm' : 'altered' })]);
    }
  });
});
