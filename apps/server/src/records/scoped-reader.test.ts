/**
 * The scoped reader's own guarantees against a real PostgreSQL, for the parts other modules compose
 * (a FROM-clause source, stored records for server decisions, readability checks): a person gets
 * only live rows within their scope of the action — never a deleted row, never another owner's,
 * nothing without the action — with hidden fields dropped and sensitive ones masked; the platform
 * gets every live row only when it says so with systemRead(reason).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Db } from '../database/db.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { FieldCrypto } from '../crypto/field-crypto.js';
import type { AppConfig } from '../config/config.js';
import type { Principal } from '../auth/principal.js';
import { ScopedReader, hasAnyRow, systemRead } from './scoped-reader.js';

const ID = '11010519491231002X';
const config = { crypto: 'aes', dataKey: Buffer.alloc(32, 5) } as AppConfig;
const person = (roles: string[]): Principal => ({ id: randomUUID(), username: `u${roles.join('')}`, displayName: null, roles, orgUnitId: null, via: 'token' });

let drop: (() => Promise<void>) | undefined;
let db: Db;
let reader: ScopedReader;
let crypto: FieldCrypto;
const me = person(['sr_own']);
const other = person(['sr_own']);
const stranger = person(['sr_nothing']);
const ids = { mine: randomUUID(), others: randomUUID(), deleted: randomUUID() };

async function row(id: string, owner: string, name: string, deleted = false): Promise<void> {
  await db.query(
    `INSERT INTO crm_data.sr_item (id, owner_id, created_by, name, note, code, code__h, deleted_at) VALUES ($1, $2, $2, $3, $4, $5, $6, $7)`,
    [id, owner, name, `note of ${name}`, crypto.encrypt(JSON.stringify(ID)), crypto.searchHash(ID), deleted ? new Date() : null],
  );
}

/** Ids of the rows a source lets through. */
async function through(who: Principal | ReturnType<typeof systemRead>, action: 'read' | 'update' = 'read'): Promise<string[]> {
  const params: unknown[] = [];
  const src = await reader.source('sr_item', who, action, params, 'x');
  return (await db.query<{ id: string }>(`SELECT x.id::text AS id FROM ${src.sql} ORDER BY x.name`, params)).map((r) => r.id);
}

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('sr', 4));
  const audit = new AuditService(db, config);
  const meta = new MetadataService(db, audit);
  crypto = new FieldCrypto(config.dataKey, 'aes');
  reader = new ScopedReader(db, meta, new AccessService(db), audit, crypto);
  await meta.createObject({ key: 'sr_item', label: { 'zh-CN': '条目' }, fields: [
    { key: 'name', label: { 'zh-CN': '名称' }, type: 'text' },
    { key: 'note', label: { 'zh-CN': '备注' }, type: 'text' },
    { key: 'code', label: { 'zh-CN': '身份证号' }, type: 'cn_id_number', sensitivity: 4 },
  ] }, 'zh-CN');
  await meta.createObject({ key: 'sr_gone', label: { 'zh-CN': '已删' }, fields: [{ key: 'name', label: { 'zh-CN': '名称' }, type: 'text' }] }, 'zh-CN');
  await db.query(
    `INSERT INTO crm.roles (key, name, permissions) VALUES
       ('sr_own', 'own', $1::jsonb),
       ('sr_nothing', 'nothing', '[]'::jsonb)`,
    [JSON.stringify([{ object: 'sr_item', actions: ['read'], scope: 'own', fields: { note: 'none' } }])],
  );
  await row(ids.mine, me.id, 'a-mine');
  await row(ids.others, other.id, 'b-others');
  await row(ids.deleted, me.id, 'c-deleted', true);
  await db.query(`INSERT INTO crm_data.sr_gone (id, name, deleted_at) VALUES ($1, 'only a deleted row', now())`, [randomUUID()]);
});

afterAll(async () => {
  await drop?.();
});

describe('the scoped reader', () => {
  it('as a source lets a person through only to their own live rows, and the platform to every live row', async () => {
    expect(await through(me)).toEqual([ids.mine]);
    expect(await through(other)).toEqual([ids.others]);
    expect(await through(stranger)).toEqual([]);
    // An action the role does not grant: nothing, even of their own.
    expect(await through(me, 'update')).toEqual([]);
    expect(await through(systemRead('test: every live row'))).toEqual([ids.mine, ids.others]);
  });

  it('shows a raw row only as the person may see it: hidden fields dropped, sensitive ones masked', async () => {
    const params: unknown[] = [];
    const src = await reader.source('sr_item', me, 'read', params);
    const [raw] = await db.query(`SELECT t.* FROM ${src.sql}`, params);
    const { view, unmaskedSensitive } = reader.view(src.o, src.acc, raw!);
    expect(view).toMatchObject({ id: ids.mine, name: 'a-mine', code: '1****************X' });
    expect(view).not.toHaveProperty('note');
    expect(view).not.toHaveProperty('deleted_at');
    expect(JSON.stringify(view)).not.toContain(ID);
    expect(unmaskedSensitive).toEqual([]);
  });

  it('gives stored records for decisions decrypted, but only live and within the scope of the action', async () => {
    expect(await reader.stored('sr_item', ids.mine, me)).toMatchObject({ id: ids.mine, code: ID, note: 'note of a-mine' });
    expect(await reader.stored('sr_item', ids.others, me)).toBeNull();
    expect(await reader.stored('sr_item', ids.mine, me, { action: 'update' })).toBeNull();
    expect(await reader.stored('sr_item', ids.deleted, me)).toBeNull();
    expect(await reader.stored('sr_item', ids.deleted, systemRead('test'))).toBeNull();
    expect(await reader.stored('sr_item', ids.others, systemRead('test'))).toMatchObject({ id: ids.others, code: ID });
    expect(await reader.stored('sr_item', "x' OR '1'='1", systemRead('test'))).toBeNull();
  });

  it('answers whether a person may read an id: live, theirs, an object that exists, an id that is one', async () => {
    expect(await reader.mayRead(me, 'sr_item', ids.mine)).toBe(true);
    expect(await reader.mayRead(me, 'sr_item', ids.others)).toBe(false);
    expect(await reader.mayRead(me, 'sr_item', ids.deleted)).toBe(false);
    expect(await reader.mayRead(stranger, 'sr_item', ids.mine)).toBe(false);
    expect(await reader.mayRead(me, 'no_such_object', ids.mine)).toBe(false);
    expect(await reader.mayRead(me, 'sr_item', 'not-an-id')).toBe(false);
    expect(await reader.mayRead(me, 'sr_item', 42)).toBe(false);
    const readable = await reader.readableRecords([{ target: 'sr_item', id: ids.mine }, { target: 'sr_item', id: ids.others }, { target: 'sr_item', id: ids.deleted.toUpperCase() }], me);
    expect([...readable]).toEqual([`sr_item:${ids.mine}`]);
  });

  it('counts deleted rows as data when metadata asks whether a table is empty', async () => {
    expect(await hasAnyRow(db.pool, systemRead('test'), 'sr_gone')).toBe(true);
    expect(await reader.hasAnyRow('sr_item', systemRead('test'))).toBe(true);
  });
});
