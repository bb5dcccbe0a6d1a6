/**
 * The record codec as pure functions (what is bound for each type, what comes back, what a caller
 * sees), then once against a real PostgreSQL: a table with a column of every built-in type, written
 * with the codec's values and casts, read back to the same wire values, and searched with compiled
 * filters.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { BUILTIN_FIELD_TYPES, fieldTypes, UnknownFieldTypeError, type FieldDef } from '@crm/form-engine';
import '../database/data-source.js'; // the server's pg type parsers (dates as text, safe bigints as numbers)
import { FieldCrypto } from '../crypto/field-crypto.js';
import { columnType, comparableOf, hashColumn, isEncrypted, quoteIdent } from '../metadata/field-types.js';
import { decodeField, decodeRow, encodeValues, forAudit, present, sqlCastFor } from './record-codec.js';
import { compileFilter, type ColumnInfo } from './filter-compiler.js';
import { FIELD_CODECS } from './field-codecs.js';
import { randomUUID } from 'node:crypto';

/** A database of its own on the test server (TEST_DATABASE_URL, set by the jest global setup). */
async function onTestServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(sql).finally(() => admin.end());
}
const dbName = `codec_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

const crypto = new FieldCrypto(Buffer.alloc(32, 7), 'aes');
const f = (key: string, type: string, extra: Partial<FieldDef> = {}): FieldDef => ({ key, label: key, type, ...extra }) as FieldDef;

/** One field of every built-in type, and a value of each in the wire format of API.md. */
const ALL: [FieldDef, unknown][] = [
  [f('name', 'text'), '张三丰'],
  [f('remark', 'textarea'), 'line 1\nline 2'],
  [f('age', 'integer'), 9007199254740991],
  [f('rate', 'decimal', { options: { precision: 10, scale: 3 } }), '12345.678'],
  [f('balance', 'money'), '9007199254740993.01'],
  [f('share', 'percent'), '12.3456'],
  [f('vip', 'boolean'), false],
  [f('birth', 'date'), '1990-05-01'],
  [f('seen_at', 'datetime'), '2024-05-01T01:30:00.000Z'],
  [f('level', 'select', { options: { choices: [{ value: 'gold', label: 'G' }] } }), 'gold'],
  [f('products', 'multiselect', { options: { choices: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] } }), ['a', 'b']],
  [f('email', 'email'), 'zhang@example.com'],
  [f('mobile', 'phone'), '13800138000'],
  [f('id_number', 'cn_id_number'), '11010519491231002X'],
  [f('uscc', 'cn_uscc'), '91350100M000100Y43'],
  [f('card', 'bank_card'), '6222021000111234'],
  [f('site', 'url'), 'https://bank.example/'],
  [f('customer', 'relation', { target: 'customer' }), '00000000-0000-4000-8000-000000000001'],
  [f('owner', 'user'), '00000000-0000-4000-8000-000000000002'],
  [f('branch', 'org_unit'), '00000000-0000-4000-8000-000000000003'],
  [f('files', 'attachment'), ['00000000-0000-4000-8000-000000000004']],
  [f('code', 'auto_number', { options: { pattern: 'KH{seq:4}' } }), 'KH0001'],
  [f('tags', 'tags'), ['高净值', 'vip']],
  [f('score', 'computed', { options: { expression: '1' } }), { total: 3, parts: [1, 2] }],
  [f('contacts', 'json'), [{ name: '李四' }]],
];
const secret = f('secret_id', 'cn_id_number', { sensitivity: 3 });

describe('encoding', () => {
  it('covers every built-in type', () => {
    expect(ALL.map(([x]) => x.type)).toEqual(BUILTIN_FIELD_TYPES.map((d) => d.type));
  });

  it('binds values as the column expects: JSON as text, everything else as is', () => {
    const out = encodeValues(ALL.map(([x]) => x), Object.fromEntries(ALL.map(([x, v]) => [x.key, v])), crypto);
    expect(out.get('contacts')).toBe('[{"name":"李四"}]');
    expect(out.get('score')).toBe('{"total":3,"parts":[1,2]}');
    expect(out.get('balance')).toBe('9007199254740993.01');
    expect(out.get('tags')).toEqual(['高净值', 'vip']);
    expect(out.get('age')).toBe(9007199254740991);
  });

  it('clears absent values and empty lists, but keeps an empty repeating group', () => {
    const fields = [f('tags', 'tags'), f('files', 'attachment'), f('contacts', 'json'), f('name', 'text')];
    const out = encodeValues(fields, { tags: [], files: [], contacts: [], name: null }, crypto);
    expect([...out]).toEqual([['tags', null], ['files', null], ['contacts', '[]'], ['name', null]]);
  });

  it('stores a sensitive value as ciphertext plus its keyed hash; a number and its text hash the same', () => {
    const out = encodeValues([secret], { secret_id: '11010519491231002X' }, crypto);
    expect(String(out.get('secret_id'))).toMatch(/^a1:/);
    expect(String(out.get('secret_id'))).not.toContain('1101');
    expect(out.get(hashColumn('secret_id'))).toBe(crypto.searchHash('11010519491231002X'));
    const n = encodeValues([f('n', 'integer', { sensitivity: 4 })], { n: 42 }, crypto);
    expect(n.get('n__h')).toBe(crypto.searchHash('42'));
    expect(encodeValues([secret], {}, crypto).get('secret_id__h')).toBeNull();
  });

  it('casts each bound parameter by the type’s descriptor; ciphertext and hashes as text', () => {
    const casts = Object.fromEntries(ALL.map(([x]) => [x.type, sqlCastFor(x, x.key)]));
    expect(casts).toMatchObject({
      text: 'text', integer: 'bigint', decimal: 'numeric', money: 'numeric', percent: 'numeric', boolean: 'boolean',
      date: 'date', datetime: 'timestamptz', select: 'text', multiselect: 'text[]', tags: 'text[]', relation: 'uuid',
      user: 'uuid', org_unit: 'uuid', attachment: 'uuid[]', computed: 'jsonb', json: 'jsonb', auto_number: 'text',
    });
    expect(sqlCastFor(f('n', 'integer', { sensitivity: 3 }), 'n')).toBe('text');
    expect(sqlCastFor(f('n', 'integer'), 'n__h')).toBe('text');
  });

  it('has a server codec for every registered type', () => {
    for (const d of fieldTypes()) expect({ type: d.type, codec: d.server.codec in FIELD_CODECS }).toEqual({ type: d.type, codec: true });
  });

  it('refuses a field of an unregistered type instead of storing it as text', () => {
    const odd = f('odd', 'no_such_type');
    expect(() => encodeValues([odd], { odd: 'x' }, crypto)).toThrow(UnknownFieldTypeError);
    expect(() => sqlCastFor(odd, 'odd')).toThrow(UnknownFieldTypeError);
    expect(() => decodeField(odd, 'x', crypto)).toThrow(UnknownFieldTypeError);
    expect(() => columnType(odd)).toThrow(UnknownFieldTypeError);
  });
});

describe('decoding and presenting', () => {
  it('turns driver values into wire values', () => {
    expect(decodeField(f('age', 'integer'), '42', crypto)).toBe(42);
    expect(decodeField(f('seen_at', 'datetime'), new Date('2024-05-01T09:30:00+08:00'), crypto)).toBe('2024-05-01T01:30:00.000Z');
    expect(decodeField(f('balance', 'money'), '10.50', crypto)).toBe('10.50');
    expect(decodeField(f('name', 'text'), null, crypto)).toBeNull();
  });

  it('decrypts sensitive values, and reads tampered ciphertext as no value', () => {
    const stored = encodeValues([secret], { secret_id: '11010519491231002X' }, crypto).get('secret_id');
    expect(decodeField(secret, stored, crypto)).toBe('11010519491231002X');
    expect(decodeField(secret, String(stored).slice(0, -4) + 'AAAA', crypto)).toBeNull();
    expect(decodeField(secret, 'a1:garbage', crypto)).toBeNull();
  });

  it('drops hidden fields, masks masked and sensitive ones, and names sensitive values shown in clear', () => {
    const fields = [f('name', 'text'), f('mobile', 'phone'), f('balance', 'money'), secret];
    const record = { id: 'r', name: '张三丰', mobile: '13800138000', balance: '10.00', secret_id: '11010519491231002X' };
    const modes: Record<string, 'write' | 'read' | 'masked' | 'none'> = { name: 'read', mobile: 'masked', balance: 'none', secret_id: 'read' };
    const masked = present(fields, record, (k) => modes[k]!, false);
    expect(masked.view).toMatchObject({ id: 'r', name: '张三丰', mobile: '138****8000', secret_id: '1****************X' });
    expect('balance' in masked.view).toBe(false);
    expect(masked.unmaskedSensitive).toEqual([]);
    const clear = present(fields, record, (k) => modes[k]!, true);
    expect(clear.view).toMatchObject({ mobile: '138****8000', secret_id: '11010519491231002X' });
    expect(clear.unmaskedSensitive).toEqual(['secret_id']);
    expect(forAudit(fields, record)).toMatchObject({ name: '张三丰', mobile: '13800138000', balance: '10.00', secret_id: '1****************X' });
  });
});

describe('against PostgreSQL', () => {
  let client: pg.Client;
  const fields = [...ALL.map(([x]) => x), secret];
  const columns = new Map<string, ColumnInfo>();
  for (const x of fields) {
    columns.set(x.key, {
      key: x.key,
      sql: `t.${quoteIdent(x.key)}`,
      comparable: comparableOf(x.type),
      ...(isEncrypted(x) ? { encrypted: { hashSql: `t.${quoteIdent(hashColumn(x.key))}`, hash: (v: unknown) => crypto.searchHash(String(v)) } } : {}),
    });
  }
  const value = (i: number): Record<string, unknown> => ({
    ...Object.fromEntries(ALL.map(([x, v]) => [x.key, v])),
    name: `客户${i}`,
    balance: i === 1 ? '9007199254740993.01' : '0.10',
    tags: i === 1 ? ['高净值', 'vip'] : ['普通'],
    secret_id: i === 1 ? '11010519491231002X' : '110105194912310037',
  });

  beforeAll(async () => {
    await onTestServer(`CREATE DATABASE ${dbName}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${dbName}`;
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const cols = fields.flatMap((x) => [`${quoteIdent(x.key)} ${columnType(x)}`, ...(isEncrypted(x) ? [`${quoteIdent(hashColumn(x.key))} text`] : [])]);
    await client.query(`CREATE TABLE rec (id int PRIMARY KEY, ${cols.join(', ')})`);
    for (const i of [1, 2]) {
      const encoded = encodeValues(fields, value(i), crypto);
      const names = [...encoded.keys()];
      const casts = names.map((c, n) => `$${n + 2}::${sqlCastFor(fields.find((x) => x.key === c.replace(/__h$/, ''))!, c)}`);
      await client.query(`INSERT INTO rec (id, ${names.map(quoteIdent).join(', ')}) VALUES ($1, ${casts.join(', ')})`, [i, ...encoded.values()]);
    }
  });
  afterAll(async () => {
    await client?.end();
    await onTestServer(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  it('reads back exactly the wire values written, money beyond 2^53 to the cent', async () => {
    const { rows } = await client.query('SELECT * FROM rec WHERE id = 1');
    const { id: _id, ...decoded } = decodeRow(fields, rows[0], crypto);
    const expected = value(1);
    expected.rate = '12345.678';
    expect(Object.fromEntries(fields.map((x) => [x.key, decoded[x.key]]))).toEqual(expected);
  });

  it('finds rows with compiled filters, encrypted fields through their hash', async () => {
    const ids = async (filter: unknown) => {
      const ctx = { columns, params: [] as unknown[] };
      const where = compileFilter(filter, ctx);
      const { rows } = await client.query(`SELECT id FROM rec t WHERE ${where} ORDER BY id`, ctx.params);
      return rows.map((r) => r.id);
    };
    expect(await ids({ balance: { $gt: '9007199254740993.00' } })).toEqual([1]);
    expect(await ids({ balance: { $lt: 0.2 } })).toEqual([2]);
    expect(await ids({ tags: '高净值' })).toEqual([1]);
    expect(await ids({ tags: { $nin: ['高净值'] } })).toEqual([2]);
    expect(await ids({ name: { $contains: '户2' } })).toEqual([2]);
    expect(await ids({ name: { $contains: '%' } })).toEqual([]);
    expect(await ids({ secret_id: '11010519491231002X' })).toEqual([1]);
    expect(await ids({ seen_at: { $gte: '2024-05-01T09:30:00+08:00' }, birth: '1990-05-01', vip: false })).toEqual([1, 2]);
    expect(await ids({ owner: '00000000-0000-4000-8000-000000000002', files: { $contains: '00000000-0000-4000-8000-000000000004' } })).toEqual([1, 2]);
    expect(await ids({ $or: [{ age: { $in: [9007199254740991] } }, { contacts: { $null: true } }] })).toEqual([1, 2]);
  });

  it('keeps a list field’s GIN index usable for its filters', async () => {
    await client.query('CREATE INDEX rec_tags_gin ON rec USING gin (tags)');
    await client.query('SET enable_seqscan = off');
    const ctx = { columns, params: [] as unknown[] };
    const where = compileFilter({ tags: { $in: ['vip'] } }, ctx);
    const { rows } = await client.query(`EXPLAIN SELECT id FROM rec t WHERE ${where}`, ctx.params);
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('rec_tags_gin');
  });
});
