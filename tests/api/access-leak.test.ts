/**
 * Personal data never leaves the server beyond what the caller may see: hidden fields appear in no
 * response of any route the role can call, masked values are masked everywhere, the raw table holds
 * only ciphertext for level ≥ 3 fields, equality search on them needs unmask rights, and the SM suite
 * round-trips as well.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { login, refused, typed } from '../harness/http.js';
import { english, errorBody } from '../harness/answers.js';
import { withClient } from '../harness/db.js';
import { idNumbersEnding1234, setupWorld, type Client, type World } from './access-setup.js';

const RATING = 'RATING-CONFIDENTIAL-7Q';
const MOBILE = '13800138000';
const MOBILE_MASKED = '138****8000';
const [ID_A, ID_B, ID_FORM, ID_HZ] = idNumbersEnding1234(4);
const ID_MASKED = '1****************4';

/** Every body a caller has received, as text, for "appears nowhere" checks. */
class Seen {
  bodies: { what: string; text: string }[] = [];
  add(what: string, body: unknown) {
    this.bodies.push({ what, text: typeof body === 'string' ? body : JSON.stringify(body) });
  }
  containing(s: string): string[] {
    return this.bodies.filter((b) => b.text.includes(s)).map((b) => b.what);
  }
}

describe('personal data and hidden fields', () => {
  let srv: TestServer;
  let w: World;
  let idA: string;
  let idHz: string;
  let idForm: string;
  const rmSeen = new Seen();

  beforeAll(async () => {
    srv = await startServer({ env: { LOG_LEVEL: 'info' } });
    w = await setupWorld(srv);
    const form = await w.c.analyst.api.meta.createForm({
      key: 'client_form', object: 'client', title: '客户登记',
      layout: [{ field: 'name' }, { field: 'id_number' }, { field: 'mobile' }, { field: 'note' }],
    });
    expect(form).toMatchObject({ key: 'client_form', latestVersion: 0 });
    expect(await w.c.analyst.api.meta.publishForm('client_form')).toEqual({ version: 1 });

    const a = await w.c.rm.api.records.create('client', { name: '张三', id_number: ID_A, mobile: MOBILE, note: 'first' });
    rmSeen.add('create answer', a);
    idA = a.id;
    expect(await w.c.rm_peer.api.records.create('client', { name: '李四', id_number: ID_B, mobile: '13900139000' })).toMatchObject({ name: '李四' });
    const hz = await w.c.rm_hz.api.records.create('client', { name: '王五', id_number: ID_HZ, mobile: '13700137000' });
    idHz = hz.id;
    // The hidden field is filled outside the rm's reach (as by a back-office load).
    await withClient(srv.dbUrl, (c) => c.query(`UPDATE crm_data.client SET rating = $1`, [RATING]));
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('shows the rm masked values on create and hides the rating', async () => {
    const created = rmSeen.bodies[0];
    const body = JSON.parse(created.text);
    expect(body).toMatchObject({ name: '张三', id_number: ID_MASKED, mobile: MOBILE_MASKED, note: 'first' });
    expect(body).not.toHaveProperty('rating');
  });

  it('a hidden field and clear sensitive values appear in no answer of any route the rm can call', async () => {
    const rm = w.c.rm.api;
    const seen = rmSeen;
    const got = async <T>(what: string, p: Promise<T>): Promise<T> => {
      const value = await p;
      seen.add(what, value);
      return value;
    };
    /** An expected error answer, kept as the body the caller received. */
    const refusal = async (what: string, p: Promise<unknown>, status: number) => {
      const e = await refused(p);
      const body = errorBody(e);
      seen.add(`${what} (${e.status})`, body);
      expect([what, e.status]).toEqual([what, status]);
      return body;
    };
    const one = await got('get', rm.records.get('client', idA));
    expect(one).toMatchObject({ id_number: ID_MASKED, mobile: MOBILE_MASKED });
    expect(one).not.toHaveProperty('rating');
    const list = await got('list', rm.records.list('client', { total: true }));
    expect(list.total).toBe(2);
    for (const item of list.items) {
      expect(item).not.toHaveProperty('rating');
      expect(item.id_number).toBe(ID_MASKED);
    }
    await got('list asking for the hidden field', rm.records.list('client', { fields: ['name', 'rating', 'id_number'] }));
    const q = await got('query asking for the hidden field', rm.records.query('client', { fields: ['rating', 'mobile'], total: true }));
    expect(q.items.every((i: object) => !('rating' in i))).toBe(true);
    const submitted = await got('form submit', rm.forms.submit('client_form', { name: '赵六', id_number: ID_FORM, mobile: MOBILE }));
    idForm = submitted.id;
    expect(submitted).toMatchObject({ id_number: ID_MASKED, mobile: MOBILE_MASKED });
    const patched = await got('patch', rm.records.update('client', idA, { note: 'second', version: one.version }));
    expect(patched).toMatchObject({ note: 'second', id_number: ID_MASKED, mobile: MOBILE_MASKED });
    expect(patched).not.toHaveProperty('rating');

    // Filters, sorts and writes that name the hidden field are refused without a hint of its value.
    await refusal('filter on hidden', rm.records.query('client', { filter: { rating: RATING } }), 400);
    await refusal('filter on hidden by GET', rm.records.list('client', { filter: { $or: [{ rating: { $like: 'R%' } }] } }), 400);
    await refusal('$null on hidden', rm.records.query('client', { filter: { rating: { $null: false } } }), 400);
    await refusal('sort on hidden', rm.records.list('client', { sort: 'rating' }), 400);
    await refusal('write hidden', rm.records.update('client', idA, { rating: 'X', version: patched.version }), 403);
    await refusal('create with hidden', rm.records.create('client', { name: 'x', rating: 'X' }), 403);
    // Bad values are reported by field and rule, never echoed.
    const badId = ID_A.slice(0, 17) + (ID_A.endsWith('4') ? '5' : '4');
    const bad = await refusal('bad id number', rm.records.create('client', { name: 'x', id_number: badId, mobile: '1380013800099' }), 400);
    expect(JSON.stringify(bad)).not.toContain(badId);
    expect(JSON.stringify(bad)).not.toContain('1380013800099');
    const rmEn = english(srv.baseUrl, w.tokens.rm);
    const badEn = await refusal('bad id number, English', rmEn.records.create('client', { name: 'x', id_number: badId }), 400);
    expect(JSON.stringify(badEn)).not.toContain(badId);
    const badPatch = await refusal('bad patch', rm.records.update('client', idA, { mobile: 'call-me-SECRETVALUE', version: patched.version }), 400);
    expect(JSON.stringify(badPatch)).not.toContain('SECRETVALUE');
    // Another team's record does not exist for the rm.
    await refusal('other team get', rm.records.get('client', idHz), 404);
    await refusal('other team patch', rm.records.update('client', idHz, { note: 'x', version: 1 }), 404);
    // Platform routes the rm can call.
    await got('openapi', rm.openapi());
    await got('me', rm.me());
    await refusal('audit (denied)', rm.audit.list(), 403);

    expect(seen.containing(RATING)).toEqual([]);
    for (const clear of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE, '13900139000', '13700137000']) expect([clear, seen.containing(clear)]).toEqual([clear, []]);
    expect(seen.containing(ID_MASKED).length).toBeGreaterThan(5);
  });

  it('the OpenAPI document shows a role only the fields it may read and write', async () => {
    // The document is open-ended JSON: read it loosely.
    const doc = async (c: Client): Promise<any> => c.api.openapi();
    const rmDoc = await doc(w.c.rm);
    expect(Object.keys(rmDoc.components.schemas.client.properties)).toEqual(expect.arrayContaining(['name', 'id_number', 'mobile', 'note']));
    expect(rmDoc.components.schemas.client.properties).not.toHaveProperty('rating');
    expect(rmDoc.components.schemas.client_input.properties).not.toHaveProperty('rating');
    expect(JSON.stringify(rmDoc)).not.toContain('"rating"');
    const mgrDoc = await doc(w.c.manager);
    expect(mgrDoc.components.schemas.client.properties).toHaveProperty('rating');
    expect(mgrDoc.paths['/api/records/client']).not.toHaveProperty('post');
    const auditorDoc = await doc(w.c.auditor);
    expect(auditorDoc.paths).not.toHaveProperty(['/api/records/client']);
    expect(auditorDoc.components.schemas).not.toHaveProperty('client');
    expect(auditorDoc.paths).toHaveProperty(['/api/audit']);
    expect(mgrDoc.paths).not.toHaveProperty(['/api/audit']);
    const anon: any = await typed(srv.baseUrl).openapi();
    expect(anon.components.schemas).not.toHaveProperty('client');
  });

  it('masks for the manager (subtree, no unmask) everywhere and shows compliance clear values, audited', async () => {
    const mgr = await w.c.manager.api.records.list('client', { total: true });
    // 浦东支行 subtree: both Pudong teams' customers, not Hangzhou's.
    expect(mgr.total).toBe(3);
    const text = JSON.stringify(mgr);
    for (const clear of [ID_A, ID_B, ID_FORM, MOBILE]) expect(text).not.toContain(clear);
    expect(mgr.items.every((i) => i.id_number === ID_MASKED && (i.rating === RATING || i.id === idForm))).toBe(true);
    expect((await refused(w.c.manager.api.records.get('client', idHz))).status).toBe(404);

    const one = await w.c.compliance.api.records.get('client', idA);
    expect(one).toMatchObject({ id_number: ID_A, mobile: MOBILE, rating: RATING });
    const all = await w.c.compliance.api.records.query('client', { total: true });
    expect(all.total).toBe(4);
    expect(all.items.map((i) => i.id_number).sort()).toEqual([ID_A, ID_B, ID_FORM, ID_HZ].sort());

    const audit = await w.c.auditor.api.audit.list({ action: 'record.read_unmasked', actor: 'compliance' });
    expect(audit.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ actorName: 'compliance', object: 'client', recordId: idA, data: { fields: expect.arrayContaining(['id_number', 'mobile']) } }),
      expect.objectContaining({ actorName: 'compliance', object: 'client', data: expect.objectContaining({ ids: expect.arrayContaining([idA, idHz]) }) }),
    ]));
    // Masked reads are not "unmasked reads".
    const byMgr = await w.c.auditor.api.audit.list({ action: 'record.read_unmasked', actor: 'manager' });
    expect(byMgr.items).toEqual([]);
  });

  it('the audit views hold no clear sensitive value and no value of a field the auditor may not read', async () => {
    const readAll = async () => {
      const items: { action: string; data: Record<string, any> }[] = [];
      let cursor: string | null = null;
      do {
        const r = await w.c.auditor.api.audit.list({ object: 'client', limit: 4, cursor: cursor ?? undefined });
        expect(r.items.length).toBeLessThanOrEqual(4);
        items.push(...(r.items as typeof items));
        cursor = r.nextCursor;
      } while (cursor);
      return items;
    };
    // The auditor holds no right on client: the trail says who changed which fields, with no values.
    let items = await readAll();
    let text = JSON.stringify(items);
    const update = items.find((i) => i.action === 'record.update')!;
    expect(update.data.changed).toEqual(['note']);
    expect(update.data.after).toMatchObject({ id: idA, version: 2 });
    for (const v of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE, ID_MASKED, MOBILE_MASKED, '张三', 'second', RATING]) expect([v, text.includes(v)]).toEqual([v, false]);
    // The rm's patch saw the rating (set behind its back) in "before": it is in the row, but not shown.
    const raw0 = await withClient(srv.dbUrl, (c) => c.query(`SELECT data::text AS d FROM crm.audit_log WHERE action = 'record.update'`));
    expect(raw0.rows[0].d).toContain(RATING);
    // Granted read (rating hidden), the auditor sees values as that grant allows: sensitive ones still masked.
    expect((await w.c.security.api.admin.updateRole('auditor', { permissions: [{ object: 'client', actions: ['read'], scope: 'all', fields: { rating: 'none', name: 'masked' } }] })).permissions).toHaveLength(1);
    items = await readAll();
    text = JSON.stringify(items);
    expect(items.find((i) => i.action === 'record.update')!.data).toMatchObject({ before: { note: 'first', id_number: ID_MASKED, mobile: MOBILE_MASKED, name: '张*' }, after: { note: 'second' } });
    for (const v of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE, '张三']) expect([v, text.includes(v)]).toEqual([v, false]);
    expect(text).not.toContain(RATING);
    for (const i of items.filter((x) => x.action.startsWith('record.'))) for (const k of ['before', 'after']) if (i.data[k]) expect(i.data[k]).not.toHaveProperty('rating');
    expect((await w.c.security.api.admin.updateRole('auditor', { permissions: [] })).permissions).toEqual([]);
    // And in the database itself, the audit rows carry masked values only.
    const raw = await withClient(srv.dbUrl, (c) => c.query(`SELECT data::text AS d FROM crm.audit_log WHERE object = 'client'`));
    const rawText = raw.rows.map((r) => r.d).join('\n');
    for (const clear of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE]) expect(rawText).not.toContain(clear);
    expect(rawText).toContain(ID_MASKED);
  });

  it('the raw table holds ciphertext and a keyed hash, never the clear value', async () => {
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT * FROM crm_data.client`));
    expect(rows.rows).toHaveLength(4);
    const dump = JSON.stringify(rows.rows);
    for (const clear of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE, '13900139000', '13700137000']) expect([clear, dump.includes(clear)]).toEqual([clear, false]);
    for (const r of rows.rows) {
      expect(r.id_number).toMatch(/^a1:[A-Za-z0-9+/=]+$/);
      expect(r.mobile).toMatch(/^a1:/);
      expect(r.id_number__h).toMatch(/^[0-9a-f]{64}$/);
      expect(r.note === null || typeof r.note === 'string').toBe(true);
    }
    // Same clear value, different ciphertext (random nonce), same search hash.
    const a = rows.rows.find((r) => r.id === idA)!;
    const f = rows.rows.find((r) => r.id === idForm)!;
    expect(a.mobile).not.toBe(f.mobile);
    expect(a.mobile__h).toBe(f.mobile__h);
  });

  it('equality search on an encrypted field works with unmask rights and is an unknown field without', async () => {
    const compliance = w.c.compliance.api.records;
    const hit = await compliance.query('client', { filter: { id_number: ID_A } });
    expect(hit.items.map((i) => i.id)).toEqual([idA]);
    const byGet = await compliance.list('client', { filter: { mobile: { $in: [MOBILE, '13700137000'] } }, total: true });
    expect(byGet.total).toBe(3);
    const ne = await compliance.query('client', { filter: { mobile: { $ne: MOBILE } }, total: true });
    expect(ne.total).toBe(2);
    const range = await refused(compliance.query('client', { filter: { id_number: { $gt: '1' } } }));
    expect(range.status).toBe(400);
    expect((await refused(compliance.list('client', { sort: 'id_number' }))).status).toBe(400);
    for (const who of ['rm', 'manager'] as const) {
      const r = await refused(w.c[who].api.records.query('client', { filter: { id_number: ID_A } }));
      expect(r.status).toBe(400);
      expect(r.details).toEqual([expect.objectContaining({ path: '/id_number', code: 'unknown_field' })]);
      expect(JSON.stringify(errorBody(r))).not.toContain(ID_A);
    }
  });

  it('the server log holds no clear sensitive value', () => {
    const log = srv.output();
    for (const clear of [ID_A, ID_B, ID_FORM, ID_HZ, '13900139000', RATING]) expect([clear, log.includes(clear)]).toEqual([clear, false]);
  });
});

describe('CRM_CRYPTO=sm', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ env: { CRM_CRYPTO: 'sm' } });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('stores SM4 ciphertext, reads back clear for unmask roles, searches by hash and chains the audit with SM3', async () => {
    const analyst = typed(srv.baseUrl, await login(srv.baseUrl, 'analyst'));
    const security = typed(srv.baseUrl, await login(srv.baseUrl, 'security'));
    const o = await analyst.meta.createObject({ key: 'kyc', label: 'KYC', fields: [
      { key: 'name', label: '姓名', type: 'text' },
      { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
      { key: 'card', label: '银行卡号', type: 'bank_card', sensitivity: 3 },
    ] });
    expect(o).toMatchObject({ key: 'kyc' });
    expect((await security.admin.updateRole('compliance', { permissions: [{ object: 'kyc', actions: ['read'], scope: 'all', unmask: true }] })).permissions).toHaveLength(1);
    const made = await analyst.records.create('kyc', { name: '张三', id_number: ID_A, card: '6222021234567890128' });
    // The analyst (no unmask) sees it masked, by type.
    expect(made).toMatchObject({ id_number: ID_MASKED, card: '**** **** **** 0128' });
    const raw = await withClient(srv.dbUrl, (c) => c.query(`SELECT id_number, card, id_number__h FROM crm_data.kyc`));
    expect(raw.rows[0].id_number).toMatch(/^s1:/);
    expect(raw.rows[0].card).toMatch(/^s1:/);
    expect(JSON.stringify(raw.rows)).not.toContain(ID_A);
    const compliance = typed(srv.baseUrl, await login(srv.baseUrl, 'compliance'));
    const one = await compliance.records.get('kyc', made.id);
    expect(one).toMatchObject({ id_number: ID_A, card: '6222021234567890128' });
    const found = await compliance.records.query('kyc', { filter: { id_number: ID_A } });
    expect(found.items.map((i) => i.id)).toEqual([made.id]);
    const auditor = typed(srv.baseUrl, await login(srv.baseUrl, 'auditor'));
    const v = await auditor.audit.verify();
    expect(v).toEqual({ ok: true, checked: expect.any(Number), archived: 0 });
    const algs = await withClient(srv.dbUrl, (c) => c.query(`SELECT DISTINCT algorithm FROM crm.audit_chain`));
    expect(algs.rows).toEqual([{ algorithm: 'hmac-sm3' }]);
  });
});
