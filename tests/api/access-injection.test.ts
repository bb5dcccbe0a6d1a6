/**
 * Injection: SQL and FEEL fragments sent where the records API takes identifiers or typed values
 * (filter keys and operators, typed filter values, sort strings, field lists, object keys, cursors, role
 * scope filters) are refused with 400 (404 for object keys) and change nothing. Where a fragment is a
 * legitimate text value it is only ever compared as data: it matches nothing and runs nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { Filter, ListQuery, RowScope } from '@crm/shared';
import { call, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { setupWorld, type World } from './access-setup.js';

const SQL = [
  "'; DROP TABLE crm_data.inj; --",
  "x' OR '1'='1",
  '1 OR 1=1',
  '1; DELETE FROM crm.users',
  '$$; TRUNCATE crm.audit_log; $$',
  '") OR TRUE --',
  'name; SELECT pg_sleep(5)',
  "1)::text; DROP TABLE crm_data.inj CASCADE; SELECT (1",
];
const FEEL = ['name = "x" or true', 'some x in [1] satisfies true', '{a: 1}.a', 'date("2020-01-01") + duration("P1D")', 'function(x) x', '${name}', '#{1+1}'];
const FRAGMENTS = [...SQL, ...FEEL];

describe('injection', () => {
  let srv: TestServer;
  let w: World;
  let snapshot: () => Promise<Record<string, number>>;

  beforeAll(async () => {
    srv = await startServer();
    w = await setupWorld(srv, { extraUsers: false });
    const o = await w.c.analyst.api.meta.createObject({ key: 'inj', label: '注入测试', fields: [
      { key: 'name', label: '名称', type: 'text' },
      { key: 'age', label: '年龄', type: 'integer' },
      { key: 'born', label: '出生日期', type: 'date' },
      { key: 'active', label: '有效', type: 'boolean' },
      { key: 'amount', label: '金额', type: 'money' },
      { key: 'seen_at', label: '时间', type: 'datetime' },
      { key: 'tags', label: '标签', type: 'tags' },
      { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
    ] });
    expect(o.fields.map((f) => f.key)).toEqual(['name', 'age', 'born', 'active', 'amount', 'seen_at', 'tags', 'id_number']);
    for (let i = 0; i < 6; i++) {
      const r = await w.c.analyst.api.records.create('inj', { name: `n${i}`, age: 20 + i, born: `1990-01-0${i + 1}`, active: i % 2 === 0, amount: `${i + 1}00.00`, seen_at: `2025-01-0${i + 1}T08:00:00+08:00`, tags: ['a'] });
      expect(r).toMatchObject({ name: `n${i}`, version: 1 });
    }
    for (let i = 0; i < 3; i++) expect(await w.c.rm.api.records.create('client', { name: `c${i}` })).toMatchObject({ name: `c${i}` });
    snapshot = () => withClient(srv.dbUrl, async (c) => {
      const n = async (sql: string) => Number((await c.query(sql)).rows[0].n);
      return {
        inj: await n('SELECT count(*) AS n FROM crm_data.inj'),
        injLive: await n('SELECT count(*) AS n FROM crm_data.inj WHERE deleted_at IS NULL'),
        client: await n('SELECT count(*) AS n FROM crm_data.client'),
        users: await n('SELECT count(*) AS n FROM crm.users'),
        roles: await n(`SELECT count(*) AS n FROM crm.roles WHERE permissions::text LIKE '%DROP%' OR permissions::text LIKE '%pg_sleep%'`),
        tables: await n(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema IN ('crm', 'crm_data')`),
        auditGaps: await n('SELECT count(*) - count(DISTINCT seq) AS n FROM crm.audit_log'),
      };
    });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  async function expectNoEffect(fn: () => Promise<void>) {
    const before = await snapshot();
    const auditBefore = await withClient(srv.dbUrl, async (c) => Number((await c.query('SELECT count(*) AS n FROM crm.audit_log')).rows[0].n));
    await fn();
    expect(await snapshot()).toEqual(before);
    const auditAfter = await withClient(srv.dbUrl, async (c) => Number((await c.query('SELECT count(*) AS n FROM crm.audit_log')).rows[0].n));
    expect(auditAfter).toBeGreaterThanOrEqual(auditBefore); // nothing was removed from the trail
  }

  const query = (filter: Filter | undefined, extra: ListQuery = {}) => w.c.analyst.api.records.query('inj', { filter, ...extra });
  const list = (q: ListQuery) => w.c.analyst.api.records.list('inj', q);

  it('fragments as filter keys and operators are unknown fields and operators', async () => {
    await expectNoEffect(async () => {
      for (const f of FRAGMENTS) {
        for (const filter of [{ [f]: 1 }, { name: { [f]: 1 } }, { $or: [{ [f]: 'x' }] }, { [`name${f}`]: 'x' }]) {
          const r = await refused(query(filter));
          expect([f, r.status]).toEqual([f, 400]);
          expect(r.code).toBe('records.invalid_filter');
          const g = await refused(list({ filter }));
          expect([f, g.status]).toEqual([f, 400]);
        }
      }
    });
  });

  it('fragments as typed filter values are refused; as text values they are data that matches nothing', async () => {
    await expectNoEffect(async () => {
      for (const f of FRAGMENTS) {
        for (const field of ['age', 'born', 'active', 'amount', 'seen_at', 'id', 'owner_id']) {
          for (const filter of [{ [field]: f }, { [field]: { $gt: f } }, { [field]: { $in: ['1', f] } }]) {
            const r = await refused(query(filter));
            expect([f, field, r.status]).toEqual([f, field, 400]);
          }
        }
        for (const filter of [{ name: f }, { name: { $contains: f } }, { name: { $like: f } }, { tags: f }, { name: { $in: [f, 'zz'] } }]) {
          const r = await query(filter, { total: true });
          expect([f, filter, r.total, r.items]).toEqual([f, filter, 0, []]);
        }
      }
      // The masked-away encrypted field is not filterable for the analyst (no unmask): unknown, whatever the value.
      expect((await refused(query({ id_number: SQL[0] }))).status).toBe(400);
    });
  });

  it('fragments in sort strings and field lists are refused', async () => {
    await expectNoEffect(async () => {
      const sorts = [...FRAGMENTS, 'name DESC', 'name,(SELECT 1)', '-name--', '1', 'name asc', 'NAME', '"name"', 'name,name,name,name,name,name', 't.name', 'id_number', 'tags'];
      for (const s of sorts) {
        expect([s, (await refused(list({ sort: s }))).status]).toEqual([s, 400]);
        expect([s, (await refused(query(undefined, { sort: s }))).status]).toEqual([s, 400]);
      }
      for (const f of FRAGMENTS) {
        expect([f, (await refused(list({ fields: ['name', f] }))).status]).toEqual([f, 400]);
        expect([f, (await refused(query(undefined, { fields: ['name', f] }))).status]).toEqual([f, 400]);
      }
    });
  });

  it('fragments and other tables as object keys are 404, on every records route', async () => {
    await expectNoEffect(async () => {
      const keys = [...FRAGMENTS.map(encodeURIComponent), 'users', 'roles', 'audit_log', 'pg_user', 'INJ', 'inj%3B', 'inj%20', 'crm.users', '..%2Fusers', 'inj%00'];
      for (const k of keys) {
        for (const [method, path, body] of [
          ['GET', `/api/records/${k}`, undefined],
          ['POST', `/api/records/${k}`, { name: 'x' }],
          ['POST', `/api/records/${k}/query`, {}],
          ['GET', `/api/records/${k}/00000000-0000-4000-8000-000000000000`, undefined],
          ['PATCH', `/api/records/${k}/00000000-0000-4000-8000-000000000000`, { version: 1 }],
          ['DELETE', `/api/records/${k}/00000000-0000-4000-8000-000000000000`, undefined],
        ] as const) {
          // Raw: the keys are sent already percent-encoded on purpose (the typed client would encode them again).
          const r = await call(srv.baseUrl, method, path, { token: w.tokens.analyst, body });
          expect([method, path, r.status]).toEqual([method, path, 404]);
        }
      }
      // Record ids that are not ids are refused before any SQL.
      for (const f of SQL) expect((await refused(w.c.analyst.api.records.get('inj', f))).status).toBe(400);
    });
  });

  it('forged cursors are refused', async () => {
    await expectNoEffect(async () => {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const cursors = [
        ...FRAGMENTS.map((f) => enc([f, '00000000-0000-4000-8000-000000000000'])),
        ...FRAGMENTS.map((f) => enc(['2025-01-01T00:00:00Z', f])),
        enc([1, 2, 3]),
        enc({ a: 1 }),
        enc([{ $gt: 1 }, 'x']),
        enc(['2025-01-01T00:00:00Z']),
        ...SQL.map((f) => Buffer.from(f).toString('base64url')),
        'not base64 !!',
      ];
      for (const cursor of cursors) {
        const r = await refused(query(undefined, { cursor }));
        expect([cursor, r.status]).toEqual([cursor, 400]);
        expect(r.code).toBe('records.invalid_cursor');
      }
      // With a sort on a typed column, the cursor values must have that column's type.
      for (const [sort, bad] of [['age', 'abc'], ['born', "1990-01-01'; --"], ['-amount', '1e999999'], ['active', 'yes']] as const) {
        const r = await refused(query(undefined, { sort, cursor: enc([bad, '00000000-0000-4000-8000-000000000000']) }));
        expect([sort, r.status]).toEqual([sort, 400]);
      }
      // A genuine cursor still works.
      const first = await query(undefined, { limit: 2, sort: 'age' });
      expect(first.items.map((i) => i.age)).toEqual([20, 21]);
      const next = await query(undefined, { limit: 2, sort: 'age', cursor: first.nextCursor });
      expect(next.items.map((i) => i.age)).toEqual([22, 23]);
      for (const sort of ['born', '-amount', 'seen_at', 'active,name', '-name']) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const r = await query(undefined, { limit: 4, sort, cursor });
          expect([sort, r.items.length <= 4]).toEqual([sort, true]);
          seen.push(...r.items.map((i) => i.id));
          cursor = r.nextCursor ?? undefined;
        } while (cursor);
        expect([sort, new Set(seen).size]).toEqual([sort, 6]);
      }
    });
  });

  it('role scope filters with fragments are refused when granted, or stay data', async () => {
    await expectNoEffect(async () => {
      const security = w.c.security.api.admin;
      const grant = (scope: RowScope) => security.updateRole('rm', { permissions: [{ object: 'client', actions: ['read'], scope }] });
      const roleBefore = (await security.getRole('rm')).permissions;
      for (const f of FRAGMENTS) {
        for (const scope of [{ filter: { [f]: 1 } }, { filter: { name: { [f]: 1 } } }, { filter: { owner_id: f } }, { filter: { owner_id: `$user.${f}` } }]) {
          const r = await refused(grant(scope));
          expect([f, scope, r.status]).toEqual([f, scope, 400]);
        }
        // A fragment in place of a scope name is not a scope at all (wrongly typed on purpose: raw).
        const r = await w.c.security.patch('/api/admin/roles/rm', { permissions: [{ object: 'client', actions: ['read'], scope: f }] });
        expect([f, r.status]).toEqual([f, 400]);
      }
      expect((await security.getRole('rm')).permissions).toEqual(roleBefore);
      // A text value in a scope filter is only ever a value: the rm then sees nothing.
      expect((await grant({ filter: { name: SQL[1] } })).permissions).toEqual([{ object: 'client', actions: ['read'], scope: { filter: { name: SQL[1] } } }]);
      const r = await w.c.rm.api.records.list('client', { total: true });
      expect([r.total, r.items]).toEqual([0, []]);
      expect((await security.updateRole('rm', { permissions: roleBefore })).permissions).toEqual(roleBefore);
      expect((await w.c.rm.api.records.list('client', { total: true })).total).toBe(3);
    });
  });

  it('fragments as record values are stored and returned as the text they are', async () => {
    for (const f of FRAGMENTS) {
      const r = await w.c.analyst.api.records.create('inj', { name: f, tags: [f.slice(0, 50)] });
      expect([f, r.name]).toEqual([f, f]);
      const found = await query({ name: f }, { total: true });
      expect([f, found.total, found.items.map((i) => i.id)]).toEqual([f, 1, [r.id]]);
    }
    const count = await withClient(srv.dbUrl, async (c) => Number((await c.query('SELECT count(*) AS n FROM crm_data.inj')).rows[0].n));
    expect(count).toBe(6 + FRAGMENTS.length);
    expect((await w.c.auditor.api.audit.verify()).ok).toBe(true);
  });
});
