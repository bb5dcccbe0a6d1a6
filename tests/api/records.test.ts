/**
 * Issue 3 end to end: an analyst builds a "customer" object with one field of every type, a
 * two-section form with a FEEL rule, publishes it, and staff submit, filter, page and read the
 * records back in the OpenAPI document — all on one running server, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { ApiClient, Field, Filter, FormDefinitionInput, ListQuery, Page, Permission, RecordData } from '@crm/shared';
import { as, call, login, postLarge, refused, typed } from '../harness/http.js';
import { withClient } from '../harness/db.js';

type Api = Awaited<ReturnType<typeof as>>;
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, unknown> | undefined>;
  components: { schemas: Record<string, { properties: Record<string, unknown> } | undefined> };
}
let srv: TestServer;
let analyst: Api;
let security: Api;
let rm: Api;
let rmUser: { id: string; orgUnitId?: string | null };

const ALL_TYPES: Field[] = [
  { key: 'name', label: { 'zh-CN': '客户名称', en: 'Name' }, type: 'text', required: true, options: { maxLength: 50, mask: 'name' } },
  { key: 'remark', label: '备注', type: 'textarea' },
  { key: 'age', label: '年龄', type: 'integer' },
  { key: 'score', label: '评分', type: 'decimal', options: { precision: 6, scale: 2 } },
  { key: 'aum', label: '资产', type: 'money' },
  { key: 'share', label: '占比', type: 'percent' },
  { key: 'vip', label: 'VIP', type: 'boolean' },
  { key: 'birth_date', label: '出生日期', type: 'date' },
  { key: 'last_visit', label: '最近拜访', type: 'datetime' },
  { key: 'customer_type', label: '客户类型', type: 'select', options: { choices: [{ value: 'individual', label: '个人' }, { value: 'corporate', label: '对公' }] } },
  { key: 'channels', label: '渠道', type: 'multiselect', options: { choices: [{ value: 'app', label: 'APP' }, { value: 'branch', label: '网点' }, { value: 'wechat', label: '企业微信' }] } },
  { key: 'email', label: '邮箱', type: 'email' },
  { key: 'mobile', label: '手机', type: 'phone', sensitivity: 3 },
  { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
  { key: 'uscc', label: '统一社会信用代码', type: 'cn_uscc' },
  { key: 'card_no', label: '银行卡号', type: 'bank_card' },
  { key: 'website', label: '网站', type: 'url' },
  { key: 'branch', label: '所属网点', type: 'relation', target: 'outlet' },
  { key: 'manager', label: '客户经理', type: 'user' },
  { key: 'org', label: '机构', type: 'org_unit' },
  { key: 'files', label: '附件', type: 'attachment' },
  { key: 'customer_no', label: '客户号', type: 'auto_number', options: { pattern: 'KH{yyyyMMdd}{seq:6}' } },
  { key: 'tags', label: '标签', type: 'tags' },
  { key: 'aum_wan', label: '资产(万元)', type: 'computed', options: { expression: 'if aum = null then null else decimal(aum / 10000, 2)' } },
  { key: 'extra', label: '扩展', type: 'json' },
];

beforeAll(async () => {
  srv = await startServer();
  analyst = await as(srv.baseUrl, 'analyst');
  security = await as(srv.baseUrl, 'security');
  rm = await as(srv.baseUrl, 'rm');
  rmUser = await rm.api.me();
});
afterAll(async () => {
  await srv?.stop();
});

describe('objects and fields', () => {
  it('creates a relation target and an object with one field of every type, as real typed columns', async () => {
    const branch = await analyst.api.meta.createObject({ key: 'outlet', label: '网点', fields: [{ key: 'title', label: '名称', type: 'text', required: true }] });
    expect(branch.key).toBe('outlet');
    const res = await analyst.api.meta.createObject({ key: 'client', label: { 'zh-CN': '客户', en: 'Customer' }, fields: ALL_TYPES });
    expect(res.fields.map((f) => f.key)).toEqual(ALL_TYPES.map((f) => f.key));
    const cols = await withClient(srv.dbUrl, (c) =>
      c.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'crm_data' AND table_name = 'client'`),
    );
    const types = Object.fromEntries(cols.rows.map((r) => [r.column_name, r.data_type]));
    expect(types).toMatchObject({
      id: 'uuid', version: 'integer', owner_id: 'uuid', age: 'bigint', aum: 'numeric', vip: 'boolean', birth_date: 'date',
      last_visit: 'timestamp with time zone', channels: 'ARRAY', branch: 'uuid', files: 'ARRAY', extra: 'jsonb',
      // level ≥ 3: ciphertext plus a keyed hash for equality search
      id_number: 'text', id_number__h: 'text', mobile: 'text', mobile__h: 'text',
    });
    const fk = await withClient(srv.dbUrl, (c) => c.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'crm_data.client'::regclass AND contype = 'f'`));
    expect(fk.rows.length).toBe(3); // branch, manager, org
  });

  it('rejects bad field definitions with every problem named, and designers only', async () => {
    // Raw: an unknown field type, on purpose (the typed Field cannot carry it).
    const bad = await analyst.post('/api/meta/objects/client/fields', { key: 'Bad Key', label: '', type: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.length).toBeGreaterThanOrEqual(2);
    const dup = await refused(analyst.api.meta.addField('client', { key: 'name', label: '重复', type: 'text' }));
    expect(dup.status).toBe(409);
    const norel = await refused(analyst.api.meta.addField('client', { key: 'x_rel', label: 'x', type: 'relation', target: 'nowhere' }));
    expect(norel.status).toBe(400);
    const notDesigner = await refused(rm.api.meta.addField('client', { key: 'sneaky', label: 'x', type: 'text' }));
    expect(notDesigner.status).toBe(403);
    const unknown = await refused(analyst.api.meta.getObject('nope'));
    expect(unknown.status).toBe(404);
    const sqlName = await refused(analyst.api.meta.createObject({ key: 'x"; DROP TABLE crm.users; --', label: 'x' }));
    expect(sqlName.status).toBe(400);
    const users = await withClient(srv.dbUrl, (c) => c.query('SELECT count(*)::int AS n FROM crm.users'));
    expect(users.rows[0].n).toBe(7);
  });

  it('grants staff access through roles (deny by default until then)', async () => {
    const before = await refused(rm.api.records.create('client', { name: '王五' }));
    expect(before.status).toBe(403);
    const perms: Permission[] = [
      { object: 'client', actions: ['create', 'read', 'update', 'delete'], scope: 'team' },
      { object: 'outlet', actions: ['create', 'read'], scope: 'all' },
    ];
    const r = await security.api.admin.updateRole('rm', { permissions: perms });
    expect(r.permissions).toEqual(perms);
  });
});

const VALID = {
  name: '张伟',
  age: 36,
  score: '88.50',
  aum: '1234567.89',
  share: '12.5',
  vip: true,
  birth_date: '1990-03-07',
  last_visit: '2026-11-01T10:00:00+08:00',
  customer_type: 'individual',
  channels: ['app', 'wechat'],
  email: 'zhang.wei@example.com',
  mobile: '13800138000',
  id_number: '11010519491231002X',
  card_no: '6222020200112233446',
  website: 'https://example.com',
  tags: ['高净值'],
  extra: { source: '网点' },
};

describe('forms and submissions', () => {
  it('creates a two-section form with a FEEL rule and publishes version 1', async () => {
    const form: FormDefinitionInput = {
      key: 'customer_onboarding',
      object: 'client',
      title: { 'zh-CN': '客户开户', en: 'Onboarding' },
      layout: [
        { type: 'section', title: { 'zh-CN': '基本信息' }, columns: 2, items: ALL_TYPES.filter((f) => !['uscc', 'remark'].includes(f.key)).map((f) => ({ field: f.key })) },
        { type: 'section', title: { 'zh-CN': '对公信息' }, items: [{ field: 'uscc' }, { field: 'remark' }] },
      ],
      rules: [{ when: 'customer_type = "corporate"', show: ['uscc'], require: ['uscc'] }],
    };
    const created = await analyst.api.meta.createForm(form);
    expect(created).toMatchObject({ key: 'customer_onboarding', latestVersion: 0 });
    const badRule = await refused(analyst.api.meta.saveForm('customer_onboarding', { ...form, rules: [{ when: 'customer_type = ("x"', show: ['uscc'] }] }));
    expect(badRule.status).toBe(400);
    expect(badRule.fieldErrors[0]?.path).toBe('/rules/0/when');
    const pub = await analyst.api.meta.publishForm('customer_onboarding');
    expect(pub).toEqual({ version: 1 });
    const v = await rm.api.meta.getFormVersion('customer_onboarding', 1);
    expect(v.version).toBe(1);
    expect(v.schema.$schema).toContain('2020-12');
    expect((v.schema.properties as Record<string, unknown>).id_number).toBeDefined();
    // Raw: the content type of the generated module is the point.
    const js = await rm.get('/api/meta/forms/customer_onboarding/versions/1/validator.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(String(js.body)).toMatch(/export/);
  });

  it('stores a valid submission with its form version, auto number and computed field', async () => {
    const res = await rm.api.forms.submit('customer_onboarding', VALID);
    expect(res).toMatchObject({ version: 1, form_key: 'customer_onboarding', form_version: 1, name: '张伟', aum: '1234567.89', channels: ['app', 'wechat'], owner_id: rmUser.id });
    expect(res.customer_no).toMatch(/^KH\d{8}000001$/);
    expect(res.aum_wan).toBe(123.46);
    // rm has no unmask right: sensitive values come back masked
    expect(res.id_number).toBe('1****************X');
    expect(res.mobile).toBe('138****8000');
  });

  it('answers an invalid ID number with 400, the path and a Chinese message, and writes nothing', async () => {
    const count = async () => (await withClient(srv.dbUrl, (c) => c.query('SELECT count(*)::int AS n FROM crm_data.client'))).rows[0].n;
    const before = await count();
    const res = await refused(rm.api.forms.submit('customer_onboarding', { ...VALID, id_number: '110105194912310021' }));
    expect(res.status).toBe(400);
    const detail = res.fieldErrors.find((d) => d.path === '/id_number');
    expect(detail?.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(detail?.message).toContain('校验位');
    const anonymous = await refused(typed(srv.baseUrl).forms.submit('customer_onboarding', VALID));
    expect(anonymous.status).toBe(401);
    expect(await count()).toBe(before);
  });

  it('applies the FEEL rule: a corporate customer needs a USCC; a hidden field is not stored', async () => {
    const corp = await refused(rm.api.forms.submit('customer_onboarding', { ...VALID, name: '某某科技', customer_type: 'corporate' }));
    expect(corp.status).toBe(400);
    expect(corp.fieldErrors.map((d) => d.path)).toContain('/uscc');
    const ok = await rm.api.forms.submit('customer_onboarding', { ...VALID, name: '某某科技', customer_type: 'corporate', uscc: '91350100M000100Y43' });
    expect(ok.uscc).toBe('91350100M000100Y43');
    const hidden = await rm.api.forms.submit('customer_onboarding', { ...VALID, name: '李四', uscc: '91350100M000100Y43' });
    expect(hidden.uscc).toBeNull();
  });

  it('refuses system columns and unknown keys from the caller', async () => {
    const res = await refused(rm.api.records.create('client', { name: '赵六', owner_id: rmUser.id, version: 9, nope: 1 }));
    expect(res.status).toBe(400);
    const paths = res.fieldErrors.map((d) => d.path).sort();
    expect(paths).toEqual(['/nope', '/owner_id', '/version']);
  });
});

describe('records: read, change, delete', () => {
  let id: string;
  it('patches with the current version and refuses a stale one with 409', async () => {
    const created = await rm.api.records.create('client', { name: '孙七', aum: '100.00', customer_type: 'individual' });
    expect(created.version).toBe(1);
    id = created.id;
    const p1 = await rm.api.records.update('client', id, { aum: '200.00', version: 1 });
    expect(p1).toMatchObject({ aum: '200.00', version: 2, name: '孙七' });
    const stale = await refused(rm.api.records.update('client', id, { aum: '300.00', version: 1 }));
    expect(stale.status).toBe(409);
    expect(stale.code).toBe('records.stale_version');
    // Raw: a change without a version, which the typed update cannot send.
    const noVersion = await rm.patch(`/api/records/client/${id}`, { aum: '300.00' });
    expect(noVersion.status).toBe(400);
    const bad = await refused(rm.api.records.update('client', id, { aum: 'lots', version: 2 }));
    expect(bad.status).toBe(400);
    const got = await rm.api.records.get('client', id);
    expect(got).toMatchObject({ aum: '200.00', version: 2 });
  });

  it('soft-deletes: the record disappears from the API but the row stays', async () => {
    expect(await rm.api.records.delete('client', id)).toBeUndefined(); // 204: no body
    expect((await refused(rm.api.records.get('client', id))).status).toBe(404);
    expect((await refused(rm.api.records.delete('client', id))).status).toBe(404);
    const row = await withClient(srv.dbUrl, (c) => c.query('SELECT deleted_at FROM crm_data.client WHERE id = $1', [id]));
    expect(row.rows[0].deleted_at).not.toBeNull();
  });

  it('answers unknown objects, bad ids and malformed bodies with 4xx and writes nothing', async () => {
    expect((await refused(rm.api.records.list('nope'))).status).toBe(404);
    expect((await refused(rm.api.records.get('client', 'not-a-uuid'))).status).toBe(400);
    expect((await refused(rm.api.records.get('client', '00000000-0000-0000-0000-000000000000'))).status).toBe(404);
    const token = await login(srv.baseUrl, 'rm');
    // Raw: a truncated body, an oversized one and a JSON array, on purpose.
    const malformed = await call(srv.baseUrl, 'POST', '/api/records/client', { token, rawBody: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(await postLarge(srv.baseUrl, '/api/records/client', 10 * 1024 * 1024, token)).toBe(413);
    const arr = await call(srv.baseUrl, 'POST', '/api/records/client', { token, body: [1, 2] });
    expect(arr.status).toBe(400);
    const wrongTypes = await refused(rm.api.records.create('client', { name: 42, age: 'old', vip: 'yes', birth_date: '2026-02-30', channels: 'app' }));
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.fieldErrors.map((d) => d.path).sort()).toEqual(['/age', '/birth_date', '/channels', '/name', '/vip']);
  });
});

describe('queries', () => {
  beforeAll(async () => {
    expect((await rm.api.records.create('client', { name: '无年龄' })).name).toBe('无年龄');
    for (let i = 0; i < 12; i++) {
      const r = await rm.api.records.create('client', { name: `批量客户${i}`, age: 20 + i, aum: `${1000 * i}.00`, customer_type: i % 3 === 0 ? 'corporate' : 'individual', uscc: i % 3 === 0 ? '91350100M000100Y43' : undefined, channels: i % 2 ? ['app'] : ['branch'], tags: i % 4 === 0 ? ['vip'] : [] });
      expect(r.name).toBe(`批量客户${i}`);
    }
  });

  it('filters with every operator family', async () => {
    const q = async (filter: Filter, sort = 'name') => {
      const r = await rm.api.records.query('client', { filter, sort, limit: 500 });
      return r.items;
    };
    expect((await q({ age: { $gte: 30 }, name: { $like: '批量%' } })).length).toBe(2);
    expect((await q({ age: { $gt: 20, $lt: 23 } })).map((r) => r.age)).toEqual([21, 22]);
    expect((await q({ customer_type: { $in: ['corporate'] }, name: { $like: '批量%' } })).length).toBe(4);
    expect((await q({ customer_type: { $nin: ['corporate'] }, name: { $contains: '批量' } })).length).toBe(8);
    expect((await q({ tags: { $contains: 'vip' } })).length).toBe(3);
    expect((await q({ channels: 'app', name: { $like: '批量%' } })).length).toBe(6);
    expect((await q({ $or: [{ age: 20 }, { age: 31 }] })).length).toBe(2);
    expect((await q({ $not: { name: { $like: '批量%' } }, age: { $null: true } })).map((r) => r.name)).toEqual(['无年龄']);
    expect((await q({ $not: { name: { $like: '批量%' } }, age: { $null: false } })).length).toBeGreaterThan(0);
    expect((await q({ aum: { $lte: '2000' }, name: { $ne: '批量客户0' }, $and: [{ name: { $like: '批量%' } }] })).length).toBe(2);
    expect((await q({ birth_date: { $lt: '2000-01-01' } })).every((r) => r.birth_date)).toBe(true);
  });

  it('pages with a keyset cursor: every record once, in order, with a total', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const totals: number[] = [];
    do {
      const r: Page<RecordData> = await rm.api.records.list('client', { sort: '-age,name', limit: 5, filter: { name: { $like: '批量%' } }, total: true, cursor });
      totals.push(r.total!);
      seen.push(...r.items.map((x) => String(x.name)));
      cursor = r.nextCursor;
    } while (cursor);
    expect(new Set(totals)).toEqual(new Set([12]));
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `批量客户${11 - i}`));
  });

  it('rejects unknown fields and operators, bad values, SQL fragments and oversized limits with 400', async () => {
    const bad: ListQuery[] = [
      { filter: { nope: 1 } },
      { filter: { age: { $regex: '.*' } } },
      { filter: { age: 'abc' } },
      { filter: { "name\"; DROP TABLE crm.users; --": 'x' } },
      { filter: { birth_date: { $gt: "2020-01-01'; DELETE FROM crm.users; --" } } },
      { sort: 'name; DROP TABLE crm.users' },
      { sort: 'nope' },
      { limit: 501 },
      { cursor: 'bm90LWEtY3Vyc29y' },
      { filter: { $or: [] } },
    ];
    for (const body of bad) {
      const r = await refused(rm.api.records.query('client', body));
      expect([r.status, JSON.stringify(body)]).toEqual([400, JSON.stringify(body)]);
      expect(r.code).toMatch(/^(records\.|common\.validation_failed)/);
    }
    const sqlValue = await rm.api.records.query('client', { filter: { name: "x' OR '1'='1" } });
    expect(sqlValue.items).toEqual([]);
    const users = await withClient(srv.dbUrl, (c) => c.query('SELECT count(*)::int AS n FROM crm.users'));
    expect(users.rows[0].n).toBe(7);
  });
});

describe('changes apply at once, and a failed change leaves nothing', () => {
  it('adds a field that is usable in the next request', async () => {
    const add = await analyst.api.meta.addField('client', { key: 'risk_level', label: '风险等级', type: 'select', options: { choices: [{ value: 'low', label: '低' }, { value: 'high', label: '高' }] } });
    expect(add.key).toBe('risk_level');
    const r = await rm.api.records.create('client', { name: '新字段客户', risk_level: 'high' });
    expect(r.risk_level).toBe('high');
    const q = await rm.api.records.query('client', { filter: { risk_level: 'high' } });
    expect(q.items.length).toBe(1);
  });

  it('refuses making a field unique over duplicates: neither metadata nor index changes', async () => {
    const res = await refused(analyst.api.meta.updateField('client', 'customer_type', { unique: true }));
    expect(res.status).toBe(409);
    expect(res.code).toBe('meta.unique_violation_existing');
    const meta = await analyst.api.meta.getObject('client');
    expect(meta.fields.find((f) => f.key === 'customer_type')!.unique).toBeUndefined();
    const idx = await withClient(srv.dbUrl, (c) => c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'crm_data' AND tablename = 'client' AND indexname LIKE '%customer_type%'`));
    expect(idx.rows).toEqual([]);
  });

  it('enforces a unique field with 409 naming it', async () => {
    const add = await analyst.api.meta.addField('client', { key: 'ext_id', label: '外部编号', type: 'text', unique: true });
    expect(add).toMatchObject({ key: 'ext_id', unique: true });
    expect((await rm.api.records.create('client', { name: 'A', ext_id: 'E-1' })).ext_id).toBe('E-1');
    const dup = await refused(rm.api.records.create('client', { name: 'B', ext_id: 'E-1' }));
    expect(dup.status).toBe(409);
    expect(dup.message).toContain('ext_id');
  });

  it('changes a type only where the data converts, otherwise 409 with nothing changed', async () => {
    const t = await analyst.api.meta.addField('client', { key: 'code', label: '代码', type: 'text' });
    expect(t.type).toBe('text');
    await rm.api.records.create('client', { name: 'C', code: '123' });
    const toInt = await analyst.api.meta.updateField('client', 'code', { type: 'integer' });
    expect(toInt.type).toBe('integer');
    await rm.api.records.create('client', { name: 'D', code: 7 });
    const back = await analyst.api.meta.updateField('client', 'code', { type: 'text' });
    expect(back.type).toBe('text');
    await rm.api.records.create('client', { name: 'E', code: 'ABC' });
    const notConverted = await refused(analyst.api.meta.updateField('client', 'code', { type: 'integer' }));
    expect(notConverted.status).toBe(409);
    expect(notConverted.code).toBe('meta.type_change_refused');
    const col = await withClient(srv.dbUrl, (c) => c.query(`SELECT data_type FROM information_schema.columns WHERE table_schema = 'crm_data' AND table_name = 'client' AND column_name = 'code'`));
    expect(col.rows[0].data_type).toBe('text');
    const meta = await analyst.api.meta.getObject('client');
    expect(meta.fields.find((f) => f.key === 'code')!.type).toBe('text');
    const never = await refused(analyst.api.meta.updateField('client', 'channels', { type: 'date' }));
    expect(never.status).toBe(409);
  });

  it('hides a deleted field but keeps its data until a purge', async () => {
    expect(await analyst.api.meta.deleteField('client', 'code')).toBeUndefined(); // 204: no body
    const meta = await analyst.api.meta.getObject('client');
    expect(meta.fields.map((f) => f.key)).not.toContain('code');
    expect(meta.deletedFields).toContain('code');
    const r = await rm.api.records.query('client', { filter: { name: 'E' } });
    expect(r.items[0]!.code).toBeUndefined();
    const kept = await withClient(srv.dbUrl, (c) => c.query(`SELECT code FROM crm_data.client WHERE code = 'ABC'`));
    expect(kept.rows.length).toBe(1);
    // Raw: the typed deleteField has no `purge` flag.
    expect((await analyst.del('/api/meta/objects/client/fields/code?purge=true')).status).toBe(204);
    const gone = await withClient(srv.dbUrl, (c) => c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'crm_data' AND table_name = 'client' AND column_name = 'code'`));
    expect(gone.rows).toEqual([]);
  });
});

describe('single-statement writes', () => {
  // With no auto number to draw and no handler interested, a created record and its audit entry go
  // out as one statement: both or neither.
  it('writes the record and its audit entry together, and neither on a duplicate', async () => {
    const made = await analyst.api.meta.createObject({ key: 'memo', label: '备忘', fields: [
      { key: 'ref', label: '编号', type: 'text', unique: true, required: true },
      { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
    ] });
    expect(made.fields.map((f) => f.key)).toEqual(['ref', 'id_number']);
    const first = await analyst.api.records.create('memo', { ref: 'M-1', id_number: '11010519491231002X' });
    expect(first).toMatchObject({ ref: 'M-1', version: 1, id_number: '1****************X' });
    const dup = await refused(analyst.api.records.create('memo', { ref: 'M-1' }));
    expect(dup.status).toBe(409);
    expect(dup.message).toContain('ref');
    const rows = await withClient(srv.dbUrl, async (c) => ({
      records: (await c.query('SELECT id FROM crm_data.memo')).rows.map((r) => r.id),
      audit: (await c.query(`SELECT record_id, data FROM crm.audit_log WHERE action = 'record.create' AND object = 'memo'`)).rows,
    }));
    expect(rows.records).toEqual([first.id]);
    expect(rows.audit.map((a) => a.record_id)).toEqual([first.id]);
    expect(JSON.stringify(rows.audit[0].data)).not.toContain('11010519491231002X');
    expect((await analyst.api.records.get('memo', first.id)).ref).toBe('M-1');
  });
});

describe('attachments', () => {
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const blob = (bytes: Buffer, type = 'application/octet-stream') => new Blob([new Uint8Array(bytes)], { type });

  it('stores by SHA-256, checks the bytes, and serves only to who may read a record holding it', async () => {
    const up = await rm.api.files.upload(blob(pdf), '合同.pdf');
    expect(up).toMatchObject({ name: '合同.pdf', size: pdf.length, contentType: 'application/pdf', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const exe = await refused(rm.api.files.upload(blob(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 1)]), 'application/pdf'), 'invoice.pdf'));
    expect(exe.status).toBe(415);
    const manager = await as(srv.baseUrl, 'manager');
    const before = await refused(manager.api.files.download(up.id));
    expect(before.status).toBe(404);
    const own = await rm.api.files.download(up.id);
    expect(Buffer.from(await own.arrayBuffer()).equals(pdf)).toBe(true);
    // Attach to a record and let the manager read customers of the branch subtree.
    const rec = await rm.api.records.create('client', { name: '附件客户', files: [up.id] });
    expect(rec.files).toEqual([up.id]);
    await security.api.admin.updateRole('manager', { permissions: [{ object: 'client', actions: ['read'], scope: 'org_subtree' }] });
    const after = await manager.api.files.download(up.id);
    expect(Buffer.from(await after.arrayBuffer()).equals(pdf)).toBe(true);
  });
});

describe('export', () => {
  it('needs the export action, keeps masking and scope, neutralises formulas, and is audited', async () => {
    // Raw: the export answers CSV (its content type is checked), not JSON.
    const denied = await rm.get('/api/records/client/export');
    expect(denied.status).toBe(403);
    await security.api.admin.updateRole('rm', { permissions: [
      { object: 'client', actions: ['create', 'read', 'update', 'delete', 'export'], scope: 'team' },
      { object: 'outlet', actions: ['create', 'read'], scope: 'all' },
    ] });
    expect((await rm.api.records.create('client', { name: '=HYPERLINK("http://x")', id_number: '11010519491231002X' })).name).toBe('=HYPERLINK("http://x")');
    const bad = await rm.get(`/api/records/client/export?filter=${encodeURIComponent('{"nope":1}')}`);
    expect(bad.status).toBe(400);
    const res = await rm.get(`/api/records/client/export?filter=${encodeURIComponent(JSON.stringify({ id_number: { $null: false } }))}`);
    expect(res.status).toBe(400); // rm may not filter on a field it only sees masked
    const ok = await rm.get('/api/records/client/export?sort=name');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/csv');
    const text = String(ok.body);
    expect(text.split('\n')[0]).toContain('客户名称');
    expect(text).toContain('1****************X');
    expect(text).not.toContain('11010519491231002X');
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    const audit = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'record.export' AND object = 'client'`));
    expect(audit.rows[0].n).toBe(1);
  });
});

describe('OpenAPI', () => {
  it('documents the objects and fields the caller may use, updated as metadata changes', async () => {
    const docOf = async (c: ApiClient) => (await c.openapi()) as unknown as OpenApiDoc;
    const doc = await docOf(rm.api);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/records/client']!.post).toBeDefined();
    expect(doc.paths['/api/records/client/{id}']!.patch).toBeDefined();
    expect(Object.keys(doc.components.schemas.client!.properties)).toEqual(expect.arrayContaining(['name', 'id_number', 'risk_level', 'ext_id']));
    expect(doc.paths['/api/meta/objects']!.post).toBeUndefined(); // rm is no designer
    await analyst.api.meta.addField('client', { key: 'wechat_id', label: '微信号', type: 'text' });
    const again = await docOf(rm.api);
    expect(again.components.schemas.client!.properties.wechat_id).toBeDefined();
    const anon = await docOf(typed(srv.baseUrl));
    expect(anon.paths['/api/records/client']).toBeUndefined();
    // Raw: the documentation page is HTML.
    const docs = await fetch(`${srv.baseUrl}/api/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
