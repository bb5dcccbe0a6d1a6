/**
 * A field type added in one folder (tests/fixtures/field-types/cn_postcode, registered only here)
 * shows up everywhere a type matters: the designers' palette and properties, filter operators, the
 * API (metadata write, typed column and index, validation messages, record write and read, filters,
 * masking) — and a database that holds it refuses to start on a build that does not register it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fieldType, fieldTypeNames, fieldTypes, registerFieldType } from '@crm/form-engine';
import { startServer, type TestServer } from '../harness/server.js';
import type { Field, Filter } from '@crm/shared';
import { as, login, refused } from '../harness/http.js';
import { english } from '../harness/answers.js';
import { withClient } from '../harness/db.js';
import { cn_postcode } from '../fixtures/field-types/cn_postcode/index.mjs';
import { hasProperty, paletteGroups, rowFieldTypes, typeLabel } from '../../apps/web/src/lib/fieldTypes.js';
import { opsFor, toFilter } from '../../apps/web/src/pages/records/filters.js';
import { WIDGET_KEYS } from '../../apps/web/src/components/form/widget-keys.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REGISTER = pathToFileURL(path.join(here, '../fixtures/field-types/register-in-server.mjs')).href;

type Api = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let analyst: Api;
let security: Api;
let rm: Api;

const FIELDS: Field[] = [
  { key: 'title', label: '网点名称', type: 'text', required: true },
  { key: 'postcode', label: '邮编', type: 'cn_postcode', required: true },
  { key: 'secret_post', label: '保密邮编', type: 'cn_postcode', sensitivity: 3 },
];

beforeAll(async () => {
  registerFieldType(cn_postcode); // in this process: what the web app's registry would hold
  srv = await startServer({ env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${REGISTER}`.trim() } });
  analyst = await as(srv.baseUrl, 'analyst');
  security = await as(srv.baseUrl, 'security');
  rm = await as(srv.baseUrl, 'rm');
});
afterAll(async () => {
  await srv?.stop();
});

describe('in the web app’s designers and filters', () => {
  it('is in the form designer’s palette, under its group, with its label', () => {
    const banking = paletteGroups().find((g) => g.label[1] === 'Banking')!;
    expect(banking.types).toContain('cn_postcode');
    expect(paletteGroups().flatMap((g) => g.types).sort()).toEqual(fieldTypeNames().sort());
    expect(typeLabel('cn_postcode')).toEqual(['邮政编码', 'Postcode']);
    expect(rowFieldTypes()).toContain('cn_postcode');
  });

  it('has an input widget the web app knows, as every registered type has', () => {
    for (const d of fieldTypes()) expect({ type: d.type, widget: WIDGET_KEYS.includes(d.web.widget as never) }).toEqual({ type: d.type, widget: true });
  });

  it('has the designer properties and filter operators its descriptor names', () => {
    expect(hasProperty('cn_postcode', 'default')).toBe(true);
    expect(hasProperty('cn_postcode', 'choices')).toBe(false);
    const field = { key: 'postcode', label: '邮编', type: 'cn_postcode' };
    expect(opsFor(field)).toEqual(['eq', 'ne', 'in', 'empty', 'notEmpty']);
    expect(toFilter({ combinator: 'and', conditions: [{ field: 'postcode', op: 'in', value: '100080，200000' }] }, new Map([['postcode', field]]))).toEqual({
      postcode: { $in: ['100080', '200000'] },
    });
  });
});

describe('in the API', () => {
  it('creates an object with fields of the new type as typed, indexed columns', async () => {
    const res = await analyst.api.meta.createObject({ key: 'outlet', label: '网点', fields: FIELDS });
    expect(res.fields.map((f) => f.type)).toEqual(['text', 'cn_postcode', 'cn_postcode']);
    const cols = await withClient(srv.dbUrl, (c) =>
      c.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'crm_data' AND table_name = 'outlet'`),
    );
    // The descriptor's column (text), and ciphertext plus keyed hash for the level-3 field.
    expect(Object.fromEntries(cols.rows.map((r) => [r.column_name, r.data_type]))).toMatchObject({ postcode: 'text', secret_post: 'text', secret_post__h: 'text' });
    const idx = await withClient(srv.dbUrl, (c) => c.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'crm_data' AND tablename = 'outlet'`));
    expect(idx.rows.map((r) => r.indexdef).join('\n')).toMatch(/USING btree \(postcode\)/);
  });

  it('refuses a type nobody registered with a 400 naming the field, and creates nothing', async () => {
    const res = await refused(analyst.api.meta.createObject({ key: 'odd', label: 'Odd', fields: [{ key: 'x', label: 'X', type: 'zip_code' }] }));
    expect(res.status).toBe(400);
    expect(res.details).toEqual([expect.objectContaining({ path: '/fields/0/type', code: 'enum' })]);
    // The known types the message lists are the server's registry: the fixture type among them.
    expect(res.fieldErrors[0].message).toMatch(/^未知的字段类型；可用的类型：text, .*, json, cn_postcode$/);
    const added = await refused(analyst.api.meta.addField('outlet', { key: 'y', label: 'Y', type: 'zip_code' }));
    expect(added.status).toBe(400);
    expect((await refused(analyst.api.meta.getObject('odd'))).status).toBe(404);
    const tables = await withClient(srv.dbUrl, (c) => c.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'crm_data' AND (table_name = 'odd' OR column_name = 'y')`));
    expect(tables.rowCount).toBe(0);
  });

  it('validates values with the type’s own format and messages, in both languages, writing nothing', async () => {
    const bad = await refused(analyst.api.records.create('outlet', { title: '中关村支行', postcode: '012345', secret_post: 'abc' }));
    expect(bad.status).toBe(400);
    expect(bad.details).toEqual([
      { path: '/postcode', code: 'cn_postcode', message: '邮政编码应为6位数字' },
      { path: '/secret_post', code: 'cn_postcode', message: '邮政编码应为6位数字' },
    ]);
    const en = await refused(english(srv.baseUrl, await login(srv.baseUrl, 'analyst')).records.create('outlet', { title: 'x', postcode: 100080 }));
    expect(en.status).toBe(400);
    expect(en.details).toEqual([{ path: '/postcode', code: 'cn_postcode', message: 'A postcode has 6 digits' }]);
    const rows = await withClient(srv.dbUrl, (c) => c.query('SELECT count(*)::int AS n FROM crm_data.outlet'));
    expect(rows.rows[0].n).toBe(0);
  });

  it('writes and reads records, and filters on the new type', async () => {
    for (const [title, postcode, secret] of [['中关村支行', '100080', '100081'], ['陆家嘴支行', '200120', '200121']]) {
      expect(await analyst.api.records.create('outlet', { title, postcode, secret_post: secret })).toMatchObject({ title, postcode });
    }
    const q = async (filter: Filter) => (await analyst.api.records.list('outlet', { filter, sort: 'postcode' })).items.map((x) => x.title);
    expect(await q({ postcode: '100080' })).toEqual(['中关村支行']);
    expect(await q({ postcode: { $in: ['200120', '999999'] } })).toEqual(['陆家嘴支行']);
    expect(await q({ postcode: { $like: '1%' } })).toEqual(['中关村支行']);
    expect(await q({})).toEqual(['中关村支行', '陆家嘴支行']);
    const bad = await refused(analyst.api.records.list('outlet', { filter: { postcode: { $in: [{ x: 1 }] } } }));
    expect(bad.status).toBe(400);
    // Level 3 without unmask: the analyst sees the type's mask and cannot probe the value with a filter.
    const read = await analyst.api.records.list('outlet', { sort: 'postcode' });
    expect(read.items.map((x) => x.secret_post)).toEqual(['1****1', '2****1']);
    const probe = await refused(analyst.api.records.list('outlet', { filter: { secret_post: '200121' } }));
    expect(probe.status).toBe(400);
    const stored = await withClient(srv.dbUrl, (c) => c.query(`SELECT postcode, secret_post FROM crm_data.outlet ORDER BY postcode`));
    expect(stored.rows[0].postcode).toBe('100080');
    expect(stored.rows[0].secret_post).not.toContain('100081'); // ciphertext at rest
  });

  it('is masked by the type’s own policy for a role that reads it masked or may not unmask', async () => {
    const grant = await security.api.admin.updateRole('rm', { permissions: [{ object: 'outlet', actions: ['read'], scope: 'all', fields: { postcode: 'masked' } }] });
    expect(grant.permissions).toEqual([{ object: 'outlet', actions: ['read'], scope: 'all', fields: { postcode: 'masked' } }]);
    const res = await rm.api.records.list('outlet', { sort: 'title' });
    const byTitle = Object.fromEntries(res.items.map((x) => [x.title, x]));
    expect(byTitle['中关村支行']).toMatchObject({ postcode: '1****0', secret_post: '1****1' });
    expect(JSON.stringify(res)).not.toMatch(/100080|100081|200120|200121/);
    // A field seen masked cannot be probed with a filter either.
    const probe = await refused(rm.api.records.list('outlet', { filter: { postcode: { $like: '10%' } } }));
    expect(probe.status).toBe(400);
  });
});

describe('in stored metadata', () => {
  it('stops a server that does not register the type from starting, naming the fields', async () => {
    await srv.stop({ keepDatabase: true });
    const dbUrl = srv.dbUrl;
    await expect(startServer({ dbUrl, timeoutMs: 60000 })).rejects.toThrow(/outlet\.postcode \("cn_postcode"\).*outlet\.secret_post/s);
    // With the type registered again, the same database starts and serves.
    srv = await startServer({ dbUrl, env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${REGISTER}`.trim() } });
    const again = await as(srv.baseUrl, 'analyst');
    expect((await again.api.records.list('outlet')).items).toHaveLength(2);
    expect(fieldType('cn_postcode').server.index).toBe('btree');
  });
});
