/**
 * Personal data never leaves the server beyond what the caller may see: hidden fields appear in no
 * response of any route the role can call, masked values are masked everywhere, the raw table holds
 * only ciphertext for level ≥ 3 fields, equality search on them needs unmask rights, and the SM suite
 * round-trips as well.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { call, client, login } from '../harness/http.js';
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
    const form = await w.c.analyst.post('/api/meta/forms', {
      key: 'client_form', object: 'client', title: '客户登记',
      layout: [{ field: 'name' }, { field: 'id_number' }, { field: 'mobile' }, { field: 'note' }],
    });
    expect(form.status).toBe(201);
    expect((await w.c.analyst.post('/api/meta/forms/client_form/publish')).status).toBe(201);

    const a = await w.c.rm.post('/api/records/client', { name: '张三', id_number: ID_A, mobile: MOBILE, note: 'first' });
    expect(a.status).toBe(201);
    rmSeen.add('create answer', a.body);
    idA = a.body.id;
    const b = await w.c.rm_peer.post('/api/records/client', { name: '李四', id_number: ID_B, mobile: '13900139000' });
    expect(b.status).toBe(201);
    const hz = await w.c.rm_hz.post('/api/records/client', { name: '王五', id_number: ID_HZ, mobile: '13700137000' });
    expect(hz.status).toBe(201);
    idHz = hz.body.id;
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
    const rm = w.c.rm;
    const seen = rmSeen;
    const got = async (what: string, p: Promise<{ status: number; body: unknown }>, status?: number) => {
      const r = await p;
      seen.add(`${what} (${r.status})`, r.body);
      if (status !== undefined) expect([what, r.status]).toEqual([what, status]);
      return r as { status: number; body: any };
    };
    const one = await got('get', rm.get(`/api/records/client/${idA}`), 200);
    expect(one.body).toMatchObject({ id_number: ID_MASKED, mobile: MOBILE_MASKED });
    expect(one.body).not.toHaveProperty('rating');
    const list = await got('list', rm.get('/api/records/client?total=true'), 200);
    expect(list.body.total).toBe(2);
    for (const item of list.body.items) {
      expect(item).not.toHaveProperty('rating');
      expect(item.id_number).toBe(ID_MASKED);
    }
    await got('list asking for the hidden field', rm.get('/api/records/client?fields=name,rating,id_number'), 200);
    const q = await got('query asking for the hidden field', rm.post('/api/records/client/query', { fields: ['rating', 'mobile'], total: true }), 200);
    expect(q.body.items.every((i: object) => !('rating' in i))).toBe(true);
    const submitted = await got('form submit', rm.post('/api/forms/client_form/submit', { name: '赵六', id_number: ID_FORM, mobile: MOBILE }), 201);
    idForm = submitted.body.id;
    expect(submitted.body).toMatchObject({ id_number: ID_MASKED, mobile: MOBILE_MASKED });
    const patched = await got('patch', rm.patch(`/api/records/client/${idA}`, { note: 'second', version: one.body.version }), 200);
    expect(patched.body).toMatchObject({ note: 'second', id_number: ID_MASKED, mobile: MOBILE_MASKED });
    expect(patched.body).not.toHaveProperty('rating');

    // Filters, sorts and writes that name the hidden field are refused without a hint of its value.
    await got('filter on hidden', rm.post('/api/records/client/query', { filter: { rating: RATING } }), 400);
    await got('filter on hidden by GET', rm.get(`/api/records/client?filter=${encodeURIComponent(JSON.stringify({ $or: [{ rating: { $like: 'R%' } }] }))}`), 400);
    await got('$null on hidden', rm.post('/api/records/client/query', { filter: { rating: { $null: false } } }), 400);
    await got('sort on hidden', rm.get('/api/records/client?sort=rating'), 400);
    await got('write hidden', rm.patch(`/api/records/client/${idA}`, { rating: 'X', version: patched.body.version }), 403);
    await got('create with hidden', rm.post('/api/records/client', { name: 'x', rating: 'X' }), 403);
    // Bad values are reported by field and rule, never echoed.
    const badId = ID_A.slice(0, 17) + (ID_A.endsWith('4') ? '5' : '4');
    const bad = await got('bad id number', rm.post('/api/records/client', { name: 'x', id_number: badId, mobile: '1380013800099' }), 400);
    expect(JSON.stringify(bad.body)).not.toContain(badId);
    expect(JSON.stringify(bad.body)).not.toContain('1380013800099');
    const badEn = await got('bad id number, English', call(srv.baseUrl, 'POST', '/api/records/client', { token: w.tokens.rm, body: { name: 'x', id_number: badId }, headers: { 'accept-language': 'en' } }), 400);
    expect(JSON.stringify(badEn.body)).not.toContain(badId);
    const badPatch = await got('bad patch', rm.patch(`/api/records/client/${idA}`, { mobile: 'call-me-SECRETVALUE', version: patched.body.version }), 400);
    expect(JSON.stringify(badPatch.body)).not.toContain('SECRETVALUE');
    // Another team's record does not exist for the rm.
    await got('other team get', rm.get(`/api/records/client/${idHz}`), 404);
    await got('other team patch', rm.patch(`/api/records/client/${idHz}`, { note: 'x', version: 1 }), 404);
    // Platform routes the rm can call.
    await got('openapi', rm.get('/api/openapi.json'), 200);
    await got('me', rm.get('/api/auth/me'), 200);
    await got('audit (denied)', rm.get('/api/audit'), 403);

    expect(seen.containing(RATING)).toEqual([]);
    for (const clear of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE, '13900139000', '13700137000']) expect([clear, seen.containing(clear)]).toEqual([clear, []]);
    expect(seen.containing(ID_MASKED).length).toBeGreaterThan(5);
  });

  it('the OpenAPI document shows a role only the fields it may read and write', async () => {
    const doc = async (c: Client) => (await c.get('/api/openapi.json')).body;
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
    const anon = (await call(srv.baseUrl, 'GET', '/api/openapi.json')).body;
    expect(anon.components.schemas).not.toHaveProperty('client');
  });

  it('masks for the manager (subtree, no unmask) everywhere and shows compliance clear values, audited', async () => {
    const mgr = await w.c.manager.get('/api/records/client?total=true');
    expect(mgr.status).toBe(200);
    // 浦东支行 subtree: both Pudong teams' customers, not Hangzhou's.
    expect(mgr.body.total).toBe(3);
    const text = JSON.stringify(mgr.body);
    for (const clear of [ID_A, ID_B, ID_FORM, MOBILE]) expect(text).not.toContain(clear);
    expect(mgr.body.items.every((i: Record<string, unknown>) => i.id_number === ID_MASKED && (i.rating === RATING || i.id === idForm))).toBe(true);
    expect((await w.c.manager.get(`/api/records/client/${idHz}`)).status).toBe(404);

    const one = await w.c.compliance.get(`/api/records/client/${idA}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id_number: ID_A, mobile: MOBILE, rating: RATING });
    const all = await w.c.compliance.post('/api/records/client/query', { total: true });
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((i: { id_number: string }) => i.id_number).sort()).toEqual([ID_A, ID_B, ID_FORM, ID_HZ].sort());

    const audit = await w.c.auditor.get(`/api/audit?action=record.read_unmasked&actor=compliance`);
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.body.items).toEqual(expect.arrayContaining([
      expect.objectContaining({ actorName: 'compliance', object: 'client', recordId: idA, data: { fields: expect.arrayContaining(['id_number', 'mobile']) } }),
      expect.objectContaining({ actorName: 'compliance', object: 'client', data: expect.objectContaining({ ids: expect.arrayContaining([idA, idHz]) }) }),
    ]));
    // Masked reads are not "unmasked reads".
    const byMgr = await w.c.auditor.get(`/api/audit?action=record.read_unmasked&actor=manager`);
    expect(byMgr.body.items).toEqual([]);
  });

  it('the audit views hold no clear sensitive value and no value of a field the auditor may not read', async () => {
    const readAll = async () => {
      const items: { action: string; data: Record<string, any> }[] = [];
      let cursor: string | null = null;
      do {
        const r: { status: number; body: { items: typeof items; nextCursor: string | null } } = await w.c.auditor.get(`/api/audit?object=client&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).toBe(200);
        items.push(...r.body.items);
        cursor = r.body.nextCursor;
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
    expect((await w.c.security.patch('/api/admin/roles/auditor', { permissions: [{ object: 'client', actions: ['read'], scope: 'all', fields: { rating: 'none', name: 'masked' } }] })).status).toBe(200);
    items = await readAll();
    text = JSON.stringify(items);
    expect(items.find((i) => i.action === 'record.update')!.data).toMatchObject({ before: { note: 'first', id_number: ID_MASKED, mobile: MOBILE_MASKED, name: '张*' }, after: { note: 'second' } });
    for (const v of [ID_A, ID_B, ID_FORM, ID_HZ, MOBILE, '张三']) expect([v, text.includes(v)]).toEqual([v, false]);
    expect(text).not.toContain(RATING);
    for (const i of items.filter((x) => x.action.startsWith('record.'))) for (const k of ['before', 'after']) if (i.data[k]) expect(i.data[k]).not.toHaveProperty('rating');
    expect((await w.c.security.patch('/api/admin/roles/auditor', { permissions: [] })).status).toBe(200);
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
    const hit = await w.c.compliance.post('/api/records/client/query', { filter: { id_number: ID_A } });
    expect(hit.status).toBe(200);
    expect(hit.body.items.map((i: { id: string }) => i.id)).toEqual([idA]);
    const byGet = await w.c.compliance.get(`/api/records/client?filter=${encodeURIComponent(JSON.stringify({ mobile: { $in: [MOBILE, '13700137000'] } }))}&total=true`);
    expect(byGet.body.total).toBe(3);
    const ne = await w.c.compliance.post('/api/records/client/query', { filter: { mobile: { $ne: MOBILE } }, total: true });
    expect(ne.body.total).toBe(2);
    const range = await w.c.compliance.post('/api/records/client/query', { filter: { id_number: { $gt: '1' } } });
    expect(range.status).toBe(400);
    expect((await w.c.compliance.get('/api/records/client?sort=id_number')).status).toBe(400);
    for (const who of ['rm', 'manager'] as const) {
      const r = await w.c[who].post('/api/records/client/query', { filter: { id_number: ID_A } });
      expect(r.status).toBe(400);
      expect(r.body.error.details).toEqual([expect.objectContaining({ path: '/id_number', code: 'unknown_field' })]);
      expect(JSON.stringify(r.body)).not.toContain(ID_A);
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
    const analyst = client(srv.baseUrl, await login(srv.baseUrl, 'analyst'));
    const security = client(srv.baseUrl, await login(srv.baseUrl, 'security'));
    const o = await analyst.post('/api/meta/objects', { key: 'kyc', label: 'KYC', fields: [
      { key: 'name', label: '姓名', type: 'text' },
      { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
      { key: 'card', label: '银行卡号', type: 'bank_card', sensitivity: 3 },
    ] });
    expect(o.status).toBe(201);
    expect((await security.patch('/api/admin/roles/compliance', { permissions: [{ object: 'kyc', actions: ['read'], scope: 'all', unmask: true }] })).status).toBe(200);
    const made = await analyst.post('/api/records/kyc', { name: '张三', id_number: ID_A, card: '6222021234567890128' });
    expect(made.status).toBe(201);
    // The analyst (no unmask) sees it masked, by type.
    expect(made.body).toMatchObject({ id_number: ID_MASKED, card: '**** **** **** 0128' });
    const raw = await withClient(srv.dbUrl, (c) => c.query(`SELECT id_number, card, id_number__h FROM crm_data.kyc`));
    expect(raw.rows[0].id_number).toMatch(/^s1:/);
    expect(raw.rows[0].card).toMatch(/^s1:/);
    expect(JSON.stringify(raw.rows)).not.toContain(ID_A);
    const compliance = client(srv.baseUrl, await login(srv.baseUrl, 'compliance'));
    const one = await compliance.get(`/api/records/kyc/${made.body.id}`);
    expect(one.body).toMatchObject({ id_number: ID_A, card: '6222021234567890128' });
    const found = await compliance.post('/api/records/kyc/query', { filter: { id_number: ID_A } });
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([made.body.id]);
    const auditor = client(srv.baseUrl, await login(srv.baseUrl, 'auditor'));
    const v = await auditor.get('/api/audit/verify');
    expect(v.body).toEqual({ ok: true, checked: expect.any(Number), archived: 0 });
    const algs = await withClient(srv.dbUrl, (c) => c.query(`SELECT DISTINCT algorithm FROM crm.audit_chain`));
    expect(algs.rows).toEqual([{ algorithm: 'hmac-sm3' }]);
  });
});
