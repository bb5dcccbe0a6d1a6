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
import { createRollup } from './report-rollup-sql.js';
import { OrgTree } from './org-tree.js';

const ID = '11010519491231002X';
const config = { crypto: 'aes', dataKey: Buffer.alloc(32, 5) } as AppConfig;
const person = (roles: string[]): Principal => ({ id: randomUUID(), username: `u${roles.join('')}`, displayName: null, roles, orgUnitId: null, via: 'token' });

let drop: (() => Promise<void>) | undefined;
let db: Db;
let reader: ScopedReader;
let crypto: FieldCrypto;
let metadata: MetadataService;
/** The list total's count bound, small so a few rows pass it. */
const limits = { listTotalCap: 3 };
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
  reader = new ScopedReader(db, meta, new AccessService(db), audit, crypto, limits, new OrgTree(db));
  metadata = meta;
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

describe('a list total past the count bound', () => {
  const many = person(['sr_many_own']);
  const peer = person(['sr_many_own']);
  const filtered = person(['sr_many_filtered']);
  const units = { bank: randomUUID(), east: randomUUID(), west: randomUUID() };
  const total = async (who: Principal | null, filter?: unknown) => {
    const page = await reader.query('sr_many', { total: true, limit: 1, filter }, who);
    return { total: page.total, capped: page.totalCapped ?? false };
  };
  /** What SQL counts: the live rows the filter keeps. */
  const counted = async (where: string, params: unknown[] = []) =>
    Number((await db.one<{ n: string }>(`SELECT count(*)::text AS n FROM crm_data.sr_many t WHERE t.deleted_at IS NULL AND ${where}`, params))!.n);
  const add = async (owner: string | null, unit: string | null, n: number, deleted = false) => {
    for (let i = 0; i < n; i++) {
      await db.query(`INSERT INTO crm_data.sr_many (id, owner_id, org_unit_id, name, deleted_at) VALUES ($1, $2, $3, $4, $5)`, [randomUUID(), owner, unit, `n${i}`, deleted ? new Date() : null]);
    }
  };

  beforeAll(async () => {
    await metadata.createObject({ key: 'sr_many', label: { 'zh-CN': '多行' }, fields: [{ key: 'name', label: { 'zh-CN': '名称' }, type: 'text' }] }, 'zh-CN');
    await db.query(`INSERT INTO crm.org_units (id, parent_id, name, kind, path) VALUES ($1, NULL, 'bank', 'head_office', ARRAY[$1]::uuid[]), ($2, $1, 'east', 'branch', ARRAY[$1, $2]::uuid[]), ($3, $1, 'west', 'branch', ARRAY[$1, $3]::uuid[])`, [units.bank, units.east, units.west]);
    await db.query(
      `INSERT INTO crm.roles (key, name, permissions) VALUES ('sr_many_own', 'own', $1::jsonb), ('sr_many_filtered', 'filtered', $2::jsonb)`,
      [
        JSON.stringify([{ object: 'sr_many', actions: ['read'], scope: 'own' }]),
        JSON.stringify([{ object: 'sr_many', actions: ['read'], scope: { filter: { name: { $ne: 'n0' } } } }]),
      ],
    );
    await add(many.id, units.east, 6);
    await add(many.id, units.west, 2);
    await add(many.id, units.east, 3, true);
    await add(peer.id, units.west, 5);
    await add(null, null, 4);
  });

  it('stops at the bound without a rollup, and says so', async () => {
    expect(await total(null)).toEqual({ total: 3, capped: true });
    expect(await total(many)).toEqual({ total: 3, capped: true });
    // Under the bound: exact, as always.
    expect(await total(many, { org_unit_id: units.west })).toEqual({ total: 2, capped: false });
  });

  it('counts exactly from the report rollup a filter said by org unit and owner, within the caller\'s scope, and follows writes', async () => {
    const o = await metadata.object('sr_many');
    await db.tx(async (c) => {
      await c.query('LOCK TABLE crm_data.sr_many IN SHARE ROW EXCLUSIVE MODE');
      await createRollup(c, o, []);
    });
    expect(await total(null)).toEqual({ total: await counted('TRUE'), capped: false });
    expect((await total(null)).total).toBe(17);
    // A person's scope is in the count: the deleted rows and other owners' rows are not.
    expect(await total(many)).toEqual({ total: 8, capped: false });
    expect(await total(peer)).toEqual({ total: 5, capped: false });
    // A filter naming other owners' rows or units counts none of them: the scope is in the rollup's count too.
    expect(await total(peer, { owner_id: { $ne: many.id } })).toEqual({ total: 5, capped: false });
    expect(await total(peer, { $or: [{ owner_id: many.id }, { org_unit_id: { $orgLevel: { level: 1, value: units.bank } } }] })).toEqual({ total: 5, capped: false });
    expect(await total(null, { owner_id: { $ne: peer.id } })).toEqual({ total: await counted('t.owner_id IS DISTINCT FROM $1', [peer.id]), capped: false });
    expect(await total(null, { $or: [{ owner_id: { $null: true } }, { org_unit_id: units.east }] })).toEqual({ total: 10, capped: false });
    expect(await total(many, { org_unit_id: { $orgLevel: { level: 2, value: units.east } } })).toEqual({ total: 6, capped: false });
    expect(await total(null, { org_unit_id: { $orgLevel: { level: 1, value: units.bank } } })).toEqual({ total: 13, capped: false });
    // Any other field, a relation path or a filter scope: the rollup cannot say it, the bound holds.
    expect(await total(null, { name: { $ne: 'zz' } })).toEqual({ total: 3, capped: true });
    expect(await total(null, { $and: [{ owner_id: many.id }, { name: { $like: 'n%' } }] })).toEqual({ total: 3, capped: true });
    expect(await total(filtered)).toEqual({ total: 3, capped: true });
    // Writes (inserts, soft deletes, a change of owner) move the count at once.
    await add(many.id, units.west, 2);
    await db.query(`UPDATE crm_data.sr_many SET deleted_at = now() WHERE id = (SELECT id FROM crm_data.sr_many WHERE owner_id = $1 AND deleted_at IS NULL LIMIT 1)`, [many.id]);
    await db.query(`UPDATE crm_data.sr_many SET owner_id = $1 WHERE owner_id IS NULL AND id IN (SELECT id FROM crm_data.sr_many WHERE owner_id IS NULL LIMIT 2)`, [many.id]);
    expect(await total(many)).toEqual({ total: await counted('t.owner_id = $1', [many.id]), capped: false });
    expect((await total(many)).total).toBe(11);
    // A rollup that lost its triggers no longer follows writes: it is not trusted.
    await db.query('DROP TRIGGER report_rollup_ins ON crm_data.sr_many');
    expect(await total(many)).toEqual({ total: 3, capped: true });
  });
});
